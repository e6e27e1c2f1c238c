"""Turn a parsed ``VideoGeneration`` (in any of the live API's looser forms) into a typed job state."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, assert_never, cast, get_args

import attrs

from ._models import Completed, Failed, GenerationState, KnownStatus, Pending, Usage
from ._responses import detail_messages, server_text, shown

if TYPE_CHECKING:
    from aiml_api_client.models import VideoGeneration

# The generated models are imported where they are used: they load with the first answer parsed, not with
# the package (see _choices).

Phase = Literal["pending", "completed", "failed"]
KNOWN_STATUSES: frozenset[str] = frozenset(get_args(KnownStatus))


def phase_of(status: str) -> Phase | None:
    """Which phase a status means, whatever its case (``Completed``); ``None`` for one this client does not know."""
    folded = status.strip().casefold()
    if folded not in KNOWN_STATUSES:
        return None
    known = cast(KnownStatus, folded)
    match known:
        case "queued" | "generating" | "waiting" | "active":
            return "pending"
        case "completed" | "succeeded":
            return "completed"
        case "error":
            return "failed"
        case _:
            assert_never(known)


def video_url(video: object) -> str | None:
    """The first URL in ``video``: an object ``{url}``, a list of such objects, or a list of URL strings."""
    from aiml_api_client.models import VideoGenerationVideo  # noqa: PLC0415

    items = video if isinstance(video, list) else [video]
    for item in items:
        if isinstance(item, VideoGenerationVideo) and item.url:
            return item.url
        if isinstance(item, str) and item:
            return item
        if isinstance(item, Mapping) and isinstance(item.get("url"), str) and item["url"]:
            return cast(str, item["url"])
    return None


def _number(value: object) -> float | None:
    """A finite, non-negative amount, sent as a number or as a numeric string (``"400000"``); else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = float(value)
    except ValueError:
        return None
    return amount if math.isfinite(amount) and amount >= 0 else None


#: The headers a completed job's answer carries its cost in (the live API sends them besides ``meta.usage``, whose
#: unit varies by model).
_USAGE_HEADERS = {"credits_used": "x-aimlapi-credits-used", "usd_spent": "x-aimlapi-usd-spent"}


def with_header_usage(state: Completed, headers: Mapping[str, str]) -> Completed:
    """``state`` with each cost its body left out taken from the answer's headers, when they carry it: a
    model that reports ``usd_spent`` (or ``tokens_used``) in the body still has its credits in a header."""
    found: dict[str, float] = {}
    for field, header in _USAGE_HEADERS.items():
        if getattr(state.usage, field) is None:
            try:
                value = float(headers.get(header, ""))
            except ValueError:
                continue
            if math.isfinite(value) and value >= 0:
                found[field] = value
    return attrs.evolve(state, usage=attrs.evolve(state.usage, **found)) if found else state


def usage_of(meta: object) -> Usage:
    """Credits, tokens or USD from ``meta.usage``, whichever the model reported."""
    from aiml_api_client.models import VideoGenerationMeta, VideoGenerationUsage  # noqa: PLC0415

    if not isinstance(meta, VideoGenerationMeta) or not isinstance(meta.usage, VideoGenerationUsage):
        return Usage()
    usage = meta.usage
    return Usage(
        credits_used=_number(usage.credits_used),
        tokens_used=_number(usage.tokens_used),
        usd_spent=_number(usage.usd_spent),
    )


_NO_NAME, _NO_MESSAGE = "UnknownError", "the generation failed without an error description"
_REJECTED = "the model rejected the input"
#: What error_of gives for an error that says nothing (``{"name": null, "message": null}``, ``[]``, ``false``,
#: ``{"detail": []}``): under an unknown status, such a placeholder does not mean the job failed.
_NO_NAMES, _NO_MESSAGES = frozenset({_NO_NAME, "ValidationError"}), frozenset({_NO_MESSAGE, _REJECTED})


