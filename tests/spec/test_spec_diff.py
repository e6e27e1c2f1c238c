"""spec_diff: every kind of API change, its classification, and the text / JSON / exit-status interface."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spec_diff import Change, SpecDiffError, diff_specs, format_json, format_text, load_spec, main
from tests.conftest import ROOT

SPEC: dict[str, Any] = json.loads((ROOT / "openapi" / "aimlapi-video.json").read_text(encoding="utf-8"))
POST, GET = "POST /v2/video/generations", "GET /v2/video/generations"
BOTH = (POST, GET)  # both operations answer the shared VideoGeneration component


def _edited(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    edit(spec)
    return spec


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]  # type: ignore[no-any-return]


def _request(spec: dict[str, Any]) -> dict[str, Any]:
    return _schema(spec, "CreateVideoGenerationRequest")


def _facts(changes: list[Change]) -> set[tuple[str, str, str, str]]:
    return {(c.severity, c.kind, c.operation, c.location) for c in changes}


def test_identical_specs_have_no_changes() -> None:
    """The committed spec against itself: nothing to report, and the text says so."""
    assert [] == diff_specs(SPEC, copy.deepcopy(SPEC))
    assert "No API changes.\n" == format_text([])


def test_removed_operation_is_breaking() -> None:
    """Dropping the GET removes a method from the client."""
    new = _edited(lambda s: s["paths"]["/v2/video/generations"].pop("get"))
    assert {("breaking", "operation-removed", GET, "")} == _facts(diff_specs(SPEC, new))


def test_added_operation_is_additive() -> None:
    """A new DELETE is a new method; nothing existing changes."""

    def edit(spec: dict[str, Any]) -> None:
        spec["paths"]["/v2/video/generations"]["delete"] = {"responses": {"204": {"description": "No Content"}}}

    assert {("additive", "operation-added", "DELETE /v2/video/generations", "")} == _facts(
        diff_specs(SPEC, _edited(edit))
    )


def test_added_optional_request_field_is_additive() -> None:
    """An optional body property is a new keyword callers may ignore."""
    new = _edited(lambda s: _request(s)["properties"].update(fps={"type": "integer"}))
    changes = diff_specs(SPEC, new)
    assert {("additive", "request-field-added", POST, "request body field fps")} == _facts(changes)
    assert "added (optional, integer)" == changes[0].detail


def test_added_required_request_field_is_breaking() -> None:
    """A new required body property fails every existing call that lacks it."""

    def edit(spec: dict[str, Any]) -> None:
        _request(spec)["properties"]["fps"] = {"type": "integer"}
        _request(spec)["required"].append("fps")

    assert {("breaking", "request-field-added", POST, "request body field fps")} == _facts(
        diff_specs(SPEC, _edited(edit))
    )


def test_removed_request_field_is_breaking() -> None:
    """Callers passing ``seed`` would send a field the server no longer knows."""
    new = _edited(lambda s: _request(s)["properties"].pop("seed"))
    assert {("breaking", "request-field-removed", POST, "request body field seed")} == _facts(diff_specs(SPEC, new))


def test_request_field_becoming_required_is_breaking_and_optional_additive() -> None:
    """Required in a request breaks callers that omit it; optional only relaxes."""
    new = _edited(lambda s: _request(s).update(required=["model", "prompt", "seed"]))
    assert {
        ("breaking", "field-required", POST, "request body field seed"),
        ("additive", "field-optional", POST, "request body field image_url"),
    } == _facts(diff_specs(SPEC, new))


def test_response_field_becoming_optional_is_breaking_and_required_additive() -> None:
    """In a response the direction flips: an optional field may now be missing where code relied on it."""

    def edit(spec: dict[str, Any]) -> None:
        _schema(spec, "VideoGeneration")["required"] = ["id"]
        _schema(spec, "VideoGenerationMeta")["required"] = ["usage"]

    expected = {("breaking", "field-optional", op, "response 200 field status") for op in BOTH}
    expected |= {("additive", "field-required", op, "response 200 field meta.usage") for op in BOTH}
    assert expected == _facts(diff_specs(SPEC, _edited(edit)))


def test_enum_value_added_is_additive_through_ref_and_allof() -> None:
    """``resolution`` is ``allOf: [$ref]`` to a named enum: a new value there is seen on the field."""
    new = _edited(lambda s: _schema(s, "CreateVideoGenerationRequestResolution")["enum"].append("4k"))
    changes = diff_specs(SPEC, new)
    assert {("additive", "enum-value-added", POST, "request body field resolution")} == _facts(changes)
    assert "enum value added: '4k'" == changes[0].detail


def test_enum_value_removed_is_breaking() -> None:
    """Code passing ``1080p`` would send a value the server rejects."""
    new = _edited(lambda s: _schema(s, "CreateVideoGenerationRequestResolution")["enum"].remove("1080p"))
    changes = diff_specs(SPEC, new)
    assert {("breaking", "enum-value-removed", POST, "request body field resolution")} == _facts(changes)
    assert "enum value removed: '1080p'" == changes[0].detail


def test_type_change_is_breaking() -> None:
    """``seed`` from integer to string changes the generated attribute's type."""
    new = _edited(lambda s: _request(s)["properties"]["seed"].update(type="string"))
    changes = diff_specs(SPEC, new)
    assert {("breaking", "type-changed", POST, "request body field seed")} == _facts(changes)
    assert "type changed from integer to string" == changes[0].detail


