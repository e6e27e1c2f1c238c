"""The video transport (h11, with bodies of declared length read straight from the socket) on real loopback
sockets: what it sends, that it makes of every kind of answer what httpx's own transport makes of it, TLS with
verification, and when ``VideoClient`` uses it.

It serves ``VideoClient`` only (``AsyncVideoClient`` keeps httpx's async transport), so these tests have one
mode; the download's own behaviour over it is covered in both modes by test_e2e_download.py.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest

from aimlapi_video import DownloadError
from aimlapi_video._download import download_async, download_sync
from aimlapi_video._videohttp import CHUNK_SIZE, VideoTransport, proxy_configured, translate
from aimlapi_video.testing._mp4 import build_mp4
from tests.e2e.harness import PNG, PROMPT, Start, closed_port
from tests.e2e.scripted import Scripted, tls_contexts

BODY = bytes(range(256)) * 40  # 10,240 bytes
BAD_LENGTH = "invalid or conflicting Content-Length"
MP4 = build_mp4()


def verifying() -> ssl.SSLContext:
    """What the client uses: the system's CA store, certificates and host names checked."""
    return httpx.create_ssl_context()


def answer(status: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode("latin-1") + body


def client(tls: ssl.SSLContext | None = None) -> httpx.Client:
    return httpx.Client(transport=VideoTransport(tls or verifying()), timeout=10.0)


def test_the_request_is_sent_as_built_on_a_connection_that_closes() -> None:
    """Method, target (query kept byte for byte), and the client's headers, with ``Connection: close`` instead
    of keep-alive; no header is added twice."""
    with Scripted([answer("200 OK", [("Content-Length", "2")], b"ok")]) as server, client() as http:
        response = http.get(
            server.url("/v/a%20b.mp4?sig=x%2Fy&exp=1"), headers={"Accept-Encoding": "identity", "User-Agent": "t/1"}
        )
    [head] = server.requests
    lines = head.decode("latin-1").split("\r\n")
    assert "GET /v/a%20b.mp4?sig=x%2Fy&exp=1 HTTP/1.1" == lines[0]
    names = [line.split(":", 1)[0].lower() for line in lines[1:] if line]
    assert sorted(names) == sorted(set(names))
    assert {
        "host": f"127.0.0.1:{server.port}",
        "accept-encoding": "identity",
        "user-agent": "t/1",
        "connection": "close",
    }.items() <= {line.split(": ", 1)[0].lower(): line.split(": ", 1)[1] for line in lines[1:] if line}.items()
    assert (200, b"ok") == (response.status_code, response.content)


def test_status_reason_headers_and_body_come_through_unchanged() -> None:
    """Headers keep their bytes (Latin-1 included), case and repeats; a body longer than one read arrives whole,
    in pieces of at most ``CHUNK_SIZE``."""
    body = os.urandom(CHUNK_SIZE * 2 + 1000)
    headers = [("Content-Length", str(len(body))), ("X-Name", "caf\xe9"), ("X-Twice", "1"), ("X-Twice", "2")]
    with (
        Scripted([answer("206 Partial Content", headers, body)]) as server,
        client() as http,
        http.stream("GET", server.url("/v.mp4")) as response,
    ):
        chunks = list(response.iter_raw())
    assert (206, "Partial Content", "HTTP/1.1") == (
        response.status_code,
        response.reason_phrase,
        response.http_version,
    )
    assert (b"X-Name", b"caf\xe9") == response.headers.raw[1]
    assert ["1", "2"] == response.headers.get_list("x-twice")
    assert body == b"".join(chunks)
    assert CHUNK_SIZE == max(len(chunk) for chunk in chunks)


def test_a_chunked_body_is_decoded() -> None:
    """``Transfer-Encoding: chunked`` is taken apart (by h11, as in httpx)."""
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    with (
        Scripted([answer("200 OK", [("Transfer-Encoding", "chunked")], body)]) as server,
        client() as http,
    ):
        response = http.get(server.url("/v.mp4"))
    assert b"hello world" == response.content


def test_a_body_cut_short_of_its_length_raises_like_httpx() -> None:
    """The transport reads a Content-Length body itself and counts it: a short one raises
    ``RemoteProtocolError`` (as h11 does in httpx), which the download retries."""
    with (
        Scripted([answer("200 OK", [("Content-Length", "100")], b"x" * 40)]) as server,
        client() as http,
        pytest.raises(httpx.RemoteProtocolError, match="after 40 of the 100 bytes"),
    ):
        http.get(server.url("/v.mp4"))


CHUNKED = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\n"
#: Answers, well- and ill-formed, on which the transport must agree with httpx's own (h11 through httpcore).
ANSWERS: dict[str, bytes] = {
    "length": OK + b"Content-Length: 5\r\n\r\nhello",
    "length-then-extra-bytes": OK + b"Content-Length: 5\r\n\r\nhelloEXTRA",
    "length-cut-short": OK + b"Content-Length: 100\r\n\r\n" + b"x" * 40,
    "length-twice-same": OK + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "length-twice-differs": OK + b"Content-Length: 5\r\nContent-Length: 9\r\n\r\nhello",
    "length-not-digits": OK + b"Content-Length: 1O\r\n\r\nhello",
    "length-negative": OK + b"Content-Length: -5\r\n\r\nhello",
    "length-4301-digits": OK + b"Content-Length: " + b"9" * 4301 + b"\r\n\r\n" + b"x" * 40,
    "length-with-spaces": OK + b"Content-Length:   5  \r\n\r\nhello",
    "chunked": OK + b"Transfer-Encoding: chunked\r\n\r\n" + CHUNKED,
    "chunked-trailing-space": OK + b"Transfer-Encoding: chunked \r\n\r\n" + CHUNKED,
    "chunked-obs-fold": OK + b"Transfer-Encoding:\r\n chunked\r\n\r\n" + CHUNKED,
    "chunked-upper-case": OK + b"Transfer-Encoding: CHUNKED\r\n\r\n" + CHUNKED,
    "chunked-overrun": OK + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n",
    "chunked-size-0x": OK + b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    "chunked-cut": OK + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "chunked-and-length": OK + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + CHUNKED,
    "coding-gzip-chunked": OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + CHUNKED,
    "two-transfer-encodings": OK + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED,
    "until-close": OK + b"\r\nhello",
    "http-1.0": b"HTTP/1.0 200 OK\r\n\r\nhello",
    "bad-header-line": OK + b"X Bad: 1\r\nContent-Length: 100\r\n\r\n" + b"x" * 40,
    "space-before-colon": OK + b"Server : x\r\nContent-Length: 5\r\n\r\nhello",
    "lf-only-lines": b"HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
    "103-then-200": b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + OK + b"Content-Length: 2\r\n\r\nok",
    "100-then-200": b"HTTP/1.1 100 Continue\r\n\r\n" + OK + b"Content-Length: 2\r\n\r\nok",
    "204": b"HTTP/1.1 204 No Content\r\n\r\n",
    "304-with-length": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "150-headers": OK + b"".join(b"X-N%d: v\r\n" % i for i in range(150)) + b"Content-Length: 2\r\n\r\nok",
    "120-KiB-header": OK + b"X-Big: " + b"a" * (120 << 10) + b"\r\nContent-Length: 2\r\n\r\nok",
    "latin-1-header": OK + b"X-Name: caf\xe9\r\nContent-Length: 2\r\n\r\nok",
    "closed-mid-head": OK + b"Content-Len",
    "closed-without-answer": b"",
    "not-http": b"SPDY/9 ok\r\n\r\n",
}


def outcome(transport: httpx.BaseTransport, reply: bytes) -> tuple[object, ...]:
    """What a client over ``transport`` makes of ``reply``: the answer as read, or the exception type."""
    with Scripted([reply]) as server, httpx.Client(transport=transport, timeout=10.0) as http:
        try:
            response = http.get(server.url("/v.mp4"))
        except httpx.TransportError as exc:
            return ("refused", type(exc))
    return (
        "read",
        response.status_code,
        response.reason_phrase,
        response.http_version,
        response.headers.raw,
        response.content,
    )


@pytest.mark.parametrize("reply", ANSWERS.values(), ids=ANSWERS.keys())
def test_every_answer_is_read_or_refused_as_httpx_does(reply: bytes) -> None:
    """Status, reason, headers and body, or the refusal, are httpx's: h11 parses and delimits every answer,
    and only a Content-Length body's bytes are read differently (a cut-off or corrupt video passing as whole
    would be the failure this guards against)."""
    plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # http only here: no CA store needed
    assert outcome(httpx.HTTPTransport(verify=False), reply) == outcome(VideoTransport(plain), reply)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chunked-trailing-space", ("read", b"hello world")),
        ("chunked-obs-fold", ("read", b"hello world")),
        ("103-then-200", ("read", b"ok")),
        ("length-then-extra-bytes", ("read", b"hello")),
        ("length-cut-short", ("refused", httpx.RemoteProtocolError)),
        ("chunked-overrun", ("refused", httpx.RemoteProtocolError)),
        ("bad-header-line", ("refused", httpx.RemoteProtocolError)),
        ("length-4301-digits", ("refused", httpx.RemoteProtocolError)),
    ],
)
def test_the_answers_that_matter_most_are_read_as_expected(name: str, expected: tuple[object, object]) -> None:
    """The reference itself, pinned: a first version of the transport, on http.client, saved these wrong."""
    result = outcome(VideoTransport(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)), ANSWERS[name])
    assert expected == (result[0], result[-1])


