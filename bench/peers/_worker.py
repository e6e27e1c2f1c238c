"""What every per-job worker shares (standard library only: side venvs do not have aimlapi_video).

A worker runs one warm-up job (whose status checks it counts), then ``--jobs`` timed jobs, and prints one
JSON line: CPU seconds (``time.process_time``) and wall seconds per timed job, and the status-check count.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

MODEL = "alibaba/wan-2-6-image-to-video-flash"
PROMPT = "She smiles, then puts on glasses"
PENDING = ("queued", "generating")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--image", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="directory for the downloaded videos")
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--durable", action="store_true", help="raw httpx only: fsync and rename like the facade")
    return parser.parse_args()


def request_body(image: bytes) -> dict[str, object]:
    """The create body the facade sends for ``generate(image, PROMPT)`` (duration 5 is sent explicitly)."""
    uri = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
    return {"model": MODEL, "prompt": PROMPT, "image_url": uri, "duration": 5}


def measure(job: Callable[[Path], int], args: argparse.Namespace) -> None:
    """Run ``job(output_path) -> status checks`` once to warm up, then ``args.jobs`` times, timed."""
    args.out.mkdir(parents=True, exist_ok=True)
    checks = job(args.out / "warmup.mp4")
    cpu, wall = [], []
    for i in range(args.jobs):
        dest = args.out / f"job-{i}.mp4"
        dest.unlink(missing_ok=True)
        c0, w0 = time.process_time(), time.perf_counter()
        job(dest)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        dest.unlink()
    video_bytes = (args.out / "warmup.mp4").stat().st_size
    print(json.dumps({"cpu": cpu, "wall": wall, "checks": checks, "video_bytes": video_bytes}), flush=True)