def test_a_request_field_accepting_null_too_is_additive() -> None:
    """Widening what a request field accepts breaks no caller: every value sent before is still valid."""
    new = _edited(lambda s: _request(s)["properties"]["seed"].update(type=["integer", "null"]))
    changes = diff_specs(SPEC, new)
    assert {("additive", "type-changed", POST, "request body field seed")} == _facts(changes)
    assert "type changed from integer to integer|null" == changes[0].detail


def test_a_response_field_that_may_be_null_is_breaking_and_narrowing_it_is_additive() -> None:
    """A client reading ``id`` never met null before; one that handled null loses nothing when it goes away."""
    nullable = _edited(lambda s: _schema(s, "VideoGeneration")["properties"]["id"].update(type=["string", "null"]))
    widened = {(c.severity, c.operation) for c in diff_specs(SPEC, nullable) if c.location == "response 200 field id"}
    narrowed = {(c.severity, c.operation) for c in diff_specs(nullable, SPEC) if c.location == "response 200 field id"}
    assert ({("breaking", op) for op in BOTH}, {("additive", op) for op in BOTH}) == (widened, narrowed)


def test_server_default_change_is_additive_and_read_from_the_description_note() -> None:
    """Request defaults live in the ``Server default: ...`` note; a changed one is reported with both values."""

    def edit(spec: dict[str, Any]) -> None:
        prop = _request(spec)["properties"]["resolution"]
        prop["description"] = prop["description"].replace("'720p'", "'1080p'")

    changes = diff_specs(SPEC, _edited(edit))
    assert {("additive", "default-changed", POST, "request body field resolution")} == _facts(changes)
    assert "default changed from '720p' to '1080p'" == changes[0].detail


def test_schema_default_change_is_reported() -> None:
    """A plain ``default`` keyword (here on a response field) is compared as well, type included."""

    def edit(spec: dict[str, Any]) -> None:
        _schema(spec, "VideoGenerationUsage")["properties"]["credits_used"]["default"] = 0

    expected = {("additive", "default-changed", op, "response 200 field meta.usage.credits_used") for op in BOTH}
    changes = diff_specs(SPEC, _edited(edit))
    assert expected == _facts(changes)
    assert {"default added: 0"} == {c.detail for c in changes}


def test_response_field_added_is_additive_in_nested_objects() -> None:
    """A field deep in ``meta.usage`` (reached through allOf wrappers) is found by its path."""
    new = _edited(lambda s: _schema(s, "VideoGenerationUsage")["properties"].update(cost={"type": "number"}))
    expected = {("additive", "response-field-added", op, "response 200 field meta.usage.cost") for op in BOTH}
    assert expected == _facts(diff_specs(SPEC, new))


def test_response_field_removed_is_breaking_in_every_anyof_branch() -> None:
    """``video`` is an object or a list of objects/strings (anyOf): losing ``url`` shows in both forms."""
    new = _edited(lambda s: _schema(s, "VideoGenerationVideo").update(properties={}, required=[]))
    expected = {
        ("breaking", "response-field-removed", op, f"response 200 field {path}")
        for op in BOTH
        for path in ("video.url", "video[].url")
    }
    assert expected == _facts(diff_specs(SPEC, new))


