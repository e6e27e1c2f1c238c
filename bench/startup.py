"""5. Start-up: wall time of ``python -c 'import X'`` minus ``python -c pass`` (same interpreter), median of
repeated runs, interleaved; and ``aimlapi-video --help``.

Bytecode is cached once beforehand (``PYTHONPYCACHEPREFIX`` under bench/.cache, so nothing is written
beside the sources; the Makefile exports ``PYTHONDONTWRITEBYTECODE=1``, which would otherwise make every
run compile the project from source, unlike an installed wheel). ``import httpx`` in the project's venv also
loads click and rich (httpx imports its CLI when they are installed, as the ``cli`` extra does), so the
library is measured in a side venv with only its runtime dependencies ("core").
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from ._common import MAIN_PYTHON, ROOT, python_env, spread

#: The generated modules a first request loads (the package defers them until then).
_GENERATED = "aiml_api_client.api.default.create_video_generation, aiml_api_client.api.default.get_video_generation"
Case = tuple[str, str, Path | str, list[str]]  # (label, group, interpreter or error, argv after python)


def _wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def cases(pythons: dict[str, Path | str]) -> list[Case]:
    """What to time; ``pythons`` holds the side venvs' interpreters (or their install errors)."""
    core = pythons.get("core", "not requested")
    found: list[Case] = [
        ("import httpx", "core venv (runtime deps only)", core, ["-c", "import httpx"]),
        ("import aimlapi_video", "core venv (runtime deps only)", core, ["-c", "import aimlapi_video"]),
        (
            "from aimlapi_video import VideoClient",
            "core venv (runtime deps only)",
            core,
            ["-c", "from aimlapi_video import VideoClient"],
        ),
        (
            "import aimlapi_video + the generated client (loaded by the first request)",
            "core venv (runtime deps only)",
            core,
            ["-c", f"import aimlapi_video, {_GENERATED}"],
        ),
        ("import httpx", "project venv (with cli extra)", MAIN_PYTHON, ["-c", "import httpx"]),
        ("import aimlapi_video", "project venv (with cli extra)", MAIN_PYTHON, ["-c", "import aimlapi_video"]),
        ("aimlapi-video --help", "project venv (with cli extra)", MAIN_PYTHON, ["-m", "aimlapi_video", "--help"]),
    ]
    for peer, module in (("vendor_sdk", "aimlapi"), ("fal_client", "fal_client"), ("openai", "openai")):
        python = pythons.get(peer, "not requested")
        found.append((f"import {module}", f"{peer} venv", python, ["-c", f"import {module}"]))
    return found


def run(*, quick: bool, pythons: dict[str, Path | str]) -> dict[str, Any]:
    runs = 3 if quick else 15
    env = python_env()
    todo = [c for c in cases(pythons) if not isinstance(c[2], str)]
    interpreters = {str(c[2]) for c in todo}
    for _, _, python, argv in todo:  # warm the bytecode cache and the OS file cache
        _wall([str(python), *argv], env)
    base: dict[str, list[float]] = {p: [] for p in interpreters}
    times: dict[int, list[float]] = {i: [] for i in range(len(todo))}
    for _ in range(runs):
        for python in interpreters:
            base[python].append(_wall([python, "-c", "pass"], env))
        for i, (_, _, python, argv) in enumerate(todo):
            times[i].append(_wall([str(python), *argv], env))
    rows: list[dict[str, Any]] = []
    for label, group, python, _ in cases(pythons):
        if isinstance(python, str):
            rows.append({"what": label, "where": group, "error": python})
            continue
        i = todo.index(next(c for c in todo if c[0] == label and c[1] == group))
        rows.append(
            {
                "what": label,
                "where": group,
                "wall_ms": spread([t * 1000 for t in times[i]]),
                "minus_pass_ms": statistics.median(times[i]) * 1000 - statistics.median(base[str(python)]) * 1000,
                "pass_ms": statistics.median(base[str(python)]) * 1000,
            }
        )
    return {"runs": runs, "rows": rows}
