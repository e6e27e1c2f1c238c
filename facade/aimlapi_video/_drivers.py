"""How the engine's actions become API calls: the per-call context, its hooks, and the two drive loops.

The generated operations take no headers or timeouts, so each call runs inside a ``_Call`` that hooks on the API
pool apply; the drive loops run the engine's steps with sync or async I/O and throw every failure back in.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx

from ._engine import Action, Create, Emit, Fetch, Steps
from ._models import GenerationState
from ._responses import UNREADABLE, UnreadableAnswer

if TYPE_CHECKING:
    pass  # ~13 ms at import; httpx loads it only when a TLS context is made

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
    responses: list[httpx.Response] = attrs.field(factory=list)


_CALL: ContextVar[_Call | None] = ContextVar("aimlapi_video_call", default=None)


def _on_request(request: httpx.Request) -> None:
    call = _CALL.get()
    if call is None:
        return
    if call.client_request_id is not None:
        request.headers["X-Client-Request-Id"] = call.client_request_id
    if call.time_limit is not None:
        limits = request.extensions.get("timeout", {})
        request.extensions["timeout"] = {
            kind: call.time_limit if limits.get(kind) is None else min(limits[kind], call.time_limit)
            for kind in ("connect", "read", "write", "pool")
        }


def _on_response(response: httpx.Response) -> None:
    call = _CALL.get()
    if call is not None:
        call.responses.append(response)


async def _aon_request(request: httpx.Request) -> None:
    _on_request(request)


async def _aon_response(response: httpx.Response) -> None:
    _on_response(response)


HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_on_request], "response": [_on_response]}
ASYNC_HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_aon_request], "response": [_aon_response]}


@contextlib.contextmanager
def calling(action: Create | Fetch) -> Iterator[None]:
    """Run one API call with its ``_Call``; a body the parser refuses becomes ``UnreadableAnswer``."""
    call = (
        _Call(client_request_id=action.client_request_id)
        if isinstance(action, Create)
        else _Call(time_limit=action.time_limit)
    )
    token = _CALL.set(call)
    try:
        yield
    except UNREADABLE as exc:
        if call.responses and not isinstance(exc, UnreadableAnswer):
            raise UnreadableAnswer(call.responses[-1], exc) from exc
        raise
    finally:
        _CALL.reset(token)


def create_in_flight() -> bool:
    """True while this context is sending a create request (for the CLI's interrupt handling)."""
    call = _CALL.get()
    return call is not None and call.client_request_id is not None


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