def test_response_field_in_second_anyof_alternative_is_walked() -> None:
    """``error`` is ``{name, message}`` or ``{detail}``: the second alternative's field is diffed too."""
    new = _edited(lambda s: _schema(s, "VideoGenerationErrorDetail")["properties"].pop("detail"))
    removed = {c.location for c in diff_specs(SPEC, new) if c.kind == "response-field-removed"}
    assert {"response 200 field error.detail", "response 200 field error.detail[]"} == removed


def test_status_value_added_is_additive_and_removed_breaking() -> None:
    """``status`` is ``anyOf: [enum, string]``: its enum values are still compared."""

    def edit(spec: dict[str, Any]) -> None:
        _schema(spec, "VideoGenerationStatus")["enum"] = ["generating", "completed", "error", "succeeded"]

    changes = diff_specs(SPEC, _edited(edit))
    assert {("breaking", "enum-value-removed", op, "response 200 field status") for op in BOTH} | {
        ("additive", "enum-value-added", op, "response 200 field status") for op in BOTH
    } == _facts(changes)
    assert {"enum value removed: 'queued'", "enum value added: 'succeeded'"} == {c.detail for c in changes}


def test_response_status_code_added_is_additive_and_removed_breaking() -> None:
    """HTTP status codes of an operation's responses are compared."""

    def edit(spec: dict[str, Any]) -> None:
        responses = spec["paths"]["/v2/video/generations"]["get"]["responses"]
        responses["404"] = {"description": "Not Found"}

    assert {("additive", "response-added", GET, "response 404")} == _facts(diff_specs(SPEC, _edited(edit)))
    assert {("breaking", "response-removed", GET, "response 404")} == _facts(diff_specs(_edited(edit), SPEC))


def test_query_parameter_changes_are_request_changes() -> None:
    """Parameters count as request fields: a new required one breaks callers, a removed one too."""

    def edit(spec: dict[str, Any]) -> None:
        params = spec["paths"]["/v2/video/generations"]["get"]["parameters"]
        params.append({"name": "verbose", "in": "query", "required": True, "schema": {"type": "boolean"}})

    assert {("breaking", "request-field-added", GET, "request query parameter verbose")} == _facts(
        diff_specs(SPEC, _edited(edit))
    )
    assert {("breaking", "request-field-removed", GET, "request query parameter verbose")} == _facts(
        diff_specs(_edited(edit), SPEC)
    )


def test_recursive_schema_terminates() -> None:
    """A self-referencing schema (a tree of nodes) is walked once, not forever."""

    def edit(spec: dict[str, Any]) -> None:
        _schema(spec, "Node")["properties"]["children"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Node"},
        }

    def base(spec: dict[str, Any]) -> None:
        spec["components"]["schemas"]["Node"] = {"type": "object", "properties": {"name": {"type": "string"}}}
        _schema(spec, "VideoGeneration")["properties"]["tree"] = {"$ref": "#/components/schemas/Node"}

    old = _edited(base)
    new = copy.deepcopy(old)
    edit(new)
    added = {c.location for c in diff_specs(old, new)}
    assert {"response 200 field tree.children", "response 200 field tree.children[]"} == added


def test_unresolvable_ref_is_an_error() -> None:
    """A dangling ``$ref`` names itself instead of being silently skipped."""
    new = _edited(lambda s: s["components"]["schemas"].pop("VideoGenerationMeta"))
    with pytest.raises(SpecDiffError, match="unresolvable \\$ref: #/components/schemas/VideoGenerationMeta"):
        diff_specs(SPEC, new)


def test_text_lists_breaking_changes_first_with_a_verdict_line() -> None:
    """People read the verdict, then breaking lines, then additive ones."""

    def edit(spec: dict[str, Any]) -> None:
        _request(spec)["properties"]["fps"] = {"type": "integer"}
        _schema(spec, "CreateVideoGenerationRequestResolution")["enum"].remove("1080p")

    expected = (
        "BREAKING: 2 API change(s), 1 breaking, 1 additive\n"
        "BREAKING  POST /v2/video/generations  request body field resolution: enum value removed: '1080p'\n"
        "additive  POST /v2/video/generations  request body field fps: added (optional, integer)\n"
    )
    assert expected == format_text(diff_specs(SPEC, _edited(edit)))


def test_json_carries_verdict_and_every_change() -> None:
    """Machines get the verdict, the breaking flag and each change's fields."""
    new = _edited(lambda s: _request(s)["properties"].update(fps={"type": "integer"}))
    expected = {
        "verdict": "additive",
        "breaking": False,
        "changes": [
            {
                "severity": "additive",
                "kind": "request-field-added",
                "operation": POST,
                "location": "request body field fps",
                "detail": "added (optional, integer)",
            }
        ],
    }
    assert expected == json.loads(format_json(diff_specs(SPEC, new)))


