"""``VideoClient`` and ``AsyncVideoClient``: thin drivers that perform the engine's actions with real I/O.

All decisions live in ``_engine`` (shared); this module only sends requests through the generated
``*_detailed`` operations, sleeps, and downloads. Both classes expose the same methods with the same
signatures (a test compares them).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from aiml_api_client.api.default import create_video_generation, get_video_generation
from aiml_api_client.client import Client
from aiml_api_client.models import CreateVideoGenerationRequest

from . import _engine as engine
from ._config import DEFAULT_TIMEOUT, BearerAuth, resolve_api_key, resolve_base_url
from ._engine import Action, Create, Emit, Fetch, Save, Settings, Sleep, Steps
from ._errors import InvalidInputError
from ._media import DEFAULT_MAX_AUDIO_BYTES, DEFAULT_MAX_IMAGE_BYTES, AudioSource, ImageSource
from ._models import Completed, DownloadProgress, GenerationResult, GenerationState, Job, ProgressEvent
from ._polling import PollSchedule
from ._request import DEFAULT_DURATION, REQUEST_OPTIONS, build_request
from ._responses import UNREADABLE, UnreadableAnswer
from ._validate import number

if TYPE_CHECKING:
    import ssl  # ~13 ms at import; httpx loads it only when a TLS context is made

T = TypeVar("T")
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _user_agent() -> str:
    from . import __version__  # noqa: PLC0415  (the package imports this module)

    return f"aimlapi-video/{__version__}"


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


_HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_on_request], "response": [_on_response]}
_AHOOKS: dict[str, list[Callable[..., Any]]] = {"request": [_aon_request], "response": [_aon_response]}


@contextlib.contextmanager
def _calling(action: Create | Fetch) -> Iterator[None]:
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


def _check_id(generation_id: object) -> str:
    if not isinstance(generation_id, str) or not generation_id.strip():
        raise InvalidInputError("generation_id", f"must be a non-empty string, got {generation_id!r}")
    return generation_id


def _check_output(output: str | os.PathLike[str] | None, overwrite: bool) -> Path | None:
    """Refuse an unusable destination before anything is submitted or paid for."""
    if output is None:
        return None
    path = Path(output)
    if path.is_dir():
        raise InvalidInputError("output", f"{path} is a directory; give a file name such as {path / 'video.mp4'}")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise InvalidInputError("output", f"{path} already exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise InvalidInputError("output", f"directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InvalidInputError("output", f"directory {path.parent} is not writable")
    return path


def _check_wait(timeout: float | None, **callbacks: object) -> float | None:
    """Refuse a wait deadline or callback that would fail only later (in generate, after the paid POST)."""
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf
    ):
        raise InvalidInputError("timeout", f"must be a positive, finite number of seconds, got {timeout!r}")
    for name, callback in callbacks.items():
        if callback is not None and not callable(callback):
            raise InvalidInputError(name, f"must be callable, got {type(callback).__name__}")
    return timeout


def _timeout(timeout: httpx.Timeout | float | None) -> httpx.Timeout:
    """The HTTP timeouts: the defaults, an ``httpx.Timeout``, or one positive number of seconds for all four."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(number("timeout", timeout, minimum=0, above=True))