def error_of(error: object) -> tuple[str, str, tuple[Mapping[str, Any], ...]]:
    """``(name, message, details)`` from ``{name, message}``, ``{detail: [...]}``, a bare string, or nothing
    usable. A name or message that is null or not text (the live API is looser than its schema) is replaced
    by a default, never passed on as something else."""
    from aiml_api_client.models import VideoGenerationError, VideoGenerationErrorDetail  # noqa: PLC0415

    if isinstance(error, VideoGenerationError):
        return server_text(error.name) or _NO_NAME, server_text(error.message) or _NO_MESSAGE, ()
    if isinstance(error, VideoGenerationErrorDetail):
        details = tuple(item.to_dict() for item in error.detail)
        return "ValidationError", detail_messages(list(details)) or _REJECTED, details
    if isinstance(error, str) and error.strip():
        return _NO_NAME, error, ()
    if isinstance(error, Mapping):
        message = server_text(error.get("message")) or detail_messages(error.get("detail"))
        if message is None:
            message = json.dumps(error, default=str) if error else _NO_MESSAGE
        return server_text(error.get("name")) or _NO_NAME, message, ()
    return _NO_NAME, _NO_MESSAGE, ()


def _implied_phase(parsed: VideoGeneration) -> Phase | None:
    """What an answer with a status this client does not know says by itself: an error means it failed, a
    video URL that it is done; neither, ``None`` (keep waiting)."""
    from aiml_api_client.types import Unset  # noqa: PLC0415

    error: object = None if isinstance(parsed.error, Unset) else parsed.error  # or raw JSON, when unparsed
    name, message, details = error_of(error)
    if details or name not in _NO_NAMES or message not in _NO_MESSAGES:  # an error that says something
        return "failed"
    url = video_url(None if isinstance(parsed.video, Unset) else parsed.video)
    if url is not None and url.lower().startswith(("https://", "http://")):  # a link, not a placeholder
        return "completed"
    return None


class IncompleteAnswer(ValueError):
    """The answer contradicts itself (completed, but no video URL): not a state, an answer to ask again for."""


def _line(text: str, redact: Callable[[str], str]) -> str:
    """Server text made safe to show (see ``shown``)."""
    return shown(text, redact)


def _redacted(value: object, redact: Callable[[str], str]) -> Any:
    """``value`` (JSON-like) with ``redact`` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value


def to_state(parsed: VideoGeneration, generation_id: str, redact: Callable[[str], str] = str) -> GenerationState:
    """The typed state of one status response about ``generation_id``; IncompleteAnswer for a completed job
    without a video URL.

    The state carries ``generation_id`` as asked, not the answer's ``id``: the API may send an id as a JSON
    number (which would come back as an int, and be rounded by many JSON readers) or in another form.

    A status this client does not know (compared without case) is judged by the answer itself: an error
    means failed, a video URL completed, neither keeps waiting (``Pending(known=False)``).

    Every text the server chose (the status, an error's name, message and details) passes through
    ``redact`` and is made one line: a message echoing the request must not show the key, and a message
    with line breaks must not pass for several lines of output (or a traceback)."""
    status = _line(str(parsed.status), redact)
    phase = phase_of(status)
    if phase is None:
        phase = _implied_phase(parsed)
        if phase is None:
            return Pending(id=generation_id, status=status, known=False)
    match phase:
        case "pending":
            return Pending(id=generation_id, status=status)
        case "completed":
            from aiml_api_client.types import Unset  # noqa: PLC0415

            url = video_url(None if isinstance(parsed.video, Unset) else parsed.video)
            if url is None:
                raise IncompleteAnswer(f"status {status!r} but no video URL")
            return Completed(id=generation_id, status=status, video_url=url, usage=usage_of(parsed.meta))
        case "failed":
            name, message, details = error_of(parsed.error)
            return Failed(
                id=generation_id,
                status=status,
                error_name=_line(name, redact),
                error_message=_line(message, redact),
                details=tuple(_redacted(d, redact) for d in details),
            )
        case _:
            assert_never(phase)
