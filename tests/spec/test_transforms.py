"""Each transform in scripts/spec_transforms.py, on a minimal fragment that shows the defect it repairs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from spec_transforms import (
    TransformError,
    add_response_descriptions,
    bearer_security,
    coerce_enum_defaults,
    drop_servers,
    hoist_nested,
    hoist_request_bodies,
    hoist_responses,
    open_enum,
    ref,
    set_operation_ids,
    strip_docs_only,
    unmaterialize_request_defaults,
    upgrade_to_openapi_3_1,
    widen_video_generation,
)

P = "/v2/video/generations"


def doc(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def op_with_request(schema: dict[str, Any], op_id: str = "create") -> dict[str, Any]:
    return doc(
        {
            P: {
                "post": {
                    "operationId": op_id,
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "responses": {"200": {"description": "OK"}},
                }
            }
        }
    )


def test_transforms_never_mutate_their_input() -> None:
    """Pure functions: the argument is unchanged after every transform."""
    spec = op_with_request({"type": "object", "properties": {"d": {"type": "integer", "enum": [5], "default": "5"}}})
    before = copy.deepcopy(spec)
    for transform in (
        coerce_enum_defaults,
        unmaterialize_request_defaults,
        add_response_descriptions,
        drop_servers,
        strip_docs_only,
        bearer_security(),
    ):
        transform(spec)
    assert before == spec


def test_strip_docs_only_drops_extensions_and_examples_but_not_a_property_named_example() -> None:
    """x-* keys and example(s) go; a property that happens to be called "example" stays."""
    spec = doc(
        {
            P: {
                "post": {
                    "x-codeSamples": [1],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "example": {"a": 1},
                                        "properties": {"example": {"type": "string", "examples": ["x"]}},
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
        **{"x-hideTryItPanel": True},
    )
    out = strip_docs_only(spec)
    schema = out["paths"][P]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"type": "object", "properties": {"example": {"type": "string"}}} == schema
    assert "x-codeSamples" not in out["paths"][P]["post"]
    assert "x-hideTryItPanel" not in out


def test_drop_servers() -> None:
    """Upstream's servers lists are not trusted for the base URL."""
    assert "servers" not in drop_servers(doc({}, servers=[{"url": "https://staging"}]))


def test_set_operation_ids_names_each_operation() -> None:
    """Both operations share `_v2_video_generations` upstream; each gets its own name."""
    spec = doc(
        {
            P: {
                "post": {"operationId": "_v2_video_generations"},
                "get": {"operationId": "_v2_video_generations"},
            }
        }
    )
    out = set_operation_ids({("post", P): "createVideoGeneration", ("get", P): "getVideoGeneration"})(spec)
    assert ("createVideoGeneration", "getVideoGeneration") == (
        out["paths"][P]["post"]["operationId"],
        out["paths"][P]["get"]["operationId"],
    )


def test_set_operation_ids_fails_loudly_when_ids_stay_duplicated() -> None:
    """An unmapped duplicate would make the generator lose an operation silently."""
    spec = doc({P: {"post": {"operationId": "same"}, "get": {"operationId": "same"}}})
    with pytest.raises(TransformError, match="not unique"):
        set_operation_ids({})(spec)


def test_add_response_descriptions() -> None:
    """A response without description gets the reason phrase; an existing one is kept."""
    spec = doc({P: {"get": {"responses": {"200": {}, "404": {"description": "gone"}}}}})
    responses = add_response_descriptions(spec)["paths"][P]["get"]["responses"]
    assert {"200": {"description": "OK"}, "404": {"description": "gone"}} == responses


@pytest.mark.parametrize(
    ("schema", "expected_default"),
    [
        ({"type": "integer", "enum": [5, 10, 15], "default": "10"}, 10),
        ({"type": "string", "enum": ["720p", "1080p"], "default": "720p"}, "720p"),
        ({"type": "string", "enum": ["5", "10"], "default": 5}, "5"),
        ({"type": "boolean", "enum": [True, False], "default": "true"}, True),
        ({"type": "integer", "enum": [5, 10], "default": "7"}, None),
        ({"type": "integer", "enum": [5, 10], "default": "ten"}, None),
    ],
)
def test_coerce_enum_defaults(schema: dict[str, Any], expected_default: object) -> None:
    """A default is coerced to the enum's type, and dropped when it is still not a member."""
    out = coerce_enum_defaults(op_with_request({"type": "object", "properties": {"f": schema}}))
    prop = out["paths"][P]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["f"]
    assert expected_default == prop.get("default")