def _write(tmp_path: Path, name: str, spec: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def test_cli_exit_status_is_1_for_breaking_in_text_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CI gates on the status: a removed enum value exits 1 and prints the change."""
    new = _edited(lambda s: _schema(s, "CreateVideoGenerationRequestResolution")["enum"].remove("1080p"))
    status = main([str(_write(tmp_path, "old.json", SPEC)), str(_write(tmp_path, "new.json", new))])
    out = capsys.readouterr().out
    assert 1 == status
    assert out.startswith("BREAKING: 1 API change(s)")
    assert "enum value removed: '1080p'" in out


def test_cli_exit_status_is_0_for_additive_in_json_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An additive change exits 0; ``--json`` prints a parseable document."""
    new = _edited(lambda s: _request(s)["properties"].update(fps={"type": "integer"}))
    status = main([str(_write(tmp_path, "old.json", SPEC)), str(_write(tmp_path, "new.json", new)), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert 0 == status
    assert ("additive", False) == (document["verdict"], document["breaking"])


def test_cli_breaking_in_json_mode_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The status does not depend on the output format."""
    new = _edited(lambda s: _request(s)["properties"].pop("seed"))
    status = main([str(_write(tmp_path, "old.json", SPEC)), str(_write(tmp_path, "new.json", new)), "--json"])
    assert 1 == status
    assert ["request-field-removed"] == [c["kind"] for c in json.loads(capsys.readouterr().out)["changes"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not JSON"),
        ('{"hello": 1}', "not an OpenAPI document"),
    ],
)
def test_cli_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    """A missing, malformed or non-OpenAPI file is named on one stderr line, status 2."""
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    status = main([str(_write(tmp_path, "old.json", SPEC)), str(bad)])
    err = capsys.readouterr().err
    assert 2 == status
    assert 1 == len(err.strip().splitlines())
    assert err.startswith(f"spec_diff: {bad}: {message}")


def test_cli_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Missing arguments are a usage error (argparse's status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert 2 == exit_info.value.code
    assert "usage:" in capsys.readouterr().err


def test_load_spec_accepts_the_committed_spec() -> None:
    """The reader returns the parsed document for a real normalized spec."""
    assert SPEC == load_spec(ROOT / "openapi" / "aimlapi-video.json")


def test_integer_to_number_widens_a_request_field_and_narrows_a_response_field() -> None:
    """A number field accepts every integer: integer -> number is additive for a request field, and
    number -> integer additive for a response field; the reverse of each is breaking."""
    request_number = _edited(lambda s: _request(s)["properties"]["seed"].update(type="number"))
    assert {"additive"} == {c.severity for c in diff_specs(SPEC, request_number)}
    assert {"breaking"} == {c.severity for c in diff_specs(request_number, SPEC)}


def test_a_tighter_request_constraint_is_breaking_and_a_looser_one_additive() -> None:
    """A maxLength added to the prompt can refuse what callers send; raised later, it only accepts more."""

    def prompt(spec: dict[str, Any]) -> dict[str, Any]:
        return _request(spec)["properties"]["prompt"]  # type: ignore[no-any-return]

    capped = _edited(lambda s: prompt(s).update(maxLength=800))
    assert {("breaking", "constraint-changed", POST, "request body field prompt")} == _facts(diff_specs(SPEC, capped))
    assert "maxLength changed from none to 800" == diff_specs(SPEC, capped)[0].detail
    raised = copy.deepcopy(capped)
    prompt(raised).update(maxLength=2000)
    assert {("additive", "constraint-changed", POST, "request body field prompt")} == _facts(diff_specs(capped, raised))
    assert [] == diff_specs(capped, copy.deepcopy(capped))


def test_a_constraint_on_a_response_field_is_reported_as_additive() -> None:
    """The server sends less: nothing a client reads breaks, but the change is not "no API change" (both
    operations answer with the same schema)."""
    new = _edited(lambda s: _schema(s, "VideoGeneration")["properties"]["id"].update(minLength=1))
    expected = {("additive", "constraint-changed", op, "response 200 field id") for op in (POST, GET)}
    assert expected == _facts(diff_specs(SPEC, new))
