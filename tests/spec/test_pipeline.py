"""The whole pipeline: merge, build, validate, generate, and the drift check that guards generated/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from aiml_api_client.models import VideoGeneration, VideoGenerationStatus
from aiml_api_client.models.video_generation_error_detail import VideoGenerationErrorDetail
from aiml_api_client.models.video_generation_video import VideoGenerationVideo
from aiml_api_client.types import Unset
from build_spec import BuildError, build, dump, load_fragments, main, merge
from check_generated import drift
from generate_client import generate
from tests.conftest import ROOT

UPSTREAM = ROOT / "openapi" / "upstream"
POST = "post_v2_video_generations.json"
SPEC_FILE = ROOT / "openapi" / "aimlapi-video.json"


def _fragments() -> dict[str, dict[str, Any]]:
    return dict(load_fragments(UPSTREAM))


def test_committed_spec_and_generated_client_match_a_fresh_build() -> None:
    """What `make check-generated` runs: no drift between openapi/upstream/ and what is committed."""
    assert "" == drift()


def test_editing_an_upstream_fragment_is_reported_as_drift(tmp_path: Path) -> None:
    """A fragment edited without regenerating makes the check fail and name the drifting files."""
    upstream = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, upstream)
    post = json.loads((upstream / POST).read_text())
    schema = post["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"]["fps"] = {"type": "integer"}
    (upstream / POST).write_text(json.dumps(post))
    report = drift(upstream=upstream)
    assert "committed/aimlapi-video.json" in report
    assert "generated/aiml_api_client/models/create_video_generation_request.py" in report
    assert "+    fps: int | Unset = UNSET" in report


def test_build_is_stable_and_sorted() -> None:
    """Two builds give the same text, and keys are sorted so diffs stay small."""
    first, second = dump(build(load_fragments(UPSTREAM))), dump(build(load_fragments(UPSTREAM)))
    assert first == second
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_merge_pushes_fragment_security_down_to_its_own_operations() -> None:
    """A fragment's document-level security applied only to its operations, so it must not spread."""
    merged = merge(
        [
            ("a", {"openapi": "3.0.0", "paths": {"/x": {"get": {}}}, "security": [{"k": []}]}),
            ("b", {"openapi": "3.0.0", "paths": {"/x": {"post": {}}}}),
        ]
    )
    assert {"get": {"security": [{"k": []}]}, "post": {}} == merged["paths"]["/x"]
    assert "security" not in merged


@pytest.mark.parametrize(
    ("fragments", "message"),
    [
        (
            [
                ("a", {"openapi": "3.0.0", "paths": {"/x": {"get": {"a": 1}}}}),
                ("b", {"openapi": "3.0.0", "paths": {"/x": {"get": {"a": 2}}}}),
            ],
            "defined by two fragments",
        ),
        ([("a", {"openapi": "3.0.0", "paths": {}}), ("b", {"openapi": "3.1.0", "paths": {}})], "differs"),
        ([("a", {"paths": {}})], "not an OpenAPI document"),
        ([], "no fragments"),
    ],
)
def test_merge_conflicts_fail_loudly(fragments: list[tuple[str, dict[str, Any]]], message: str) -> None:
    """Conflicting or malformed fragments are an error naming the fragment, never a silent pick."""
    with pytest.raises(BuildError, match=message):
        merge(fragments)


def test_build_fails_loudly_on_an_invalid_result(tmp_path: Path) -> None:
    """openapi-spec-validator runs on the result; the command exits 1 and writes nothing."""
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "a.json").write_text(
        json.dumps(
            {
                "openapi": "3.0.0",
                "info": {"title": "t", "version": "1"},
                "paths": {"/x": {"get": {"parameters": [{"name": "q"}], "responses": {"200": {}}}}},
            }
        )
    )
    with pytest.raises(BuildError, match="normalized spec is invalid"):
        build(load_fragments(tmp_path / "up"), pipeline=())
    assert 1 == main(["--upstream", str(tmp_path / "up"), "--out", str(tmp_path / "out.json")])
    assert not (tmp_path / "out.json").exists()


def test_build_reports_a_transform_crash_on_malformed_input() -> None:
    """A fragment of the wrong shape names the transform that could not read it."""
    bad = [("a", {"openapi": "3.0.0", "info": {}, "paths": {"/x": {"get": {"responses": 5}}}})]
    with pytest.raises(BuildError, match="add_response_descriptions: malformed input"):
        build(bad)


def test_normalized_spec_has_the_designed_shape() -> None:
    """Unique operation ids, one shared response, no request defaults, bearer auth everywhere."""
    spec = json.loads(SPEC_FILE.read_text())
    ops = spec["paths"]["/v2/video/generations"]
    assert ("createVideoGeneration", "getVideoGeneration") == (
        ops["post"]["operationId"],
        ops["get"]["operationId"],
    )
    refs = {ops[m]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] for m in ("post", "get")}
    assert {"#/components/schemas/VideoGeneration"} == refs
    request = spec["components"]["schemas"]["CreateVideoGenerationRequest"]
    assert [] == [name for name, prop in request["properties"].items() if "default" in prop]
    assert [5, 10, 15] == spec["components"]["schemas"]["CreateVideoGenerationRequestDuration"]["enum"]
    assert [{"access-token": []}] == spec["security"]