class _Common:
    """Construction and argument checks shared by both clients; no I/O."""

    _settings: Settings
    _base_url: str
    _tls_context: ssl.SSLContext | None = None

    def _verify(self, transport: object) -> ssl.SSLContext | bool:
        """One TLS context for the API and the video pools: loading the CA store costs ~20 ms per context.

        With a caller's transport (tests, emulators), httpx makes no TLS context at all, so neither do we.
        """
        if transport is not None:
            return True
        if self._tls_context is None:
            self._tls_context = httpx.create_ssl_context()
        return self._tls_context

    def _configure(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        poll_schedule: PollSchedule | None,
        max_submit_attempts: int,
        max_status_failures: int,
        max_image_bytes: int,
        max_audio_bytes: int,
        clock: Callable[[], float] | None,
    ) -> tuple[BearerAuth, str]:
        self._base_url = resolve_base_url(base_url)
        auth = BearerAuth(resolve_api_key(api_key), urlsplit(self._base_url).hostname or "")
        number("max_submit_attempts", max_submit_attempts, minimum=1, integer=True)
        number("max_status_failures", max_status_failures, minimum=0, integer=True)
        number("max_image_bytes", max_image_bytes, minimum=1, integer=True)
        number("max_audio_bytes", max_audio_bytes, minimum=1, integer=True)
        if poll_schedule is not None and not isinstance(poll_schedule, PollSchedule):
            raise InvalidInputError("poll_schedule", f"must be a PollSchedule, got {type(poll_schedule).__name__}")
        self._settings = Settings(
            schedule=poll_schedule or PollSchedule(),
            max_submit_attempts=max_submit_attempts,
            max_status_failures=max_status_failures,
            clock=clock or time.monotonic,
            redact=auth.redact,
        )
        self._max_image_bytes, self._max_audio_bytes = max_image_bytes, max_audio_bytes
        return auth, self._base_url

    @property
    def base_url(self) -> str:
        """The API server this client talks to."""
        return self._base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _body(self, arguments: Mapping[str, Any]) -> CreateVideoGenerationRequest:
        """The request built from a public method's ``locals()``: its request arguments, by name.

        Taking them by name from the caller's frame keeps one list of request fields (``REQUEST_OPTIONS``)
        instead of repeating it in each of the four public methods that accept them.
        """
        options = {name: arguments[name] for name in REQUEST_OPTIONS}
        return build_request(
            arguments["image"],
            arguments["prompt"],
            max_image_bytes=self._max_image_bytes,
            max_audio_bytes=self._max_audio_bytes,
            **options,
        )

    def _download_steps(self, generation: Completed | str) -> Steps[Completed]:
        if isinstance(generation, Completed):
            return generation
        state = yield from engine.check(_check_id(generation), self._settings)
        if not isinstance(state, Completed):
            raise InvalidInputError("generation", f"generation {state.id} is {state.status!r}, not completed")
        return state


def _drive_iter(steps: Steps[T], perform: Callable[[Action], Any], out: list[T]) -> Iterator[GenerationState]:
    """Run engine steps with synchronous I/O, yielding every emitted state; the result goes to ``out``.

    An action's exception (KeyboardInterrupt included) is thrown back into the steps, which decide.
    """
    result: Any = None
    error: BaseException | None = None
    while True:
        try:
            action = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            out.append(stop.value)
            return
        result, error = None, None
        if isinstance(action, Emit):
            yield action.state
            continue
        try:
            result = perform(action)
        except BaseException as exc:  # handed to the steps, which decide and re-raise
            error = exc


def _drive(steps: Steps[T], perform: Callable[[Action], Any]) -> T:
    out: list[T] = []
    for _ in _drive_iter(steps, perform, out):
        pass
    return out[0]


async def _adrive_iter(
    steps: Steps[T], perform: Callable[[Action], Awaitable[Any]], out: list[T]
) -> AsyncIterator[GenerationState]:
    """``_drive_iter`` for asyncio: the same loop, awaiting each action."""
    result: Any = None
    error: BaseException | None = None
    while True:
        try:
            action = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            out.append(stop.value)
            return
        result, error = None, None
        if isinstance(action, Emit):
            yield action.state
            continue
        try:
            result = await perform(action)
        except BaseException as exc:
            error = exc


async def _adrive(steps: Steps[T], perform: Callable[[Action], Awaitable[Any]]) -> T:
    out: list[T] = []
    async for _ in _adrive_iter(steps, perform, out):
        pass
    return out[0]


