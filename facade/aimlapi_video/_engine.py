"""Every decision of submit, status check, wait and generate, written once for both clients.

The functions here are generators that never do I/O themselves: they ``yield`` an action (:class:`Create`,
:class:`Fetch`, :class:`Sleep`, :class:`Save`, :class:`Emit`) and receive its result, or have its exception
thrown back in. ``VideoClient`` and ``AsyncVideoClient`` are thin drivers that perform the actions with sync
or async I/O, so retry, polling and failure rules cannot drift apart between the two.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import attrs

from ._errors import (
    APIConnectionError,
    APIError,
    GenerationFailedError,
    RateLimitError,
    ServerError,
    SubmitUncertainError,
    WaitTimeoutError,
)
from ._models import Completed, DownloadProgress, Failed, GenerationState, Job, Pending, ProgressEvent
from ._polling import PollClock, PollSchedule
from ._responses import (
    NEVER_SENT,
    NO_ANSWER,
    UnreadableAnswer,
    api_error,
    describe_failure,
    generation_id,
    salvage_id,
)
from ._status import IncompleteAnswer, to_state, with_header_usage

if TYPE_CHECKING:  # at run time the generated models load with the first request (see _choices)
    from aiml_api_client.models import CreateVideoGenerationRequest, VideoGeneration
    from aiml_api_client.types import Response

logger = logging.getLogger("aimlapi_video")
T = TypeVar("T")


@attrs.frozen
class Create:
    """Send the create request (POST) once, tagged with ``X-Client-Request-Id: client_request_id``."""

    body: CreateVideoGenerationRequest
    client_request_id: str


@attrs.frozen
class Fetch:
    """Check one generation's status (GET) once, within ``time_limit`` seconds when a deadline applies."""

    generation_id: str
    time_limit: float | None = None


@attrs.frozen
class Sleep:
    """Wait this many seconds."""

    seconds: float


@attrs.frozen
class Save:
    """Download a video to a file; the driver answers the final path."""

    url: str
    dest: Path
    overwrite: bool
    generation_id: str
    on_progress: Callable[[DownloadProgress], None] | None


@attrs.frozen
class Emit:
    """Hand a state to the caller of ``iter_status``; the driver answers ``None``."""

    state: GenerationState


Action: TypeAlias = Create | Fetch | Sleep | Save | Emit
Steps: TypeAlias = Generator[Action, Any, T]
ProgressCallback: TypeAlias = Callable[[ProgressEvent], None]


#: Starts the note a Ctrl-C during a create request carries out of ``submit`` (read by ``interrupted_request_id``).
INTERRUPTED_REQUEST_NOTE = "interrupted during the create request with X-Client-Request-Id "
#: The note an interruption gets when the create answer's head (its x-inference-id) arrived but not its body.
ANSWERED_ID_NOTE = "the answer's headers named generation "


def interrupted_generation_id(exc: BaseException) -> str | None:
    """The generation id the interrupted create answer's headers gave (``ANSWERED_ID_NOTE``), if they did."""
    seen: BaseException | None = exc
    while seen is not None:
        for note in getattr(seen, "__notes__", []):
            if note.startswith(ANSWERED_ID_NOTE):
                return str(note.removeprefix(ANSWERED_ID_NOTE)).partition(" (")[0]
        seen = seen.__context__
    return None


def interrupted_request_id(exc: BaseException) -> str | None:
    """The ``X-Client-Request-Id`` of the create request ``exc`` interrupted, if it did: ``exc`` is the Ctrl-C
    (sync), or the task's cancellation, or the KeyboardInterrupt ``asyncio.run`` raised while handling it."""
    seen: BaseException | None = exc
    while seen is not None:
        for note in getattr(seen, "__notes__", []):
            if note.startswith(INTERRUPTED_REQUEST_NOTE):
                return str(note.removeprefix(INTERRUPTED_REQUEST_NOTE))
        seen = seen.__context__
    return None


def _interruption(exc: BaseException) -> bool:
    """A Ctrl-C, or (in the async client) the cancellation asyncio turns it into."""
    asyncio = sys.modules.get("asyncio")  # loaded whenever a task can be cancelled; not imported here
    return isinstance(exc, KeyboardInterrupt) or (asyncio is not None and isinstance(exc, asyncio.CancelledError))


def new_client_request_id() -> str:
    """A fresh ``X-Client-Request-Id``: 1 to 128 characters of ``[A-Za-z0-9._:-]``, as the API requires."""
    import uuid  # noqa: PLC0415  (loaded at the first submit, not at import)

    return f"aimlapi-video-{uuid.uuid4().hex}"


