"""2. Scale: 100 and 1,000 simultaneous generations through AsyncVideoClient in one process.

The emulator runs in another process with time-compressed jobs (``SIMULATED_JOB_SECONDS / TIME_SCALE`` real
seconds) and the client polls on the default schedule compressed by the same factor, so each job makes the
status checks of an uncompressed job. Each run is a fresh client process (its peak RSS is its own); the raw
baseline is httpx.AsyncClient making the same requests on the same schedule, run side by side.
"""

from __future__ import annotations

from typing import Any

from ._common import BENCH, MAIN_PYTHON, ratios, run_json, spread
from ._emulator import Emulator

SIMULATED_JOB_SECONDS = 60.0
TIME_SCALE = 6.0
RUN_TIMEOUT = 300.0


def _one(impl: str, jobs: int, scale: float, emu: Emulator) -> dict[str, Any]:
    args = ["--impl", impl, "--jobs", str(jobs), "--time-scale", str(scale)]
    args += ["--base-url", emu.base_url, "--api-key", emu.api_key]
    return run_json(MAIN_PYTHON, BENCH / "_scale_worker.py", *args, timeout=RUN_TIMEOUT)


def run(*, quick: bool) -> dict[str, Any]:
    sizes, reps, scale = ((5,), 1, 60.0) if quick else ((100, 1000), 3, TIME_SCALE)
    job_seconds = SIMULATED_JOB_SECONDS / scale
    rows = []
    for jobs in sizes:
        runs: dict[str, list[dict[str, Any]]] = {"facade": [], "raw": []}
        with Emulator(job_seconds=job_seconds) as emu:
            for _ in range(reps):
                for impl in ("facade", "raw"):
                    runs[impl].append(_one(impl, jobs, scale, emu))
        per_request = {impl: [r["cpu_s"] / max(1, r["requests"]) for r in rs] for impl, rs in runs.items()}
        facade = runs["facade"]
        rows.append(
            {
                "jobs": jobs,
                "job_seconds": job_seconds,
                "wall_s": spread([r["wall_s"] for r in facade]),
                "wall_over_job": spread([r["wall_s"] / job_seconds for r in facade]),
                "peak_rss_mb": spread([r["peak_rss_mb"] for r in facade]),
                "errors": sum(r["errors"] for r in facade),
                "error_kinds": {k: v for r in facade for k, v in r["error_kinds"].items()},
                "requests_per_job": spread([r["requests"] / jobs for r in facade]),
                "cpu_per_request_ms": spread([c * 1000 for c in per_request["facade"]]),
                "raw_cpu_per_request_ms": spread([c * 1000 for c in per_request["raw"]]),
                "raw_errors": sum(r["errors"] for r in runs["raw"]),
                "raw_peak_rss_mb": spread([r["peak_rss_mb"] for r in runs["raw"]]),
                "ratio": ratios(per_request["facade"], per_request["raw"]),
            }
        )
    return {"reps": reps, "time_scale": scale, "simulated_job_seconds": SIMULATED_JOB_SECONDS, "rows": rows}