class VideoClient(_Common):
    """Synchronous client. Use as a context manager so its connections are closed.

    ``api_key`` defaults to ``AIMLAPI_API_KEY`` (else ``AIML_API_KEY``); ``base_url`` to ``AIMLAPI_BASE_URL``
    (else https://api.aimlapi.com). ``transport``, ``video_transport``, ``clock`` and ``sleep`` are seams for
    tests and emulators.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        poll_schedule: PollSchedule | None = None,
        max_submit_attempts: int = 3,
        max_status_failures: int = 5,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
        transport: httpx.BaseTransport | None = None,
        video_transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        auth, url = self._configure(
            api_key=api_key,
            base_url=base_url,
            poll_schedule=poll_schedule,
            max_submit_attempts=max_submit_attempts,
            max_status_failures=max_status_failures,
            max_image_bytes=max_image_bytes,
            max_audio_bytes=max_audio_bytes,
            clock=clock,
        )
        self._sleep = sleep or time.sleep
        self._timeout = _timeout(timeout)
        http = httpx.Client(
            base_url=url,
            auth=auth,
            timeout=self._timeout,
            transport=transport,
            verify=self._verify(transport),
            limits=_LIMITS,
            headers={"User-Agent": _user_agent()},
            event_hooks=_HOOKS,
        )
        self._api = Client(base_url=url).set_httpx_client(http)
        self._video_transport = video_transport
        self._video_http: httpx.Client | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the API and video connection pools."""
        self._api.get_httpx_client().close()
        if self._video_http is not None:
            self._video_http.close()

    def _video(self) -> httpx.Client:
        """A separate pool with no credentials, so the key never reaches the video host."""
        if self._video_http is None:
            self._video_http = httpx.Client(
                timeout=self._timeout,
                transport=self._video_transport,
                verify=self._verify(self._video_transport),
                follow_redirects=True,
                headers={"User-Agent": _user_agent()},
            )
        return self._video_http

    def _perform(self, action: Action) -> Any:
        match action:
            case Create(body=body):
                with _calling(action):
                    return create_video_generation.sync_detailed(client=self._api, body=body)
            case Fetch(generation_id=generation_id):
                with _calling(action):
                    return get_video_generation.sync_detailed(client=self._api, generation_id=generation_id)
            case Sleep(seconds=seconds):
                return self._sleep(seconds)
            case Save():
                from ._download import download_sync  # noqa: PLC0415  (loaded when a video is first saved)

                return download_sync(
                    self._video(),
                    action.url,
                    action.dest,
                    overwrite=action.overwrite,
                    on_progress=action.on_progress,
                    generation_id=action.generation_id,
                    sleep=self._sleep,
                )
            case Emit():
                return None

    def submit(
        self,
        image: ImageSource,
        prompt: str,
        *,
        duration: int = DEFAULT_DURATION,
        resolution: str | None = None,
        negative_prompt: str | None = None,
        shot_type: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Job:
        """Create a generation and return right after the POST, with its id. Inputs are checked first."""
        body = self._body(locals())
        return _drive(engine.submit(body, self._settings), self._perform)

    def get(self, generation_id: str) -> GenerationState:
        """One status check: ``Pending``, ``Completed`` or ``Failed``."""
        return _drive(engine.check(_check_id(generation_id), self._settings), self._perform)

    def iter_status(self, generation_id: str, *, timeout: float | None = None) -> Iterator[GenerationState]:
        """The state after every status check until a terminal one (yielded last); arguments checked now."""
        steps = engine.poll(_check_id(generation_id), self._settings, timeout=_check_wait(timeout))
        return _drive_iter(steps, self._perform, [])

    def wait(
        self,
        generation_id: str,
        *,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Completed:
        """Poll until done. Raises GenerationFailedError, or WaitTimeoutError at the deadline."""
        timeout = _check_wait(timeout, on_progress=on_progress)
        steps = engine.wait(_check_id(generation_id), self._settings, timeout=timeout, on_progress=on_progress)
        return _drive(steps, self._perform)

    def download(
        self,
        generation: Completed | str,
        output: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[DownloadProgress], None] | None = None,
    ) -> Path:
        """Save the video to ``output`` atomically. A generation id fetches a fresh URL first."""
        dest = _check_output(output, overwrite)
        assert dest is not None
        done = _drive(self._download_steps(generation), self._perform)
        return _drive(_save(done, dest, overwrite, on_progress), self._perform)

    def generate(
        self,
        image: ImageSource,
        prompt: str,
        *,
        output: str | os.PathLike[str] | None = None,
        overwrite: bool = False,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent | DownloadProgress], None] | None = None,
        on_submitted: Callable[[Job], None] | None = None,
        duration: int = DEFAULT_DURATION,
        resolution: str | None = None,
        negative_prompt: str | None = None,
        shot_type: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> GenerationResult:
        """Submit, wait and (with ``output``) download, in one call. ``on_submitted`` gets the id first."""
        dest = _check_output(output, overwrite)
        _check_wait(timeout, on_progress=on_progress, on_submitted=on_submitted)
        body = self._body(locals())
        steps = engine.generate(
            body,
            self._settings,
            output=dest,
            overwrite=overwrite,
            timeout=timeout,
            on_progress=on_progress,
            on_submitted=on_submitted,
        )
        done, path = _drive(steps, self._perform)
        return GenerationResult(generation=done, path=path)


