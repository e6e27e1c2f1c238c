"""update_spec: fetch or read upstream's raw files, detect change, regenerate all-or-nothing, summarize.

Every test runs on a temporary copy of the repository (openapi/, scripts/, generated/, a stub facade/) and on
writable copies of the raw files in ../shared/upstream/raw; the network is never used.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import build_spec
import generate_client
import update_spec
from extract_spec import dump
from generate_client import GenerateError
from spec_diff import diff_specs
from spec_transforms import strip_docs_only
from tests.conftest import ROOT, shared_file
from update_spec import UpdateError, drop_unused_security_schemes, hidden_by_merge, load_sources, main, reduce_raw

POST_RAW, GET_RAW = "wan-2-6-image-to-video-flash.json", "universal-video-fetch.json"
POST, GET = "post_v2_video_generations.json", "get_v2_video_generations.json"
MODEL_FILE = Path("generated/aiml_api_client/models/create_video_generation_request.py")

# A facade that depends on a generated name the tests can take away (the 1080p resolution member), so the
# type check's verdict is decided here, not by the real facade's state.
STUB_FACADE = '''"""Stub facade for update_spec tests."""

from aiml_api_client.models import CreateVideoGenerationRequestResolution

FULL_HD = CreateVideoGenerationRequestResolution.VALUE_1
'''


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """Writable copies of the two published raw files."""
    out = tmp_path / "raw"
    out.mkdir()
    for name in (POST_RAW, GET_RAW):
        (out / name).write_bytes(shared_file("upstream", "raw", name).read_bytes())
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the parts of the repository update_spec reads and writes, with a stub facade."""
    out = tmp_path / "repo"
    for part in ("openapi", "scripts", "generated"):
        shutil.copytree(ROOT / part, out / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", out / "pyproject.toml")
    facade = out / "facade" / "aimlapi_video"
    facade.mkdir(parents=True)
    (facade / "__init__.py").write_text(STUB_FACADE, encoding="utf-8")
    (facade / "py.typed").write_text("", encoding="utf-8")
    return out


def _snapshot(repo: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file update_spec may write."""
    return {
        p.relative_to(repo).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for part in ("openapi", "generated")
        for p in sorted((repo / part).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _edit_post(raw_dir: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = raw_dir / POST_RAW
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")


def _run(repo: Path, *args: str, transport: httpx.BaseTransport | None = None) -> tuple[int, str, str]:
    """Run main() on the copy; return (status, summary file text, outputs file text)."""
    summary, outputs = repo / "summary.md", repo / "outputs.txt"
    argv = ["--root", str(repo), "--summary-file", str(summary), "--outputs-file", str(outputs), *args]
    status = main(argv, transport=transport)
    return status, _read(summary), _read(outputs)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


# --- reduction: the raw published files are the page's fragments --------------------------------------------------


def test_raw_files_reduce_to_the_vendored_fragments() -> None:
    """What the page renders is the raw file minus docs-only content and the unused security scheme."""
    for raw, fragment in ((POST_RAW, POST), (GET_RAW, GET)):
        published = json.loads(shared_file("upstream", "raw", raw).read_text(encoding="utf-8"))
        vendored = json.loads((ROOT / "openapi" / "upstream" / fragment).read_text(encoding="utf-8"))
        assert vendored == reduce_raw(published)


def test_raw_files_and_page_fragments_normalize_to_the_same_spec() -> None:
    """Building from the raw files gives exactly the committed normalized spec."""
    raws = {POST: POST_RAW, GET: GET_RAW}
    from_raw = [
        (name, reduce_raw(json.loads(shared_file("upstream", "raw", raw).read_text(encoding="utf-8"))))
        for name, raw in sorted(raws.items())
    ]
    committed = (ROOT / "openapi" / "aimlapi-video.json").read_text(encoding="utf-8")
    assert committed == build_spec.dump(build_spec.build(from_raw))


def test_raw_files_do_not_merge_without_the_reduction() -> None:
    """Why drop_unused_security_schemes exists: only docs-only content stripped, the two files conflict."""
    docs = [
        (name, strip_docs_only(json.loads(shared_file("upstream", "raw", raw).read_text())))
        for name, raw in ((GET, GET_RAW), (POST, POST_RAW))
    ]
    with pytest.raises(build_spec.BuildError, match=r"securitySchemes\.access-token conflicts"):
        build_spec.build(docs)


def test_drop_unused_security_schemes_keeps_used_ones_and_does_not_mutate() -> None:
    """Schemes named by a document- or operation-level requirement stay; the rest (and empty sections) go."""
    spec: dict[str, Any] = {
        "openapi": "3.0.0",
        "paths": {"/x": {"get": {"security": [{"op": []}], "responses": {}}}},
        "security": [{"doc": []}],
        "components": {"securitySchemes": {"doc": {"type": "http"}, "op": {"type": "http"}, "spare": {}}},
    }
    before = json.dumps(spec)
    assert {"doc", "op"} == set(drop_unused_security_schemes(spec)["components"]["securitySchemes"])
    assert before == json.dumps(spec)
    lone = {"openapi": "3.0.0", "paths": {}, "components": {"securitySchemes": {"spare": {}}}}
    assert {"openapi": "3.0.0", "paths": {}} == drop_unused_security_schemes(lone)


def test_sources_name_the_two_published_files() -> None:
    """SOURCES.json maps each vendored fragment to upstream's raw URL and file name."""
    sources = {s.fragment: s for s in load_sources(ROOT / "openapi" / "upstream" / "SOURCES.json")}
    assert {POST, GET} == set(sources)
    assert (POST_RAW, GET_RAW) == (sources[POST].file, sources[GET].file)
    prefix = "https://raw.githubusercontent.com/aimlapi/api-docs/refs/heads/main/docs/api-references/video-models/"
    assert prefix + "Alibaba-Cloud/" + POST_RAW == sources[POST].url
    assert prefix + GET_RAW == sources[GET].url


# --- no change ----------------------------------------------------------------------------------------------------


def test_unchanged_source_reports_no_change_and_rewrites_nothing(repo: Path, raw_dir: Path) -> None:
    """The published files as they are: "no change", status 0, every file's bytes and mtime untouched."""
    before = _snapshot(repo)
    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir))
    assert 0 == status
    assert summary.startswith("No change")
    assert "changed=false\nbreaking=false\nverdict=no-change\n" == outputs
    assert before == _snapshot(repo)


