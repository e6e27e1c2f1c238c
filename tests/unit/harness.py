"""Test doubles for the facade: a scripted API on httpx.MockTransport, a fake clock, and a mode runner.

Every facade test runs twice, once through ``VideoClient`` and once through ``AsyncVideoClient``; ``Runner``
hides the difference so a test body is written once.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import httpx

from aimlapi_video import AsyncVideoClient, VideoClient

KEY = "canary-KEY-3f9a1c77e0b4"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def job(status: str, gen_id: str = "gen-1", **fields: Any) -> httpx.Response:
    """A 200 status answer."""
    return httpx.Response(200, json={"id": gen_id, "status": status, **fields})


def done(gen_id: str = "gen-1", url: str = "https://cdn.example.com/v.mp4?sig=abc") -> httpx.Response:
    """A completed status answer with a video URL and usage."""
    return job("completed", gen_id, video={"url": url}, meta={"usage": {"credits_used": 400000}})


def api_error_body(status: int, message: str = "nope", request_id: str = "req-42", **headers: str) -> httpx.Response:
    """An error answer in the documented shape."""
    body = {
        "message": message,
        "path": "/v2/video/generations",
        "requestId": request_id,
        "statusCode": status,
        "timestamp": "2026-11-25T00:00:00Z",
    }
    return httpx.Response(status, json=body, headers=headers)


def dated_retry_after(seconds: int) -> dict[str, str]:
    """``Retry-After`` as an HTTP date ``seconds`` after the answer's own ``Date``, both about now (the client
    measures from the Date header only when it is within a day of its clock): the hint is exactly ``seconds``."""
    now = int(time.time())
    return {
        "Retry-After": email.utils.formatdate(now + seconds, usegmt=True),
        "Date": email.utils.formatdate(now, usegmt=True),
    }


def corrupt_gzip(**headers: str) -> Reply:
    """A 200 whose body claims gzip but is not: httpx fails to decode it after the headers arrived."""
    return lambda _: httpx.Response(
        200, stream=httpx.ByteStream(b"not gzip at all"), headers={"Content-Encoding": "gzip", **headers}
    )


class _CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that fails after its first bytes, as a connection that drops (or stalls) mid-body does."""

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"id": "gen'
        raise self.failure

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"id": "gen'
        raise self.failure


def cut_body(failure: BaseException | None = None, **headers: str) -> Reply:
    """A 200 whose headers arrive but whose body breaks off (a dropped connection, by default; or ``failure``,
    e.g. a Ctrl-C while it is read)."""
    return lambda _: httpx.Response(
        200, stream=_CutStream(failure or httpx.RemoteProtocolError("peer closed connection")), headers=headers
    )


def too_deep(**headers: str) -> Reply:
    """A 200 whose JSON nests deeper than Python's parser can follow (RecursionError, not ValueError)."""
    return lambda _: httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, headers=headers)


@attrs.define
class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = attrs.field(factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@attrs.define
class FakeAPI:
    """Answers POST and GET from scripted queues; the last GET reply repeats. Records every request."""

    posts: list[Reply] = attrs.field(factory=list)
    gets: list[Reply] = attrs.field(factory=list)
    videos: list[Reply] = attrs.field(factory=list)
    requests: list[httpx.Request] = attrs.field(factory=list)
    video_requests: list[httpx.Request] = attrs.field(factory=list)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)

    @staticmethod
    def _answer(queue: list[Reply], request: httpx.Request, repeat_last: bool) -> httpx.Response:
        if not queue:
            raise AssertionError(f"unexpected {request.method} {request.url}")
        reply = queue[0] if (repeat_last and len(queue) == 1) else queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    def api(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.method == "POST":
            return self._answer(self.posts, request, repeat_last=False)
        return self._answer(self.gets, request, repeat_last=True)

    def video(self, request: httpx.Request) -> httpx.Response:
        self.video_requests.append(request)
        return self._answer(self.videos, request, repeat_last=True)

    def post_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]


class ModeRunner:
    """Runs one client's methods to completion, returning plain values; an async client's calls all run in one
    event loop (``asyncio.Runner``), as in real use, so its connection pool stays usable from call to call."""

    def __init__(self, client: VideoClient | AsyncVideoClient) -> None:
        self.client = client
        self.loop = asyncio.Runner() if isinstance(client, AsyncVideoClient) else None

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        bound = getattr(self.client, method)
        if self.loop is None:
            return bound(*args, **kwargs)
        return self.loop.run(bound(*args, **kwargs))

    def states(self, generation_id: str, **kwargs: Any) -> list[Any]:
        """Everything ``iter_status`` yields."""
        if isinstance(self.client, VideoClient):
            return list(self.client.iter_status(generation_id, **kwargs))
        client, loop = self.client, self.loop
        assert loop is not None

        async def collect() -> list[Any]:
            return [s async for s in client.iter_status(generation_id, **kwargs)]

        return loop.run(collect())

    def close(self) -> None:
        if isinstance(self.client, VideoClient):
            self.client.close()
            return
        assert self.loop is not None
        try:
            self.loop.run(self.client.close())
        finally:
            self.loop.close()


class Runner(ModeRunner):
    """A client of one mode on a scripted ``FakeAPI``, run to completion call by call."""

    def __init__(self, mode: str, api: FakeAPI, clock: FakeClock, **options: Any) -> None:
        self.mode, self.api, self.clock = mode, api, clock
        common: dict[str, Any] = {"clock": clock, **options}
        common.setdefault("api_key", KEY)
        common.update(transport=httpx.MockTransport(api.api), video_transport=httpx.MockTransport(api.video))
        if mode == "sync":
            super().__init__(VideoClient(sleep=clock.sleep, **common))
        else:
            super().__init__(AsyncVideoClient(sleep=clock.asleep, **common))


def runners(mode: str) -> Iterator[Callable[..., Runner]]:
    """A factory fixture body that closes every runner it made."""
    made: list[Runner] = []

    def make(api: FakeAPI | None = None, clock: FakeClock | None = None, **options: Any) -> Runner:
        runner = Runner(mode, api or FakeAPI(), clock or FakeClock(), **options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close()