@pytest.mark.parametrize(
    "reply",
    [pytest.param(b"", id="closed-without-answer"), pytest.param(b"SPDY/9 ok\r\n\r\n", id="not-http")],
)
def test_no_answer_or_a_malformed_one_is_a_remote_protocol_error(reply: bytes) -> None:
    """Both are transient for the download (another attempt may get a good answer)."""
    with Scripted([reply]) as server, client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(server.url("/v.mp4"))


def test_a_refused_connection_is_a_connect_error() -> None:
    with client() as http, pytest.raises(httpx.ConnectError):
        http.get(f"http://127.0.0.1:{closed_port()}/v.mp4")


@pytest.mark.parametrize(
    ("error", "phase", "expected"),
    [
        (TimeoutError("timed out"), "connect", httpx.ConnectTimeout),
        (TimeoutError("timed out"), "write", httpx.WriteTimeout),
        (TimeoutError("timed out"), "read", httpx.ReadTimeout),
        (ConnectionRefusedError(111, "refused"), "connect", httpx.ConnectError),
        (ssl.SSLCertVerificationError("certificate verify failed"), "connect", httpx.ConnectError),
        (socket.gaierror(-2, "Name or service not known"), "connect", httpx.ConnectError),
        (BrokenPipeError(32, "broken pipe"), "write", httpx.WriteError),
        (ConnectionResetError(104, "reset"), "read", httpx.ReadError),
        (h11.RemoteProtocolError("illegal header line"), "read", httpx.RemoteProtocolError),
        (h11.LocalProtocolError("Illegal header value"), "write", httpx.LocalProtocolError),
    ],
)
def test_failures_become_the_httpx_exceptions_the_download_classifies(
    error: Exception, phase: str, expected: type[httpx.TransportError]
) -> None:
    """Timeouts by phase first (a socket timeout is also an OSError), then protocol, then network errors."""
    request = httpx.Request("GET", "https://cdn.example/v.mp4")
    translated = translate(error, phase, request)  # type: ignore[arg-type]
    assert (expected, request) == (type(translated), translated.request)


