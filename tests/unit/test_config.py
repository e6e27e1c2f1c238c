"""Where the base URL and key come from, what counts as loopback, and where BearerAuth attaches the key."""

from __future__ import annotations

import copy
import pickle

import httpx
import pytest

from aimlapi_video import InvalidInputError
from aimlapi_video._config import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    BearerAuth,
    is_loopback,
    resolve_api_key,
    resolve_base_url,
)

KEY = "canary-KEY-3f9a1c77e0b4"


# --------------------------------------------------------------------------------------------- base URL


def test_the_default_base_url() -> None:
    """Nothing given: the public API."""
    assert "https://api.aimlapi.com" == DEFAULT_BASE_URL
    assert DEFAULT_BASE_URL == resolve_base_url(None, {})


def test_the_environment_sets_the_base_url() -> None:
    """AIMLAPI_BASE_URL is used when no argument is given."""
    assert "https://eu.example.com" == resolve_base_url(None, {"AIMLAPI_BASE_URL": "https://eu.example.com"})


def test_the_argument_wins_over_the_environment() -> None:
    """An explicit base_url beats AIMLAPI_BASE_URL."""
    env = {"AIMLAPI_BASE_URL": "https://env.example.com"}
    assert "https://arg.example.com" == resolve_base_url("https://arg.example.com", env)


