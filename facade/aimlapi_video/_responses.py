"""Read an HTTP answer from the API: map error statuses to exceptions and classify transport failures.

Error bodies are documented as ``{message, path, requestId, statusCode, timestamp}``; gateways in front of
the API answer HTML pages instead, and both must end up as one readable line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus

import httpx

from ._errors import APIError, error_for_status
from ._polling import parse_retry_after

#: Failures where the request provably never reached the server, so even a paid POST may be sent again.
NEVER_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: What reading an answer's body can raise once its headers are in: the generated parser on the wrong shape
#: (missing key, list for an object, not JSON), ``json`` on absurd nesting, httpx on a corrupt compressed body.
UNREADABLE: tuple[type[Exception], ...] = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    RecursionError,
    httpx.DecodingError,
)
#: Every way a request can fail without a usable answer: the transport broke, or the body was unreadable.
NO_ANSWER: tuple[type[Exception], ...] = (httpx.TransportError, *UNREADABLE)
_MAX_MESSAGE = 300


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "error"


#: Control characters a server's text must not bring to a terminal or a log (escape sequences, NULs); line
#: breaks and tabs are folded to spaces by one_line instead.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Server text as one line of at most 300 characters, without control characters (API error messages and
    job states alike)."""
    text = " ".join(_CONTROLS.sub("", text).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def shown(text: str, redact: Callable[[str], str] = str) -> str:
    """Server text as this client shows it: control characters dropped first (a key with NULs or escapes
    between its characters is whole again, so it is found), then the key redacted, then made one line (after
    redaction: shortening could cut the key in two)."""
    return one_line(redact(_CONTROLS.sub("", text)))


def server_text(value: object) -> str | None:
    """A text the server chose, as text: a non-blank string, or a number as written; else ``None``."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def detail_messages(detail: object) -> str | None:
    """The ``msg`` of each ``{loc, msg, type}`` item of a validation error's ``detail`` (or of each string in
    it, or ``detail`` itself if it is text), joined by "; "; ``None`` if there is none."""
    items = detail if isinstance(detail, list) else [detail]
    found = [text for item in items if (text := server_text(item.get("msg") if isinstance(item, Mapping) else item))]
    return "; ".join(found) or None


def error_message(content: bytes, status_code: int, redact: Callable[[str], str] = str) -> tuple[str, str | None]:
    """``(message, request_id)`` from an error body in the documented shape, or a readable fallback.

    The body is decoded as JSON first (UTF-8, -16 or -32, escapes resolved), then ``redact`` runs on each text
    taken from it, before shortening: a key echoed with a JSON escape is whole only once decoded, and
    shortening first could cut it in two.
    """
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth: shown as text
        body = None
    if isinstance(body, Mapping):
        raw = body.get("message", body.get("error", body.get("detail")))
        if isinstance(raw, Mapping):  # {"error": {"message": ...}}
            raw = raw.get("message", raw)
        text = server_text(raw) or detail_messages(raw)
        if text is None and raw not in (None, "", [], {}):
            text = json.dumps(raw, default=str, ensure_ascii=False)
        request_id = server_text(body.get("requestId"))
        message = shown(text, redact) if text else _reason(status_code)
        return message, shown(request_id, redact) if request_id is not None else None
    text = shown(content.decode("utf-8", "replace"), redact)
    if text.lower().startswith(("<!doctype", "<html")) or not text:
        return f"{_reason(status_code)} (a non-JSON page from a gateway)", None
    return one_line(text), None


def api_error(
    status_code: int, content: bytes, headers: Mapping[str, str], *, redact: Callable[[str], str] = str
) -> APIError:
    """The exception for an error answer, with the server's message, request id and Retry-After hint.

    ``redact`` removes the API key from the server's text, in case an error message echoes the request.
    """
    message, request_id = error_message(content, status_code, redact)
    return error_for_status(
        status_code,
        message,
        request_id=request_id,
        retry_after=parse_retry_after(headers.get("retry-after"), headers.get("date")),
    )


class UnreadableAnswer(ValueError):
    """The server answered, but the generated parser could not read the answer; the raw answer is kept.

    A paid POST's answer may still hold the generation id (in the JSON, or the ``x-inference-id`` header)
    even when it does not match the schema, so it must not be thrown away.
    """

    def __init__(self, response: httpx.Response, cause: BaseException) -> None:
        self.status_code = response.status_code
        try:
            self.content = response.content
        except httpx.ResponseNotRead:  # the body itself could not be read (e.g. corrupt gzip): headers only
            self.content = b""
        self.headers = response.headers
        if isinstance(cause, json.JSONDecodeError):
            self.reason = "the answer was not JSON"
        elif isinstance(cause, httpx.DecodingError):
            self.reason = "its body could not be decoded"
        elif isinstance(cause, RecursionError):
            self.reason = "its JSON is nested too deeply"
        else:
            self.reason = f"{type(cause).__name__}: {cause}"
        super().__init__(f"HTTP {self.status_code}: {self.reason}")


def generation_id(value: object) -> str | None:
    """An id as the API may send it: a non-blank string, or an integer (kept as its digits); else ``None``."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def salvage_id(content: bytes, headers: Mapping[str, str]) -> tuple[str, str] | None:
    """``(id, status)`` from an answer the parser refused: the JSON's ``id``, else ``x-inference-id``."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's depth
        body = None
    found = generation_id(body.get("id")) if isinstance(body, Mapping) else None
    if found is not None:
        status = body.get("status")
        return found, status if isinstance(status, str) and status else "queued"
    header = headers.get("x-inference-id")
    return (header, "queued") if header else None


def describe_failure(exc: BaseException) -> str:  # noqa: PLR0911, PLR0912  (a lookup table, one return per case)
    """One line naming a transport failure, e.g. ``read timeout`` or ``connection closed without a response``."""
    match exc:
        case UnreadableAnswer():
            return f"unreadable answer (HTTP {exc.status_code}: {exc.reason})"
        case httpx.ConnectTimeout():
            return "connect timeout"
        case httpx.ConnectError():
            return f"could not connect ({exc})" if str(exc) else "could not connect"
        case httpx.PoolTimeout():
            return "no free connection in the pool"
        case httpx.ReadTimeout():
            return "read timeout: the server did not answer in time"
        case httpx.WriteTimeout():
            return "write timeout while sending the request"
        case httpx.DecodingError():
            return "the answer's body could not be decoded"
        case RecursionError():
            return "unreadable answer (nested too deeply)"
        case httpx.RemoteProtocolError():
            return "connection closed without a complete response"
        case httpx.ReadError() | httpx.WriteError():
            return f"connection dropped ({type(exc).__name__})"
        case json.JSONDecodeError():
            return "the answer was not JSON"
        case ValueError() | KeyError() | TypeError() | AttributeError():
            return f"unreadable answer ({type(exc).__name__}: {exc})"
        case _:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
