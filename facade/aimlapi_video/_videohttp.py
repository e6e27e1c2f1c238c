"""The transport of ``VideoClient``'s video downloads: the standard library's ``http.client`` behind httpx's
transport interface.

Why not httpx's own: httpcore and h11 hand a body over in 64 KiB pieces, with some Python per piece, which held
a loopback download to about 0.6x ``curl -o``; ``http.client`` reads a body in 256 KiB pieces and keeps pace
with curl (bench/NOTES.md, Download). Only how bytes are read changes: every decision (the checks on
each URL, redirects, retries, resume) stays in ``_download``, which sees an ordinary ``httpx.Response``.

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
import http.client
import ssl
from collections.abc import Iterator, Mapping
from typing import Literal

import httpx

#: Bytes per read. Larger than h11's 64 KiB is what makes this transport fast (fewer pieces, less Python per
#: byte); 256 KiB measured best: 1 MiB pieces made about one 200 MB download in five take 2.5x as long, with the
#: time in the kernel's copy into the page cache (bench/NOTES.md, Download).
CHUNK_SIZE = 256 << 10

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
    """The httpx exception for a failure of ``http.client`` or the socket during ``phase`` of ``request``."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return _TIMEOUTS[phase](message, request=request)
    if isinstance(exc, http.client.HTTPException):  # a malformed or missing answer (RemoteDisconnected too)
        if phase == "write":  # http.client refused the request line or a header before sending it
            return httpx.LocalProtocolError(message, request=request)
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, OSError):  # refused, reset, unreachable, TLS failures (ssl.SSLError is an OSError)
        return _NETWORK[phase](message, request=request)
    return httpx.LocalProtocolError(message, request=request)  # ValueError: a header http.client refuses


@contextlib.contextmanager
def _translated(phase: _Phase, request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise translate(exc, phase, request) from exc


def _framing_problem(response: http.client.HTTPResponse) -> str | None:
    """Why the answer's body cannot be delimited safely, or ``None``. http.client is lenient where h11 (httpx's
    parser) refuses: it reads a body with an unreadable length, or an unknown transfer coding, until the
    connection closes, so a cut-off video would pass as complete. Those answers are refused here, as httpx does.
    It also takes an informational status other than 100 for the answer itself; that is refused too.
    """
    if 100 <= response.status < 200:
        return f"the server sent an informational answer (HTTP {response.status}) this transport does not handle"
    codings = ",".join(response.msg.get_all("transfer-encoding") or [])
    if codings:
        if [coding.strip().lower() for coding in codings.split(",")] != ["chunked"]:
            return f"the server used a transfer coding other than chunked ({codings[:50]!r})"
        return None
    lengths = {value.strip() for value in response.msg.get_all("content-length") or []}
    if len(lengths) > 1 or not all(value.isascii() and value.isdigit() for value in lengths):
        return "the server sent an invalid or conflicting Content-Length"
    return None


class _Body(httpx.SyncByteStream):
    """The response body in chunks of up to ``chunk_size`` bytes; closing it closes the connection.

    ``http.client`` ends a body cut short of its Content-Length silently (an empty read), where httpx raises;
    so the bytes are counted here and a short body raises ``RemoteProtocolError``, as with httpx.
    """

    def __init__(
        self,
        response: http.client.HTTPResponse,
        connection: http.client.HTTPConnection,
        request: httpx.Request,
        chunk_size: int,
    ) -> None:
        self._response = response
        self._connection = connection
        self._request = request
        self._chunk_size = chunk_size
        self._expected = response.length  # the Content-Length, or None (chunked, or until the server closes)

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        while True:
            with _translated("read", self._request):
                chunk = self._response.read(self._chunk_size)
            if not chunk:
                break
            received += len(chunk)
            yield chunk
        if self._expected is not None and received < self._expected:
            raise httpx.RemoteProtocolError(
                f"connection closed after {received} of the {self._expected} bytes the server declared",
                request=self._request,
            )

    def close(self) -> None:
        self._response.close()
        self._connection.close()


class VideoTransport(httpx.BaseTransport):
    """Send each request on a new ``http.client`` connection; TLS with ``tls`` (a verifying context)."""

    def __init__(self, tls: ssl.SSLContext, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._tls = tls
        self._chunk_size = chunk_size

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        timeouts = request.extensions.get("timeout", {})
        host, port = url.raw_host.decode("ascii"), url.port
        connection: http.client.HTTPConnection
        if url.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeouts.get("connect"), context=self._tls)
        elif url.scheme == "http":
            connection = http.client.HTTPConnection(host, port, timeout=timeouts.get("connect"))
        else:
            raise httpx.UnsupportedProtocol(f"the video transport speaks http and https, not {url.scheme!r}")
        try:
            with _translated("connect", request):
                connection.connect()
            with _translated("write", request):
                connection.sock.settimeout(timeouts.get("write"))
                connection.putrequest(
                    request.method, url.raw_path.decode("ascii"), skip_host=True, skip_accept_encoding=True
                )
                for name, value in request.headers.raw:
                    if name.lower() not in _HOP_BY_HOP:
                        connection.putheader(name, value)
                connection.putheader("Connection", "close")
                connection.endheaders(request.read() or None)
            with _translated("read", request):
                connection.sock.settimeout(timeouts.get("read"))
                response = connection.getresponse()
            if (problem := _framing_problem(response)) is not None:
                raise httpx.RemoteProtocolError(problem, request=request)
        except BaseException:
            connection.close()
            raise
        return httpx.Response(
            response.status,
            # http.client decodes header bytes as Latin-1; encoding them back gives the bytes as sent
            headers=[(name.encode("latin-1"), str(value).encode("latin-1")) for name, value in response.getheaders()],
            stream=_Body(response, connection, request, self._chunk_size),
            extensions={
                "http_version": b"HTTP/1.0" if response.version == 10 else b"HTTP/1.1",
                "reason_phrase": response.reason.encode("latin-1", "replace"),
            },
            request=request,
        )
