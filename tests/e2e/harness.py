"""End-to-end doubles: the emulator served by uvicorn on 127.0.0.1, and a facade client in either mode.

Nothing here replaces the network: the clients use their default httpx transports over real loopback
sockets. Only time is faked: the clients' ``sleep`` records and advances a :class:`FakeClock` (also passed as
``clock=``), so polling and retry backoffs are instant while the emulator progresses by status checks.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from aimlapi_video import AsyncVideoClient, VideoClient
from aimlapi_video.testing import FakeAIMLAPI
from tests.unit.harness import FakeClock, ModeRunner

#: Any image the emulator and the facade accept: they both check the magic bytes only.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PROMPT = "The lady smiles"
API_PATH = "/v2/video/generations"
VIDEO_PREFIX = "/cdn/videos/"
#: Short enough that a hung test fails fast, long enough for a loaded CI machine on loopback.
TIMEOUT = httpx.Timeout(5.0)
#: For the slow-response faults: the read timeout a slow answer overruns.
SHORT_READ = httpx.Timeout(2.0, read=0.5)
SLOW = 3.0  # seconds the emulator waits before a "slow" answer; well beyond SHORT_READ's read timeout


@dataclass(frozen=True)
class Seen:
    """One request as the emulator's server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]


class Recorder:
    """An ASGI layer in front of the emulator's app recording what arrives; ``send`` is passed on untouched,
    so the emulator can still drop connections at the socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._seen: list[Seen] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            with self._lock:
                self._seen.append(Seen(scope["method"], scope["path"], headers))
        await self.app(scope, receive, send)

    def seen(self, prefix: str = "/") -> list[Seen]:
        """The requests whose path starts with ``prefix``, in arrival order."""
        with self._lock:
            return [s for s in self._seen if s.path.startswith(prefix)]


class Client(ModeRunner):
    """A facade client of one mode on the served emulator (real loopback sockets), run call by call."""

    def __init__(self, mode: str, *, base_url: str, api_key: str, **options: Any) -> None:
        self.clock = FakeClock()
        common: dict[str, Any] = {"base_url": base_url, "api_key": api_key, "timeout": TIMEOUT, "clock": self.clock}
        common.update(options)
        if mode == "sync":
            super().__init__(VideoClient(sleep=self.clock.sleep, **common))
        else:
            super().__init__(AsyncVideoClient(sleep=self.clock.asleep, **common))


@dataclass
class Live:
    """One test's served emulator, what its server saw, and a client of the test's mode pointed at it."""

    fake: FakeAIMLAPI
    recorder: Recorder
    client: Client

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.client(method, *args, **kwargs)

    @property
    def sleeps(self) -> list[float]:
        return self.client.clock.sleeps

    def video_requests(self) -> list[Seen]:
        return self.recorder.seen(VIDEO_PREFIX)

    def api_requests(self) -> list[Seen]:
        return self.recorder.seen(API_PATH)


Start = Callable[..., Live]


def notes(exc: BaseException) -> str:
    """All notes added to ``exc``, one per line."""
    return "\n".join(getattr(exc, "__notes__", []))


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
