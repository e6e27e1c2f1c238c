"""AsyncVideoClient's own queues: many concurrent calls wait their turn in the client (FIFO), not in httpcore's
pool, whose cost grows quadratically with its queue; and waiting there is never taken for an unreachable API.

Async only: the sync client is called from one thread at a time per call, with httpx's pool in front.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from aimlapi_video import AsyncVideoClient, Completed, Job, VideoClient
from tests.unit.harness import KEY, PNG

VIDEO = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(4000)


async def _no_sleep(_: float) -> None:
    return None


class InFlight:
    """Counts the requests a fake server is handling at once; each takes a few loop turns to answer."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.created = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            for _ in range(5):  # let the other tasks run while this one is "on the wire"
                await asyncio.sleep(0)
            if request.method == "POST":
                self.created += 1
                return httpx.Response(200, json={"id": f"gen-{self.created}", "status": "queued"})
            return httpx.Response(200, content=VIDEO, headers={"Content-Type": "video/mp4"})
        finally:
            self.now -= 1


def test_submits_beyond_the_pool_wait_their_turn_and_are_never_taken_for_an_unreachable_api() -> None:
    """150 submits at once with a pool timeout of a nanosecond: the 50 beyond the 100 connections queue in the client
    for as long as it takes (nothing was sent, so waiting costs nothing), where a pool timeout used to count
    each wait as a failed attempt and end in APIConnectionError. Never more than 100 are on the wire."""
    server = InFlight()

    async def main() -> list[Job]:
        transport = httpx.MockTransport(server.handle)
        timeout = httpx.Timeout(5.0, pool=1e-9)  # any wait at all would outlast it
        async with AsyncVideoClient(KEY, transport=transport, timeout=timeout, sleep=_no_sleep) as client:
            return await asyncio.gather(*(client.submit(PNG, "p") for _ in range(150)))

    jobs = asyncio.run(main())

    assert (150, 100) == (len({job.id for job in jobs}), server.most)


def test_downloads_beyond_the_pool_wait_their_turn_in_the_client(tmp_path: Path) -> None:
    """150 downloads at once: at most 100 are in flight, the rest queue in the client (httpcore's own queue
    costs CPU quadratic in its length: 1,000 downloads took 21 s of CPU), and every video is saved."""
    server = InFlight()

    async def main() -> list[Path]:
        video = httpx.MockTransport(server.handle)
        async with AsyncVideoClient(KEY, video_transport=video, sleep=_no_sleep) as client:
            done = Completed(id="gen-1", status="completed", video_url="https://cdn.example.com/v.mp4")
            return await asyncio.gather(*(client.download(done, tmp_path / f"{i}.mp4") for i in range(150)))

    saved = asyncio.run(main())

    assert (150, 100) == (sum(path.read_bytes() == VIDEO for path in saved), server.most)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_download_after_close_is_refused_like_any_request(tmp_path: Path, mode: str) -> None:
    """The video pool is made at the first download: after close() it would be a new pool nothing closes.
    A download then fails as an API call does after close (httpx's RuntimeError), and nothing is written."""
    done = Completed(id="gen-1", status="completed", video_url="https://cdn.example.com/v.mp4")
    video = InFlight()
    if mode == "sync":
        client = VideoClient(KEY, video_transport=httpx.MockTransport(lambda _: httpx.Response(200, content=VIDEO)))
        client.close()
        with pytest.raises(RuntimeError, match="client has been closed"):
            client.download(done, tmp_path / "v.mp4")
    else:

        async def main() -> None:
            client = AsyncVideoClient(KEY, video_transport=httpx.MockTransport(video.handle), sleep=_no_sleep)
            await client.close()
            await client.download(done, tmp_path / "v.mp4")

        with pytest.raises(RuntimeError, match="client has been closed"):
            asyncio.run(main())
    assert [] == list(tmp_path.iterdir())
