"""Sync the vendored upstream fragments with what upstream publishes; regenerate and summarize any change.

Usage: python scripts/update_spec.py [--source-dir DIR] [--root DIR] [--summary-file FILE] [--outputs-file FILE]

For every fragment listed in ``openapi/upstream/SOURCES.json`` the published raw file is downloaded (or read
from ``--source-dir``, by its ``file`` name), checked to be JSON and an OpenAPI document defining exactly that
fragment's operation, and reduced to API content (``reduce_raw``: what the rendered docs page shows). A fragment
has changed when its reduced JSON differs from the vendored one, key order and whitespace aside.

Nothing changed: says so and writes nothing. Something changed: the new spec is built and the client generated
in a temporary directory first; only when both succeed are the fragments, ``openapi/aimlapi-video.json`` and
``generated/`` replaced (restored if replacing fails). Then ``mypy facade/aimlapi_video`` checks the facade
against the new client and the change summary (``spec_diff``) is printed.

``--summary-file`` (default ``$SPEC_SUMMARY_FILE``) receives the summary as Markdown, for a pull request body.
``--outputs-file`` (default ``$GITHUB_OUTPUT``) receives ``changed=``, ``breaking=`` and ``verdict=`` lines.
Exit status: 0 no change or a non-breaking change; 1 a breaking change was applied (or the facade no longer
type checks); 2 an error, with nothing rewritten.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_spec  # the scripts directory is not a package: imported from sys.path
import generate_client
from extract_spec import dump, is_openapi, split_operations
from spec_diff import Change, SpecDiffError, diff_specs, is_breaking, verdict
from spec_transforms import Spec, strip_docs_only

ROOT = Path(__file__).resolve().parent.parent
# Layout below the root, taken from the build and generate scripts so the three cannot disagree.
UPSTREAM = build_spec.UPSTREAM_DIR.relative_to(build_spec.ROOT)
SPEC = build_spec.OUTPUT.relative_to(build_spec.ROOT)
PACKAGE = generate_client.PACKAGE_DIR.relative_to(generate_client.ROOT)
CONFIG = generate_client.CONFIG.relative_to(generate_client.ROOT)
SOURCES = UPSTREAM / build_spec.SOURCES_FILE
FACADE = Path("facade") / "aimlapi_video"
FACADE_PATH = ("facade", "generated")  # what mypy must see to type check the facade against the client

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class UpdateError(Exception):
    """A source cannot be fetched or is not a usable OpenAPI file, or the build failed: nothing was rewritten."""


@dataclass(frozen=True)
class Source:
    """Where upstream publishes one vendored fragment."""

    fragment: str  # file name under openapi/upstream/, e.g. post_v2_video_generations.json
    url: str  # the raw file in upstream's docs repository
    file: str  # that raw file's name, looked up in --source-dir


@dataclass(frozen=True)
class TypeCheck:
    """The outcome of type checking the facade against the regenerated client."""

    passed: bool
    output: str


@dataclass(frozen=True)
class Result:
    """What an update did: the fragments that changed, the API changes, and the facade type check."""

    changed: tuple[str, ...]
    changes: tuple[Change, ...]
    typecheck: TypeCheck | None
    sources: tuple[Source, ...]

    @property
    def breaking(self) -> bool:
        """Breaking for client users: an API change is, or the facade no longer type checks."""
        return is_breaking(list(self.changes)) or (self.typecheck is not None and not self.typecheck.passed)

    @property
    def verdict(self) -> str:
        """``no change`` (nothing rewritten), ``no API change``, ``additive`` or ``breaking``."""
        if not self.changed:
            return "no change"
        return "breaking" if self.breaking else verdict(list(self.changes))


def load_sources(path: Path) -> list[Source]:
    """Read ``SOURCES.json``: ``{"fragments": {fragment name: {"url": ..., "file": ...}}}``."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [Source(name, str(entry["url"]), str(entry["file"])) for name, entry in doc["fragments"].items()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpdateError(f"{path}: cannot read: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise UpdateError(f"{path}: expected {{'fragments': {{name: {{'url', 'file'}}}}}}") from exc


