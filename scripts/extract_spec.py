"""Pull the OpenAPI documents out of a docs page and write one JSON file per operation.

Usage: python scripts/extract_spec.py PAGE OUTDIR

A docs page (Markdown, as the AI/ML API publishes them) embeds its API schemas as fenced ```json blocks.
Every block that parses as an OpenAPI document (has ``openapi`` and ``paths``) is split into one document
per operation and written to ``OUTDIR/<method>_<path>.json``; other blocks (code samples, json5
transcripts) are ignored. Nothing is written unless the whole page extracts cleanly.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# A fenced block opened by exactly ```json (not json5) and closed by the next ``` line.
_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


class ExtractError(Exception):
    """The page has no usable OpenAPI content, or two blocks define the same operation."""


def json_blocks(page: str) -> list[str]:
    """Return the text of every ```json fenced block on the page, in page order."""
    return [m.group(1) for m in _JSON_BLOCK.finditer(page)]


def is_openapi(doc: object) -> bool:
    """True when a parsed JSON value looks like an OpenAPI document."""
    return isinstance(doc, dict) and "openapi" in doc and isinstance(doc.get("paths"), dict)


def fragment_name(method: str, path: str) -> str:
    """File name of one operation: ``post /v2/video/generations`` -> ``post_v2_video_generations.json``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
    return f"{method.lower()}_{slug}.json"


def split_operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Split one OpenAPI document into single-operation documents keyed by file name."""
    out: dict[str, dict[str, Any]] = {}
    for path, item in doc["paths"].items():
        methods = [m for m in item if m in HTTP_METHODS]
        shared = {k: v for k, v in item.items() if k not in HTTP_METHODS}
        for method in methods:
            single = copy.deepcopy(doc)
            single["paths"] = {path: {**copy.deepcopy(shared), method: copy.deepcopy(item[method])}}
            out[fragment_name(method, path)] = single
    return out


def extract(page: str) -> dict[str, dict[str, Any]]:
    """Every operation defined on the page, as ``{file name: single-operation document}``."""
    found: dict[str, dict[str, Any]] = {}
    for index, block in enumerate(json_blocks(page), start=1):
        try:
            doc = json.loads(block)
        except json.JSONDecodeError:
            continue  # a sample payload or transcript, not a schema
        if not is_openapi(doc):
            continue
        for name, single in split_operations(doc).items():
            if name in found:
                raise ExtractError(f"json block {index}: operation {name} is defined twice on the page")
            found[name] = single
    if not found:
        raise ExtractError("no OpenAPI document found in any ```json block")
    return found


def dump(doc: object) -> str:
    """Serialize as the project stores JSON: 2-space indent, upstream key order, trailing newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="docs page (Markdown) with ```json OpenAPI blocks")
    parser.add_argument("outdir", type=Path, help="directory for the per-operation JSON files")
    args = parser.parse_args(argv)
    try:
        fragments = extract(args.page.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ExtractError) as exc:
        print(f"extract_spec: {args.page}: {exc}", file=sys.stderr)
        return 1
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, doc in sorted(fragments.items()):
        (args.outdir / name).write_text(dump(doc), encoding="utf-8")
        print(f"wrote {args.outdir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
