"""3. Encoding: images to a data URI with ``encode_image`` (from a path and from bytes) versus base64.

Throughput is compared with ``base64.b64encode`` of the same bytes (for a path: reading the file, then
b64encode), best of several runs each, interleaved. Peak memory added is tracemalloc's peak during one call
(tracemalloc is not a tracer, so the encoder keeps its in-place string growth), relative to the file size.
"""

from __future__ import annotations

import base64
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aimlapi_video._media import encode_image

from ._common import png_of_size, ratios, spread

MB = 1 << 20


def _seconds(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


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
                ours_s, floor_s = [], []
                for _ in range(reps):
                    ours_s.append(_seconds(ours))
                    floor_s.append(_seconds(floor))
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
