"""``AsyncVideoClient``: the asyncio driver of the shared engine, with the same methods as ``VideoClient``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

if TYPE_CHECKING:
    import asyncio

    from aiml_api_client.models import CreateVideoGenerationRequest

from . import _engine as engine
from ._common import LIMITS, ClientBase, check_id, check_wait, heavy_inputs, http_timeout, user_agent
from ._drivers import ASYNC_HOOKS, adrive, adrive_iter, calling
from ._engine import Action, Create, Emit, Fetch, Save, Sleep
from ._media import DEFAULT_MAX_AUDIO_BYTES, DEFAULT_MAX_IMAGE_BYTES, AudioSource, ImageSource
from ._models import (
    Completed,
    DownloadProgress,
    Duration,
    GenerationResult,
    GenerationState,
    Job,
    ProgressEvent,
    Resolution,
    ShotType,
)
from ._polling import PollSchedule
from ._request import DEFAULT_DURATION

#: Downloads in flight at once: httpx's default pool size, which the video pool keeps.
_VIDEO_CONNECTIONS = 100


class AsyncVideoClient(ClientBase):
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
            sleep=sleep,
            transports={"transport": transport, "video_transport": video_transport},
            transport_type=httpx.AsyncBaseTransport,
        )
        import asyncio  # noqa: PLC0415  (~35 ms: loaded only when an async client is made)

        self._sleep = sleep or asyncio.sleep
        self._timeout = http_timeout(timeout)
        self._gate = asyncio.Semaphore(LIMITS.max_connections or 100)
        self._video_gate = asyncio.Semaphore(_VIDEO_CONNECTIONS)  # downloads queue here too (see _enter_pool)
        http = httpx.AsyncClient(
            base_url=url,
            auth=auth,
            timeout=self._timeout,
            transport=transport,
            verify=self._verify(transport),
            trust_env=self._trust_env(),
            limits=LIMITS,
            headers={"User-Agent": user_agent()},
            event_hooks=ASYNC_HOOKS,
        )
        from aiml_api_client.client import Client  # noqa: PLC0415  (the generated side loads at first use)

        self._api = Client(base_url=url).set_async_httpx_client(http)
        self._video_transport = video_transport
        self._video_http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _same_loop(self) -> None:
        """A client belongs to the event loop it is first used in: its connections and queue are bound to it,
        and in another loop they fail at random ("Event loop is closed"). Say so plainly instead."""
        import asyncio  # noqa: PLC0415  (already loaded: see __init__)

        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(
                "this AsyncVideoClient was first used in another event loop; make one client per loop "
                "(for example inside the function you pass to asyncio.run)"
            )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the API and video connection pools (in the event loop the client was used in)."""
        self._same_loop()
        self._closed = True
        await self._api.get_async_httpx_client().aclose()
        if self._video_http is not None:
            await self._video_http.aclose()

    def _video(self) -> httpx.AsyncClient:
        """A separate pool with no credentials, so the key never reaches the video host."""
        self._check_open()
        if self._video_http is None:
            self._video_http = httpx.AsyncClient(
                timeout=self._timeout,
                transport=self._video_transport,
                verify=self._verify(self._video_transport),
                headers={"User-Agent": user_agent()},
            )
        return self._video_http

    async def _enter_pool(self, time_limit: float | None = None) -> None:
        """Wait (FIFO) until fewer than ``max_connections`` API requests are in flight.

        httpcore re-scans every queued request against every connection on each pool event, so with ~1,000
        requests queued in its pool the CPU cost grows quadratically and requests end in PoolTimeout
        (bench/scale.py). Queueing here instead keeps httpcore's queue empty. The wait has no limit of its own:
        it is behind this client's own requests, each with its timeouts, so it ends; a pool timeout here would
        turn a busy client into "could not reach the API" (a submit gave up after three). A status check's
        time limit (a wait's deadline) still bounds it, raising ``httpx.PoolTimeout``.
        """
        import asyncio  # noqa: PLC0415  (already loaded: see __init__)

        try:
            async with asyncio.timeout(time_limit):
                await self._gate.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("the wait's deadline came while queued for a connection") from None

    async def _perform(self, action: Action) -> Any:
        from aiml_api_client.api.default import create_video_generation, get_video_generation  # noqa: PLC0415

        self._same_loop()
        match action:
            case Create(body=body):
                await self._enter_pool()
                try:
                    with calling(action, self._settings.clock):
                        return await create_video_generation.asyncio_detailed(client=self._api, body=body)
                finally:
                    self._gate.release()
            case Fetch(generation_id=generation_id):
                started = self._settings.clock()  # a wait's deadline bounds the queueing and the call together
                await self._enter_pool(action.time_limit)
                try:
                    with calling(action, self._settings.clock, started):
                        return await get_video_generation.asyncio_detailed(
                            client=self._api, generation_id=generation_id
                        )
                finally:
                    self._gate.release()
            case Sleep(seconds=seconds):
                return await self._sleep(seconds)
            case Save():
                from ._download import download_async  # noqa: PLC0415  (loaded when a video is first saved)

                video = self._video()
                async with self._video_gate:  # as API requests: httpcore's own queue grows quadratic in CPU
                    return await download_async(
                        video,
                        action.url,
                        action.dest,
                        overwrite=action.overwrite,
                        on_progress=action.on_progress,
                        generation_id=action.generation_id,
                        sleep=self._sleep,
                    )
            case Emit():
                return None

    async def _encoded(self, arguments: Mapping[str, Any]) -> CreateVideoGenerationRequest:
        """``_body``: on the loop for small inputs and file objects, else in a worker thread (``heavy_inputs``), so
        reading and encoding a large image does not stall the other jobs' status checks and downloads."""
        if not heavy_inputs(arguments):
            return self._body(arguments)
        import asyncio  # noqa: PLC0415  (already loaded: see __init__)

        # Handed over in a box, not as the thread's result: asyncio keeps a finished executor future alive for
        # a while, and with it its result, megabytes of Base64, through the whole wait.
        box: list[CreateVideoGenerationRequest] = []
        await asyncio.to_thread(lambda: box.append(self._body(arguments)))
        return box.pop()

    async def submit(
        self,
        image: ImageSource,
        prompt: str,
        *,
        duration: Duration = DEFAULT_DURATION,
        resolution: Resolution | None = None,
        negative_prompt: str | None = None,
        shot_type: ShotType | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Job:
        """Create a generation and return right after the POST, with its id. Inputs are checked first."""
        return await adrive(engine.submit(await self._encoded(locals()), self._settings), self._perform)

    async def get(self, generation_id: str) -> GenerationState:
        """One status check: ``Pending``, ``Completed`` or ``Failed``."""
        return await adrive(engine.check(check_id(generation_id), self._settings), self._perform)

    def iter_status(self, generation_id: str, *, timeout: float | None = None) -> AsyncIterator[GenerationState]:
        """The state after every status check until a terminal one (yielded last); arguments checked now.

        Use as ``async for state in client.iter_status(id)``.
        """
        steps = engine.poll(check_id(generation_id), self._settings, timeout=check_wait(timeout))
        return adrive_iter(steps, self._perform, [])

    async def wait(
        self,
        generation_id: str,
        *,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Completed:
        """Poll until done. Raises GenerationFailedError, or WaitTimeoutError at the deadline."""
        timeout = check_wait(timeout, on_progress=on_progress)
        steps = engine.wait(check_id(generation_id), self._settings, timeout=timeout, on_progress=on_progress)
        return await adrive(steps, self._perform)

    async def download(
        self,
        generation: Completed | str,
        output: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[DownloadProgress], None] | None = None,
    ) -> Path:
        """Save the video to ``output`` atomically. A generation id fetches a fresh URL first."""
        return await adrive(self._download_plan(generation, output, overwrite, on_progress), self._perform)

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
        duration: Duration = DEFAULT_DURATION,
        resolution: Resolution | None = None,
        negative_prompt: str | None = None,
        shot_type: ShotType | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        enhance_prompt: bool | None = None,
        audio: AudioSource | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> GenerationResult:
        """Submit, wait and (with ``output``) download, in one call. ``on_submitted`` gets the id first."""
        arguments = locals()
        dest = self._generate_checks(arguments)
        plan = self._generate_plan(arguments, dest, await self._encoded(arguments))  # the plan alone holds the body
        done, path = await adrive(plan, self._perform)
        return GenerationResult(generation=done, path=path)