def test_the_port_is_the_scheme_default_when_the_url_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """An IPv6 address without a port is connected to on the scheme's port, not on one read out of it."""
    addresses: list[tuple[str, int]] = []

    def refuse(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        addresses.append(address)
        raise ConnectionRefusedError(111, "refused")

    monkeypatch.setattr(socket, "create_connection", refuse)
    for url in ("https://[2001:db8::abcd]/v.mp4", "https://[::1]:443/v.mp4", "http://[::1]/v.mp4"):
        with client() as http, pytest.raises(httpx.ConnectError):
            http.get(url)
    assert [("2001:db8::abcd", 443), ("::1", 443), ("::1", 80)] == addresses


def test_an_ipv6_loopback_server_is_reached() -> None:
    with (
        Scripted([answer("200 OK", [("Content-Length", "2")], b"ok")], ipv6=True) as server,
        client() as http,
    ):
        response = http.get(f"http://[::1]:{server.port}/v.mp4")
    assert b"ok" == response.content
    assert f"host: [::1]:{server.port}" in server.requests[0].decode().lower()


def test_a_refused_answer_leaves_no_connection_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """The socket is closed when an answer is refused, even while the caller keeps the exception (and with it
    the traceback)."""
    made: list[socket.socket] = []
    connect = socket.create_connection

    def recording(*args: Any, **kwargs: Any) -> socket.socket:
        made.append(connect(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(socket, "create_connection", recording)
    with (
        Scripted([answer("200 OK", [("Content-Length", "1O")], b"x")]) as server,
        client() as http,
        pytest.raises(httpx.RemoteProtocolError) as info,
    ):
        http.get(server.url("/v.mp4"))
    assert info.value.request is not None
    assert [-1] == [sock.fileno() for sock in made]  # closed


def test_tls_is_verified_and_works_with_a_trusted_certificate(tmp_path: Path) -> None:
    """A self-signed certificate is refused by the default context (nothing is sent); trusted, it serves."""
    server_tls, trusting = tls_contexts(tmp_path)
    reply = answer("200 OK", [("Content-Length", str(len(BODY)))], BODY)
    with Scripted([reply, reply], tls=server_tls, expect_errors=True) as server:
        with client() as http, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.get(server.url("/v.mp4"))
        with client(trusting) as http:
            response = http.get(server.url("/v.mp4", host="localhost"))
    assert BODY == response.content
    assert 1 == len(server.requests)  # the refused handshake sent no request
    assert [ssl.SSLError] == [type(error) for error in server.errors]  # the client's alert: unknown CA


@pytest.mark.parametrize(
    ("close_notify", "expected"),
    [(True, ("read", b"hello")), (False, ("refused", httpx.ReadError))],
    ids=["closed-properly", "closed-ragged"],
)
def test_over_tls_a_body_ended_by_the_close_needs_close_notify(
    tmp_path: Path, close_notify: bool, expected: tuple[object, object]
) -> None:
    """Without a length, the TLS close_notify is the only sign the body is whole: a bare close could be a cut,
    so it is refused (and the download retries). httpx takes it as the end; Content-Length bodies never
    read that far."""
    server_tls, trusting = tls_contexts(tmp_path)
    with (
        Scripted([answer("200 OK", [], b"hello")], tls=server_tls, close_notify=close_notify) as server,
        client(trusting) as http,
    ):
        try:
            result: tuple[object, object] = ("read", http.get(server.url("/v.mp4", host="localhost")).content)
        except httpx.TransportError as exc:
            result = ("refused", type(exc))
    assert expected == result


def test_over_tls_records_are_gathered_into_full_pieces_and_a_cut_is_caught(tmp_path: Path) -> None:
    """A TLS read returns one 16 KiB record: the pieces handed on are still ``CHUNK_SIZE`` long and the body
    whole; a body cut short of its length over TLS raises (``ReadError``: the connection closed without
    close_notify), which the download retries as it does a cut over plain TCP."""
    server_tls, trusting = tls_contexts(tmp_path)
    body = os.urandom(CHUNK_SIZE * 3 + 5000)
    whole = answer("200 OK", [("Content-Length", str(len(body)))], body)
    cut = answer("200 OK", [("Content-Length", str(len(body)))], body[: CHUNK_SIZE + 100])
    with (
        Scripted([whole, cut], tls=server_tls) as server,
        client(trusting) as http,
    ):
        with http.stream("GET", server.url("/v.mp4", host="localhost")) as response:
            pieces = list(response.iter_raw())
        with pytest.raises(httpx.ReadError, match="EOF"):  # the bare close, before the declared length
            http.get(server.url("/v.mp4", host="localhost"))
    assert body == b"".join(pieces)
    # the first piece is what came with the headers, the last what is left; every other one is full
    assert (True, [CHUNK_SIZE] * (len(pieces) - 2)) == (len(pieces) >= 4, [len(piece) for piece in pieces[1:-1]])


def test_over_tls_a_body_of_declared_length_needs_no_close_notify(tmp_path: Path) -> None:
    """Most servers just close: with a Content-Length the body is complete when its bytes are in."""
    server_tls, trusting = tls_contexts(tmp_path)
    with (
        Scripted([answer("200 OK", [("Content-Length", "5")], b"hello")], tls=server_tls) as server,
        client(trusting) as http,
    ):
        assert b"hello" == http.get(server.url("/v.mp4", host="localhost")).content


@pytest.mark.parametrize("transport", ["VideoTransport", "httpx-async"])
def test_over_tls_an_mp4_ended_by_the_close_is_refetched_when_cut(tmp_path: Path, transport: str) -> None:
    """A video without a length, cut and closed: this transport sees a cut only as a bare close (so here the
    server sends close_notify), httpx's async one never does (so here it just closes). Either way the saved
    file's MP4 boxes show the cut, and the download fetches it again."""
    server_tls, trusting = tls_contexts(tmp_path)
    cut, whole = answer("200 OK", [], MP4[:-300]), answer("200 OK", [], MP4)
    out = tmp_path / "v.mp4"
    sync = transport == "VideoTransport"
    with Scripted([cut, whole], tls=server_tls, close_notify=sync) as server:
        url = server.url("/v.mp4", host="localhost")
        if sync:
            with client(trusting) as http:
                download_sync(http, url, out, sleep=lambda _: None)
        else:

            async def fetch() -> None:
                async with httpx.AsyncClient(verify=trusting) as http:
                    await download_async(http, url, out, sleep=_no_sleep)

            asyncio.run(fetch())
    assert (MP4, 2) == (out.read_bytes(), len(server.requests))


async def _no_sleep(_: float) -> None:
    return None


def test_a_wrong_host_name_is_refused(tmp_path: Path) -> None:
    """A trusted certificate for another name is refused: the host name is checked, not only the signature."""
    server_tls, trusting = tls_contexts(tmp_path, "DNS:video.example")
    with (
        Scripted([b""], tls=server_tls, expect_errors=True) as server,
        client(trusting) as http,
        pytest.raises(httpx.ConnectError, match="Hostname mismatch"),
    ):
        http.get(server.url("/v.mp4", host="localhost"))
    assert [] == server.requests
    assert [ssl.SSLError] == [type(error) for error in server.errors]  # the client's alert: bad certificate


def test_the_download_follows_a_redirect_and_resumes_over_it(tmp_path: Path) -> None:
    """The download's own redirect and resume logic runs unchanged over this transport."""
    cut = answer("200 OK", [("Content-Length", str(len(BODY))), ("ETag", '"v1"')], BODY[:4000])
    redirect = answer("302 Found", [("Location", "/final.mp4"), ("Content-Length", "0")])
    rest = answer(
        "206 Partial Content",
        [("Content-Length", str(len(BODY) - 4000)), ("Content-Range", f"bytes 4000-{len(BODY) - 1}/{len(BODY)}")],
        BODY[4000:],
    )
    dest = tmp_path / "out.mp4"
    with Scripted([cut, redirect, rest]) as server, client() as http:
        download_sync(http, server.url("/v.mp4?sig=1"), dest, sleep=lambda _: None)
    assert BODY == dest.read_bytes()
    second, third = (head.decode("latin-1") for head in server.requests[1:])
    assert ("range: bytes=4000-", "GET /final.mp4 HTTP/1.1") == (
        next(line.lower() for line in second.split("\r\n") if line.lower().startswith("range:")),
        third.split("\r\n")[0],
    )
    assert "range: bytes=4000-" in third.lower()


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [
        ({}, False),
        ({"no": "localhost"}, False),
        ({"http": ""}, False),
        ({"https": "http://proxy:3128"}, True),
        ({"http": "http://proxy:3128"}, True),
        ({"all": "socks5://proxy:1080"}, True),
    ],
)
def test_a_proxy_setting_is_recognised(proxies: dict[str, str], expected: bool) -> None:
    assert expected == proxy_configured(proxies)


def test_video_requests_use_it_only_in_the_sync_client(
    start: Start, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen by the emulator: ``VideoClient`` asks for the video on a closing connection (this transport),
    ``AsyncVideoClient`` on a kept-alive one (httpx's). No proxy is configured (that case is the next test)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    live = start()
    live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")
    [video] = live.video_requests()
    assert ("close" if mode == "sync" else "keep-alive") == video.headers["connection"]


def test_with_a_proxy_configured_httpx_serves_the_video_and_honours_it(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy (here: a closed port) is where the video request goes, so it never reaches the emulator."""
    live = start()
    done = live("wait", live("submit", PNG, PROMPT).id)  # the API pool exists: it saw no proxy variable
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(DownloadError, match="ConnectError"):
        live("download", done, tmp_path / "out.mp4")
    assert [] == live.video_requests()
    assert [] == list(tmp_path.iterdir())
