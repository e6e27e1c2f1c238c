"""6. Polling cost, simulated (no network): status checks and detection lag per strategy and job length.

Each simulated job completes at ``length x U(0.9, 1.1)`` seconds after submit; the client checks at once
(t = 0), then after each gap, as the engine and the peers' loops do. Detection lag is the time from
completion to the first check that sees it. The default schedule draws its jitter from a seeded RNG.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from typing import Any

from aimlapi_video import PollSchedule

LENGTHS = (30.0, 270.0, 600.0)
Gap = Callable[[int, random.Random], float]


def _default(schedule: PollSchedule) -> Gap:
    return lambda checks, rng: schedule.delay(checks, rand=rng.random)


def _fixed(seconds: float) -> Gap:
    return lambda _checks, _rng: seconds


STRATEGIES: dict[str, Gap] = {
    "aimlapi-video default (2 s x1.5 to 7.5 s, ±10 %)": _default(PollSchedule()),
    "fixed 15 s (docs example)": _fixed(15.0),
    "fixed 10 s (vendor SDK default)": _fixed(10.0),
    "fixed 1 s": _fixed(1.0),
}


def simulate(gap: Gap, done_at: float, rng: random.Random) -> tuple[int, float]:
    """(status checks made, detection lag in seconds) for a job completing at ``done_at``."""
    now, checks = 0.0, 0
    while True:
        checks += 1
        if now >= done_at:
            return checks, now - done_at
        now += gap(checks, rng)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(*, quick: bool, jobs: int | None = None) -> dict[str, Any]:
    count = jobs or (50 if quick else 1000)
    rows = []
    for length in LENGTHS:
        for name, gap in STRATEGIES.items():
            rng = random.Random(20240601)
            checks, lags = [], []
            for _ in range(count):
                made, lag = simulate(gap, length * rng.uniform(0.9, 1.1), rng)
                checks.append(made)
                lags.append(lag)
            rows.append(
                {
                    "job_seconds": length,
                    "strategy": name,
                    "requests_mean": statistics.fmean(checks),
                    "requests_min": min(checks),
                    "requests_max": max(checks),
                    "lag_mean": statistics.fmean(lags),
                    "lag_p95": _quantile(lags, 0.95),
                    "lag_max": max(lags),
                }
            )
    return {"jobs": count, "rows": rows}