def test_unmaterialize_request_defaults_keeps_the_value_as_prose() -> None:
    """No default reaches the generator, so an unset field is omitted and the server decides."""
    spec = op_with_request(
        {
            "type": "object",
            "properties": {
                "duration": {"type": "integer", "enum": [5, 10], "default": 10, "description": "Seconds."},
                "audio": {"type": "boolean", "default": True},
            },
        }
    )
    props = unmaterialize_request_defaults(spec)["paths"][P]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["properties"]
    assert {"type": "integer", "enum": [5, 10], "description": "Seconds.\n\nServer default: 10."} == props["duration"]
    assert {"type": "boolean", "description": "Server default: true."} == props["audio"]


def test_bearer_security_repairs_the_scheme_and_covers_every_operation() -> None:
    """The `in: header` key is removed and the POST, which declared none, is covered too."""
    spec = doc(
        {P: {"post": {}, "get": {"security": [{"access-token": []}]}}},
        components={
            "securitySchemes": {
                "access-token": {
                    "type": "http",
                    "scheme": "bearer",
                    "in": "header",
                    "description": "Bearer key",
                }
            }
        },
    )
    out = bearer_security()(spec)
    assert {"type": "http", "scheme": "bearer", "description": "Bearer key"} == out["components"]["securitySchemes"][
        "access-token"
    ]
    assert [{"access-token": []}] == out["security"]
    assert "security" not in out["paths"][P]["get"]


def test_bearer_security_creates_a_scheme_when_none_exists() -> None:
    """A fragment set with no scheme at all still ends up authenticated."""
    out = bearer_security("token")(doc({P: {"post": {}}}))
    assert "bearer" == out["components"]["securitySchemes"]["token"]["scheme"]
    assert [{"token": []}] == out["security"]


def test_hoist_request_bodies_names_the_schema_and_drops_the_model_title() -> None:
    """The inline request schema becomes a component; its title (a model id) would name the class."""
    spec = op_with_request({"type": "object", "title": "vendor/model", "properties": {}})
    out = hoist_request_bodies({"create": "CreateReq"})(spec)
    assert ref("CreateReq") == out["paths"][P]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"type": "object", "properties": {}} == out["components"]["schemas"]["CreateReq"]


def _two_ops_same_response(get_schema: dict[str, Any]) -> dict[str, Any]:
    post_schema = {"type": "object", "properties": {"id": {"type": "string"}}}

    def resp(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}

    return doc(
        {
            P: {
                "post": {"operationId": "c", "responses": resp(post_schema)},
                "get": {"operationId": "g", "responses": resp(get_schema)},
            }
        }
    )


def test_hoist_responses_shares_one_component() -> None:
    """POST and GET return the same shape, so they share one class."""
    out = hoist_responses("VG", ("c", "g"))(
        _two_ops_same_response({"type": "object", "properties": {"id": {"type": "string"}}})
    )
    schemas = [out["paths"][P][m]["responses"]["200"]["content"]["application/json"]["schema"] for m in ("post", "get")]
    assert [ref("VG"), ref("VG")] == schemas
    assert ["VG"] == list(out["components"]["schemas"])


def test_hoist_responses_refuses_to_merge_different_shapes() -> None:
    """If upstream's two responses diverge, silently picking one would lose fields."""
    with pytest.raises(TransformError, match="different schema"):
        hoist_responses("VG", ("c", "g"))(_two_ops_same_response({"type": "object", "properties": {}}))


def test_hoist_nested_names_objects_and_enums_and_keeps_nullability_beside_the_ref() -> None:
    """Nested inline objects and enums get stable names; nullable/description stay at the use site."""
    spec = doc(
        {},
        components={
            "schemas": {
                "VG": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["queued"], "description": "State."},
                        "meta": {
                            "type": "object",
                            "nullable": True,
                            "properties": {
                                "usage": {
                                    "type": "object",
                                    "properties": {"credits_used": {"type": "number"}},
                                }
                            },
                        },
                        "id": {"type": "string"},
                    },
                }
            }
        },
    )
    out = hoist_nested("VG")(spec)
    schemas = out["components"]["schemas"]
    assert ["VG", "VGMeta", "VGStatus", "VGUsage"] == sorted(schemas)
    assert {"allOf": [ref("VGStatus")], "description": "State."} == schemas["VG"]["properties"]["status"]
    assert {"allOf": [ref("VGMeta")], "nullable": True} == schemas["VG"]["properties"]["meta"]
    assert ref("VGUsage") == schemas["VGMeta"]["properties"]["usage"]
    assert {"type": "string"} == schemas["VG"]["properties"]["id"]


