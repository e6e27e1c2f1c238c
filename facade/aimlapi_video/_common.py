"""What both clients share and do before any I/O: argument checks, construction, and the download step."""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from . import _engine as engine
from ._config import DEFAULT_TIMEOUT, BearerAuth, resolve_api_key, resolve_base_url
from ._engine import Save, Settings, Steps
from ._errors import GenerationFailedError, InvalidInputError
from ._media import encoding_size
from ._models import Completed, DownloadProgress, Failed
from ._polling import PollSchedule
from ._request import REQUEST_OPTIONS, build_request
from ._validate import number

if TYPE_CHECKING:
    import ssl  # ~13 ms at import; httpx loads it only when a TLS context is made

    from aiml_api_client.models import CreateVideoGenerationRequest  # loaded with the first request (_choices)


LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

#: Inputs larger than this (image and audio together; bytes, paths and data URIs) are read and encoded in a
#: worker thread by ``AsyncVideoClient``: encoding takes about 1 ms per MB, time in which every other job on the
#: loop would stall. Smaller ones are encoded on the loop, where a thread hop would cost more than the work.
OFF_LOOP_BYTES = 1 << 20


def heavy_inputs(arguments: Mapping[str, Any]) -> bool:
    """Whether a public method's ``image`` and ``audio`` arguments are worth encoding off the event loop: more
    than ``OFF_LOOP_BYTES`` together as bytes, paths or data URIs (``encoding_size``; file objects stay)."""
    return encoding_size(arguments["image"]) + encoding_size(arguments["audio"]) > OFF_LOOP_BYTES


def user_agent() -> str:
    from . import __version__  # noqa: PLC0415  (the package imports this module)

    return f"aimlapi-video/{__version__}"


def check_id(generation_id: object) -> str:
    if not isinstance(generation_id, str) or not generation_id.strip():
        raise InvalidInputError("generation_id", f"must be a non-empty string, got {generation_id!r}")
    return generation_id


def check_output(output: str | os.PathLike[str] | None, overwrite: bool) -> Path | None:
    """Refuse an unusable destination before anything is submitted or paid for."""
    if not isinstance(overwrite, bool):  # "False" from a config file is truthy: it would replace the file
        raise InvalidInputError("overwrite", f"must be True or False, got {overwrite!r}")
    if output is None:
        return None
    try:
        text = os.fspath(output) if isinstance(output, str | os.PathLike) else None
    except Exception as exc:
        raise InvalidInputError("output", f"cannot be used as a path: {type(exc).__name__}: {exc}") from None
    if not isinstance(text, str):
        raise InvalidInputError("output", f"must be a str or os.PathLike[str] path, got {type(output).__name__}")
    path = Path(output)
    try:
        return _check_path(path, overwrite)
    except OSError as exc:  # e.g. a name longer than the filesystem allows
        raise InvalidInputError("output", f"cannot use {path}: {exc.strerror or exc}") from None


def _check_path(path: Path, overwrite: bool) -> Path:
    try:  # is_dir() and exists() answer False for a name the OS cannot take, which would fail after the POST
        os.fsencode(path)
        unusable = "\x00" in str(path)
    except UnicodeEncodeError:
        unusable = True
    if unusable:
        raise InvalidInputError("output", f"{str(path)!r:.200} cannot be used as a file name here")
    if path.is_dir():
        raise InvalidInputError("output", f"{path} is a directory; give a file name such as {path / 'video.mp4'}")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise InvalidInputError("output", f"{path} already exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise InvalidInputError("output", f"directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InvalidInputError("output", f"directory {path.parent} is not writable")
    return path


def check_wait(timeout: float | None, **callbacks: object) -> float | None:
    """Refuse a wait deadline or callback that would fail only later (in generate, after the paid POST)."""
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf
    ):
        raise InvalidInputError("timeout", f"must be a positive, finite number of seconds, got {timeout!r}")
    check_callbacks(**callbacks)
    return timeout


def check_callables(**callbacks: object) -> None:
    """Refuse a callback (or seam) that is set but cannot be called, naming it."""
    for name, callback in callbacks.items():
        if callback is not None and not callable(callback):
            raise InvalidInputError(name, f"must be callable, got {type(callback).__name__}")


def check_callbacks(**callbacks: object) -> None:
    """Refuse a user callback (``on_progress``, ``on_submitted``) that would fail or be lost only once called,
    after the paid POST: one that is not callable, cannot take the one argument it is given, or is async (it
    is called, not awaited, so its body would never run). One whose signature cannot be read is taken as is."""
    check_callables(**callbacks)
    for name, callback in callbacks.items():
        if not callable(callback) or _is_mock(callback):  # None: not given; a test double: taken as it is
            continue
        try:
            is_async = any(
                test(target)
                for test in (inspect.iscoroutinefunction, inspect.isasyncgenfunction)
                for target in (callback, type(callback).__call__)
            )
            signature = inspect.signature(callback)
        except Exception:  # noqa: S112  (a builtin such as print, or an object that fools inspect: cannot tell)
            continue
        if is_async:
            raise InvalidInputError(
                name, "must be a plain function: it is called, not awaited, so an async one never runs"
            )
        try:
            signature.bind(None)
        except TypeError:
            shown = signature.replace(return_annotation=inspect.Signature.empty)
            raise InvalidInputError(name, f"must take one argument (it is called with it); {shown} does not") from None


def _is_mock(value: object) -> bool:
    """A ``unittest.mock`` double (already imported wherever one exists): a ``Mock(spec=f)`` imitates ``f``
    well enough to fool ``inspect``, or to break it."""
    mock = sys.modules.get("unittest.mock")
    return mock is not None and isinstance(value, mock.NonCallableMock)