@attrs.frozen
class Settings:
    """The knobs of one client, fixed at construction."""

    schedule: PollSchedule = attrs.field(factory=PollSchedule)
    max_submit_attempts: int = 3
    max_status_failures: int = 5
    max_retry_after: float = 120.0
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    rand: Callable[[], float] = attrs.field(default=random.random, repr=False)
    #: Removes the API key from text the server sent back (an error message could echo it).
    redact: Callable[[str], str] = attrs.field(default=str, repr=False)
    #: Makes the X-Client-Request-Id of one submit (the API echoes it; it traces, it does not deduplicate).
    new_request_id: Callable[[], str] = attrs.field(default=new_client_request_id, repr=False)


#: The shortest time a status check near the deadline is given, so the last check can still succeed.
MIN_CHECK_SECONDS = 1.0


def _backoff(attempt: int) -> float:
    """Seconds before retrying after the n-th failed attempt: 1, 2, 4... capped at 16."""
    return float(min(16, 2 ** (attempt - 1)))


def _create(body: CreateVideoGenerationRequest, request_id: str) -> Steps[Response[VideoGeneration]]:
    """One create request. A Ctrl-C during it leaves its outcome unknown, so it carries the request's
    ``X-Client-Request-Id`` out (a note), which support can trace the generation by."""
    try:
        response: Response[VideoGeneration] = yield Create(body, request_id)
    except BaseException as exc:
        if _interruption(exc):
            exc.add_note(f"{INTERRUPTED_REQUEST_NOTE}{request_id}")
        raise
    return response


def submit(body: CreateVideoGenerationRequest, settings: Settings) -> Steps[Job]:
    """Create a generation. The POST is repeated only when it provably never reached the server, or on 429.

    Every attempt carries the same ``X-Client-Request-Id``: it is one logical request, and the id is what a
    user can quote to support when the outcome is uncertain.
    """
    request_id = settings.new_request_id()
    attempt = 0
    while True:
        attempt += 1
        try:
            response: Response[VideoGeneration] = yield from _create(body, request_id)
        except NEVER_SENT as exc:
            if attempt >= settings.max_submit_attempts:
                raise APIConnectionError(
                    f"could not reach the API after {attempt} attempts ({describe_failure(exc)}); nothing was created"
                ) from exc
            logger.warning("submit: %s; nothing was sent, retrying (attempt %d)", describe_failure(exc), attempt + 1)
            yield Sleep(_backoff(attempt))
            continue
        except UnreadableAnswer as exc:  # answered, but not in the schema's shape: the id may still be there
            job = _salvaged(exc.status_code, exc.content, exc.headers)
            if job is None:
                raise SubmitUncertainError(describe_failure(exc), client_request_id=request_id) from exc
            return job
        except NO_ANSWER as exc:
            raise SubmitUncertainError(describe_failure(exc), client_request_id=request_id) from exc

        code = int(response.status_code)
        if 200 <= code < 300:
            from aiml_api_client.models import VideoGeneration  # noqa: PLC0415  (loaded by now: the body was built)

            parsed = response.parsed
            found = generation_id(parsed.id) if isinstance(parsed, VideoGeneration) else None
            if isinstance(parsed, VideoGeneration) and found is not None:
                logger.info("submitted generation %s (X-Client-Request-Id %s)", found, request_id)
                return Job(id=found, status=str(parsed.status))
            job = _salvaged(code, response.content, response.headers)
            if job is None:
                raise SubmitUncertainError(f"HTTP {code} without a generation id", client_request_id=request_id)
            return job
        error = api_error(code, response.content, response.headers, redact=settings.redact)
        if isinstance(error, RateLimitError):
            delay = error.retry_after if error.retry_after is not None else _backoff(attempt)
            if attempt < settings.max_submit_attempts and delay <= settings.max_retry_after:
                logger.warning("submit: rate limited; retrying in %.1f s", delay)
                yield Sleep(delay)
                continue
        if isinstance(error, ServerError):
            raise SubmitUncertainError(str(error), client_request_id=request_id) from error
        raise error


def _salvaged(code: int, content: bytes, headers: Mapping[str, str]) -> Job | None:
    """A Job from a 2xx create answer the parser refused (another 2xx code, a missing field), if it has an id."""
    found = salvage_id(content, headers) if 200 <= code < 300 else None
    if found is None:
        return None
    logger.warning("submit: HTTP %d answer outside the schema; using its generation id %s", code, found[0])
    return Job(id=found[0], status=found[1])