def test_an_upstream_change_flows_into_the_generated_model_with_no_hand_step(tmp_path: Path) -> None:
    """A new optional request field and a new resolution value appear in the regenerated request model."""
    upstream = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, upstream)
    post = json.loads((upstream / POST).read_text())
    schema = post["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"]["camera_motion"] = {"type": "string", "description": "New upstream field."}
    schema["properties"]["resolution"]["enum"].append("4k")
    (upstream / POST).write_text(json.dumps(post))

    spec_path = tmp_path / "spec.json"
    spec_path.write_text(dump(build(load_fragments(upstream))))
    out = tmp_path / "aiml_api_client"
    generate(spec_path, out)

    request_model = (out / "models" / "create_video_generation_request.py").read_text()
    resolution_enum = (out / "models" / "create_video_generation_request_resolution.py").read_text()
    assert "camera_motion: str | Unset = UNSET" in request_model
    assert 'VALUE_2 = "4k"' in resolution_enum


DOCS_COMPLETED = {
    "id": "ZHit78epXWA0ElX4Cz3nX",
    "status": "completed",
    "video": {"url": "https://cdn.aimlapi.com/alpaca/1d/5b/20260206/c13c8fea/4630931.mp4?Expires=1770478775"},
}


@pytest.mark.parametrize(
    "body",
    [
        {"id": "a", "status": "queued", "video": None, "error": None, "meta": None},
        {"id": "a", "status": "completed", "video": {"url": "https://x/v.mp4"}, "meta": {"usage": None}},
        {"id": "a", "status": "waiting"},
        {"id": "a", "status": "succeeded", "video": ["https://x/v.mp4"], "meta": {"usage": {"usd_spent": 0.2}}},
        {"id": "a", "status": "error", "error": {"detail": [{"msg": "no face"}]}},
    ],
)
def test_a_strict_validator_accepts_what_upstream_declares_and_the_live_api_answers(body: dict[str, Any]) -> None:
    """openapi-core validates null objects, unknown statuses and the live forms against the normalized spec."""
    api = OpenAPI.from_dict(json.loads(SPEC_FILE.read_text()))
    request = MockRequest("https://api.aimlapi.com", "get", "/v2/video/generations", args={"generation_id": "a"})
    response = MockResponse(json.dumps(body).encode(), status_code=200, content_type="application/json")
    api.validate_response(request, response)  # raises on any mismatch


def test_generated_client_parses_the_docs_completed_response() -> None:
    """The response printed on the docs page parses into typed fields and round-trips."""
    parsed = VideoGeneration.from_dict(DOCS_COMPLETED)
    assert VideoGenerationStatus.COMPLETED == parsed.status
    assert isinstance(parsed.video, VideoGenerationVideo)
    assert DOCS_COMPLETED["video"]["url"] == parsed.video.url  # type: ignore[index]
    assert DOCS_COMPLETED == parsed.to_dict()


def test_generated_client_parses_null_video_and_error() -> None:
    """`null` is kept as None (not UNSET, not an exception); absent fields are UNSET."""
    parsed = VideoGeneration.from_dict({"id": "a", "status": "queued", "video": None, "error": None})
    assert (None, None) == (parsed.video, parsed.error)
    assert isinstance(parsed.meta, Unset)


def test_generated_client_passes_an_unknown_status_through() -> None:
    """A status the spec does not list arrives as its string instead of raising."""
    assert "waiting" == VideoGeneration.from_dict({"id": "a", "status": "waiting"}).status


def test_generated_client_keeps_unknown_extra_fields() -> None:
    """Fields upstream adds later are kept in additional_properties, at every level."""
    parsed = VideoGeneration.from_dict(
        {"id": "a", "status": "completed", "eta": 3, "video": {"url": "u", "file_size": 10}}
    )
    assert {"eta": 3} == parsed.additional_properties
    assert isinstance(parsed.video, VideoGenerationVideo)
    assert {"file_size": 10} == parsed.video.additional_properties


def test_generated_client_parses_the_live_looser_forms() -> None:
    """Video lists and `{detail: [...]}` errors (NOTES.md) parse into their declared types."""
    listed = VideoGeneration.from_dict({"id": "a", "status": "succeeded", "video": ["https://x/v.mp4"]})
    assert ["https://x/v.mp4"] == listed.video
    failed = VideoGeneration.from_dict({"id": "a", "status": "error", "error": {"detail": [{"msg": "no face"}]}})
    assert isinstance(failed.error, VideoGenerationErrorDetail)


def test_a_stray_binary_file_is_reported_as_drift_not_a_crash(tmp_path: Path) -> None:
    """A file that is not UTF-8 text under generated/ (an editor's or the OS's) shows in the report."""
    package = tmp_path / "aiml_api_client"
    shutil.copytree(ROOT / "generated" / "aiml_api_client", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / ".DS_Store").write_bytes(b"\xff\xfe\x00binary")
    report = drift(package=package)
    assert "generated/aiml_api_client/.DS_Store" in report
    assert "<binary file, 9 bytes, sha256 " in report