def test_reformatting_and_docs_only_edits_are_no_change(repo: Path, raw_dir: Path) -> None:
    """Key order, indentation, code samples and examples are not API content."""
    path = raw_dir / POST_RAW
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["paths"]["/v2/video/generations"]["post"]["x-codeSamples"] = [{"lang": "Go", "source": "package main"}]
    doc["paths"]["/v2/video/generations"]["post"]["responses"]["200"]["example"] = {"id": "x"}
    path.write_text(json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":")), encoding="utf-8")
    before = _snapshot(repo)
    assert (0, "changed=false\nbreaking=false\nverdict=no-change\n") == _run(repo, "--source-dir", str(raw_dir))[::2]
    assert before == _snapshot(repo)


# --- changes ------------------------------------------------------------------------------------------------------


def test_added_optional_field_is_additive_and_regenerated(repo: Path, raw_dir: Path) -> None:
    """A new optional request field: "additive", status 0, fragment rewritten, field in the generated model."""
    _edit_post(raw_dir, lambda s: s["properties"].update(fps={"type": "integer", "description": "Frames/s."}))
    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir))
    assert 0 == status
    assert summary.startswith("## Upstream spec change: ADDITIVE\n")
    assert "- additive  POST /v2/video/generations  request body field fps: added (optional, integer)" in summary
    assert "against the regenerated client: passed." in summary
    assert "changed=true\nbreaking=false\nverdict=additive\n" == outputs
    expected_fragment = dump(reduce_raw(json.loads((raw_dir / POST_RAW).read_text(encoding="utf-8"))))
    assert expected_fragment == (repo / "openapi" / "upstream" / POST).read_text(encoding="utf-8")
    assert "fps: int | Unset = UNSET" in (repo / MODEL_FILE).read_text(encoding="utf-8")
    spec = json.loads((repo / "openapi" / "aimlapi-video.json").read_text(encoding="utf-8"))
    assert {"type": "integer", "description": "Frames/s."} == (
        spec["components"]["schemas"]["CreateVideoGenerationRequest"]["properties"]["fps"]
    )


