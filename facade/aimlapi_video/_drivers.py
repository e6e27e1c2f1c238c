"""How the engine's actions become API calls: the per-call context, its hooks, and the two drive loops.

The generated operations take no headers or timeouts, so each call runs inside a ``_Call`` that hooks on the API
pool apply; the drive loops run the engine's steps with sync or async I/O and throw every failure back in.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import attrs
import httpx

from ._engine import ANSWERED_ID_NOTE, Action, Create, Emit, Fetch, Steps
from ._models import GenerationState
from ._responses import UNREADABLE, UnreadableAnswer, salvage_id

T = TypeVar("T")


@attrs.define
class _Call:
    """What one API call adds to its request, and the answers it saw.

    The generated operations take no headers or timeouts, so a driver puts this in ``_CALL`` around the call
    and hooks on the API pool apply it: the create request's ``X-Client-Request-Id``, a status check's time
    limit (a wait's deadline), and the raw response, kept so an answer the parser refuses is not lost.
    """

    client_request_id: str | None = None
    time_limit: float | None = None
    #: When the time limit runs out, on ``clock`` (the client's clock, the one the wait's deadline is kept on).
    deadline: float | None = None
    clock: Callable[[], float] | None = None
    responses: list[httpx.Response] = attrs.field(factory=list)


class _DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that raises ``httpx.ReadTimeout`` once the call's deadline has passed.

    httpx's timeouts apply to each network operation, so a body trickling in a byte at a time never trips
    them; a wait's deadline must bound the whole status check.
    """

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, deadline: float, clock: Callable[[], float]
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._clock = clock

    def _check(self) -> None:
        if self._clock() > self._deadline:
            raise httpx.ReadTimeout("the status check ran past the wait's deadline")

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        for chunk in self._inner:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        async for chunk in self._inner:
            self._check()
            yield chunk

    def close(self) -> None:
        if isinstance(self._inner, httpx.SyncByteStream):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncByteStream):
            await self._inner.aclose()


_CALL: ContextVar[_Call | None] = ContextVar("aimlapi_video_call", default=None)
#: How many create requests were handed to httpx in this process (read by the CLI's interrupt guard: once
#: one has gone out, an interrupt must wait for its answer even after the call itself has returned).
_creates_sent = 0


def _on_request(request: httpx.Request) -> None:
    call = _CALL.get()
    if call is None:
        return
    if call.client_request_id is not None:
        global _creates_sent  # noqa: PLW0603  (a process-wide count, read from a signal handler)
        _creates_sent += 1
        request.headers["X-Client-Request-Id"] = call.client_request_id
    if call.time_limit is not None:
        left = call.time_limit
        if call.deadline is not None and call.clock is not None:  # time spent queueing counts too
            left = max(0.001, min(left, call.deadline - call.clock()))
        limits = request.extensions.get("timeout", {})
        request.extensions["timeout"] = {
            kind: left if limits.get(kind) is None else min(limits[kind], left)
            for kind in ("connect", "read", "write", "pool")
        }


def _on_response(response: httpx.Response) -> None:
    call = _CALL.get()
    if call is None:
        return
    call.responses.append(response)
    if call.deadline is not None and call.clock is not None:
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream | httpx.AsyncByteStream)
        response.stream = _DeadlineStream(stream, call.deadline, call.clock)


async def _aon_request(request: httpx.Request) -> None:
    _on_request(request)


async def _aon_response(response: httpx.Response) -> None:
    _on_response(response)


HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_on_request], "response": [_on_response]}
ASYNC_HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_aon_request], "response": [_aon_response]}


@contextlib.contextmanager
def calling(action: Create | Fetch, clock: Callable[[], float], started: float | None = None) -> Iterator[None]:
    """Run one API call with its ``_Call``; a body the parser refuses becomes ``UnreadableAnswer``, and so does
    a create answer whose head arrived but whose body broke off (its ``x-inference-id`` header names the
    generation); an interruption then carries that id out in a note.

    A status check with a time limit must end by ``started + time_limit`` (``started`` defaults to now; the
    async client passes the moment it began queueing for a connection), its body included."""
    if isinstance(action, Create):
        call = _Call(client_request_id=action.client_request_id)
    elif action.time_limit is None:
        call = _Call()
    else:
        begun = clock() if started is None else started
        call = _Call(time_limit=action.time_limit, deadline=begun + action.time_limit, clock=clock)
    token = _CALL.set(call)
    try:
        yield
    except UNREADABLE as exc:
        if call.responses and not isinstance(exc, UnreadableAnswer):
            raise UnreadableAnswer(call.responses[-1], exc) from exc
        raise
    except httpx.TransportError as exc:
        if isinstance(action, Create) and call.responses:  # the paid POST was answered: keep its head
            raise UnreadableAnswer(call.responses[-1], exc) from exc
        raise
    except BaseException as exc:  # Ctrl-C or cancellation while the body was on its way
        found = salvage_id(b"", call.responses[-1].headers) if isinstance(action, Create) and call.responses else None
        if found is not None:
            exc.add_note(f"{ANSWERED_ID_NOTE}{found[0]} (its body never arrived)")
        raise
    finally:
        _CALL.reset(token)


def creates_sent() -> int:
    """How many create requests have been handed to httpx so far (only ever grows)."""
    return _creates_sent


@attrs.frozen
class _Finished:
    """The steps returned: their value, for ``drive``."""

    value: Any


def _advance(steps: Steps[Any], result: Any, error: BaseException | None) -> Action | _Finished:
    """Hand the last action's result (or its exception, KeyboardInterrupt included) back to the steps, which
    decide; the next action, or ``_Finished``. Both drive loops turn on this."""
    try:
        return steps.throw(error) if error is not None else steps.send(result)
    except StopIteration as stop:
        return _Finished(stop.value)


def drive_iter(steps: Steps[T], perform: Callable[[Action], Any], out: list[T]) -> Iterator[GenerationState]:
    """Run engine steps with synchronous I/O, yielding every emitted state; the result goes to ``out``."""
    result: Any = None
    error: BaseException | None = None
    while not isinstance(action := _advance(steps, result, error), _Finished):
        result, error = None, None
        if isinstance(action, Emit):
            yield action.state
            continue
        try:
            result = perform(action)
        except BaseException as exc:  # handed to the steps, which decide and re-raise
            error = exc
    out.append(action.value)


def drive(steps: Steps[T], perform: Callable[[Action], Any]) -> T:
    out: list[T] = []
    for _ in drive_iter(steps, perform, out):
        pass
    return out[0]


async def adrive_iter(
    steps: Steps[T], perform: Callable[[Action], Awaitable[Any]], out: list[T]
) -> AsyncIterator[GenerationState]:
    """``drive_iter`` for asyncio: the same loop, awaiting each action."""
    result: Any = None
    error: BaseException | None = None
    while not isinstance(action := _advance(steps, result, error), _Finished):
        result, error = None, None
        if isinstance(action, Emit):
            yield action.state
            continue
        try:
            result = await perform(action)
        except BaseException as exc:
            error = exc
    out.append(action.value)


async def adrive(steps: Steps[T], perform: Callable[[Action], Awaitable[Any]]) -> T:
    out: list[T] = []
    async for _ in adrive_iter(steps, perform, out):
        pass
    return out[0]