def _save(
    done: Completed, dest: Path, overwrite: bool, on_progress: Callable[[DownloadProgress], None] | None
) -> Steps[Path]:
    path: Path = yield Save(done.video_url, dest, overwrite, done.id, on_progress)
    return path


class AsyncVideoClient(_Common):
    """The asyncio twin of :class:`VideoClient`: same methods and arguments, awaited (``async with``)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: httpx.Timeout | float | None = None,
        poll_schedule: PollSchedule | None = None,
        max_submit_attempts: int = 3,
        max_status_failures: int = 5,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        video_transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        auth, url = self._configure(
            api_key=api_key,
            base_url=base_url,
            poll_schedule=poll_schedule,
            max_submit_attempts=max_submit_attempts,
            max_status_failures=max_status_failures,
            max_image_bytes=max_image_bytes,
            max_audio_bytes=max_audio_bytes,
            clock=clock,
        )
        import asyncio  # noqa: PLC0415  (~35 ms: loaded only when an async client is made)

        self._sleep = sleep or asyncio.sleep
        self._timeout = _timeout(timeout)
        self._gate = asyncio.Semaphore(_LIMITS.max_connections or 100)
        http = httpx.AsyncClient(
            base_url=url,
            auth=auth,
            timeout=self._timeout,
            transport=transport,
            verify=self._verify(transport),
            limits=_LIMITS,
            headers={"User-Agent": _user_agent()},
            event_hooks=_AHOOKS,
        )
        self._api = Client(base_url=url).set_async_httpx_client(http)
        self._video_transport = video_transport
        self._video_http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the API and video connection pools."""
        await self._api.get_async_httpx_client().aclose()
        if self._video_http is not None:
            await self._video_http.aclose()

    def _video(self) -> httpx.AsyncClient:
        """A separate pool with no credentials, so the key never reaches the video host."""
        if self._video_http is None:
            self._video_http = httpx.AsyncClient(
                timeout=self._timeout,
                transport=self._video_transport,
                verify=self._verify(self._video_transport),
                follow_redirects=True,
                headers={"User-Agent": _user_agent()},
            )
        return self._video_http

    async def _enter_pool(self) -> None:
        """Wait (FIFO, within the pool timeout) until fewer than ``max_connections`` API requests are in flight.

        httpcore re-scans every queued request against every connection on each pool event, so with ~1,000
        requests queued in its pool the CPU cost grows quadratically and requests end in PoolTimeout
        (bench/scale.py). Queueing here instead keeps httpcore's queue empty; the wait still raises
        ``httpx.PoolTimeout`` after the pool timeout, as waiting inside httpx's pool would.
        """
        import asyncio  # noqa: PLC0415  (already loaded: see __init__)

        try:
            async with asyncio.timeout(self._timeout.pool):
                await self._gate.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no free connection in the pool") from None

    async def _perform(self, action: Action) -> Any:
        match action:
            case Create(body=body):
                await self._enter_pool()
                try:
                    with _calling(action):
                        return await create_video_generation.asyncio_detailed(client=self._api, body=body)
                finally:
                    self._gate.release()
            case Fetch(generation_id=generation_id):
                await self._enter_pool()
                try:
                    with _calling(action):
                        return await get_video_generation.asyncio_detailed(
                            client=self._api, generation_id=generation_id
                        )
                finally:
                    self._gate.release()
            case Sleep(seconds=seconds):
                return await self._sleep(seconds)
            case Save():
                from ._download import download_async  # noqa: PLC0415  (loaded when a video is first saved)

                return await download_async(
                    self._video(),
                    action.url,
                    action.dest,
                    overwrite=action.overwrite,
                    on_progress=action.on_progress,
                    generation_id=action.generation_id,
                    sleep=self._sleep,
                )
            case Emit():
                return None

    async def submit(
        self,
        image: ImageSource,
        prompt: str,
        *,
        duration: int = DEFAULT_DURATION,
        resolution: str | None = None,
        negative_prompt: str | None = None,
        shot_type: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Job:
        """Create a generation and return right after the POST, with its id. Inputs are checked first."""
        body = self._body(locals())
        return await _adrive(engine.submit(body, self._settings), self._perform)

    async def get(self, generation_id: str) -> GenerationState:
        """One status check: ``Pending``, ``Completed`` or ``Failed``."""
        return await _adrive(engine.check(_check_id(generation_id), self._settings), self._perform)

    def iter_status(self, generation_id: str, *, timeout: float | None = None) -> AsyncIterator[GenerationState]:
        """The state after every status check until a terminal one (yielded last); arguments checked now.

        Use as ``async for state in client.iter_status(id)``.
        """
        steps = engine.poll(_check_id(generation_id), self._settings, timeout=_check_wait(timeout))
        return _adrive_iter(steps, self._perform, [])

    async def wait(
        self,
        generation_id: str,
        *,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Completed:
        """Poll until done. Raises GenerationFailedError, or WaitTimeoutError at the deadline."""
        timeout = _check_wait(timeout, on_progress=on_progress)
        steps = engine.wait(_check_id(generation_id), self._settings, timeout=timeout, on_progress=on_progress)
        return await _adrive(steps, self._perform)

    async def download(
        self,
        generation: Completed | str,
        output: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[DownloadProgress], None] | None = None,
    ) -> Path:
        """Save the video to ``output`` atomically. A generation id fetches a fresh URL first."""
        dest = _check_output(output, overwrite)
        assert dest is not None
        done = await _adrive(self._download_steps(generation), self._perform)
        return await _adrive(_save(done, dest, overwrite, on_progress), self._perform)

    async def generate(
        self,
        image: ImageSource,
        prompt: str,
        *,
        output: str | os.PathLike[str] | None = None,
        overwrite: bool = False,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent | DownloadProgress], None] | None = None,
        on_submitted: Callable[[Job], None] | None = None,
        duration: int = DEFAULT_DURATION,
        resolution: str | None = None,
        negative_prompt: str | None = None,
        shot_type: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> GenerationResult:
        """Submit, wait and (with ``output``) download, in one call. ``on_submitted`` gets the id first."""
        dest = _check_output(output, overwrite)
        _check_wait(timeout, on_progress=on_progress, on_submitted=on_submitted)
        body = self._body(locals())
        steps = engine.generate(
            body,
            self._settings,
            output=dest,
            overwrite=overwrite,
            timeout=timeout,
            on_progress=on_progress,
            on_submitted=on_submitted,
        )
        done, path = await _adrive(steps, self._perform)
        return GenerationResult(generation=done, path=path)
