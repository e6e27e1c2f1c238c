"""A loopback HTTP server that answers each connection with scripted bytes, for testing the video transport on
real sockets: what reached the server is recorded, and an answer can be anything, malformed or cut off."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

from bench._tls_serve import read_head, self_signed

_TIMEOUT = 10.0  # a bound on every server-side wait; reached only when a test fails


class Scripted:
    """``with Scripted([answer, ...]) as server``: connection *n* reads one request head, gets ``answers[n]``
    and is closed. ``server.url(path)`` is where to send; ``server.requests`` holds each request head.

    A failure on the server's side (a refused TLS handshake, a reset) is kept in ``errors``; leaving the block
    fails the test if there is one, unless ``expect_errors``. Answers never asked for are not an error.
    """

    def __init__(
        self,
        answers: list[bytes],
        *,
        tls: ssl.SSLContext | None = None,
        ipv6: bool = False,
        close_notify: bool = False,
        expect_errors: bool = False,
    ) -> None:
        """``close_notify``: end a TLS connection properly; by default it is just closed (a "ragged" end)."""
        self._answers = answers
        self._tls = tls
        self._close_notify = close_notify
        self._expect_errors = expect_errors
        self._closing = threading.Event()
        if ipv6:
            self._listener = socket.create_server(("::1", 0), family=socket.AF_INET6)
        else:
            self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_TIMEOUT)
        self.port: int = self._listener.getsockname()[1]
        self.requests: list[bytes] = []
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, name="scripted-server", daemon=True)

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def _serve(self) -> None:
        for answer in self._answers:
            try:
                raw, _ = self._listener.accept()
            except OSError as exc:
                if not self._closing.is_set():  # not merely an answer the test never asked for
                    self.errors.append(exc)
                return
            raw.settimeout(_TIMEOUT)
            try:
                self._answer(raw, answer)
            except OSError as exc:  # ssl.SSLError is one: e.g. the client refused our certificate
                self.errors.append(exc)
            finally:
                raw.close()

    def _answer(self, raw: socket.socket, answer: bytes) -> None:
        conn = self._tls.wrap_socket(raw, server_side=True) if self._tls else raw
        with conn:
            self.requests.append(read_head(conn))
            conn.sendall(answer)
            if isinstance(conn, ssl.SSLSocket) and self._close_notify:
                with contextlib.suppress(OSError):  # the client may close without answering close_notify
                    conn.unwrap()  # sends close_notify, then waits for the client's (or its close)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):  # wakes a pending accept() at once
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(_TIMEOUT)
        if exc_type is None and self.errors and not self._expect_errors:
            raise AssertionError(f"the scripted server failed: {self.errors!r}")


def tls_contexts(directory: Path, names: str = "DNS:localhost,IP:127.0.0.1") -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for ``names``, and a client context trusting it."""
    cert, key = self_signed(directory, names)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))
