"""3. Encoding: images to a data URI with ``encode_image`` (from a path and from bytes) versus base64.

Throughput is compared with ``base64.b64encode`` of the same bytes (for a path: reading the file, then
b64encode) over several interleaved runs, in a fresh process (``_encoding_worker.py``): in the orchestrator,
whose allocations depend on what ran before, the 10 MB ratio swung from 0.62x to 1.29x between full runs, as
the allocator served the large outputs from fresh pages or reused ones. Each run times enough calls in a row
to last about 50 ms, so a 1 MB input (about a millisecond) is not measured at the timer's and the scheduler's
granularity. Peak memory added is tracemalloc's peak during one call (tracemalloc is not a tracer, so the
encoder keeps its in-place string growth), relative to the file size.
"""

from __future__ import annotations

import base64
import gc
import math
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aimlapi_video._media import encode_image

from ._common import BENCH, MAIN_PYTHON, png_of_size, ratios, run_json, spread

MB = 1 << 20


def _seconds(fn: Callable[[], object], number: int) -> float:
    """Seconds per call, over ``number`` calls in a row (small inputs take about a millisecond each)."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _calls_for(fn: Callable[[], object], target_s: float) -> int:
    """How many calls of ``fn`` make one timing last about ``target_s`` (at least one)."""
    return max(1, math.ceil(target_s / _seconds(fn, 1)))


def _peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def run(*, quick: bool) -> dict[str, Any]:
    """``measure`` in a fresh worker process."""
    return run_json(MAIN_PYTHON, BENCH / "_encoding_worker.py", *(["--quick"] if quick else []))


def measure(*, quick: bool) -> dict[str, Any]:
    """The encoding figures, measured in this process."""
    sizes, reps = ((MB // 10,), 2) if quick else ((1 * MB, 10 * MB, 50 * MB), 7)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-encoding-") as tmp:
        for size in sizes:
            data = png_of_size(size)
            path = Path(tmp) / f"image-{size}.png"
            path.write_bytes(data)
            cases = {
                "bytes": (lambda d=data, n=size: encode_image(d, max_bytes=n), lambda d=data: base64.b64encode(d)),
                "path": (
                    lambda p=str(path), n=size: encode_image(p, max_bytes=n),
                    lambda p=path: base64.b64encode(p.read_bytes()),
                ),
            }
            for source, (ours, floor) in cases.items():
                number = _calls_for(floor, 0.005 if quick else 0.05)  # the same count for both
                ours_s, floor_s = [], []
                for _ in range(reps):
                    ours_s.append(_seconds(ours, number))
                    floor_s.append(_seconds(floor, number))
                rows.append(
                    {
                        "size_mb": size / MB,
                        "source": source,
                        "mb_per_s": spread([size / MB / s for s in ours_s]),
                        "b64_mb_per_s": spread([size / MB / s for s in floor_s]),
                        "throughput_ratio": ratios(floor_s, ours_s),  # ours / b64 throughput
                        "peak_over_size": _peak(ours) / size,
                        "b64_peak_over_size": _peak(floor) / size,
                    }
                )
    return {"reps": reps, "rows": rows}