def drop_unused_security_schemes(spec: Spec) -> Spec:
    """Raw POST files declare a bearer scheme no operation uses; the rendered page (and the fragment) omit it.

    Left in, it conflicts with the GET's declaration of the same name when the fragments are merged.
    """
    used = {name for requirement in spec.get("security", []) for name in requirement}
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict):
                used |= {name for requirement in op.get("security", []) for name in requirement}
    out = copy.deepcopy(spec)
    components = out.get("components", {})
    schemes = components.get("securitySchemes", {})
    for name in [n for n in schemes if n not in used]:
        del schemes[name]
    if "securitySchemes" in components and not schemes:
        del components["securitySchemes"]
    if "components" in out and not components:
        del out["components"]
    return out


def reduce_raw(raw: Spec) -> Spec:
    """A raw published file reduced to its API content, as the docs page renders it (and as it is vendored)."""
    return drop_unused_security_schemes(strip_docs_only(raw))


def parse_source(label: str, text: str, fragment: str) -> Spec:
    """Parse, check and reduce one raw file; ``UpdateError`` naming ``label`` when it is unusable."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UpdateError(f"{label}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not is_openapi(doc):
        raise UpdateError(f"{label}: not an OpenAPI document (needs 'openapi' and 'paths')")
    try:
        reduced = reduce_raw(doc)
        defined = sorted(split_operations(reduced))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a path item or operation of the wrong shape
        raise UpdateError(f"{label}: malformed OpenAPI document ({type(exc).__name__}: {exc})") from exc
    if defined != [fragment]:
        found = ", ".join(defined) or "no operation"
        raise UpdateError(f"{label}: defines {found}, expected exactly the operation of {fragment}")
    return reduced


def fetch(url: str, client: httpx.Client) -> str:
    """Download one raw file; ``UpdateError`` with one line for network failures and non-200 answers."""
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        offline = "; offline? make update-spec SOURCE_DIR=DIR reads the raw files from DIR"
        raise UpdateError(f"{url}: cannot download ({type(exc).__name__}: {reason}){offline}") from exc
    if response.status_code != 200:
        raise UpdateError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
    return response.text


def read_sources(
    sources: list[Source], source_dir: Path | None = None, transport: httpx.BaseTransport | None = None
) -> dict[str, Spec]:
    """Every source, reduced: read from ``source_dir`` when given, else downloaded (``transport`` for tests)."""
    out: dict[str, Spec] = {}
    if source_dir is not None:
        for source in sources:
            path = source_dir / source.file
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UpdateError(f"{path}: cannot read: {exc}") from exc
            out[source.fragment] = parse_source(str(path), text, source.fragment)
        return out
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True, transport=transport) as client:
        for source in sources:
            out[source.fragment] = parse_source(source.url, fetch(source.url, client), source.fragment)
    return out


def _canonical(doc: Any) -> str:
    """Text equal for semantically equal JSON: key order and whitespace ignored, ``1``/``1.0``/``true`` kept apart."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def changed_fragments(upstream: Path, reduced: Mapping[str, Spec]) -> list[str]:
    """Names of the fragments whose reduced upstream content differs from the vendored file."""
    changed = []
    for name, doc in reduced.items():
        path = upstream / name
        try:
            vendored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UpdateError(f"{path}: cannot read the vendored fragment: {exc}") from exc
        if vendored is None or _canonical(vendored) != _canonical(doc):
            changed.append(name)
    return changed


def typecheck_facade(root: Path) -> TypeCheck:
    """``mypy facade/aimlapi_video`` in ``root`` (its pyproject.toml config), with facade/ and generated/ visible.

    ``--follow-imports=silent`` reports the facade's errors only, as in the checkout, where generated/ is an
    installed (editable) package whose own typing mypy does not report.
    """
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(root / p) for p in FACADE_PATH)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", FACADE.as_posix()],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return TypeCheck(result.returncode == 0, (result.stdout + result.stderr).strip())