def test_a_field_removed_from_one_operations_response_is_reported(repo: Path, raw_dir: Path) -> None:
    """The POST stops answering ``meta``; the GET still has it, so the merged (normalized) response schema does
    too, yet the change is reported, as breaking: code reading it after a submit would get nothing."""
    path = raw_dir / POST_RAW
    doc = json.loads(path.read_text(encoding="utf-8"))
    schema = doc["paths"]["/v2/video/generations"]["post"]["responses"]["200"]["content"]["application/json"]
    del schema["schema"]["properties"]["meta"]
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")

    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir))

    assert 1 == status
    assert summary.startswith("## Upstream spec change: BREAKING\n")
    note = "(as this operation is published; not seen in the normalized spec, which merges both responses)"
    where = "- BREAKING  POST /v2/video/generations  response 200 field"
    expected = [f"{where} meta{field}: removed {note}" for field in ("", ".usage", ".usage.credits_used")]
    assert expected == [line for line in summary.splitlines() if "meta" in line]
    assert "changed=true\nbreaking=true\nverdict=breaking\n" == outputs


def test_removed_resolution_value_is_breaking_and_fails_the_facade_type_check(repo: Path, raw_dir: Path) -> None:
    """Dropping ``1080p``: "breaking", status 1, files rewritten, and a facade using it no longer type checks."""
    _edit_post(raw_dir, lambda s: s["properties"]["resolution"]["enum"].remove("1080p"))
    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir))
    assert 1 == status
    assert summary.startswith("## Upstream spec change: BREAKING\n")
    assert "- BREAKING  POST /v2/video/generations  request body field resolution: enum value removed: '1080p'" in (
        summary
    )
    assert "**FAILED**" in summary
    assert 'has no attribute "VALUE_1"' in summary
    assert "changed=true\nbreaking=true\nverdict=breaking\n" == outputs
    enum_file = repo / "generated/aiml_api_client/models/create_video_generation_request_resolution.py"
    assert "1080p" not in enum_file.read_text(encoding="utf-8")


def test_description_only_change_is_rewritten_but_reported_as_no_api_change(repo: Path, raw_dir: Path) -> None:
    """New prose is vendored and regenerated; the summary says no API changed, status 0."""
    _edit_post(raw_dir, lambda s: s["properties"]["seed"].update(description="Seed for reproducible output."))
    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir), "--no-typecheck")
    assert 0 == status
    assert summary.startswith("## Upstream spec change: NO API CHANGE\n")
    assert "None: the files changed, but not in API terms" in summary
    assert "changed=true\nbreaking=false\nverdict=no-API-change\n" == outputs
    assert "Seed for reproducible output." in (repo / MODEL_FILE).read_text(encoding="utf-8")


