"""The API key is a secret: never shown, never logged, sent only to the API host over https (or loopback).

A canary key (``harness.KEY``) is used everywhere; the tests look for it in every string the client can
produce: reprs, exception messages (with their notes and chained causes) and log records.
"""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video import (
    AIMLAPIError,
    APIError,
    AuthenticationError,
    DownloadProgress,
    GenerationResult,
    InvalidInputError,
    ProgressEvent,
    VideoUrlExpiredError,
)
from aimlapi_video._config import _KEY_FILTER, BearerAuth
from tests.unit.harness import KEY, PNG, FakeAPI, Runner, api_error_body, done, job

Make = Callable[..., Runner]
Scenario = Callable[[Make, Path], Any]
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
SIG = "sig=SECRET-SIGNATURE-77"
VIDEO_URL = f"https://cdn.example.com/v.mp4?{SIG}"


def video_reply(_: httpx.Request) -> httpx.Response:
    """A fresh 200 with the whole video for every request (never shared between runs)."""
    return httpx.Response(200, content=VIDEO, headers={"content-length": str(len(VIDEO))})


def error(status: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    """A fresh documented error answer per request."""
    return lambda _: api_error_body(status, **headers)


def raising(exc_type: type[httpx.RequestError], message: str) -> Callable[[httpx.Request], httpx.Response]:
    """A transport failure, created anew for every request."""

    def reply(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return reply


def status(state: str, **fields: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A fresh status answer per request."""
    return lambda _: job(state, **fields)


def completed(url: str = VIDEO_URL) -> Callable[[httpx.Request], httpx.Response]:
    """A fresh completed answer per request."""
    return lambda _: done(url=url)


def exception_text(exc: BaseException) -> str:
    """Everything a user could see of an exception: str, repr, args, notes, and the same for its whole chain."""
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args), *getattr(current, "__notes__", [])]
        parts += [repr(v) for v in vars(current).values() if isinstance(v, str | int | float | tuple)]
        todo += [current.__cause__, current.__context__]
    parts.append("".join(traceback.format_exception(exc)))
    return "\n".join(parts)


def assert_no_key(text: str) -> None:
    """The canary, or any recognisable piece of it, is absent."""
    assert KEY not in text
    assert "canary-KEY" not in text
    assert "3f9a1c77e0b4" not in text


# ----------------------------------------------------------------------------------------------- reprs


def test_clients_never_show_the_key(make: Make) -> None:
    """repr() and str() of the client, its attributes and the generated client it holds."""
    runner = make(FakeAPI())
    client: Any = runner.client
    texts = [repr(client), str(client), repr(vars(client)), repr(client._api), str(client._api)]
    http = client._api.get_httpx_client() if runner.mode == "sync" else client._api.get_async_httpx_client()
    texts += [repr(http), repr(http.headers), repr(http.auth), str(http.auth), repr(client._settings)]
    for text in texts:
        assert_no_key(text)
    assert "<redacted>" in repr(http.auth)


def test_bearer_auth_never_shows_the_key() -> None:
    """The only object holding the key has a redacted repr and str, and keeps it out of its __dict__."""
    auth = BearerAuth(KEY, "api.aimlapi.com")
    assert "BearerAuth(key=<redacted>, host='api.aimlapi.com')" == repr(auth)
    assert repr(auth) == str(auth)
    assert_no_key(repr(getattr(auth, "__dict__", {})))


def test_results_never_show_the_key(make: Make, tmp_path: Path) -> None:
    """Job, Pending, Completed, Failed, ProgressEvent, GenerationResult and DownloadProgress from real runs."""
    api = FakeAPI(
        posts=[status("queued")],
        gets=[status("queued"), status("generating"), completed()],
        videos=[video_reply],
    )
    runner = make(api)
    seen: list[object] = []
    result = runner("generate", PNG, "p", output=tmp_path / "v.mp4", on_progress=seen.append, on_submitted=seen.append)
    api.gets = [status("queued")]
    pending = runner("get", "gen-1")
    api.gets = [status("error", error={"name": "Oops", "message": "bad"})]
    failed = runner("get", "gen-1")
    api.posts = [status("queued")]
    submitted = runner("submit", PNG, "p")
    objects = [result, result.generation, pending, failed, submitted, *seen]
    assert isinstance(result, GenerationResult)
    assert any(isinstance(o, ProgressEvent) for o in seen)
    assert any(isinstance(o, DownloadProgress) for o in seen)
    assert {"Job", "Pending", "Completed", "Failed", "GenerationResult", "ProgressEvent", "DownloadProgress"} <= {
        type(o).__name__ for o in objects
    }
    for obj in objects:
        assert_no_key(repr(obj))
        assert_no_key(str(obj))


# ------------------------------------------------------------------------------------------ exceptions


def _submit(*posts: Any) -> Scenario:
    return lambda make, tmp: make(FakeAPI(posts=list(posts)))("submit", PNG, "p")


def _wait(*gets: Any, **kwargs: Any) -> Scenario:
    return lambda make, tmp: make(FakeAPI(gets=list(gets)), max_status_failures=2)("wait", "gen-1", **kwargs)


def _get(*gets: Any) -> Scenario:
    return lambda make, tmp: make(FakeAPI(gets=list(gets)))("get", "gen-1")


def _generate(posts: list[Any], gets: list[Any], videos: list[Any] | None = None, **kwargs: Any) -> Scenario:
    def run(make: Make, tmp: Path) -> Any:
        api = FakeAPI(posts=list(posts), gets=list(gets), videos=list(videos or []))
        return make(api)("generate", PNG, "p", output=tmp / "v.mp4", **kwargs)

    return run


def _client_option(**options: Any) -> Scenario:
    return lambda make, tmp: make(FakeAPI(), **options)


def _call(method: str, *args: Any, **kwargs: Any) -> Scenario:
    return lambda make, tmp: make(FakeAPI())(method, *args, **kwargs)


SCENARIOS: dict[str, Scenario] = {
    "submit 400": _submit(error(400)),
    "submit 401": _submit(error(401)),
    "submit 403": _submit(error(403)),
    "submit 404": _submit(error(404)),
    "submit 429": _submit(error(429, **{"Retry-After": "3600"})),
    "submit 500": _submit(error(500)),
    "submit html 502": _submit(lambda _: httpx.Response(502, text="<html>bad gateway</html>")),
    "submit never sent": _submit(*[raising(httpx.ConnectError, "refused")] * 3),
    "submit read timeout": _submit(raising(httpx.ReadTimeout, "slow")),
    "submit dropped": _submit(raising(httpx.RemoteProtocolError, "closed")),
    "submit not json": _submit(lambda _: httpx.Response(200, text="<html>")),
    "get 401": _get(error(401)),
    "get 403": _get(error(403)),
    "get 404": _get(error(404)),
    "get transport": _get(raising(httpx.ReadError, "reset")),
    "wait 500s": _wait(error(500)),
    "wait 429s": _wait(error(429, **{"Retry-After": "2"})),
    "wait failed": _wait(status("error", error={"name": "ContentPolicy", "message": "refused"})),
    "wait timeout": _wait(status("generating"), timeout=10),
    "generate failed": _generate([status("queued")], [status("error")]),
    "generate timeout": _generate([status("queued")], [status("generating")], timeout=10),
    "generate uncertain": _generate([raising(httpx.ReadTimeout, "slow")], []),
    "generate url expired": _generate([status("queued")], [completed()], [lambda _: httpx.Response(403)]),
    "generate video 500s": _generate(
        [status("queued")], [completed()], [lambda _: httpx.Response(500, text="video host down")]
    ),
    "bad duration": _call("submit", PNG, "p", duration=7),
    "bad prompt": _call("submit", PNG, "   "),
    "missing image": _call("submit", "/nonexistent/canary.png", "p"),
    "bad id": _call("get", ""),
    "key with a space": _client_option(api_key=f"{KEY} {KEY}"),
    "key with a newline": _client_option(api_key=f"{KEY}\n{KEY}"),
    "http base url": _client_option(base_url="http://api.example.com"),
    "bad schedule": _client_option(max_submit_attempts=0),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_no_exception_shows_the_key(make: Make, tmp_path: Path, scenario: Scenario) -> None:
    """The message, repr, args, notes and every chained cause or context of each failure."""
    with pytest.raises(AIMLAPIError) as info:
        scenario(make, tmp_path)
    assert_no_key(exception_text(info.value))


def test_the_sweep_reaches_the_exceptions_it_claims(make: Make, tmp_path: Path) -> None:
    """Guard against a vacuous sweep: a sample of scenarios raise what they are named after."""
    with pytest.raises(VideoUrlExpiredError) as expired:
        SCENARIOS["generate url expired"](make, tmp_path)
    assert any("gen-1" in note for note in expired.value.__notes__)
    with pytest.raises(InvalidInputError) as bad_key:
        SCENARIOS["key with a space"](make, tmp_path)
    assert "api_key" == bad_key.value.name


# --------------------------------------------------------------------------------------------- logging


def test_no_log_record_shows_the_key_a_body_or_a_signature(
    make: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """DEBUG logging of every logger over a whole generate() and a few failures."""
    caplog.set_level(logging.DEBUG)
    api = FakeAPI(
        posts=[error(429, **{"Retry-After": "1"}), status("queued")],
        gets=[error(503), status("queued"), status("rendering"), completed()],
        videos=[lambda _: httpx.Response(500), video_reply],
    )
    runner = make(api)
    result = runner("generate", PNG, "a cat", output=tmp_path / "v.mp4")
    assert VIDEO == result.path.read_bytes()
    for number, (name, scenario) in enumerate(SCENARIOS.items()):
        if not name.startswith(("key", "http")):
            (tmp_path / str(number)).mkdir()
            with pytest.raises(AIMLAPIError):
                scenario(make, tmp_path / str(number))

    payload = base64.b64encode(PNG).decode()
    ours = [r for r in caplog.records if r.name.startswith("aimlapi_video")]
    messages = [r.getMessage() for r in caplog.records]
    assert any("submitted generation gen-1" in m for m in messages)  # the capture is not empty
    assert any("resume with wait" in r.getMessage() for r in ours)
    for text in [*messages, caplog.text]:
        assert_no_key(text)
        assert payload not in text
        assert payload[:40] not in text
        assert "base64," not in text
    for record in ours:
        assert "SECRET-SIGNATURE" not in record.getMessage()


# --------------------------------------------------------------------------------------- where it goes


def test_the_key_goes_to_the_api_as_a_bearer_token_and_never_to_the_video_host(make: Make, tmp_path: Path) -> None:
    """Every API request carries ``Authorization: Bearer <key>``; no video request carries Authorization."""
    api = FakeAPI(posts=[status("queued")], gets=[status("queued"), completed()], videos=[video_reply])
    make(api, base_url="https://api.aimlapi.com")("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert 3 == len(api.requests)
    assert {("api.aimlapi.com", "https", f"Bearer {KEY}")} == {
        (r.url.host, r.url.scheme, r.headers.get("authorization")) for r in api.requests
    }
    assert 1 == len(api.video_requests)
    for request in api.video_requests:
        assert "authorization" not in request.headers
        assert_no_key(repr(request.headers.raw))


def test_a_video_on_the_api_host_still_gets_no_key(make: Make, tmp_path: Path) -> None:
    """The video client has no auth at all, so even a URL on the API host is fetched without the key."""
    url = "https://api.aimlapi.com/files/v.mp4?sig=x"
    api = FakeAPI(posts=[status("queued")], gets=[completed(url)], videos=[video_reply])
    make(api, base_url="https://api.aimlapi.com")("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert [url] == [str(r.url) for r in api.video_requests]
    assert all("authorization" not in r.headers for r in api.video_requests)


def test_download_by_id_sends_the_key_only_for_the_status_check(make: Make, tmp_path: Path) -> None:
    """download(id) makes one authenticated GET, then an unauthenticated video request."""
    api = FakeAPI(gets=[completed()], videos=[video_reply])
    make(api)("download", "gen-1", tmp_path / "v.mp4")
    assert [f"Bearer {KEY}"] == [r.headers.get("authorization") for r in api.requests]
    assert [None] == [r.headers.get("authorization") for r in api.video_requests]


@pytest.mark.parametrize(
    "base_url", ["http://api.aimlapi.com", "http://api.example.com:8080", "http://10.0.0.5", "http://0.0.0.0:80"]
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(make: Make, base_url: str) -> None:
    """The key would travel unencrypted; construction fails with InvalidInputError naming base_url."""
    api = FakeAPI()
    with pytest.raises(InvalidInputError) as info:
        make(api, base_url=base_url)
    assert "base_url" == info.value.name
    assert "\n" not in str(info.value)
    assert ([], []) == (api.requests, api.video_requests)


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8123", "http://localhost", "http://localhost:9000"])
def test_plain_http_to_loopback_is_allowed_and_authenticated(make: Make, base_url: str) -> None:
    """A local emulator on loopback gets the key over http."""
    api = FakeAPI(gets=[status("queued")])
    make(api, base_url=base_url)("get", "gen-1")
    (request,) = api.requests
    assert (httpx.URL(base_url).host, "http") == (request.url.host, request.url.scheme)
    assert f"Bearer {KEY}" == request.headers["authorization"]


# ------------------------------------------------------------------------------------- where it comes from


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Neither key variable is set."""
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    monkeypatch.delenv("AIML_API_KEY", raising=False)
    monkeypatch.delenv("AIMLAPI_KEY", raising=False)
    return monkeypatch


def _sent_key(make: Make, **options: Any) -> str | None:
    api = FakeAPI(gets=[status("queued")])
    make(api, **options)("get", "gen-1")
    sent: str | None = api.requests[0].headers.get("authorization")
    return sent


@pytest.mark.parametrize(
    ("env", "argument", "expected"),
    [
        ({"AIMLAPI_API_KEY": "from-aimlapi"}, None, "from-aimlapi"),
        ({"AIML_API_KEY": "from-aiml"}, None, "from-aiml"),
        ({"AIMLAPI_API_KEY": "from-aimlapi", "AIML_API_KEY": "from-aiml"}, None, "from-aimlapi"),
        ({"AIMLAPI_API_KEY": "", "AIML_API_KEY": "from-aiml"}, None, "from-aiml"),
        ({"AIMLAPI_API_KEY": "from-aimlapi", "AIML_API_KEY": "from-aiml"}, "from-arg", "from-arg"),
    ],
)
def test_the_key_comes_from_the_argument_then_the_environment(
    make: Make, no_key_env: pytest.MonkeyPatch, env: dict[str, str], argument: str | None, expected: str
) -> None:
    """api_key= wins; else AIMLAPI_API_KEY; else AIML_API_KEY."""
    for name, value in env.items():
        no_key_env.setenv(name, value)
    assert f"Bearer {expected}" == _sent_key(make, api_key=argument)


def test_a_missing_key_is_refused_naming_api_key(make: Make, no_key_env: pytest.MonkeyPatch) -> None:
    """No argument and no variable: InvalidInputError naming api_key and both variables, before any request."""
    api = FakeAPI()
    with pytest.raises(InvalidInputError) as info:
        make(api, api_key=None)
    assert "api_key" == info.value.name
    assert "AIMLAPI_API_KEY" in str(info.value)
    assert "AIML_API_KEY" in str(info.value)
    assert [] == api.requests


@pytest.mark.parametrize("key", ["two words", "line\nbreak", "tab\there", "nul\x00", "caf\u00e9", "", "   "])
def test_a_key_unusable_in_a_header_is_refused(make: Make, key: str) -> None:
    """Spaces, control characters and non-ASCII cannot be a bearer token; an empty key is no key."""
    with pytest.raises(InvalidInputError) as info:
        make(FakeAPI(), api_key=key)
    assert "api_key" == info.value.name
    assert "\n" not in str(info.value)
    if key.strip():
        assert key not in str(info.value)


def test_a_bad_key_from_the_environment_names_the_variable(make: Make, no_key_env: pytest.MonkeyPatch) -> None:
    """The message points at where the bad key came from."""
    no_key_env.setenv("AIML_API_KEY", "has space")
    with pytest.raises(InvalidInputError) as info:
        make(FakeAPI(), api_key=None)
    assert "AIML_API_KEY" == info.value.name


# --------------------------------------------------------------------------------------------- timeouts


def test_every_request_has_explicit_timeouts(make: Make, tmp_path: Path) -> None:
    """connect, read, write and pool limits are all set on API and video requests alike."""
    api = FakeAPI(posts=[status("queued")], gets=[status("queued"), completed()], videos=[video_reply])
    make(api)("generate", PNG, "p", output=tmp_path / "v.mp4")
    requests = [*api.requests, *api.video_requests]
    assert 4 == len(requests)
    for request in requests:
        timeout = request.extensions["timeout"]
        assert {"connect", "read", "write", "pool"} == set(timeout)
        assert all(isinstance(v, float) and v > 0 for v in timeout.values()), timeout


def test_a_timeout_argument_applies_to_every_request(make: Make, tmp_path: Path) -> None:
    """timeout=30 sets all four limits of API and video requests to 30 s."""
    api = FakeAPI(posts=[status("queued")], gets=[completed()], videos=[video_reply])
    make(api, timeout=30)("generate", PNG, "p", output=tmp_path / "v.mp4")
    for request in [*api.requests, *api.video_requests]:
        assert {"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0} == request.extensions["timeout"]


@pytest.mark.parametrize("method", ["submit", "get"])
def test_a_server_message_that_echoes_the_key_is_redacted(make: Make, method: str) -> None:
    """If an error body repeats the Authorization header, the exception text still never shows the key."""
    echo = api_error_body(401, message=f"invalid token: Bearer {KEY}")
    api = FakeAPI(posts=[echo], gets=[api_error_body(401, message=f"invalid token: Bearer {KEY}")])
    runner = make(api)
    with pytest.raises(AuthenticationError) as info:
        runner(method, PNG, "p") if method == "submit" else runner(method, "gen-1")
    assert "invalid token: Bearer <redacted>" == info.value.message
    assert KEY not in str(info.value)


def test_a_key_echoed_across_the_message_length_limit_is_not_half_shown(make: Make) -> None:
    """Shortening a long message must not cut an echoed key in two before it is redacted."""
    long_echo = api_error_body(401, message="x" * 280 + f" bad token: Bearer {KEY}", request_id=f"r-{KEY}")
    with pytest.raises(AuthenticationError) as info:
        make(FakeAPI(posts=[long_echo]))("submit", PNG, "p")
    shown = f"{info.value} {info.value.message} {info.value.request_id}"
    assert [] == [KEY[:n] for n in range(8, len(KEY) + 1) if KEY[:n] in shown]


@pytest.mark.parametrize(
    "echo",
    [
        "invalid token: Bearer sk-AbC\\/dEf+GhI\\/jKl",  # JSON-escaped slashes, as some servers write them
        "invalid token: Bearer sk-AbC%2FdEf%2BGhI%2FjKl",  # percent-encoded
    ],
    ids=["json-escaped", "percent-encoded"],
)
def test_a_key_echoed_in_an_encoded_form_is_redacted(make: Make, echo: str) -> None:
    """A key with "/" and "+" may come back escaped; the escaped form is redacted as well."""
    key = "sk-AbC/dEf+GhI/jKl"
    body = httpx.Response(401, content=('{"message": "' + echo + '"}').encode())
    with pytest.raises(AuthenticationError) as info:
        make(FakeAPI(gets=[body]), api_key=key)("get", "gen-1")
    assert "invalid token: Bearer <redacted>" == info.value.message
    assert "dEf" not in exception_text(info.value)


def _escaped_first_char(key: str) -> str:
    return f"\\u{ord(key[0]):04x}{key[1:]}"


@pytest.mark.parametrize(
    "body",
    [
        ('{"message": "invalid token: Bearer ' + _escaped_first_char(KEY) + '"}').encode(),  # a JSON escape
        ('{"message": "invalid token: Bearer ' + KEY + '"}').encode("utf-16"),  # another JSON encoding
        ('{"message": "invalid token: ' + base64.b64encode(f"Bearer {KEY}".encode()).decode() + '"}').encode(),
        ('{"message": "invalid token: ' + base64.b64encode(KEY.encode()).decode() + '"}').encode(),
    ],
    ids=["json-unicode-escape", "utf-16", "base64-header", "base64-key"],
)
def test_a_key_echoed_in_any_json_or_base64_form_is_redacted(make: Make, body: bytes) -> None:
    """The body is decoded as JSON before redaction, so an escaped or UTF-16 echo is the key itself again; a
    Base64 echo (of the key, or of the whole header) is matched too."""
    with pytest.raises(AuthenticationError) as info:
        make(FakeAPI(gets=[httpx.Response(401, content=body)]))("get", "gen-1")
    assert info.value.message.startswith("invalid token: ")
    assert "<redacted>" in info.value.message
    assert_no_key(exception_text(info.value))
    encoded = base64.b64encode(KEY.encode()).decode()
    assert encoded[:16] not in exception_text(info.value)


@pytest.mark.parametrize(
    "body",
    [f"bad token {KEY}".encode("utf-16-le"), f"bad token {KEY[:5]}\x1b{KEY[5:]}".encode()],
    ids=["utf-16 text, not JSON", "an escape inside the key"],
)
def test_a_key_split_by_control_characters_is_redacted_once_they_are_dropped(make: Make, body: bytes) -> None:
    """Control characters are dropped before redaction: dropped after it, they would join an echoed key that
    redaction did not see into the very key, shown whole."""
    with pytest.raises(AuthenticationError) as info:
        make(FakeAPI(gets=[httpx.Response(401, content=body)]))("get", "gen-1")
    assert "bad token <redacted>" == info.value.message
    assert_no_key(exception_text(info.value))


def test_a_long_key_cut_short_by_the_server_is_still_redacted() -> None:
    """A server that shortens what it echoes keeps the key's start: 16 characters or more of it are removed."""
    key = "sk-live-0123456789abcdef0123456789abcdef"
    auth = BearerAuth(key, "api.example.com")
    assert "invalid key <redacted>..." == auth.redact(f"invalid key {key[:30]}...")


def test_control_characters_in_a_server_message_are_removed(make: Make) -> None:
    """An error message is shown on a terminal: escape sequences and NULs from the server are dropped."""
    body = httpx.Response(400, json={"message": "bad\x1b[2J\x1b]0;pwned\x07 input\x00 here"})
    with pytest.raises(APIError) as info:
        make(FakeAPI(gets=[body]))("get", "gen-1")
    assert "bad[2J]0;pwned input here" == info.value.message


def test_an_error_body_nested_too_deeply_is_still_an_api_error(make: Make) -> None:
    """A 400 whose JSON nests past the parser's depth: APIError with the status (a gateway page's treatment),
    not a raw RecursionError."""
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(APIError) as info:
        make(FakeAPI(gets=[httpx.Response(400, content=deep)]))("get", "gen-1")
    assert 400 == info.value.status_code


def test_a_validation_error_lists_its_messages(make: Make) -> None:
    """A 422 in the {detail: [{loc, msg, type}]} shape reads as its messages, not as a Python repr."""
    detail = [{"loc": ["body", "prompt"], "msg": "field required", "type": "missing"}, {"msg": "seed too big"}]
    with pytest.raises(APIError) as info:
        make(FakeAPI(gets=[httpx.Response(422, json={"detail": detail})]))("get", "gen-1")
    assert "field required; seed too big" == info.value.message


@pytest.mark.parametrize("logger", ["httpcore.http11", "httpcore.connection", "httpx"])
def test_the_http_libraries_debug_logs_never_show_the_key(
    make: Make, caplog: pytest.LogCaptureFixture, logger: str
) -> None:
    """httpcore logs each answer's headers at debug level, as received: a header echoing the token (here as
    httpcore would log it) reaches the log with the key taken out, while a client is alive."""
    make(FakeAPI())
    caplog.set_level(logging.DEBUG)
    logging.getLogger(logger).debug(
        "receive_response_headers.complete return_value=%r",
        (b"HTTP/1.1", 401, b"Unauthorized", [(b"WWW-Authenticate", f'Bearer token="{KEY}"'.encode())]),
    )
    [record] = [r for r in caplog.records if r.name == logger]
    assert_no_key(record.getMessage())
    assert 'token="<redacted>"' in record.getMessage()


def test_a_log_record_that_cannot_be_formatted_does_not_raise_from_the_key_filter(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The filter runs inside the HTTP call that logs: a record whose arguments do not fit its format is let
    through for logging to report (as it would without the filter), never raised into the request."""
    make(FakeAPI())
    logger = logging.getLogger("httpcore.http11")
    monkeypatch.setattr(logger, "propagate", False)  # no handler formats it here: only the filter runs
    monkeypatch.setattr(logger, "level", logging.DEBUG)
    record = logger.makeRecord(logger.name, logging.DEBUG, __file__, 1, "%d bytes", ("not a number",), None)
    assert (True, "%d bytes") == (_KEY_FILTER.filter(record), record.msg)
    logger.debug("%d bytes", "not a number")  # would raise TypeError out of the filter


def test_a_failed_jobs_message_that_echoes_the_key_is_redacted(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    """A job's error text comes from the server like an API error's: the key is removed from it too."""
    failed = job(
        "error",
        error={"name": f"Bad {KEY}", "message": f"rejected: Bearer {KEY}"},
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AIMLAPIError) as info:
        make(FakeAPI(gets=[failed]))("wait", "gen-1")
    assert_no_key(exception_text(info.value))
    assert_no_key(caplog.text)
    assert "rejected: Bearer <redacted>" in str(info.value)


def test_an_unknown_status_that_echoes_the_key_is_redacted(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    """An unknown status is shown in warnings and in WaitTimeoutError: never with the key in it."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AIMLAPIError) as info:
        make(FakeAPI(gets=[job(f"rejected: Bearer {KEY}")]))("wait", "gen-1", timeout=5)
    assert_no_key(exception_text(info.value))
    assert_no_key(caplog.text)
    assert "<redacted>" in str(info.value)


def test_a_failed_jobs_message_is_one_line(make: Make) -> None:
    """A server message with line breaks (or a fake traceback) is shown as one line."""
    failed = job("error", error={"name": "Boom", "message": "failed here\nTraceback (most recent call last):\n  x"})
    with pytest.raises(AIMLAPIError) as info:
        make(FakeAPI(gets=[failed]))("wait", "gen-1")
    assert "\n" not in str(info.value)
    assert "failed here Traceback (most recent call last): x" in str(info.value)


def test_a_short_key_is_redacted_only_as_a_whole_word() -> None:
    """A test or emulator key such as "ted" must not rewrite "completed"; an echo of it is still removed."""
    auth = BearerAuth("ted", "api.example.com")
    assert "status completed; token: Bearer <redacted>" == auth.redact("status completed; token: Bearer ted")


def test_a_real_length_key_is_redacted_wherever_it_appears() -> None:
    """A key of real length cannot be part of an ordinary word, so it is removed even glued to other text."""
    auth = BearerAuth("sk-0123456789abcdef0123", "api.example.com")
    assert "x<redacted>x and <redacted>" == auth.redact("xsk-0123456789abcdef0123x and sk-0123456789abcdef0123")


def test_a_result_shown_in_a_log_line_hides_the_signed_urls_query(make: Make, tmp_path: Path) -> None:
    """The signed URL is a credential while it lasts: repr (what a log line or a traceback shows) elides its
    query string; the value itself is whole, for the caller who downloads it."""
    signed = "https://cdn.example.com/v.mp4?X-Amz-Signature=SECRETSIG123456&Expires=9"
    api = FakeAPI(posts=[status("queued")], gets=[completed(url=signed)], videos=[video_reply])
    result = make(api)("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert signed == result.video_url
    assert "SECRETSIG" not in repr(result)
    assert "video_url='https://cdn.example.com/v.mp4?…'" in repr(result.generation)
