"""The video transport (``http.client`` under httpx's interface) on real loopback sockets: what it sends, what
it makes of every kind of answer, TLS with verification, and when ``VideoClient`` uses it.

It serves ``VideoClient`` only (``AsyncVideoClient`` keeps httpx's async transport), so these tests have one
mode; the download's own behaviour over it is covered in both modes by test_e2e_download.py.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from pathlib import Path

import httpx
import pytest

from aimlapi_video import DownloadError
from aimlapi_video._download import download_sync
from aimlapi_video._videohttp import VideoTransport, proxy_configured, translate
from tests.e2e.harness import PNG, PROMPT, Start
from tests.e2e.scripted import Scripted, self_signed

BODY = bytes(range(256)) * 40  # 10,240 bytes
BAD_LENGTH = "invalid or conflicting Content-Length"


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
    """Headers keep their bytes (Latin-1 included) and repeats; the body arrives whole over several reads."""
    headers = [("Content-Length", str(len(BODY))), ("X-Name", "caf\xe9"), ("X-Twice", "1"), ("X-Twice", "2")]
    transport = VideoTransport(verifying(), chunk_size=1000)
    with (
        Scripted([answer("206 Partial Content", headers, BODY)]) as server,
        httpx.Client(transport=transport) as http,
        http.stream("GET", server.url("/v.mp4")) as response,
    ):
        chunks = list(response.iter_raw())
    assert (206, "Partial Content", "HTTP/1.1") == (
        response.status_code,
        response.reason_phrase,
        response.http_version,
    )
    assert b"caf\xe9" == response.headers.raw[1][1]
    assert ["1", "2"] == response.headers.get_list("x-twice")
    assert BODY == b"".join(chunks)
    assert 1000 == max(len(chunk) for chunk in chunks)


def test_a_chunked_body_is_decoded() -> None:
    """``Transfer-Encoding: chunked`` is taken apart by http.client, as h11 would."""
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    with (
        Scripted([answer("200 OK", [("Transfer-Encoding", "chunked")], body)]) as server,
        client() as http,
    ):
        response = http.get(server.url("/v.mp4"))
    assert b"hello world" == response.content


def test_a_body_cut_short_of_its_length_raises_like_httpx() -> None:
    """http.client ends such a body quietly; the transport counts and raises ``RemoteProtocolError``, which the
    download retries (httpx's own transport raises the same)."""
    with (
        Scripted([answer("200 OK", [("Content-Length", "100")], b"x" * 40)]) as server,
        client() as http,
        pytest.raises(httpx.RemoteProtocolError, match="after 40 of the 100 bytes"),
    ):
        http.get(server.url("/v.mp4"))


@pytest.mark.parametrize(
    "reply",
    [pytest.param(b"", id="closed-without-answer"), pytest.param(b"SPDY/9 ok\r\n\r\n", id="not-http")],
)
def test_no_answer_or_a_malformed_one_is_a_remote_protocol_error(reply: bytes) -> None:
    """Both are transient for the download (another attempt may get a good answer)."""
    with Scripted([reply]) as server, client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(server.url("/v.mp4"))


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param([("Content-Length", "1O")], BAD_LENGTH, id="length-not-digits"),
        pytest.param([("Content-Length", "-5")], BAD_LENGTH, id="length-negative"),
        pytest.param([("Content-Length", "5"), ("Content-Length", "9")], BAD_LENGTH, id="two-lengths"),
        pytest.param([("Transfer-Encoding", "gzip, chunked")], "transfer coding other than chunked", id="coding"),
    ],
)
def test_an_answer_whose_body_cannot_be_delimited_is_refused(headers: list[tuple[str, str]], message: str) -> None:
    """http.client would read such a body until the connection closes, so a cut-off video would look whole;
    h11 refuses these answers, and so does the transport (``RemoteProtocolError``: the download retries)."""
    with (
        Scripted([answer("200 OK", headers, b"hello")]) as server,
        client() as http,
        pytest.raises(httpx.RemoteProtocolError, match=message),
    ):
        http.get(server.url("/v.mp4"))


