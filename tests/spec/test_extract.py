"""scripts/extract_spec.py: OpenAPI blocks out of a docs page, one file per operation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract_spec import ExtractError, extract, fragment_name, json_blocks, main
from tests.conftest import ROOT, shared_file

PAGE = ("upstream", "wan-2.6-flash-image-to-video.md")


def _page_openapi_blocks(page: str) -> list[dict[str, object]]:
    docs = []
    for block in json_blocks(page):
        doc = json.loads(block)
        if "openapi" in doc:
            docs.append(doc)
    return docs


def test_vendored_fragments_equal_the_docs_page_blocks() -> None:
    """openapi/upstream/ holds the page's two JSON blocks exactly as published."""
    page = shared_file(*PAGE).read_text(encoding="utf-8")
    blocks = _page_openapi_blocks(page)
    vendored = [
        json.loads((ROOT / "openapi" / "upstream" / name).read_text(encoding="utf-8"))
        for name in ("post_v2_video_generations.json", "get_v2_video_generations.json")
    ]
    assert blocks == vendored


def test_extract_names_files_by_method_and_path() -> None:
    """Each operation lands in <method>_<path>.json; code samples and json5 transcripts are ignored."""
    page = shared_file(*PAGE).read_text(encoding="utf-8")
    assert ["get_v2_video_generations.json", "post_v2_video_generations.json"] == sorted(extract(page))


def test_extract_splits_a_block_with_two_operations() -> None:
    """A block defining two operations on one path becomes two single-operation documents."""
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a/{id}": {"parameters": [{"name": "id"}], "get": {"x": 1}, "delete": {"x": 2}}},
    }
    page = "text\n```json\n" + json.dumps(doc) + '\n```\n```json\n{"not": "openapi"}\n```\n'
    out = extract(page)
    assert ["delete_a_id.json", "get_a_id.json"] == sorted(out)
    assert {"parameters": [{"name": "id"}], "delete": {"x": 2}} == out["delete_a_id.json"]["paths"]["/a/{id}"]


def test_extract_refuses_a_page_without_openapi() -> None:
    """A page with no OpenAPI block is an error, not an empty result."""
    with pytest.raises(ExtractError, match="no OpenAPI document"):
        extract('```json\n{"a": 1}\n```\n')


def test_extract_refuses_an_operation_defined_twice() -> None:
    """Two blocks defining the same operation would silently overwrite each other."""
    doc = json.dumps({"openapi": "3.0.0", "paths": {"/a": {"get": {}}}})
    with pytest.raises(ExtractError, match="defined twice"):
        extract(f"```json\n{doc}\n```\n```json\n{doc}\n```\n")


def test_fragment_name() -> None:
    """File names come from method and path only."""
    assert "post_v2_video_generations.json" == fragment_name("POST", "/v2/video/generations")


def test_main_writes_files_and_fails_cleanly(tmp_path: Path) -> None:
    """The command writes one file per operation; a bad page exits 1 and writes nothing."""
    page = tmp_path / "page.md"
    page.write_text("```json\n" + json.dumps({"openapi": "3.0.0", "paths": {"/x": {"get": {}}}}) + "\n```\n")
    assert 0 == main([str(page), str(tmp_path / "out")])
    assert ["get_x.json"] == [p.name for p in (tmp_path / "out").iterdir()]
    page.write_text("no blocks")
    assert 1 == main([str(page), str(tmp_path / "out2")])
    assert not (tmp_path / "out2").exists()
