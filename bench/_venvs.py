"""Side virtual environments for the peers, under ``bench/.cache/venvs/`` (git-ignored); created once, then reused.

Each peer gets its own venv so its dependencies (the vendor SDK bundles its own ``openai`` package) never
mix with the project's. A venv is rebuilt only when its pinned requirement changes.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ._common import BENCH, ROOT

CACHE = BENCH / ".cache"  # git-ignored: side venvs, bytecode for the start-up runs, raw results
VENVS = CACHE / "venvs"


@dataclass(frozen=True)
class Peer:
    """A peer package and the name it is imported by."""

    name: str
    requirement: tuple[str, ...]  # pip install arguments
    module: str
    pre: bool = False  # the vendor SDK publishes only pre-releases


PEERS = {
    # the project itself with its runtime dependencies only (no cli/testing extras), for start-up times
    "core": Peer("core", ("-e", str(ROOT)), "aimlapi_video"),
    "vendor_sdk": Peer("vendor_sdk", ("aimlapi-sdk-python==2.24.0rc1",), "aimlapi", pre=True),
    "docs_requests": Peer("docs_requests", ("requests==2.34.2",), "requests"),
    "fal_client": Peer("fal_client", ("fal-client==1.0.3",), "fal_client"),
    "openai": Peer("openai", ("openai==3.57.0",), "openai"),
}


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def ensure(peer: Peer) -> Path:
    """The interpreter of ``peer``'s venv, creating and installing it if needed; RuntimeError if that fails."""
    venv = VENVS / peer.name
    stamp = venv / ".bench-installed"
    wanted = " ".join(peer.requirement)
    if stamp.exists() and stamp.read_text() == wanted and _python(venv).exists():
        return _python(venv)
    print(f"  creating side venv {venv.relative_to(ROOT)} ({wanted})", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + (["--pre"] if peer.pre else [])
        + list(peer.requirement),
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr or proc.stdout).splitlines() if "WARNING" not in line]
            raise RuntimeError(f"installing {wanted} failed: {' '.join(lines[-3:]).strip()}")
    stamp.write_text(wanted)
    return _python(venv)


def ensure_all(names: list[str]) -> dict[str, Path | str]:
    """Each named peer's interpreter, or the install error as a string (the bench reports it and goes on)."""
    result: dict[str, Path | str] = {}
    for name in names:
        try:
            result[name] = ensure(PEERS[name])
        except (RuntimeError, OSError) as exc:
            result[name] = str(exc)
    return result