def http_timeout(timeout: httpx.Timeout | float | None) -> httpx.Timeout:
    """The HTTP timeouts: the defaults, an ``httpx.Timeout``, or one positive number of seconds for all four."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):  # each limit checked: a read of 0 would fail after the paid POST
        for part in ("connect", "read", "write", "pool"):
            value = getattr(timeout, part)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf
            ):
                raise InvalidInputError(
                    "timeout", f"{part}={value!r}: each limit must be None or a positive, finite number of seconds"
                )
        return timeout
    return httpx.Timeout(number("timeout", timeout, minimum=0, above=True))


def _check_sleep_kind(sleep: object, *, is_async: bool) -> None:
    """Refuse the other client's kind of ``sleep``: the async client awaits it (``time.sleep`` would fail after
    the paid POST, having blocked the loop), the sync one calls it (``asyncio.sleep`` would never sleep). Only
    what can be told without calling it is refused: an async function given to the sync client, a built-in
    (``time.sleep``) to the async one; a lambda returning an awaitable, or a callable object, is taken as is."""
    if sleep is None:
        return
    is_coroutine = inspect.iscoroutinefunction(sleep)
    target = sleep
    while isinstance(target, functools.partial):  # partial(time.sleep) is time.sleep
        target = target.func
    if is_async and inspect.isbuiltin(target):
        raise InvalidInputError("sleep", "must be an async function (such as asyncio.sleep) for AsyncVideoClient")
    if not is_async and is_coroutine:
        raise InvalidInputError("sleep", "must be a plain function (such as time.sleep) for VideoClient, not async")


class ClientBase:
    """Construction and argument checks shared by both clients; no I/O."""

    _settings: Settings
    _base_url: str
    _tls_context: ssl.SSLContext | None = None
    _closed = False

    def _check_open(self) -> None:
        """The video pool is made at the first download: after close() it would be a new pool that nothing
        closes. Refused as httpx refuses any request on a closed client."""
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")

    def _verify(self, transport: object) -> ssl.SSLContext | bool:
        """One TLS context for the API and the video pools: loading the CA store costs ~20 ms per context.

        With a caller's transport (tests, emulators), httpx makes no TLS context at all, so neither do we.
        """
        return True if transport is not None else self._tls()

    def _trust_env(self) -> bool:
        """Whether the API pool honours the environment's proxies (and its other settings): not for a plain-http
        API (only loopback is allowed one, an emulator), whose key would travel to the proxy in clear text."""
        return urlsplit(self._base_url).scheme == "https"

    def _tls(self) -> ssl.SSLContext:
        """The client's verifying TLS context, made at first use."""
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
        sleep: object,
        transports: Mapping[str, object],
        transport_type: type,
    ) -> tuple[BearerAuth, str]:
        check_callables(clock=clock, sleep=sleep)  # a bad sleep would fail only after the paid POST
        is_async = transport_type is httpx.AsyncBaseTransport
        _check_sleep_kind(sleep, is_async=is_async)
        needed = ("handle_async_request", "aclose") if is_async else ("handle_request", "close")
        for name, transport in transports.items():  # duck-typed, as httpx takes them (mocking libraries' too)
            if transport is not None and not all(callable(getattr(transport, m, None)) for m in needed):
                kind = f"{transport_type.__module__}.{transport_type.__qualname__}"
                methods = " and ".join(needed)
                raise InvalidInputError(name, f"must be an {kind} (with {methods}), got {type(transport).__name__}")
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

    @staticmethod
    def _generate_checks(arguments: Mapping[str, Any]) -> Path | None:
        """``generate``'s arguments other than the request's, checked before the (possibly long) encoding; the
        destination, if any."""
        dest = check_output(arguments["output"], arguments["overwrite"])
        check_wait(arguments["timeout"], on_progress=arguments["on_progress"], on_submitted=arguments["on_submitted"])
        return dest

    def _generate_plan(
        self, arguments: Mapping[str, Any], dest: Path | None, body: CreateVideoGenerationRequest
    ) -> Steps[tuple[Completed, Path | None]]:
        """The steps of ``generate`` from its ``locals()``, once ``_generate_checks`` and ``_body`` have passed."""
        return engine.generate(
            body,
            self._settings,
            output=dest,
            overwrite=arguments["overwrite"],
            timeout=arguments["timeout"],
            on_progress=arguments["on_progress"],
            on_submitted=arguments["on_submitted"],
        )

    def _download_plan(
        self,
        generation: Completed | str,
        output: str | os.PathLike[str],
        overwrite: bool,
        on_progress: Callable[[DownloadProgress], None] | None,
    ) -> Steps[Path]:
        """The steps of ``download``; the destination and the callback are checked now, before any request."""
        if output is None:
            raise InvalidInputError("output", "is required: the path to save the video to")
        dest = check_output(output, overwrite)
        assert dest is not None
        check_callbacks(on_progress=on_progress)
        return self._save(generation, dest, overwrite, on_progress)

    def _save(
        self,
        generation: Completed | str,
        dest: Path,
        overwrite: bool,
        on_progress: Callable[[DownloadProgress], None] | None,
    ) -> Steps[Path]:
        """A generation id first gets a status check for a fresh URL; then the video is saved."""
        if isinstance(generation, Completed):
            done = generation
        else:
            state = yield from engine.check(check_id(generation), self._settings)
            if isinstance(state, Failed):  # it ended without a video: the job's failure, not a bad argument
                raise GenerationFailedError(state.id, state.error_name, state.error_message, details=state.details)
            if not isinstance(state, Completed):
                raise InvalidInputError("generation", f"generation {state.id} is {state.status!r}, not completed")
            done = state
        path: Path = yield Save(done.video_url, dest, overwrite, done.id, on_progress)
        return path
