"""Fail when the committed normalized spec or generated client differs from a fresh build.

Usage: python scripts/check_generated.py

Builds the spec from ``openapi/upstream/`` and generates the client into a temporary directory, then compares
both with what is committed and prints a unified diff of every difference. Exit status 1 on any drift.
"""

from __future__ import annotations

import difflib
import hashlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_spec import OUTPUT, UPSTREAM_DIR, BuildError, build, dump, load_fragments
from generate_client import PACKAGE_DIR, GenerateError, generate


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _read(path: Path | None) -> list[str]:
    """The file's lines; a file that is not UTF-8 text (a stray binary) is one line saying so, so it shows in
    the diff as a difference instead of stopping the check with a traceback."""
    if path is None:
        return []
    data = path.read_bytes()
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return [f"<binary file, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}>\n"]


def diff_text(old: str, new: str, label: str) -> str:
    """Unified diff of two texts, committed side first."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"committed/{label}",
            f"fresh/{label}",
        )
    )


def diff_trees(committed: Path, fresh: Path, label: str) -> str:
    """Unified diff of every file that differs, is missing or is extra in ``committed``."""
    old, new = _files(committed), _files(fresh)
    chunks = []
    for name in sorted(old.keys() | new.keys()):
        a, b = _read(old.get(name)), _read(new.get(name))
        if a != b:
            chunks.append(diff_text("".join(a), "".join(b), f"{label}/{name}"))
    return "".join(chunks)


def drift(upstream: Path = UPSTREAM_DIR, spec_file: Path = OUTPUT, package: Path = PACKAGE_DIR) -> str:
    """Everything by which the committed files differ from a fresh build; empty when in sync."""
    fresh_spec = dump(build(load_fragments(upstream)))
    committed_spec = spec_file.read_text(encoding="utf-8") if spec_file.exists() else ""
    report = diff_text(committed_spec, fresh_spec, spec_file.name)
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / spec_file.name
        spec_path.write_text(fresh_spec, encoding="utf-8")
        out = Path(tmp) / package.name
        generate(spec_path, out)
        report += diff_trees(package, out, f"generated/{package.name}")
    return report


def main() -> int:
    try:
        report = drift()
    except (BuildError, GenerateError) as exc:
        print(f"check_generated: {exc}", file=sys.stderr)
        return 1
    if report:
        sys.stdout.write(report)
        print(
            "\ncheck_generated: DRIFT: the committed spec or generated client is not what openapi/upstream/ "
            "builds. Never edit generated/ by hand: run `make generate` and commit the result.",
            file=sys.stderr,
        )
        return 1
    print("check_generated: openapi/aimlapi-video.json and generated/ match a fresh build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
