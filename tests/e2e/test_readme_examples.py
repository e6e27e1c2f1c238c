"""The README's Python examples, run as written against the emulator on loopback.

Each block runs in a fresh directory holding the images it names. Two changes only, so that nothing sleeps
and nothing leaves the machine: the client classes it imports are given an instant ``sleep``, and the key and
base URL come from the environment, as the examples say they do. A user pasting an example gets what the
test got.
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import aimlapi_video
from aimlapi_video.testing import FakeAIMLAPI

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
IMPORT = re.compile(r"^from aimlapi_video import (.+)$", re.M)
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)  # what the client and the emulator check: the magic bytes


async def _no_sleep(_: float) -> None:
    return None


def _instant(name: str) -> Any:
    """The package's ``name``; a client class is given a sleep that returns at once."""
    value = getattr(aimlapi_video, name)
    if value is aimlapi_video.VideoClient:
        return functools.partial(value, sleep=lambda _: None)
    if value is aimlapi_video.AsyncVideoClient:
        return functools.partial(value, sleep=_no_sleep)
    return value


def run(block: str) -> dict[str, Any]:
    """Execute a README block with its ``from aimlapi_video import ...`` names bound by ``_instant``."""
    names = [name.strip() for line in IMPORT.findall(block) for name in line.split(",")]
    namespace: dict[str, Any] = {"__name__": "readme_example", **{name: _instant(name) for name in names}}
    exec(compile(IMPORT.sub("", block), str(README), "exec"), namespace)  # noqa: S102  (our own README)
    return namespace


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory laid out like the checkout's root for the images the examples name (the sample image the
    repository ships, and a user's photo.jpg in the testing example), and an emulator the environment points
    at, as the README says to start."""
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "sunrise.png", tmp_path / "examples" / "sunrise.png")
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    monkeypatch.chdir(tmp_path)
    with FakeAIMLAPI() as fake:
        monkeypatch.setenv("AIMLAPI_API_KEY", fake.api_key)
        monkeypatch.setenv("AIMLAPI_BASE_URL", fake.base_url)
        yield tmp_path


def is_mp4(path: Path) -> bool:
    return path.read_bytes()[4:8] == b"ftyp"


def test_the_readme_has_its_three_examples() -> None:
    """The sync and async library examples and the testing example; a new block needs a test here."""
    assert 3 == len(BLOCKS)
    assert ["VideoClient", "AsyncVideoClient", "GenerationFailedError, VideoClient"] == [
        ", ".join(IMPORT.findall(block)) for block in BLOCKS
    ]


def test_the_sync_example_runs_as_written(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """generate, then submit, get, wait and download, each file saved whole."""
    run(BLOCKS[0])
    assert (True, True) == (is_mp4(workdir / "out.mp4"), is_mp4(workdir / "step.mp4"))
    assert "completed" in capsys.readouterr().out


def test_the_async_example_runs_as_written(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(BLOCKS[1])
    assert is_mp4(workdir / "out-async.mp4")
    assert "Completed(" in capsys.readouterr().out


def test_the_two_library_examples_run_one_after_the_other(workdir: Path) -> None:
    """As a reader tries them, in one directory: neither refuses to overwrite the other's video."""
    run(BLOCKS[0])
    run(BLOCKS[1])
    assert [True, True, True] == [is_mp4(workdir / name) for name in ("out.mp4", "step.mp4", "out-async.mp4")]


def test_the_testing_example_passes(workdir: Path) -> None:
    """It defines a test; run it as pytest would, with its own tmp_path."""
    out_dir = workdir / "pytest-tmp"
    out_dir.mkdir()
    run(BLOCKS[2])["test_my_pipeline"](out_dir)
    assert is_mp4(out_dir / "out.mp4")


def _mypy_strict(tmp_path: Path, sources: dict[str, str]) -> str:
    """mypy --strict's report on ``sources`` (file name to text), run on the installed package as a user's
    code would be checked, with a cache of its own under .mypy_cache (its options differ from make lint's)."""
    from mypy import api  # noqa: PLC0415  (a dev tool: loaded only by this test)

    for name, text in sources.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    cache = Path(__file__).resolve().parents[2] / ".mypy_cache" / "readme-examples"  # apart: other options
    stdout, stderr, _ = api.run(
        ["--strict", "--cache-dir", str(cache), "--no-error-summary", *(str(tmp_path / n) for n in sources)]
    )
    return stdout + stderr


def test_the_examples_pass_mypy_strict_and_a_wrong_duration_does_not(tmp_path: Path) -> None:
    """The README's examples type-check under --strict, as a user's code that copies them would; and the
    spec-exact types catch a value the API refuses (duration=7, resolution="4k") before anything runs."""
    examples = {f"example_{i}.py": block for i, block in enumerate(BLOCKS)}
    wrong = (
        "from aimlapi_video import VideoClient\n\n"
        "with VideoClient() as client:\n"
        '    client.submit("p.jpg", "x", duration=7)\n'
        '    client.submit("p.jpg", "x", resolution="4k")\n'
    )
    report = _mypy_strict(tmp_path, {**examples, "wrong.py": wrong})
    errors = [line for line in report.splitlines() if ": error:" in line]
    assert [] == [line for line in errors if "wrong.py" not in line]
    named = [re.findall(r'Argument "(\w+)" to "submit"', line) for line in errors]
    assert [["duration"], ["resolution"]] == named, report
