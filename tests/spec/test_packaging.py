"""The wheel ships the generated client and the facade, and declares exactly what the shipped code imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser

import pytest

from check_generated import drift
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Build the wheel offline (hatchling from the dev tools, no build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("aimlapi_video-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_contains_both_packages_and_nothing_else(wheel: zipfile.ZipFile) -> None:
    """aiml_api_client (generated) and aimlapi_video (facade, CLI, emulator) with py.typed; no tests or scripts."""
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert {"aiml_api_client", "aimlapi_video"} == tops
    for required in (
        "aiml_api_client/api/default/create_video_generation.py",
        "aiml_api_client/models/video_generation.py",
        "aimlapi_video/__init__.py",
        "aimlapi_video/py.typed",
        "aimlapi_video/cli/__init__.py",
        "aimlapi_video/testing/__init__.py",
    ):
        assert required in names


def test_runtime_dependencies_are_exactly_what_the_shipped_code_imports(wheel: zipfile.ZipFile) -> None:
    """httpx, attrs and h11 always; starlette/uvicorn and click/rich/platformdirs only behind their extras."""
    (meta_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    meta = Parser().parsestr(wheel.read(meta_name).decode())
    requires = meta.get_all("Requires-Dist") or []
    unconditional = sorted(r.split(">")[0].split("=")[0].split("<")[0] for r in requires if "extra ==" not in r)
    assert ["attrs", "h11", "httpx"] == unconditional
    by_extra: dict[str, set[str]] = {}
    for r in requires:
        if "extra ==" in r:
            name = r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip()
            by_extra.setdefault(r.split("extra ==")[1].strip().strip("'\""), set()).add(name)
    assert {"starlette", "uvicorn"} == by_extra["testing"]
    assert {"click", "rich", "platformdirs"} == by_extra["cli"]
    assert "python-dateutil" not in " ".join(requires)


def test_console_script_points_at_the_cli(wheel: zipfile.ZipFile) -> None:
    """`aimlapi-video` runs aimlapi_video.cli:main."""
    (entry_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "aimlapi-video = aimlapi_video.cli:main" in wheel.read(entry_name).decode()


def test_no_module_imports_dateutil() -> None:
    """The README says python-dateutil is not declared because nothing imports it; keep that true."""
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("generated", "facade")
        for p in (ROOT / folder).rglob("*.py")
        if "dateutil" in p.read_text(encoding="utf-8")
    ]
    assert [] == offenders


def test_generation_does_not_depend_on_the_hash_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A generator run under another PYTHONHASHSEED gives the committed bytes."""
    monkeypatch.setenv("PYTHONHASHSEED", "4242")
    assert "" == drift()
