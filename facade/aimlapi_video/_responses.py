"""Read an HTTP answer from the API: map error statuses to exceptions and classify transport failures.

Error bodies are documented as ``{message, path, requestId, statusCode, timestamp}``; gateways in front of
the API answer HTML pages instead, and both must end up as one readable line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from http import HTTPStatus

import httpx

from ._errors import APIError, error_for_status
from ._polling import parse_retry_after

#: Failures where the request provably never reached the server, so even a paid POST may be sent again.
NEVER_SENT: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: What the generated parser raises on a body of the wrong shape (missing key, list for an object, not JSON).
UNREADABLE: tuple[type[Exception], ...] = (ValueError, KeyError, TypeError, AttributeError)
#: Every way a request can fail without a usable answer: the transport broke, or the body was unreadable.
NO_ANSWER: tuple[type[Exception], ...] = (httpx.TransportError, *UNREADABLE)
_MAX_MESSAGE = 300


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "error"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def error_message(content: bytes, status_code: int, redact: Callable[[str], str] = str) -> tuple[str, str | None]:
    """``(message, request_id)`` from an error body in the documented shape, or a readable fallback.

    ``redact`` runs on the whole body first: shortening first could cut an echoed key in two, and a half key
    would no longer match.
    """
    text = redact(content.decode("utf-8", "replace"))
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        raw = body.get("message", body.get("error", body.get("detail")))
        if isinstance(raw, list):
            raw = "; ".join(str(item) for item in raw)
        elif isinstance(raw, Mapping):
            raw = raw.get("message", json.dumps(raw))
        request_id = body.get("requestId")
        message = _shorten(str(raw)) if raw not in (None, "") else _reason(status_code)
        return message, str(request_id) if request_id is not None else None
    text = text.strip()
    if text.lower().startswith(("<!doctype", "<html")) or not text:
        return f"{_reason(status_code)} (a non-JSON page from a gateway)", None
    return _shorten(text), None


def api_error(
    status_code: int, content: bytes, headers: Mapping[str, str], *, redact: Callable[[str], str] = str
) -> APIError:
    """The exception for an error answer, with the server's message, request id and Retry-After hint.

    ``redact`` removes the API key from the server's text, in case an error message echoes the request.
    """
    message, request_id = error_message(content, status_code, redact)
    return error_for_status(
        status_code, message, request_id=request_id, retry_after=parse_retry_after(headers.get("retry-after"))
    )


class UnreadableAnswer(ValueError):
    """The server answered, but the generated parser could not read the answer; the raw answer is kept.

    A paid POST's answer may still hold the generation id (in the JSON, or the ``x-inference-id`` header)
    even when it does not match the schema, so it must not be thrown away.
    """

    def __init__(self, response: httpx.Response, cause: BaseException) -> None:
        self.status_code = response.status_code
        self.content = response.content
        self.headers = response.headers
        self.reason = (
            "the answer was not JSON" if isinstance(cause, json.JSONDecodeError) else f"{type(cause).__name__}: {cause}"
        )
        super().__init__(f"HTTP {self.status_code}: {self.reason}")


def salvage_id(content: bytes, headers: Mapping[str, str]) -> tuple[str, str] | None:
    """``(id, status)`` from an answer the parser refused: the JSON's ``id``, else ``x-inference-id``."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("id"), str) and body["id"]:
        status = body.get("status")
        return body["id"], status if isinstance(status, str) and status else "queued"
    header = headers.get("x-inference-id")
    return (header, "queued") if header else None


def describe_failure(exc: BaseException) -> str:  # noqa: PLR0911  (a lookup table, one return per case)
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