def test_the_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, os.environ is read."""
    monkeypatch.setenv("AIMLAPI_BASE_URL", "https://from-os.example.com/")
    assert "https://from-os.example.com" == resolve_base_url(None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("https://api.example.com///", "https://api.example.com"),
        ("https://api.example.com/proxy/", "https://api.example.com/proxy"),
        ("https://api.example.com:8443/", "https://api.example.com:8443"),
    ],
)
def test_trailing_slashes_are_stripped(given: str, expected: str) -> None:
    """Paths are joined onto the base URL, so it never ends with a slash."""
    assert expected == resolve_base_url(given, {})


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.example.com",
        "file:///etc/passwd",
        "api.aimlapi.com",
        "https://",
        "http://api.aimlapi.com",
        "http://10.0.0.5:8000",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://emulator.localhost:9000",  # resolved through DNS by most systems: it could point anywhere
    ],
)
def test_unusable_or_insecure_base_urls_are_refused(url: str) -> None:
    """Only http(s) with a host, and plain http only to loopback; the error names base_url."""
    with pytest.raises(InvalidInputError) as info:
        resolve_base_url(url, {})
    assert "base_url" == info.value.name
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret-pass@api.example.com/", "https://api.example.com"),
        ("http://sk-0123456789abcdef@127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("ftp://u:sk-0123456789abcdef@h", "ftp://h"),
    ],
)
def test_a_base_url_with_credentials_is_refused_without_showing_them(url: str, shown: str) -> None:
    """A user name or password in the URL would be logged, journalled and printed with it: refused, and the
    error shows the URL without them."""
    with pytest.raises(InvalidInputError) as info:
        resolve_base_url(url, {})
    assert ("base_url", f"{shown!r} must not carry a user name or password (the key is sent apart)") == (
        info.value.name,
        info.value.reason,
    )
    assert "s3cret" not in str(info.value)
    assert "sk-0123" not in str(info.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://API.aimlapi.com:443/", "https://api.aimlapi.com"),
        ("HTTPS://api.aimlapi.com", "https://api.aimlapi.com"),
        ("http://LOCALHOST:80", "http://localhost"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://api.example.com:8443/v2/", "https://api.example.com:8443/v2"),
    ],
)
def test_a_server_has_one_spelling(given: str, expected: str) -> None:
    """Case and a default port do not make another server: the journal compares servers as text (resume's
    check, the same-output check), so one server spelled two ways must not pass for two."""
    assert expected == resolve_base_url(given, {})


def test_an_invalid_port_is_refused_naming_base_url() -> None:
    with pytest.raises(InvalidInputError, match="invalid port") as info:
        resolve_base_url("http://127.0.0.1:99999", {})
    assert "base_url" == info.value.name


def test_an_insecure_url_from_the_environment_is_refused_too() -> None:
    """AIMLAPI_BASE_URL gets the same checks as the argument."""
    with pytest.raises(InvalidInputError, match="unencrypted"):
        resolve_base_url(None, {"AIMLAPI_BASE_URL": "http://api.example.com"})


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://[::1]:8000",
        "https://api.example.com",
    ],
)
def test_https_and_loopback_http_are_allowed(url: str) -> None:
    """A local emulator may use plain http."""
    assert url == resolve_base_url(url, {})


# ---------------------------------------------------------------------------------------------- loopback


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "127.0.0.1", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1"],
)
def test_loopback_hosts(host: str) -> None:
    """localhost, 127.0.0.0/8 and ::1, in any spelling."""
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "example.com",
        "localhost.example.com",
        "mylocalhost",
        "10.0.0.1",
        "192.168.1.1",
        "0.0.0.0",  # noqa: S104 - a host name under test, nothing binds to it
        "::",
        "128.0.0.1",
        "127.0.0.1.nip.io",
        "::ffff:8.8.8.8",
        "app.localhost",
    ],
)
def test_non_loopback_hosts(host: str) -> None:
    """Everything else, including look-alikes and the unspecified addresses."""
    assert not is_loopback(host)


# ------------------------------------------------------------------------------------------------- key


@pytest.mark.parametrize(
    ("argument", "env", "expected"),
    [
        ("arg", {"AIMLAPI_API_KEY": "a", "AIML_API_KEY": "b"}, "arg"),
        (None, {"AIMLAPI_API_KEY": "a", "AIML_API_KEY": "b"}, "a"),
        (None, {"AIML_API_KEY": "b"}, "b"),
        (None, {"AIMLAPI_API_KEY": "", "AIML_API_KEY": "b"}, "b"),
        (None, {"AIMLAPI_KEY": "c"}, "c"),  # the name the docs also show
        (None, {"AIML_API_KEY": "b", "AIMLAPI_KEY": "c"}, "b"),
        ("  padded\n", {}, "padded"),
    ],
)
def test_resolve_api_key(argument: str | None, env: dict[str, str], expected: str) -> None:
    """Argument, then AIMLAPI_API_KEY, then AIML_API_KEY, then AIMLAPI_KEY; surrounding whitespace (a pasted
    newline) trimmed."""
    assert expected == resolve_api_key(argument, env)


@pytest.mark.parametrize(
    ("argument", "env", "name"),
    [
        (None, {}, "api_key"),
        ("", {}, "api_key"),
        ("a b", {}, "api_key"),
        ("a\nb", {}, "api_key"),
        (None, {"AIMLAPI_API_KEY": "a b"}, "AIMLAPI_API_KEY"),
        (None, {"AIMLAPI_API_KEY": "   "}, "AIMLAPI_API_KEY"),
    ],
)
def test_unusable_keys_are_refused(argument: str | None, env: dict[str, str], name: str) -> None:
    """Missing, empty or header-breaking keys raise InvalidInputError naming where the key came from."""
    with pytest.raises(InvalidInputError) as info:
        resolve_api_key(argument, env)
    assert name == info.value.name
    assert "\n" not in str(info.value)


# -------------------------------------------------------------------------------------------- BearerAuth


def authorize(auth: BearerAuth, url: str) -> httpx.Request:
    """Run one request through the auth flow and return what would be sent."""
    flow = auth.auth_flow(httpx.Request("GET", url))
    request = next(flow)
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200))
    return request


@pytest.mark.parametrize(
    ("api_host", "url"),
    [
        ("api.aimlapi.com", "https://api.aimlapi.com/v2/video/generations"),
        ("api.aimlapi.com", "https://API.AIMLAPI.COM/v2/video/generations"),
        ("API.aimlapi.com", "https://api.aimlapi.com/v2/video/generations"),
        ("api.aimlapi.com", "https://api.aimlapi.com:8443/x"),
        ("127.0.0.1", "http://127.0.0.1:8000/v2/video/generations"),
        ("localhost", "http://localhost:8000/x"),
    ],
)
def test_the_key_is_attached_for_the_api_host(api_host: str, url: str) -> None:
    """https to the API host, or plain http when that host is loopback."""
    assert f"Bearer {KEY}" == authorize(BearerAuth(KEY, api_host), url).headers["Authorization"]


@pytest.mark.parametrize(
    ("api_host", "url"),
    [
        ("api.aimlapi.com", "https://cdn.aimlapi.com/v.mp4"),
        ("api.aimlapi.com", "https://evil.api.aimlapi.com/x"),
        ("api.aimlapi.com", "https://api.aimlapi.com.evil.com/x"),
        ("api.aimlapi.com", "https://storage.googleapis.com/bucket/v.mp4?sig=x"),
        ("api.aimlapi.com", "http://api.aimlapi.com/v2/video/generations"),
        ("127.0.0.1", "http://localhost:8000/x"),
        ("127.0.0.1", "http://127.0.0.2:8000/x"),
    ],
)
def test_the_key_is_not_attached_elsewhere(api_host: str, url: str) -> None:
    """Another host (even a sub- or look-alike domain), or plain http to a remote host: no header at all."""
    request = authorize(BearerAuth(KEY, api_host), url)
    assert "authorization" not in request.headers
    assert KEY not in repr(request.headers.raw)


def test_an_existing_authorization_header_to_another_host_is_left_alone() -> None:
    """BearerAuth adds; it never rewrites a header someone else set for a different host."""
    request = httpx.Request("GET", "https://other.example.com/x", headers={"Authorization": "Basic abc"})
    sent = next(BearerAuth(KEY, "api.aimlapi.com").auth_flow(request))
    assert "Basic abc" == sent.headers["Authorization"]


def test_the_auth_works_inside_an_httpx_client() -> None:
    """Through a real httpx.Client (mock transport): the API host gets the key, a redirect target would not."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    auth = BearerAuth(KEY, "api.aimlapi.com")
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.get("https://api.aimlapi.com/v2/video/generations")
        client.get("https://elsewhere.example.com/x")
    assert [f"Bearer {KEY}", None] == [r.headers.get("authorization") for r in seen]


@pytest.mark.parametrize("operation", [pickle.dumps, copy.copy, copy.deepcopy])
def test_bearer_auth_cannot_be_pickled_or_copied(operation: object) -> None:
    """The key cannot leave the process through pickling (and is not duplicated by copy)."""
    auth = BearerAuth(KEY, "api.aimlapi.com")
    with pytest.raises(TypeError, match="secret"):
        operation(auth)  # type: ignore[operator]


def test_bearer_auth_repr_is_redacted() -> None:
    """repr and str show the host, never the key."""
    auth = BearerAuth(KEY, "api.aimlapi.com")
    assert KEY not in repr(auth)
    assert KEY not in str(auth)
    assert "BearerAuth(key=<redacted>, host='api.aimlapi.com')" == str(auth)


def test_the_default_timeout_sets_every_limit() -> None:
    """connect, read, write and pool are all finite, with room for a 10 MB upload."""
    assert {"connect": 10.0, "read": 60.0, "write": 120.0, "pool": 30.0} == DEFAULT_TIMEOUT.as_dict()
