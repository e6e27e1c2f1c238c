"""Generate the Python client package from the normalized spec with the pinned openapi-python-client.

Usage: python scripts/generate_client.py [--spec FILE] [--out DIR]

The package directory is removed first: the generator's ``--overwrite`` leaves stale modules behind when a
schema disappears. ``--fail-on-warning`` is on, because the generator drops whole endpoints it cannot
handle with only a warning.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "aimlapi-video.json"
CONFIG = ROOT / "openapi" / "generator-config.yaml"
PACKAGE_DIR = ROOT / "generated" / "aiml_api_client"
GENERATOR_VERSION = "0.29.1"


class GenerateError(Exception):
    """The generator failed or warned: a one-line summary as the message, its whole output in ``output``."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


_BANNERS = ("Unable to parse", "Unable to process", "WARNING", "Error", "Failed")


def summarize(output: str, limit: int = 3) -> str:
    """The generator's complaints in one line: each "Unable to ..." / "WARNING ..." / "Error(s) ..." line with
    the line after it, which says why (unless that is the next complaint or a dump of the schema)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    found: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith(_BANNERS):
            after = lines[i + 1] if i + 1 < len(lines) else ""
            reason = "" if not after or after.startswith((*_BANNERS, "{", "If you believe")) else after
            found.append(f"{line}: {reason}" if reason else line)
    shown = found[:limit] or lines[-1:] or ["no output"]
    more = f" (+{len(found) - limit} more)" if len(found) > limit else ""
    return "; ".join(shown) + more


def generate(spec: Path, out: Path, config: Path = CONFIG) -> None:
    """Wipe ``out`` and generate the client package into it."""
    bindir = Path(sys.executable).parent
    generator = bindir / "openapi-python-client"
    if not generator.exists():
        raise GenerateError(f"{generator} not found: run `make .venv/.installed` (or `make generate`)")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        output = result.stdout + result.stderr
        raise GenerateError(f"openapi-python-client failed: {summarize(output)}", output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--out", type=Path, default=PACKAGE_DIR)
    args = parser.parse_args(argv)
    try:
        generate(args.spec, args.out)
    except GenerateError as exc:
        if exc.output:  # a developer running the generator directly wants all of it
            print(exc.output, file=sys.stderr)
        print(f"generate_client: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
