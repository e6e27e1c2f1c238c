"""One scale run in a fresh process: ``--jobs`` simultaneous generations through AsyncVideoClient (or raw
httpx.AsyncClient making the same requests on the same schedule); prints wall, CPU, requests, errors, RSS.

The poll schedule is the default one compressed ``--time-scale`` times, matching the emulator's compressed
job time, so each job makes the status checks of an uncompressed job.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from typing import Any

import httpx

from aimlapi_video import AsyncVideoClient, PollSchedule, ProgressEvent
from bench._common import emit, peak_rss_mb, tiny_png
from bench.peers._worker import PENDING, PROMPT, request_body

PATH = "/v2/video/generations"


def _schedule(scale: float) -> PollSchedule:
    default = PollSchedule()
    return PollSchedule(
        first_delay=default.first_delay / scale, max_delay=default.max_delay / scale, timeout=default.timeout / scale
    )


async def _facade(args: argparse.Namespace, image: bytes) -> tuple[int, Counter[str]]:
    checks: list[int] = []
    errors: Counter[str] = Counter()
    async with AsyncVideoClient(args.api_key, base_url=args.base_url, poll_schedule=_schedule(args.time_scale)) as c:

        async def job() -> None:
            last = 0

            def count(event: Any) -> None:
                nonlocal last
                if isinstance(event, ProgressEvent):
                    last = event.checks

            try:
                await c.generate(image, PROMPT, on_progress=count)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            checks.append(last + 1)  # + the POST

        await asyncio.gather(*(job() for _ in range(args.jobs)))
    return sum(checks), errors


async def _raw(args: argparse.Namespace, image: bytes) -> tuple[int, Counter[str]]:
    schedule, body = _schedule(args.time_scale), request_body(image)
    requests = 0
    errors: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {args.api_key}"}
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # as the facade's
    async with httpx.AsyncClient(base_url=args.base_url, headers=headers, limits=limits) as client:
        gate = asyncio.Semaphore(100)  # httpcore's pool degrades quadratically with ~1,000 queued requests

        async def request(method: str, **kwargs: Any) -> httpx.Response:
            async with gate:
                return await client.request(method, PATH, **kwargs)

        async def job() -> None:
            nonlocal requests
            try:
                created = await request("POST", json=body)
                requests += 1
                created.raise_for_status()
                checks = 0
                while True:
                    status = (await request("GET", params={"generation_id": created.json()["id"]})).json()
                    requests += 1
                    checks += 1
                    if status["status"] not in PENDING:
                        return
                    await asyncio.sleep(schedule.delay(checks))
            except Exception as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1

        await asyncio.gather(*(job() for _ in range(args.jobs)))
    return requests, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["facade", "raw"], required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--time-scale", type=float, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    args = parser.parse_args()
    random.seed(1)
    image = tiny_png()
    rss_before = peak_rss_mb()
    c0, w0 = time.process_time(), time.perf_counter()
    requests, errors = asyncio.run((_facade if args.impl == "facade" else _raw)(args, image))
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    emit(
        {
            "wall_s": wall,
            "cpu_s": cpu,
            "requests": requests,
            "errors": sum(errors.values()),
            "error_kinds": dict(errors.most_common(3)),
            "peak_rss_mb": peak_rss_mb(),
            "rss_before_mb": rss_before,
        }
    )


if __name__ == "__main__":
    main()