def test_open_enum_accepts_any_string_besides_the_known_values() -> None:
    """A new status from the live API must parse instead of raising."""
    spec = doc(
        {},
        components={
            "schemas": {
                "VGStatus": {"type": "string", "enum": ["queued"]},
                "VG": {
                    "type": "object",
                    "properties": {"status": {"allOf": [ref("VGStatus")], "description": "d"}},
                },
            }
        },
    )
    out = open_enum("VG", "status")(spec)
    assert {"anyOf": [ref("VGStatus"), {"type": "string"}], "description": "d"} == out["components"]["schemas"]["VG"][
        "properties"
    ]["status"]


def test_open_enum_needs_a_named_enum() -> None:
    """Run out of order, it says which transform must come first."""
    spec = doc({}, components={"schemas": {"VG": {"properties": {"status": {"type": "string", "enum": ["a"]}}}}})
    with pytest.raises(TransformError, match="hoist_nested"):
        open_enum("VG", "status")(spec)


def test_widen_video_generation_admits_the_live_forms() -> None:
    """Video lists, `{detail: [...]}` errors and other usage keys are part of the response type."""
    spec = doc(
        {},
        components={
            "schemas": {
                "VG": {
                    "type": "object",
                    "properties": {
                        "video": {"allOf": [ref("VGVideo")], "nullable": True},
                        "error": {"allOf": [ref("VGError")], "nullable": True},
                    },
                },
                "VGUsage": {
                    "type": "object",
                    "properties": {"credits_used": {"type": "number"}},
                    "required": ["credits_used"],
                },
            }
        },
    )
    schemas = widen_video_generation("VG")(spec)["components"]["schemas"]
    video = schemas["VG"]["properties"]["video"]
    assert [
        ref("VGVideo"),
        {"type": "array", "items": {"anyOf": [ref("VGVideo"), {"type": "string", "format": "uri"}]}},
    ] == video["anyOf"]
    assert [ref("VGError"), ref("VGErrorDetail")] == schemas["VG"]["properties"]["error"]["anyOf"]
    assert ["detail"] == schemas["VGErrorDetail"]["required"]
    assert {"credits_used", "tokens_used", "usd_spent"} == set(schemas["VGUsage"]["properties"])
    assert "required" not in schemas["VGUsage"]


def test_upgrade_to_openapi_3_1_makes_nullable_precise() -> None:
    """`nullable` beside a reference admits no null in 3.0; in 3.1 it becomes an explicit null branch."""
    spec = doc(
        {},
        components={
            "schemas": {
                "VG": {
                    "type": "object",
                    "properties": {
                        "meta": {"allOf": [ref("Meta")], "nullable": True, "description": "d"},
                        "error": {"anyOf": [ref("E1"), ref("E2")], "nullable": True},
                        "video": {"$ref": "#/components/schemas/V", "nullable": True},
                        "name": {"type": "string", "nullable": True},
                        "size": {"type": "integer", "enum": [1, 2], "nullable": True},
                        "plain": {"type": "string", "nullable": False},
                    },
                }
            }
        },
    )
    out = upgrade_to_openapi_3_1(spec)
    props = out["components"]["schemas"]["VG"]["properties"]
    null = {"type": "null"}
    assert "3.1.0" == out["openapi"]
    assert {"anyOf": [ref("Meta"), null], "description": "d"} == props["meta"]
    assert {"anyOf": [ref("E1"), ref("E2"), null]} == props["error"]
    assert {"anyOf": [ref("V"), null]} == props["video"]
    assert {"type": ["string", "null"]} == props["name"]
    assert {"type": ["integer", "null"], "enum": [1, 2, None]} == props["size"]
    assert {"type": "string"} == props["plain"]