def _replace(root: Path, fragments: Mapping[str, Spec], spec_text: str, staged_package: Path) -> None:
    """Swap in the new fragments, spec and package; on any failure put every old file back and re-raise."""
    targets = [root / UPSTREAM / name for name in fragments] + [root / SPEC]
    package = root / PACKAGE
    with tempfile.TemporaryDirectory(prefix="update_spec-backup-") as tmp:
        backup = Path(tmp)
        saved = {path: path.read_bytes() for path in targets if path.exists()}
        if package.exists():
            shutil.copytree(package, backup / "package")
        try:
            for name, doc in fragments.items():
                (root / UPSTREAM / name).write_text(dump(doc), encoding="utf-8")
            (root / SPEC).write_text(spec_text, encoding="utf-8")
            shutil.rmtree(package, ignore_errors=True)
            shutil.copytree(staged_package, package)
        except BaseException:
            for path in targets:
                if path in saved:
                    path.write_bytes(saved[path])
                else:
                    path.unlink(missing_ok=True)
            shutil.rmtree(package, ignore_errors=True)
            if (backup / "package").exists():
                shutil.copytree(backup / "package", package)
            raise


def update(
    root: Path = ROOT,
    source_dir: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    typecheck: bool = True,
) -> Result:
    """Fetch, compare and (when changed) rebuild, regenerate and type check; ``UpdateError`` rewrites nothing."""
    sources = load_sources(root / SOURCES)
    reduced = read_sources(sources, source_dir, transport)
    upstream = root / UPSTREAM
    changed = changed_fragments(upstream, reduced)
    if not changed:
        return Result((), (), None, tuple(sources))
    new_fragments = {name: reduced[name] for name in changed}
    try:
        current = build_spec.load_fragments(upstream)
        fragments = [(n, d) for n, d in current if n not in new_fragments] + list(new_fragments.items())
        new_spec = build_spec.build(sorted(fragments, key=lambda item: item[0]))
        spec_file = root / SPEC
        old_spec = json.loads(spec_file.read_text(encoding="utf-8")) if spec_file.exists() else None
        if old_spec is None:
            old_spec = build_spec.build(current)
    except (build_spec.BuildError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpdateError(f"building the spec from the new fragments failed: {exc}") from exc
    spec_text = build_spec.dump(new_spec)
    changes = diff_specs(old_spec, new_spec)
    changes += hidden_by_merge(current, fragments, changes)  # before anything is rewritten: it may fail
    with tempfile.TemporaryDirectory(prefix="update_spec-") as tmp:
        staged_spec = Path(tmp) / SPEC.name
        staged_spec.write_text(spec_text, encoding="utf-8")
        staged_package = Path(tmp) / "out" / PACKAGE.name
        try:
            generate_client.generate(staged_spec, staged_package, root / CONFIG)
        except generate_client.GenerateError as exc:
            raise UpdateError(f"generating the client from the new spec failed: {exc}") from exc
        try:
            _replace(root, new_fragments, spec_text, staged_package)
        except OSError as exc:
            raise UpdateError(f"replacing the files failed, the old ones are restored: {exc}") from exc
    checked = typecheck_facade(root) if typecheck else None
    return Result(tuple(changed), tuple(changes), checked, tuple(sources))


def hidden_by_merge(
    old: Iterable[tuple[str, Spec]], new: Iterable[tuple[str, Spec]], seen: Iterable[Change]
) -> list[Change]:
    """The changes to one operation as published that the normalized spec does not show (not in ``seen``).

    The normalized spec gives both operations one response schema, the loosest of the two, so a field removed
    from one operation's response (still in the other's) changes nothing there; yet that operation no longer
    answers it, and code reading it after that call would get nothing.
    """
    try:
        published = diff_specs(build_spec.per_operation(old), build_spec.per_operation(new))
    except (build_spec.BuildError, SpecDiffError) as exc:
        raise UpdateError(f"comparing the operations as published failed: {exc}") from exc
    known = {(change.kind, change.operation, change.location) for change in seen}
    note = " (as this operation is published; not seen in the normalized spec, which merges both responses)"
    return [
        dataclasses.replace(change, detail=change.detail + note)
        for change in published
        if (change.kind, change.operation, change.location) not in known
    ]


def summary(result: Result) -> str:
    """The change summary as Markdown: verdict first, then what upstream changed, then the facade check."""
    if not result.changed:
        return "No change: the vendored fragments match what upstream publishes.\n"
    urls = {source.fragment: source.url for source in result.sources}
    lines = [f"## Upstream spec change: {result.verdict.upper()}", ""]
    lines += ["Changed upstream files:"] + [f"- `{name}` from {urls.get(name, '?')}" for name in result.changed]
    lines += [
        "",
        "### API changes (`scripts/spec_diff.py`: old vs new `openapi/aimlapi-video.json`, and each operation)",
        "",
    ]
    if result.changes:
        breaking = sum(1 for change in result.changes if change.severity == "breaking")
        additive = len(result.changes) - breaking
        lines.append(f"{len(result.changes)} change(s): {breaking} breaking, {additive} additive.")
        lines.append("")
        lines += [f"- {change.text()}" for change in result.changes]
    else:
        lines.append("None: the files changed, but not in API terms (descriptions, order or docs-only content).")
    lines.append("")
    if result.typecheck is None:
        lines.append("Facade type check: skipped.")
    elif result.typecheck.passed:
        lines.append("Facade type check (`mypy facade/aimlapi_video`) against the regenerated client: passed.")
    else:
        lines += [
            "Facade type check (`mypy facade/aimlapi_video`) against the regenerated client: **FAILED**;"
            " the facade must be updated before this can merge:",
            "",
            "```",
            result.typecheck.output,
            "```",
        ]
    lines += ["", f"Regenerated `{SPEC.as_posix()}` and `{PACKAGE.as_posix()}/`."]
    return "\n".join(lines) + "\n"


def outputs(result: Result) -> str:
    """``key=value`` lines for a CI step's outputs (GitHub's ``$GITHUB_OUTPUT`` format)."""
    changed = "true" if result.changed else "false"
    breaking = "true" if result.breaking else "false"
    return f"changed={changed}\nbreaking={breaking}\nverdict={result.verdict.replace(' ', '-')}\n"


def main(argv: list[str] | None = None, transport: httpx.BaseTransport | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, help="read the raw files from here instead of downloading")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root to update (default: this checkout)")
    parser.add_argument(
        "--summary-file",
        type=Path,
        default=os.environ.get("SPEC_SUMMARY_FILE") or None,
        help="write the Markdown summary here (default: $SPEC_SUMMARY_FILE)",
    )
    parser.add_argument(
        "--outputs-file",
        type=Path,
        default=os.environ.get("GITHUB_OUTPUT") or None,
        help="append changed=/breaking=/verdict= lines here (default: $GITHUB_OUTPUT)",
    )
    parser.add_argument("--no-typecheck", action="store_true", help="skip `mypy facade/aimlapi_video`")
    args = parser.parse_args(argv)
    try:
        result = update(args.root.resolve(), args.source_dir, transport, typecheck=not args.no_typecheck)
    except UpdateError as exc:
        print(f"update_spec: {exc}", file=sys.stderr)
        return 2
    text = summary(result)
    sys.stdout.write(text)
    if args.summary_file is not None:
        args.summary_file.write_text(text, encoding="utf-8")
    if args.outputs_file is not None:
        with args.outputs_file.open("a", encoding="utf-8") as handle:
            handle.write(outputs(result))
    return 1 if result.breaking else 0


if __name__ == "__main__":
    sys.exit(main())
