"""1. Per-job overhead: CPU time of ``VideoClient.generate`` against raw httpx and the peers.

Every implementation runs in its own interpreter (peers in their side venvs) against one emulator whose jobs
complete on the third status check, with a 5 MB video and no sleep between checks. Each repetition runs every
implementation once, side by side (a fresh process doing one warm-up job and then ``jobs`` timed jobs); the
ratio of that repetition is the implementation's median CPU per job over raw httpx's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ._common import BENCH, MAIN_PYTHON, ratios, run_json, spread, tiny_png
from ._emulator import Emulator

IMPLEMENTATIONS = {  # name: (worker script and its extra arguments, interpreter: main venv or a side venv)
    "raw httpx (floor)": (("raw_httpx_job.py",), None),
    "raw httpx + fsync and atomic rename": (("raw_httpx_job.py", "--durable"), None),
    "aimlapi-video VideoClient.generate": (("facade_job.py",), None),
    "vendor SDK videos.generate_with_polling": (("vendor_sdk_job.py",), "vendor_sdk"),
    "docs example (requests, fixed sleep 0)": (("docs_requests_job.py",), "docs_requests"),
}
FLOOR = "raw httpx (floor)"


def run(*, quick: bool, pythons: dict[str, Path | str]) -> dict[str, Any]:
    """Run the comparison; ``pythons`` maps side-venv peer names to interpreters (or install errors)."""
    reps, jobs, video_bytes = (1, 1, 100_000) if quick else (7, 5, 5_000_000)
    per_rep: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
    walls: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
    checks: dict[str, int] = {}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp, Emulator(video_bytes=video_bytes) as emu:
        image = Path(tmp) / "image.png"
        image.write_bytes(tiny_png())
        for _ in range(reps):
            for name, ((script, *extra), venv) in IMPLEMENTATIONS.items():
                python = MAIN_PYTHON if venv is None else pythons.get(venv, "not requested")
                if isinstance(python, str):
                    errors[name] = python
                    continue
                args = ["--base-url", emu.base_url, "--api-key", emu.api_key, "--image", str(image)]
                args += ["--out", str(Path(tmp) / script), "--jobs", str(jobs), *extra]
                try:
                    result = run_json(python, BENCH / "peers" / script, *args)
                except RuntimeError as exc:
                    errors[name] = str(exc)
                    continue
                per_rep[name].append(spread(result["cpu"])["median"])
                walls[name].extend(result["wall"])
                checks[name] = result["checks"]
    floor = per_rep[FLOOR]
    rows: list[dict[str, Any]] = []
    for name, cpu in per_rep.items():
        if name in errors or not cpu:
            rows.append({"name": name, "error": errors.get(name, "no result")})
            continue
        rows.append(
            {
                "name": name,
                "cpu_ms": spread([c * 1000 for c in cpu]),
                "wall_ms": spread([w * 1000 for w in walls[name]]),
                "status_checks": checks[name],
                "ratio": ratios(cpu, floor),
            }
        )
    return {"reps": reps, "jobs_per_rep": jobs, "video_bytes": video_bytes, "rows": rows}