def check(generation_id: str, settings: Settings, time_limit: float | None = None) -> Steps[GenerationState]:
    """One status check, with every failure mapped to this package's exceptions."""
    try:
        response: Response[VideoGeneration] = yield Fetch(generation_id, time_limit)
    except NO_ANSWER as exc:
        raise APIConnectionError(f"status check for {generation_id} failed: {describe_failure(exc)}") from exc
    from aiml_api_client.models import VideoGeneration  # noqa: PLC0415  (loaded with the first answer parsed)

    code = int(response.status_code)
    if code == 200 and isinstance(response.parsed, VideoGeneration):
        try:
            state = to_state(response.parsed, generation_id, settings.redact)
        except IncompleteAnswer as exc:  # asked again by wait(), like any answer it could not use
            raise APIConnectionError(f"status check for {generation_id}: incomplete answer ({exc})") from exc
        return with_header_usage(state, response.headers) if isinstance(state, Completed) else state
    if code == 200:
        raise APIConnectionError(f"status check for {generation_id}: HTTP 200 without a readable body")
    raise api_error(code, response.content, response.headers, redact=settings.redact)


def _is_transient(exc: Exception) -> bool:
    """Worth another status check: no usable answer, a 5xx, a 429, or a 408 (a proxy's request timeout)."""
    return isinstance(exc, APIConnectionError | ServerError | RateLimitError) or (
        isinstance(exc, APIError) and exc.status_code == 408
    )


def poll(
    generation_id: str,
    settings: Settings,
    *,
    timeout: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> Steps[GenerationState]:
    """Check until a terminal state, emitting each state; returns it. Raises WaitTimeoutError at the deadline.

    Transient failures (5xx, 408, 429, network, unreadable bodies) are tolerated up to ``max_status_failures`` in
    a row; a server hint (Retry-After) replaces the next gap. An unknown status without an error or a video
    keeps waiting.
    """
    clock = PollClock(
        settings.schedule,
        started=settings.clock(),
        timeout=settings.schedule.timeout if timeout is None else timeout,
        rand=settings.rand,
    )
    failures, last_status, warned = 0, "unknown", set[str]()
    while True:
        hint: float | None = None
        try:
            # The check itself must not run past the deadline: it gets the time left (at least a second).
            left = max(MIN_CHECK_SECONDS, clock.timeout - clock.elapsed(settings.clock()))
            state = yield from check(generation_id, settings, left)
        except Exception as exc:
            if not _is_transient(exc):
                raise
            failures += 1
            if failures > settings.max_status_failures:
                exc.add_note(f"generation id: {generation_id} (gave up after {failures} failed checks in a row)")
                raise
            hint = getattr(exc, "retry_after", None)
            logger.warning("status check %d for %s failed (%s); will retry", failures, generation_id, exc)
        else:
            failures = 0
            clock.checks += 1
            last_status = state.status
            if isinstance(state, Pending) and not state.known and state.status not in warned:
                warned.add(state.status)
                logger.warning("generation %s reports unknown status %r; still waiting", generation_id, state.status)
        now = settings.clock()
        terminal = failures == 0 and not isinstance(state, Pending)
        gap = None if terminal else clock.next_gap(now, hint)
        if failures == 0 and on_progress is not None:
            on_progress(ProgressEvent(generation_id, state.status, clock.elapsed(now), clock.checks, gap))
        if failures == 0:
            yield Emit(state)
            if terminal:
                return state
        if gap is None:
            raise WaitTimeoutError(generation_id, clock.elapsed(now), last_status)
        yield Sleep(gap)


def wait(
    generation_id: str,
    settings: Settings,
    *,
    timeout: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> Steps[Completed]:
    """Poll until done; a failed generation raises GenerationFailedError."""
    state = yield from poll(generation_id, settings, timeout=timeout, on_progress=on_progress)
    if isinstance(state, Failed):
        raise GenerationFailedError(state.id, state.error_name, state.error_message, details=state.details)
    assert isinstance(state, Completed)  # poll returns only terminal states
    return state


def generate(
    body: CreateVideoGenerationRequest,
    settings: Settings,
    *,
    output: Path | None,
    overwrite: bool,
    timeout: float | None,
    on_progress: Callable[[ProgressEvent | DownloadProgress], None] | None,
    on_submitted: Callable[[Job], None] | None,
) -> Steps[tuple[Completed, Path | None]]:
    """Submit, wait, download. Once an id exists, any exception leaving here carries it in a note."""
    job = yield from submit(body, settings)
    del body  # the encoded image (megabytes) is not kept through a wait of minutes: 1,000 waits would hold GBs
    try:
        if on_submitted is not None:
            on_submitted(job)
        done = yield from wait(job.id, settings, timeout=timeout, on_progress=on_progress)
        path = None
        if output is not None:
            path = yield Save(done.video_url, output, overwrite, done.id, on_progress)
        return done, path
    except BaseException as exc:
        logger.warning("generation %s was created; resume with wait(%r)", job.id, job.id)
        exc.add_note(f"generation id: {job.id} (it was created and may be billed; resume with wait({job.id!r}))")
        raise
