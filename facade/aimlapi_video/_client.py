"""``VideoClient``: the synchronous driver of the shared engine.

All decisions live in ``_engine``; this class only sends requests through the generated ``*_detailed`` operations,
sleeps, and downloads. ``AsyncVideoClient`` (``_async_client``) has the same methods and signatures (a test
compares them).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from . import _engine as engine
from ._common import LIMITS, ClientBase, check_id, check_wait, http_timeout, user_agent
from ._drivers import HOOKS, calling, drive, drive_iter
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


class VideoClient(ClientBase):
    """Synchronous client. Use as a context manager so its connections are closed.

    ``api_key`` defaults to ``AIMLAPI_API_KEY`` (else ``AIML_API_KEY``, else ``AIMLAPI_KEY``); ``base_url``
    to ``AIMLAPI_BASE_URL`` (else https://api.aimlapi.com). ``transport``, ``video_transport``, ``clock`` and
    ``sleep`` are seams for tests and emulators.
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
            sleep=sleep,
            transports={"transport": transport, "video_transport": video_transport},
            transport_type=httpx.BaseTransport,
        )
        self._sleep = sleep or time.sleep
        self._timeout = http_timeout(timeout)
        http = httpx.Client(
            base_url=url,
            auth=auth,
            timeout=self._timeout,
            transport=transport,
            verify=self._verify(transport),
            trust_env=self._trust_env(),
            limits=LIMITS,
            headers={"User-Agent": user_agent()},
            event_hooks=HOOKS,
        )
        from aiml_api_client.client import Client  # noqa: PLC0415  (the generated side loads at first use)

        self._api = Client(base_url=url).set_httpx_client(http)
        self._video_transport = video_transport
        self._video_lock = threading.Lock()
        self._video_http: httpx.Client | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the API and video connection pools."""
        with self._video_lock:
            self._closed = True
        self._api.get_httpx_client().close()
        if self._video_http is not None:
            self._video_http.close()

    def _video(self) -> httpx.Client:
        """A separate pool with no credentials, so the key never reaches the video host.

        Its transport reads bodies in 256 KiB pieces (``_videohttp``). A caller's ``video_transport`` is used
        as it is; where a proxy is configured, httpx's own transport is used, as it honours proxies.
        """
        with self._video_lock:  # threads downloading at once share one pool (close() closes it)
            self._check_open()
            if self._video_http is None:
                from ._videohttp import VideoTransport, proxy_configured  # noqa: PLC0415  (at the first download)

                transport = self._video_transport
                if transport is None and not proxy_configured():
                    transport = VideoTransport(self._tls())
                self._video_http = httpx.Client(
                    timeout=self._timeout,
                    transport=transport,
                    verify=self._verify(transport),
                    headers={"User-Agent": user_agent()},
                )
            return self._video_http

    def _perform(self, action: Action) -> Any:
        from aiml_api_client.api.default import create_video_generation, get_video_generation  # noqa: PLC0415

        match action:
            case Create(body=body):
                with calling(action, self._settings.clock):
                    return create_video_generation.sync_detailed(client=self._api, body=body)
            case Fetch(generation_id=generation_id):
                with calling(action, self._settings.clock):
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
        body = self._body(locals())
        return drive(engine.submit(body, self._settings), self._perform)

    def get(self, generation_id: str) -> GenerationState:
        """One status check: ``Pending``, ``Completed`` or ``Failed``."""
        return drive(engine.check(check_id(generation_id), self._settings), self._perform)

    def iter_status(self, generation_id: str, *, timeout: float | None = None) -> Iterator[GenerationState]:
        """The state after every status check until a terminal one (yielded last); arguments checked now."""
        steps = engine.poll(check_id(generation_id), self._settings, timeout=check_wait(timeout))
        return drive_iter(steps, self._perform, [])

    def wait(
        self,
        generation_id: str,
        *,
        timeout: float | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Completed:
        """Poll until done. Raises GenerationFailedError, or WaitTimeoutError at the deadline."""
        timeout = check_wait(timeout, on_progress=on_progress)
        steps = engine.wait(check_id(generation_id), self._settings, timeout=timeout, on_progress=on_progress)
        return drive(steps, self._perform)

    def download(
        self,
        generation: Completed | str,
        output: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[DownloadProgress], None] | None = None,
    ) -> Path:
        """Save the video to ``output`` atomically. A generation id fetches a fresh URL first."""
        return drive(self._download_plan(generation, output, overwrite, on_progress), self._perform)

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
        done, path = drive(self._generate_plan(arguments, dest, self._body(arguments)), self._perform)
        return GenerationResult(generation=done, path=path)
