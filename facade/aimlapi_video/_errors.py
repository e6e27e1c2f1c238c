"""Every exception the client raises, in one tree.

"The API refused" (an HTTP error status) and "the job failed" (a generation that ended badly, or a wait that
ran out) are different families, so a caller can retry one and report the other::

    AIMLAPIError
    ├── InvalidInputError (also ValueError)   bad argument, raised before any charge (before any request, but
    │                                         for download(id) of an unfinished generation: its status check)
    ├── APIError                              the API answered with an error status
    │   ├── InvalidRequestError               400 (and 422)
    │   ├── AuthenticationError               401, 403
    │   ├── NotFoundError                     404
    │   ├── RateLimitError                    429 (carries retry_after)
    │   └── ServerError                       5xx
    ├── APIConnectionError                    no usable answer: network failure or a body that is not JSON
    ├── GenerationError                       about one generation (carries generation_id)
    │   ├── GenerationFailedError             the job ended with status "error"
    │   ├── WaitTimeoutError (also TimeoutError)  the deadline passed while the job was still pending
    │   └── SubmitUncertainError              the create request may or may not have made a (billed) job
    └── DownloadError                         the video could not be saved
        └── VideoUrlExpiredError              the video host refused the signed URL (403/404/410)

No message ever contains the API key: the client never puts it in one, and ``AIMLAPIError`` holds no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AIMLAPIError",
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "DownloadError",
    "GenerationError",
    "GenerationFailedError",
    "InvalidInputError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "SubmitUncertainError",
    "VideoUrlExpiredError",
    "WaitTimeoutError",
    "error_for_status",
]


def _restored(cls: type[AIMLAPIError], args: tuple[Any, ...], state: dict[str, Any]) -> AIMLAPIError:
    """An exception rebuilt from its message and attributes, without calling ``__init__`` (whose parameters
    differ from class to class and are not the message): how every one of them is unpickled and copied."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class AIMLAPIError(Exception):
    """Base of every error this package raises.

    Every one survives ``pickle`` and ``copy`` with its message and attributes (notes included), so it can
    cross a process pool or a task queue: the default pickling would call ``__init__`` with the message alone.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return _restored, (type(self), self.args, dict(self.__dict__))


class InvalidInputError(AIMLAPIError, ValueError):
    """An argument is unusable; raised before anything is paid for, and before any request but the status check
    of ``download(id)`` (which finds the generation unfinished). ``name`` is the argument."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class APIError(AIMLAPIError):
    """The API answered with an error status.

    ``message`` and ``request_id`` come from the documented error body
    ``{message, path, requestId, statusCode, timestamp}`` when the server sent one.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"HTTP {status_code}: {message}{suffix}")


class InvalidRequestError(APIError):
    """400: the API rejected the request's content."""


class AuthenticationError(APIError):
    """401 or 403: the key is missing, wrong, or lacks access to this model."""


class NotFoundError(APIError):
    """404: no such generation (or route)."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if it gave one."""


class ServerError(APIError):
    """5xx: the API failed on its side."""


class APIConnectionError(AIMLAPIError):
    """No usable answer: the connection failed, timed out, or the body was not the JSON expected."""


class GenerationError(AIMLAPIError):
    """An outcome of one generation; ``generation_id`` is ``None`` only when no id was ever received."""

    def __init__(self, message: str, *, generation_id: str | None) -> None:
        self.generation_id = generation_id
        super().__init__(message)


class GenerationFailedError(GenerationError):
    """The generation ended with status ``error``.

    ``error_name`` and ``error_message`` come from ``{name, message}``; for the ``{detail: [...]}`` form
    ``error_name`` is ``"ValidationError"`` and ``details`` holds the items.
    """

    def __init__(
        self,
        generation_id: str,
        error_name: str,
        error_message: str,
        *,
        details: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        self.error_name = error_name
        self.error_message = error_message
        self.details = details
        super().__init__(
            f"generation {generation_id} failed: {error_name}: {error_message}", generation_id=generation_id
        )


class WaitTimeoutError(GenerationError, TimeoutError):
    """The deadline passed while the generation was still pending. It may still finish: call ``wait`` again."""

    def __init__(self, generation_id: str, elapsed: float, last_status: str) -> None:
        self.elapsed = elapsed
        self.last_status = last_status
        super().__init__(
            f"generation {generation_id} still {last_status!r} after {elapsed:.0f} s; "
            f"it may still finish: wait for it again with its id",
            generation_id=generation_id,
        )


class SubmitUncertainError(GenerationError):
    """The create request may have reached the server: a generation may exist and be billed.

    It is never resent automatically, since a second POST creates (and bills) a second generation.
    ``client_request_id`` is the ``X-Client-Request-Id`` the request carried, to quote when asking support.
    """

    def __init__(self, reason: str, *, client_request_id: str | None = None) -> None:
        self.reason = reason
        self.client_request_id = client_request_id
        trace = f" The request carried X-Client-Request-Id {client_request_id}." if client_request_id else ""
        super().__init__(
            f"submit outcome unknown ({reason}): a generation may have been created and billed; "
            f"it was not resent.{trace} Check your usage before submitting again.",
            generation_id=None,
        )


class DownloadError(AIMLAPIError):
    """The video could not be saved (the host, the network, or the local disk failed); nothing partial is left
    at the destination. ``generation_id`` is the generation's, when the download knew it."""

    def __init__(self, message: str, *, generation_id: str | None = None) -> None:
        self.generation_id = generation_id
        super().__init__(message)


class VideoUrlExpiredError(DownloadError):
    """The video host refused the signed URL (403, 404 or 410); fetch a fresh one with ``get(id)``."""

    def __init__(self, status_code: int, generation_id: str | None) -> None:
        self.status_code = status_code
        hint = f"call get({generation_id!r})" if generation_id else "call get() with the generation id"
        super().__init__(
            f"video URL refused by its host (HTTP {status_code}); it may have expired: {hint} for a fresh URL",
            generation_id=generation_id,
        )


_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def error_for_status(
    status_code: int, message: str, *, request_id: str | None = None, retry_after: float | None = None
) -> APIError:
    """The one place that maps an HTTP error status to its exception class."""
    if status_code >= 500:
        cls: type[APIError] = ServerError
    else:
        cls = _BY_STATUS.get(status_code, APIError)
    return cls(status_code, message, request_id=request_id, retry_after=retry_after)