# --- bad input: clear error, nothing rewritten ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ('{"title": "docs page"}', "not an OpenAPI document (needs 'openapi' and 'paths')"),
        (
            None,
            "defines get_v2_video_generations.json, expected exactly the operation of post_v2_video_generations.json",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/v2/video/generations": []}}',
            "malformed OpenAPI document (AttributeError: 'list' object has no attribute 'values')",
        ),
    ],
)
def test_unusable_source_names_itself_and_rewrites_nothing(
    repo: Path, raw_dir: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    """Malformed JSON, a non-OpenAPI document, or the wrong operation: one stderr line naming the file, status 2."""
    post = raw_dir / POST_RAW
    post.write_text(content if content is not None else (raw_dir / GET_RAW).read_text(), encoding="utf-8")
    before = _snapshot(repo)
    status, summary, outputs = _run(repo, "--source-dir", str(raw_dir))
    err = capsys.readouterr().err
    assert (2, "", "") == (status, summary, outputs)
    assert f"update_spec: {post}: {message}\n" == err
    assert before == _snapshot(repo)


def test_missing_source_file_is_an_error(repo: Path, raw_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --source-dir without the expected file names the path it looked for."""
    (raw_dir / GET_RAW).unlink()
    before = _snapshot(repo)
    assert 2 == _run(repo, "--source-dir", str(raw_dir))[0]
    assert capsys.readouterr().err.startswith(f"update_spec: {raw_dir / GET_RAW}: cannot read")
    assert before == _snapshot(repo)


def test_invalid_spec_fails_the_build_and_rewrites_nothing(
    repo: Path, raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source that parses but builds an invalid spec is rejected before anything is written."""
    _edit_post(raw_dir, lambda s: s["properties"].update(fps={"type": "frames"}))
    before = _snapshot(repo)
    assert 2 == _run(repo, "--source-dir", str(raw_dir))[0]
    assert capsys.readouterr().err.startswith("update_spec: building the spec from the new fragments failed:")
    assert before == _snapshot(repo)


def test_generator_failure_rewrites_nothing(
    repo: Path, raw_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The client is generated into a temporary directory first; its failure leaves the tree as it was."""

    def failing(spec: Path, out: Path, config: Path) -> None:
        raise GenerateError("openapi-python-client failed: boom")

    monkeypatch.setattr(generate_client, "generate", failing)
    _edit_post(raw_dir, lambda s: s["properties"].update(fps={"type": "integer"}))
    before = _snapshot(repo)
    assert 2 == _run(repo, "--source-dir", str(raw_dir))[0]
    assert "update_spec: generating the client from the new spec failed: openapi-python-client failed: boom\n" == (
        capsys.readouterr().err
    )
    assert before == _snapshot(repo)


def test_a_real_generator_complaint_is_reported_in_one_line(
    repo: Path, raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The generator's 35-line report becomes one line naming the schema and the reason; nothing is written."""
    _edit_post(raw_dir, lambda s: s["properties"].update(fps={"type": "string", "enum": ["24", 30]}))
    before = _snapshot(repo)
    assert 2 == _run(repo, "--source-dir", str(raw_dir))[0]
    err = capsys.readouterr().err
    assert 1 == len(err.splitlines()), err
    assert "Enum values must all be the same type" in err
    assert before == _snapshot(repo)


def test_failure_while_replacing_files_restores_every_old_file(
    repo: Path, raw_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """If copying the new package in fails midway, the fragments, spec and old package are put back."""

    def fake_generate(spec: Path, out: Path, config: Path) -> None:
        out.mkdir(parents=True)
        (out / "__init__.py").write_text("# new\n", encoding="utf-8")

    real_copytree = shutil.copytree
    package = repo / "generated" / "aiml_api_client"

    def flaky_copytree(src: Path, dst: Path, *args: Any, **kwargs: Any) -> Any:
        if Path(dst) == package and Path(src).name == package.name and "backup" not in str(src):
            Path(dst).mkdir()
            (Path(dst) / "half.py").write_text("", encoding="utf-8")
            raise OSError("disk full")
        return real_copytree(src, dst, *args, **kwargs)

    monkeypatch.setattr(generate_client, "generate", fake_generate)
    monkeypatch.setattr(shutil, "copytree", flaky_copytree)
    _edit_post(raw_dir, lambda s: s["properties"].update(fps={"type": "integer"}))
    before = {k: v[0] for k, v in _snapshot(repo).items()}
    assert 2 == _run(repo, "--source-dir", str(raw_dir))[0]
    assert "replacing the files failed, the old ones are restored: disk full" in capsys.readouterr().err
    assert before == {k: v[0] for k, v in _snapshot(repo).items()}


# --- downloading ---------------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _point_sources_at(repo: Path, base: str) -> None:
    path = repo / "openapi" / "upstream" / "SOURCES.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for entry in doc["fragments"].values():
        entry["url"] = f"{base}/{entry['file']}"
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_unreachable_url_is_a_clear_error_and_rewrites_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offline (a closed local port): one stderr line naming the URL, status 2, nothing written."""
    base = f"http://127.0.0.1:{_closed_port()}"
    _point_sources_at(repo, base)
    before = _snapshot(repo)
    status, summary, _ = _run(repo)
    err = capsys.readouterr().err
    assert (2, "") == (status, summary)
    assert err.startswith(f"update_spec: {base}/{POST_RAW}: cannot download (ConnectError: ")
    assert 1 == len(err.strip().splitlines())
    assert before == _snapshot(repo)


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (lambda request: httpx.Response(404), "HTTP 404 Not Found"),
        (lambda request: httpx.Response(503), "HTTP 503 Service Unavailable"),
        (
            lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("timed out")),
            "cannot download (ReadTimeout: timed out); offline? make update-spec SOURCE_DIR=DIR reads the raw files"
            " from DIR",
        ),
    ],
)
def test_bad_http_answers_are_clear_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], handler: Callable[[httpx.Request], httpx.Response], message: str
) -> None:
    """Non-200 answers and timeouts stop the update before anything is written."""
    before = _snapshot(repo)
    status = _run(repo, transport=httpx.MockTransport(handler))[0]
    sources = load_sources(repo / "openapi" / "upstream" / "SOURCES.json")
    assert 2 == status
    assert f"update_spec: {sources[0].url}: {message}\n" == capsys.readouterr().err
    assert before == _snapshot(repo)


def test_downloaded_sources_are_compared_like_local_ones(repo: Path, raw_dir: Path) -> None:
    """Served over HTTP (a mock transport keyed by the SOURCES.json URLs), the published files are "no change"."""
    by_url = {s.url: raw_dir / s.file for s in load_sources(repo / "openapi" / "upstream" / "SOURCES.json")}
    requested: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, content=by_url[str(request.url)].read_bytes())

    before = _snapshot(repo)
    assert 0 == _run(repo, transport=httpx.MockTransport(serve))[0]
    assert sorted(by_url) == sorted(requested)
    assert before == _snapshot(repo)


def test_client_uses_explicit_timeouts() -> None:
    """Downloads never wait forever: connect and read timeouts are set."""
    assert (10.0, 30.0) == (update_spec.TIMEOUT.connect, update_spec.TIMEOUT.read)


def test_update_error_is_raised_by_the_function_api(repo: Path, raw_dir: Path) -> None:
    """update() reports problems as UpdateError (main turns it into a status-2 line)."""
    (raw_dir / POST_RAW).write_text("[]", encoding="utf-8")
    with pytest.raises(UpdateError, match="not an OpenAPI document"):
        update_spec.update(repo, raw_dir)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "Generating x\nError(s) encountered while generating, client was not created\n\n"
            "Failed to parse OpenAPI document\n\n2 validation errors for OpenAPI\n",
            "Error(s) encountered while generating, client was not created; "
            "Failed to parse OpenAPI document: 2 validation errors for OpenAPI",
        ),
        (
            "WARNING parsing POST /x within default. Endpoint will not be generated.\n\n"
            "Could not find reference in parsed models or enums\n\n{\n",
            "WARNING parsing POST /x within default. Endpoint will not be generated.: "
            "Could not find reference in parsed models or enums",
        ),
    ],
    ids=["invalid document", "missing reference"],
)
def test_a_generator_summary_keeps_the_reason(output: str, expected: str) -> None:
    """Each complaint comes with the line that says why, so CI shows the cause, not only a banner."""
    assert "openapi-python-client failed: " + expected == str(
        GenerateError("openapi-python-client failed: " + generate_client.summarize(output), output)
    )


def test_a_change_the_normalized_spec_shows_is_not_reported_twice() -> None:
    """A new request field shows in both comparisons; hidden_by_merge adds only what the normalized one missed."""
    old = build_spec.load_fragments(ROOT / "openapi" / "upstream")
    new = json.loads(json.dumps(old))
    post = next(doc for name, doc in new if name == POST)
    body = post["paths"]["/v2/video/generations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["fps"] = {"type": "integer"}
    normalized = diff_specs(build_spec.build(old), build_spec.build(new))

    assert ["request body field fps"] == [change.location for change in normalized]
    assert [] == hidden_by_merge(old, new, normalized)
