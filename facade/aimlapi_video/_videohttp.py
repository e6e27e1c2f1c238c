"""The transport of ``VideoClient``'s video downloads: httpx's HTTP/1.1 parser (h11) for everything but the bytes
of a body of declared length, which are read straight from the socket.

Why not httpx's own transport: httpcore and h11 hand a body over in 64 KiB pieces, each copied through h11's
buffer with some Python around it, which held a loopback download to about 0.6x ``curl -o``. Here the request,
the status line, the headers and every framing decision go through h11, as with httpx (so an answer httpx
refuses is refused here too, and one it reads is read the same way, with one stricter rule: over TLS, a body
delimited by the connection closing must end with close_notify); then a body with a Content-Length, which
is what a CDN sends for a file, is read from the socket in pieces of up to 256 KiB and counted. Chunked bodies,
bodies delimited by the connection closing and bodiless answers are left to h11. Every decision about the
download (the checks on each URL, redirects, retries, resume) stays in ``_download``, which sees an ordinary
``httpx.Response``.

Where it is used: ``VideoClient``'s video pool, when the caller passed no ``video_transport`` and no proxy is
configured. httpx honours proxy settings (``HTTPS_PROXY`` and the like); this transport does not, so where one
is set the pool keeps httpx's transport. ``AsyncVideoClient`` keeps httpx's async transport.

One connection per request, closed with its response (``Connection: close``): a video takes seconds to fetch
and a handshake milliseconds, and no idle connection is left to go stale. TLS uses the client's verifying
context (certificate and host name checked). Failures come out as the httpx exceptions the download already
classifies: connect and read errors and timeouts (retried), a malformed or cut-off answer
(``RemoteProtocolError``, retried), a request that cannot be sent as given (``LocalProtocolError``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Literal

import h11
import httpx

#: Bytes per read of a body. Larger than h11's 64 KiB is what makes this transport fast (fewer pieces, less
#: Python per byte); 256 KiB measured best: 1 MiB pieces made about one 200 MB download in five take 2.5x as
#: long, with the time in the kernel's copy into the page cache (bench/NOTES.md, Download).
CHUNK_SIZE = 256 << 10
#: The most bytes of status line and headers accepted, as httpcore sets it (h11's own default is 16 KiB).
_MAX_HEAD = 100 * 1024

#: Request headers not passed on: the connection is ours to manage (always ``close``, see the docstring).
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade"})

_Phase = Literal["connect", "write", "read"]
_TIMEOUTS: dict[_Phase, type[httpx.TimeoutException]] = {
    "connect": httpx.ConnectTimeout,
    "write": httpx.WriteTimeout,
    "read": httpx.ReadTimeout,
}
_NETWORK: dict[_Phase, type[httpx.NetworkError]] = {
    "connect": httpx.ConnectError,
    "write": httpx.WriteError,
    "read": httpx.ReadError,
}


def proxy_configured(proxies: Mapping[str, str] | None = None) -> bool:
    """Whether the environment names a proxy for http or https (what httpx would honour); ``proxies`` is
    ``urllib.request.getproxies()`` unless given."""
    if proxies is None:
        import urllib.request  # noqa: PLC0415  (loaded by httpx already; named here, where it is needed)

        proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def translate(exc: Exception, phase: _Phase, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception for a failure of h11 or the socket during ``phase`` of ``request``."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):  # before OSError: a socket timeout is one too
        return _TIMEOUTS[phase](message, request=request)
    if isinstance(exc, h11.RemoteProtocolError):  # the server's answer broke HTTP/1.1
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, OSError):  # refused, reset, unreachable, TLS failures (ssl.SSLError is an OSError)
        return _NETWORK[phase](message, request=request)
    return httpx.LocalProtocolError(message, request=request)  # h11 refused to send the request as given


@contextlib.contextmanager
def _translated(phase: _Phase, request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (OSError, h11.ProtocolError, ValueError) as exc:
        raise translate(exc, phase, request) from exc


class _Body(httpx.SyncByteStream):
    """The response body; closing it closes the connection.

    With a Content-Length (``length``), the bytes h11 already holds and then the socket's, counted: fewer than
    declared when the connection closes raise ``RemoteProtocolError`` (as h11 does), and nothing past the
    declared length is read. Otherwise h11 reads it (chunked, until the connection closes, or no body).
    """

    def __init__(self, sock: socket.socket, parser: h11.Connection, length: int | None, request: httpx.Request) -> None:
        self._sock = sock
        self._parser = parser
        self._length = length
        self._request = request
        self._buffer: memoryview | None = None  # where TLS records are gathered (see _read)

    def __iter__(self) -> Iterator[bytes]:
        if self._length is None:
            yield from self._parsed()
            return
        received, closed = self._parser.trailing_data
        remaining = self._length - len(received)
        if remaining < 0:  # more than declared already arrived: only the declared bytes are the body
            received, remaining = received[: self._length], 0
        if received:
            yield bytes(received)
        while remaining > 0 and not closed:
            chunk = self._read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
        if remaining > 0:
            raise httpx.RemoteProtocolError(
                f"connection closed after {self._length - remaining} of the {self._length} bytes the server declared",
                request=self._request,
            )

    def _read(self, size: int) -> bytes:
        """Up to ``size`` bytes; ``b""`` once the connection has closed.

        Plain TCP: what one ``recv`` returns (on a fast link, the whole ``size``). TLS: one call returns at most
        one record (16 KiB), so records are gathered into one piece first; over TLS that was about 10 % faster,
        over plain TCP the extra copy cost as much (bench/NOTES.md, Download).
        """
        with _translated("read", self._request):
            if not isinstance(self._sock, ssl.SSLSocket):
                return self._sock.recv(size)
            if self._buffer is None:
                self._buffer = memoryview(bytearray(CHUNK_SIZE))
            view, filled = self._buffer[:size], 0
            while filled < size and (got := self._sock.recv_into(view[filled:])):
                filled += got
            return bytes(view[:filled])

    def _parsed(self) -> Iterator[bytes]:
        """The body as h11 delimits it, up to its end (``EndOfMessage``)."""
        while True:
            with _translated("read", self._request):
                event = self._parser.next_event()
                if event is h11.NEED_DATA:
                    self._parser.receive_data(self._sock.recv(CHUNK_SIZE))
                    continue
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:  # h11 has no other event for a body; a closed connection before the end raises above
                raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__} in the body", request=self._request)

    def close(self) -> None:
        self._sock.close()


class VideoTransport(httpx.BaseTransport):
    """Send each request on a new connection; TLS with ``tls`` (a verifying context)."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self._tls = tls

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"the video transport speaks http and https, not {url.scheme!r}")
        timeouts = request.extensions.get("timeout", {})
        host = url.raw_host.decode("ascii")  # IDNA-encoded by httpx; an IPv6 address without its brackets
        port = url.port or (443 if url.scheme == "https" else 80)
        with _translated("connect", request):
            sock = socket.create_connection((host, port), timeout=timeouts.get("connect"))
        try:
            with _translated("connect", request):
                if url.scheme == "https":
                    # a TLS connection closed without close_notify is an error, not an end of stream: for a body
                    # delimited by the close, that is the only sign it was cut off (httpx takes it as the end)
                    sock = self._tls.wrap_socket(sock, server_hostname=host, suppress_ragged_eofs=False)
            parser = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
            self._send(sock, parser, request, timeouts.get("write"))
            sock.settimeout(timeouts.get("read"))
            response = self._receive_head(sock, parser, request)
            return httpx.Response(
                response.status_code,
                headers=response.headers.raw_items(),
                stream=_Body(sock, parser, _declared_length(request, response), request),
                extensions={"http_version": b"HTTP/" + response.http_version, "reason_phrase": response.reason},
                request=request,
            )
        except BaseException:
            sock.close()
            raise

    @staticmethod
    def _send(sock: socket.socket, parser: h11.Connection, request: httpx.Request, timeout: float | None) -> None:
        headers = [(name, value) for name, value in request.headers.raw if name.lower() not in _HOP_BY_HOP]
        headers.append((b"Connection", b"close"))
        with _translated("write", request):
            events: list[h11.Request | h11.Data | h11.EndOfMessage] = [
                h11.Request(method=request.method, target=request.url.raw_path, headers=headers)
            ]
            if body := request.read():
                events.append(h11.Data(data=body))
            events.append(h11.EndOfMessage())
            data = b"".join(parser.send(event) or b"" for event in events)
            sock.settimeout(timeout)
            sock.sendall(data)

    @staticmethod
    def _receive_head(sock: socket.socket, parser: h11.Connection, request: httpx.Request) -> h11.Response:
        """The final answer's status line and headers; informational (1xx) answers are skipped, as httpx does."""
        while True:
            with _translated("read", request):
                event = parser.next_event()
                if event is h11.NEED_DATA:
                    parser.receive_data(sock.recv(CHUNK_SIZE))
                    continue
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):  # ConnectionClosed: no answer at all
                raise httpx.RemoteProtocolError("the server closed the connection without an answer", request=request)


def _declared_length(request: httpx.Request, response: h11.Response) -> int | None:
    """The body's length when it is given by Content-Length (read here, in large pieces); ``None`` when h11
    must delimit the body (chunked, until the connection closes, or none: HEAD, 204, 304)."""
    if request.method == "HEAD" or response.status_code in (204, 304):
        return None
    headers = dict(response.headers)  # lower-case names; h11 refuses a second Transfer-Encoding or Content-Length
    if b"transfer-encoding" in headers:
        return None  # h11 accepts only "chunked" here, and it takes precedence over a Content-Length
    length = headers.get(b"content-length")
    return None if length is None else int(length)  # h11 checked it: ASCII digits, at most 20
