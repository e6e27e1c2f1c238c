"""Shared test fixtures: paths to the repository and to the read-only shared material beside it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# scripts/ is a folder of command-line tools, not a package; tests import their functions directly.
sys.path.insert(0, str(ROOT / "scripts"))


def shared_file(*parts: str) -> Path:
    """A file under ../shared, or a clean skip when the shared folder is not beside this checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the project checkout)")
    return path