def test_an_informational_answer_is_refused_not_taken_for_the_answer() -> None:
    """A 103 (Early Hints) before the real answer: http.client would return the 103 itself."""
    reply = answer("103 Early Hints", [("Link", "</x>")]) + answer("200 OK", [("Content-Length", "2")], b"ok")
    with (
        Scripted([reply]) as server,
        client() as http,
        pytest.raises(httpx.RemoteProtocolError, match=r"informational answer \(HTTP 103\)"),
    ):
        http.get(server.url("/v.mp4"))


def test_a_refused_connection_is_a_connect_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with client() as http, pytest.raises(httpx.ConnectError):
        http.get(f"http://127.0.0.1:{port}/v.mp4")


@pytest.mark.parametrize(
    ("error", "phase", "expected"),
    [
        (TimeoutError("timed out"), "connect", httpx.ConnectTimeout),
        (TimeoutError("timed out"), "write", httpx.WriteTimeout),
        (TimeoutError("timed out"), "read", httpx.ReadTimeout),
        (ConnectionRefusedError(111, "refused"), "connect", httpx.ConnectError),
        (ssl.SSLCertVerificationError("certificate verify failed"), "connect", httpx.ConnectError),
        (BrokenPipeError(32, "broken pipe"), "write", httpx.WriteError),
        (ConnectionResetError(104, "reset"), "read", httpx.ReadError),
        (http.client.RemoteDisconnected("closed"), "read", httpx.RemoteProtocolError),
        (http.client.IncompleteRead(b"x", 5), "read", httpx.RemoteProtocolError),
        (http.client.LineTooLong("header line"), "read", httpx.RemoteProtocolError),
        (http.client.InvalidURL("control characters"), "write", httpx.LocalProtocolError),
        (ValueError("Invalid header value"), "write", httpx.LocalProtocolError),
    ],
)
def test_failures_become_the_httpx_exceptions_the_download_classifies(
    error: Exception, phase: str, expected: type[httpx.TransportError]
) -> None:
    """Timeouts by phase first (a socket timeout is also an OSError), then protocol, then network errors."""
    request = httpx.Request("GET", "https://cdn.example/v.mp4")
    translated = translate(error, phase, request)  # type: ignore[arg-type]
    assert (expected, request) == (type(translated), translated.request)


def test_tls_is_verified_and_works_with_a_trusted_certificate(tmp_path: Path) -> None:
    """A self-signed certificate is refused by the default context (nothing is sent); trusted, it serves."""
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    reply = answer("200 OK", [("Content-Length", str(len(BODY)))], BODY)
    with Scripted([reply, reply], tls=server_tls) as server:
        with client() as http, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.get(server.url("/v.mp4"))
        with client(trusting) as http:
            response = http.get(server.url("/v.mp4", host="localhost"))
    assert BODY == response.content
    assert 1 == len(server.requests)  # the refused handshake sent no request


def test_a_wrong_host_name_is_refused(tmp_path: Path) -> None:
    """A trusted certificate for another name is refused: the host name is checked, not only the signature."""
    cert, key = self_signed(tmp_path, "DNS:video.example")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with (
        Scripted([b""], tls=server_tls) as server,
        client(ssl.create_default_context(cafile=str(cert))) as http,
        pytest.raises(httpx.ConnectError, match="Hostname mismatch"),
    ):
        http.get(server.url("/v.mp4", host="localhost"))
    assert [] == server.requests


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


def test_video_requests_use_it_only_in_the_sync_client(start: Start, mode: str, tmp_path: Path) -> None:
    """Seen by the emulator: ``VideoClient`` asks for the video on a closing connection (this transport),
    ``AsyncVideoClient`` on a kept-alive one (httpx's)."""
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
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(DownloadError, match="ConnectError"):
        live("download", done, tmp_path / "out.mp4")
    assert [] == live.video_requests()
    assert [] == list(tmp_path.iterdir())
