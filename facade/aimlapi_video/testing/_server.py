"""Serving the emulator over real HTTP: on a background thread (:class:`FakeAIMLAPI`) or in the foreground."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from ._app import build_app
from ._scenario import Fault, Route, Scenario
from ._state import Counters, EmulatorState, JobRecord

__all__ = ["DEFAULT_API_KEY", "FakeAIMLAPI", "serve"]

DEFAULT_API_KEY = "fake-key-aimlapi-video-emulator"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
logger = logging.getLogger("aimlapi_video.testing")


def _config(app: ASGIApp, log_level: str) -> uvicorn.Config:
    # h11 on asyncio: the connection-dropping faults rely on its request cycle exposing the transport.
    return uvicorn.Config(
        app,
        http="h11",
        loop="asyncio",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level=log_level,
        proxy_headers=False,
        timeout_graceful_shutdown=2,
    )


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP.
    # Without it, Nagle's algorithm and delayed ACKs hold each keep-alive response for ~40 ms.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class FakeAIMLAPI:
    """The emulator: usable in-process through :attr:`app`, or served on a thread with ``with``.

    ``job_seconds`` switches progress from status checks to time (``clock``, real by default): a job is
    queued for its first fifth, then generating, then done.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        job_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_level: str = "warning",
    ) -> None:
        self._api_key = api_key
        self._host = host
        self._port = port
        self._log_level = log_level
        self._state = EmulatorState(scenario or Scenario(), clock=clock, job_seconds=job_seconds)
        self.app: ASGIApp = build_app(self._state, api_key)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._base_url: str | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"FakeAIMLAPI(base_url={self._base_url!r})"

    @property
    def api_key(self) -> str:
        """The key the fake accepts as ``Authorization: Bearer <key>``."""
        return self._api_key

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` while serving; in-process, use any base URL with :attr:`app`."""
        if self._base_url is None:
            raise RuntimeError("the fake is not serving; use 'with FakeAIMLAPI() as fake:' or start()")
        return self._base_url

    @property
    def counters(self) -> Counters:
        """A snapshot of the request and job counters."""
        return self._state.counters()

    @property
    def jobs(self) -> list[JobRecord]:
        """The jobs created so far, in creation order."""
        return self._state.records()

    def add_faults(self, route: Route | str, *faults: Fault) -> None:
        """Queue one-shot faults on ``route`` (a Route, or its name: "post", "get", "video") after those
        already queued."""
        self._state.add_faults(route, *faults)

    def expire_videos(self) -> None:
        """Expire every video URL handed out so far: each answers as expired from now on, and the next status
        check of a finished job hands out a fresh URL (as the live API signs a new link per answer), so a
        client's refresh (``download(id)``) can be exercised."""
        self._state.expire_videos()

    def start(self) -> Self:
        """Serve on a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the fake is already serving")
        sock = _bind(self._host, self._port)
        server = uvicorn.Server(_config(self.app, self._log_level))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="aimlapi-fake", daemon=True)
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the fake AI/ML API server did not start")
            time.sleep(0.005)
        self._base_url = _url(sock)
        logger.info("fake AI/ML API serving at %s", self._base_url)
        return self

    def stop(self) -> None:
        """Stop serving: finish open requests (briefly), join the thread, close the port. Idempotent."""
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        self._base_url = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                logger.warning("the fake AI/ML API server thread did not stop in %.0f s", _STOP_TIMEOUT)
        if sock is not None:
            sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    scenario: Scenario | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    job_seconds: float | None = None,
    api_key: str = DEFAULT_API_KEY,
    log_level: str = "info",
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the emulator in the foreground until Ctrl+C (returns normally) or SIGTERM.

    ``ready`` is called with the base URL once the port is bound (port 0 picks a free one).
    """
    fake = FakeAIMLAPI(scenario, api_key=api_key, job_seconds=job_seconds)
    sock = _bind(host, port)
    try:
        base_url = _url(sock)
        logger.info("fake AI/ML API serving at %s", base_url)
        if ready is not None:
            ready(base_url)
        uvicorn.Server(_config(fake.app, log_level)).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it handled; stopping is the normal end
        logger.info("fake AI/ML API stopped")
    finally:
        sock.close()
