"""Build the normalized spec ``openapi/aimlapi-video.json`` from the vendored upstream fragments.

Usage: python scripts/build_spec.py [--upstream DIR] [--out FILE]

Merges every ``*.json`` fragment in the upstream directory, applies ``PIPELINE`` (small named transforms from
``spec_transforms``, each repairing one upstream defect), validates the result with openapi-spec-validator and
writes it with sorted keys. Any merge conflict or validation error fails loudly and writes nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_transforms import (
    HTTP_METHODS,
    Spec,
    Transform,
    TransformError,
    add_response_descriptions,
    bearer_security,
    coerce_enum_defaults,
    drop_servers,
    hoist_nested,
    hoist_request_bodies,
    hoist_responses,
    merge_response_schemas,
    open_enum,
    set_operation_ids,
    strip_docs_only,
    unmaterialize_request_defaults,
    upgrade_to_openapi_3_1,
    widen_video_generation,
)

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM_DIR = ROOT / "openapi" / "upstream"
OUTPUT = ROOT / "openapi" / "aimlapi-video.json"
# Where upstream publishes each fragment (read by update_spec.py); it lives beside them but is no fragment.
SOURCES_FILE = "SOURCES.json"

ENDPOINT = "/v2/video/generations"
CREATE, GET = "createVideoGeneration", "getVideoGeneration"

#: The repairs that keep each operation as upstream published it: before the two responses are merged.
PER_OPERATION: tuple[Transform, ...] = (
    strip_docs_only,
    drop_servers,
    set_operation_ids({("post", ENDPOINT): CREATE, ("get", ENDPOINT): GET}),
    add_response_descriptions,
    coerce_enum_defaults,
    unmaterialize_request_defaults,
    bearer_security(),
    hoist_request_bodies({CREATE: "CreateVideoGenerationRequest"}),
)
PIPELINE: tuple[Transform, ...] = (
    *PER_OPERATION,
    merge_response_schemas((CREATE, GET)),
    hoist_responses("VideoGeneration", (CREATE, GET)),
    hoist_nested("CreateVideoGenerationRequest"),
    hoist_nested("VideoGeneration"),
    open_enum("VideoGeneration", "status"),
    widen_video_generation("VideoGeneration"),
    upgrade_to_openapi_3_1,
)


class BuildError(Exception):
    """The fragments cannot be merged, or the result is not a valid OpenAPI document."""


def merge(fragments: Iterable[tuple[str, Spec]]) -> Spec:
    """Merge single-operation fragments into one document.

    A fragment's document-level ``security`` applies only to its own operations, so it is pushed down onto
    them before merging. Two fragments defining the same operation, or the same component differently, or
    different OpenAPI versions, are conflicts.
    """
    merged: Spec = {}
    for name, original in fragments:
        fragment = copy.deepcopy(original)
        version = fragment.get("openapi")
        if not isinstance(version, str) or not isinstance(fragment.get("paths"), dict):
            raise BuildError(f"{name}: not an OpenAPI document (needs 'openapi' and 'paths')")
        if not merged:
            merged = {"openapi": version, "info": fragment.get("info", {}), "paths": {}}
        elif merged["openapi"] != version:
            raise BuildError(f"{name}: OpenAPI {version} differs from {merged['openapi']}")
        security = fragment.pop("security", None)
        for path, item in fragment["paths"].items():
            target = merged["paths"].setdefault(path, {})
            for key, value in item.items():
                if key in target and target[key] != value:
                    raise BuildError(f"{name}: {key} {path} is defined by two fragments")
                if key in HTTP_METHODS and security is not None:
                    value.setdefault("security", security)
                target[key] = value
        _merge_components(merged, fragment.get("components", {}), name)
        if "servers" in fragment:
            merged.setdefault("servers", fragment["servers"])
    if not merged:
        raise BuildError("no fragments to merge")
    return merged


def _merge_components(merged: Spec, components: dict[str, Any], name: str) -> None:
    for section, entries in components.items():
        merged_section = merged.setdefault("components", {}).setdefault(section, {})
        for key, value in entries.items():
            if key in merged_section and merged_section[key] != value:
                raise BuildError(f"{name}: components.{section}.{key} conflicts with another fragment")
            merged_section[key] = value


def load_fragments(directory: Path) -> list[tuple[str, Spec]]:
    """Read every ``*.json`` in ``directory`` except ``SOURCES.json``, sorted so the merge order is stable."""
    files = sorted(p for p in directory.glob("*.json") if p.name != SOURCES_FILE)
    if not files:
        raise BuildError(f"{directory}: no *.json fragments")
    out = []
    for path in files:
        try:
            out.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BuildError(f"{path}: cannot read as JSON: {exc}") from exc
    return out


def build(fragments: Iterable[tuple[str, Spec]], pipeline: Iterable[Transform] = PIPELINE) -> Spec:
    """Merge, transform and validate; return the normalized spec."""
    spec = _transformed(merge(fragments), pipeline)
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        raise BuildError(f"normalized spec is invalid: {exc.message}") from exc
    return spec


def per_operation(fragments: Iterable[tuple[str, Spec]]) -> Spec:
    """The fragments merged and repaired (``PER_OPERATION``), each operation's response still its own: what
    ``spec_diff`` compares to see a change to one operation that the merged response schema would hide."""
    return _transformed(merge(fragments), PER_OPERATION)


def _transformed(spec: Spec, pipeline: Iterable[Transform]) -> Spec:
    for transform in pipeline:
        try:
            spec = transform(spec)
        except TransformError as exc:
            raise BuildError(f"{transform.__name__}: {exc}") from exc
        except (AttributeError, KeyError, TypeError, IndexError) as exc:
            # Malformed input (a list where an object belongs...) must still fail with a readable line.
            raise BuildError(f"{transform.__name__}: malformed input: {type(exc).__name__}: {exc}") from exc
    return spec


def dump(spec: Spec) -> str:
    """Stable text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, default=UPSTREAM_DIR, help="directory of fragments")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="normalized spec to write")
    args = parser.parse_args(argv)
    try:
        text = dump(build(load_fragments(args.upstream)))
    except BuildError as exc:
        print(f"build_spec: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
