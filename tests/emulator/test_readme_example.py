"""The README's emulator example is run as written, so the documentation cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(256)


def test_the_readme_emulator_example_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The block defining test_my_pipeline runs against the real emulator, its assertions included."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    [example] = [block for block in blocks if "def test_my_pipeline" in block]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102  (our own documentation)
    (tmp_path / "out").mkdir()
    namespace["test_my_pipeline"](tmp_path / "out")  # type: ignore[operator]
    assert (tmp_path / "out" / "out.mp4").exists()
