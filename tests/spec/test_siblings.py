"""The pipeline is generic: sibling models' published files build and generate without model-specific code.

Each sibling POST in ../shared/upstream/raw is paired with the shared GET (universal-video-fetch.json), reduced
as update_spec reduces what it downloads, built by build_spec's PIPELINE and generated with --fail-on-warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from build_spec import CREATE, GET, build, dump
from generate_client import generate
from spec_transforms import TransformError, merge_response_schemas
from tests.conftest import shared_file
from update_spec import reduce_raw

ENDPOINT = "/v2/video/generations"
SIBLINGS = {
    "wan2.6-i2v.json": "alibaba/wan-2-6-i2v",
    "wan2.6-t2v.json": "alibaba/wan-2-6-t2v",
    "wan2.7-i2v.json": "alibaba/wan-2-7-i2v",
    "veo-3.1-i2v.json": "google/veo-3.1-i2v",
}


def _raw(name: str) -> dict[str, Any]:
    return json.loads(shared_file("upstream", "raw", name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _sibling_spec(name: str) -> dict[str, Any]:
    fragments = [
        ("get_v2_video_generations.json", reduce_raw(_raw("universal-video-fetch.json"))),
        ("post_v2_video_generations.json", reduce_raw(_raw(name))),
    ]
    return build(fragments)


@pytest.mark.parametrize("name", sorted(SIBLINGS))
def test_sibling_builds_and_generates_without_warnings(name: str, tmp_path: Path) -> None:
    """A valid spec (build validates it) and a client generated with --fail-on-warning, naming the model."""
    spec = _sibling_spec(name)
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(dump(spec), encoding="utf-8")
    generate(spec_file, tmp_path / "aiml_api_client")
    models = tmp_path / "aiml_api_client" / "models"
    assert f'"{SIBLINGS[name]}"' in (models / "create_video_generation_request_model.py").read_text(encoding="utf-8")
    assert (models / "video_generation.py").is_file()


@pytest.mark.parametrize("name", sorted(SIBLINGS))
def test_sibling_defects_are_repaired(name: str) -> None:
    """The recurring defects are gone: unique operationIds, no materialized request defaults, one response class."""
    spec = _sibling_spec(name)
    item = spec["paths"][ENDPOINT]
    assert (CREATE, GET) == (item["post"]["operationId"], item["get"]["operationId"])
    request = spec["components"]["schemas"]["CreateVideoGenerationRequest"]
    assert [] == [p for p, s in request["properties"].items() if "default" in s]
    refs = {item[m]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] for m in ("get", "post")}
    assert {"#/components/schemas/VideoGeneration"} == refs


def test_integer_enum_string_default_is_coerced_for_veo() -> None:
    """Veo's ``duration`` is an integer enum [4, 6, 8] with default ``"8"``: the note carries the integer 8."""
    spec = _sibling_spec("veo-3.1-i2v.json")
    duration = spec["components"]["schemas"]["CreateVideoGenerationRequest"]["properties"]["duration"]
    assert duration["description"].endswith("Server default: 8.")
    assert [4, 6, 8] == spec["components"]["schemas"]["CreateVideoGenerationRequestDuration"]["enum"]


def test_text_to_video_sibling_needs_no_image() -> None:
    """wan2.6-t2v has no ``image_url``; nothing in the pipeline assumes one."""
    request = _sibling_spec("wan2.6-t2v.json")["components"]["schemas"]["CreateVideoGenerationRequest"]
    assert ["model", "prompt"] == request["required"]
    assert "image_url" not in request["properties"]


def test_wan27_post_response_with_extra_usage_field_is_merged_with_the_shared_get() -> None:
    """wan2.7's POST documents ``usage.usd_spent`` (required) that the shared GET lacks: one class admits both."""
    usage = _sibling_spec("wan2.7-i2v.json")["components"]["schemas"]["VideoGenerationUsage"]
    assert {"credits_used", "usd_spent", "tokens_used"} == set(usage["properties"])
    assert "The total amount of money spent by the user in USD." == usage["properties"]["usd_spent"]["description"]
    assert "required" not in usage


def _two_responses(post_schema: dict[str, Any], get_schema: dict[str, Any]) -> dict[str, Any]:
    def op(op_id: str, schema: dict[str, Any]) -> dict[str, Any]:
        content = {"application/json": {"schema": schema}}
        return {"operationId": op_id, "responses": {"200": {"content": content}}}

    return {"openapi": "3.0.0", "paths": {ENDPOINT: {"post": op(CREATE, post_schema), "get": op(GET, get_schema)}}}


def _response(spec: dict[str, Any], method: str) -> dict[str, Any]:
    return spec["paths"][ENDPOINT][method]["responses"]["200"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def test_merge_response_schemas_unites_properties_and_intersects_required() -> None:
    """Both operations get the loosest common schema, nested objects included; the input is not mutated."""
    post = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "usage": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a", "b"],
            },
        },
        "required": ["id", "usage"],
    }
    get = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "usage": {"type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]},
        },
        "required": ["id"],
    }
    spec = _two_responses(post, get)
    before = json.dumps(spec)
    out = merge_response_schemas((CREATE, GET))(spec)
    expected = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "usage": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a"],
            },
        },
        "required": ["id"],
    }
    assert (expected, expected) == (_response(out, "post"), _response(out, "get"))
    assert before == json.dumps(spec)


def test_merge_response_schemas_leaves_identical_schemas_alone() -> None:
    """The vendored fragments (identical responses) come out unchanged."""
    schema = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    spec = _two_responses(schema, dict(schema))
    assert spec == merge_response_schemas((CREATE, GET))(spec)


def test_merge_response_schemas_refuses_conflicting_types() -> None:
    """A field typed differently by the two operations is a conflict to resolve by hand, never guessed."""
    spec = _two_responses(
        {"type": "object", "properties": {"id": {"type": "string"}}},
        {"type": "object", "properties": {"id": {"type": "integer"}}},
    )
    with pytest.raises(TransformError, match=r"response\.id: 'type' differs between operations"):
        merge_response_schemas((CREATE, GET))(spec)


def test_merge_response_schemas_unites_enum_values_and_nullability() -> None:
    """A status value upstream adds to one operation only may come back from either: the merged schema admits
    it (spec_diff then reports an enum value added), as it admits null where one operation allows it."""
    spec = _two_responses(
        {"type": "object", "properties": {"status": {"type": "string", "enum": ["queued", "completed"]}}},
        {
            "type": "object",
            "properties": {"status": {"type": "string", "enum": ["queued", "completed", "paused"], "nullable": True}},
        },
    )
    out = merge_response_schemas((CREATE, GET))(spec)
    expected = {"type": "string", "enum": ["queued", "completed", "paused"], "nullable": True}
    assert (expected, expected) == (
        _response(out, "post")["properties"]["status"],
        _response(out, "get")["properties"]["status"],
    )


def test_a_conflict_names_both_values() -> None:
    """A conflict left to a person says what the two operations declare, not only where."""
    spec = _two_responses(
        {"type": "object", "properties": {"id": {"type": "string"}}},
        {"type": "object", "properties": {"id": {"type": "integer"}}},
    )
    with pytest.raises(TransformError, match=r"^response\.id: 'type' differs between operations \(") as info:
        merge_response_schemas((CREATE, GET))(spec)
    assert {"'string'", "'integer'"} <= set(str(info.value).removesuffix(")").split("(", 1)[1].split(" and "))
