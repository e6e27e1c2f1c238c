"""Where the API key and base URL come from, and how the key travels without ever being shown.

The key is read only from the ``api_key`` argument or the environment (``AIMLAPI_API_KEY``, then
``AIML_API_KEY``, then ``AIMLAPI_KEY``). It lives inside a :class:`BearerAuth` whose ``repr`` is redacted, is
attached only to requests for the API host, and is refused over plain http unless that host is loopback.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import os
import re
import threading
import weakref
from collections.abc import Generator, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from ._errors import InvalidInputError

DEFAULT_BASE_URL = "https://api.aimlapi.com"
KEY_ENV_VARS = ("AIMLAPI_API_KEY", "AIML_API_KEY", "AIMLAPI_KEY")  # the vendor SDK reads two; the docs show the third
KEY_ENV_HINT = f"{KEY_ENV_VARS[0]} (or {', '.join(KEY_ENV_VARS[1:])})"
BASE_URL_ENV_VAR = "AIMLAPI_BASE_URL"

#: Every request has explicit limits. Writes allow a 10 MB image as base64 on a slow uplink.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=120.0, pool=30.0)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``. Not for other names under
    ``.localhost``: most resolvers ask DNS for them, whose answer could point anywhere."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The API base URL from the argument, ``AIMLAPI_BASE_URL`` or the default; http only to loopback."""
    url = (base_url or environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if "@" in parts.netloc:  # a user name or password would be logged, journalled and shown with the URL
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise InvalidInputError("base_url", f"{shown!r} must not carry a user name or password (the key is sent apart)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("base_url", f"{url!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidInputError(
            "base_url", f"plain http to {parts.hostname} would send the API key unencrypted; use https"
        )
    # One spelling per server (case, default port), as the journal compares servers as text (resume, -o checks)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        number = parts.port
    except ValueError:  # not a number, or past 65535
        raise InvalidInputError("base_url", f"{url!r} has an invalid port") from None
    port = "" if number in (None, _DEFAULT_PORTS[parts.scheme]) else f":{number}"
    return urlunsplit((parts.scheme, host + port, parts.path, parts.query, parts.fragment)).rstrip("/")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def resolve_api_key(api_key: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The key from the argument or the environment, checked to be usable in a header."""
    source = "api_key"
    if api_key is not None and not isinstance(api_key, str):
        raise InvalidInputError("api_key", f"must be a string, got {type(api_key).__name__}")
    if api_key is None:
        for var in KEY_ENV_VARS:
            if environ.get(var):
                api_key, source = environ[var], var
                break
    if api_key is None:
        raise InvalidInputError("api_key", f"no API key: pass api_key= or set {KEY_ENV_HINT}")
    key = api_key.strip()
    if not key:
        raise InvalidInputError(source, "the API key is empty")
    if any(ord(c) < 33 or ord(c) > 126 for c in key):
        raise InvalidInputError(source, "the API key contains spaces or control characters")
    return key


#: Keys at least this long are removed wherever they appear; shorter ones only as a whole word, so that
#: redaction never rewrites ordinary text such as a status.
_WORDLIKE_KEY = 16


class _KeyFilter(logging.Filter):
    """Takes every live client's key out of the HTTP libraries' log records.

    httpcore's debug lines show each answer's headers as received; a server or gateway echoing the token (in
    ``WWW-Authenticate``, say) would put the key in a ``--debug`` log. Only records that are emitted pass
    here, so this costs nothing unless debug logging is on.
    """

    #: The loggers that write records (a filter on a parent logger is not applied to its children's).
    LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")

    def __init__(self) -> None:
        super().__init__()
        self.auths: weakref.WeakSet[BearerAuth] = weakref.WeakSet()
        self._lock = threading.Lock()  # clients are made on one thread while another logs

    def watch(self, auth: BearerAuth) -> None:
        with self._lock:
            if not self.auths:  # installed with the first client, not at import
                for name in self.LOGGERS:
                    logger = logging.getLogger(name)
                    if self not in logger.filters:
                        logger.addFilter(self)
            self.auths.add(auth)

    def filter(self, record: logging.LogRecord) -> bool:
        """Always lets the record through; a record that cannot be formatted is left for logging to report,
        as it would without this filter (never an exception inside an HTTP call)."""
        try:
            message = record.getMessage()
        except Exception:
            return True
        with self._lock:
            auths = list(self.auths)
        clean = message
        for auth in auths:
            clean = auth.redact(clean)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_KEY_FILTER = _KeyFilter()


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to requests for the API host only; never shows the key."""

    __slots__ = ("_forms", "_header", "_host")

    def __init__(self, key: str, api_host: str) -> None:
        self._header = f"Bearer {key}"
        self._host = api_host.lower()
        # The key as a server may echo it: raw, JSON-escaped (with or without "\/"), percent-encoded, or in
        # Base64 (alone or as the whole header), its last characters dropped, as they depend on what follows.
        escaped = json.dumps(key)[1:-1]
        forms = {key, escaped, key.replace("/", "\\/"), escaped.replace("/", "\\/"), quote(key, safe="")}
        if len(key) >= _WORDLIKE_KEY:
            for text in (key, self._header):
                encoded = base64.b64encode(text.encode()).decode()[:-4]
                forms |= {encoded, encoded.replace("+", "-").replace("/", "_")}
        pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        if len(key) < _WORDLIKE_KEY:  # a short key (tests, emulators) could sit inside a word: "ted" in "completed"
            pattern = f"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])"
        elif len(key) >= 2 * _WORDLIKE_KEY:  # and a long one also cut short: its first 16 characters, and on
            pattern = f"{pattern}|{re.escape(key[:_WORDLIKE_KEY])}[A-Za-z0-9_+/=-]*"
        self._forms = re.compile(pattern)
        _KEY_FILTER.watch(self)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the key only when the request goes to the API host over https or to loopback."""
        host = request.url.host.lower()
        if host == self._host and (request.url.scheme == "https" or is_loopback(host)):
            request.headers["Authorization"] = self._header
        yield request

    def redact(self, text: str) -> str:
        """``text`` with the key, in any of the forms a server may echo it, replaced by ``<redacted>``."""
        return self._forms.sub("<redacted>", text)

    def __repr__(self) -> str:
        return f"BearerAuth(key=<redacted>, host={self._host!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("BearerAuth holds a secret and cannot be pickled")
