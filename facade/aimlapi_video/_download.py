"""Save a finished video from its signed CDN URL to disk: streamed, atomic, resumable.

Bytes go to a hidden temporary file beside the destination (same filesystem), fsync'd and renamed into place
only when complete; on any failure, Ctrl-C and task cancellation included, it is removed (``_partfile``).
Every decision (headers per attempt, what a status means, when a body is complete, whether and how long to
wait) lives in the I/O-free ``_DownloadCore``; ``download_sync`` and ``download_async`` only send, iterate,
write and sleep. The async shell writes the file synchronously (a local write of one chunk is short) but waits
for the final fsync in a worker thread, so a slow disk does not stall the event loop.

Security: the API key never reaches the video host (a client with a default ``Authorization`` header or an
``auth`` is refused, requests go with ``auth=None``, and a request carrying ``Authorization`` is never sent).
The signed URL is a credential: https only, plain http only to a loopback host (tests, emulator), for the
first URL and every redirect (followed here, not by httpx, so each hop is checked before it is sent); logs
show host and path, never the query string; messages never include the URL. Local disk errors (permission,
disk full) are a ``DownloadError`` naming the file (the OSError as its cause), after the temporary file is
removed; every DownloadError carries the generation's id when the download knows it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Literal

import attrs
import httpx

from ._config import is_loopback
from ._errors import DownloadError, InvalidInputError, VideoUrlExpiredError
from ._models import DownloadProgress
from ._partfile import PartFile, fsync_dir
from ._polling import parse_retry_after

__all__ = ["DownloadProgress", "download_async", "download_sync"]

_log = logging.getLogger("aimlapi_video")

_EXPIRED = frozenset({403, 404, 410})
#: Content codings that compress: httpx decodes the first four (so the decoded length is unknown); the last two
#: it passes through as they are, which would save compressed bytes as the video. Any other value ("identity",
#: a storage service's "aws-chunked") leaves the body's bytes as they are on the host.
_COMPRESSIONS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress"})
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_BACKOFF_BASE = 0.5  # seconds before the 2nd attempt; doubled per attempt
_BACKOFF_CAP = 8.0
_RETRY_AFTER_CAP = 60.0  # a longer server hint is cut to this, so a download never hangs for an hour
_MAX_REDIRECTS = 20  # httpx's own default, per attempt
# ASCII digits (\d would take any script's), at most 18: int() refuses thousands, and no size needs more.
_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,18})-([0-9]{1,18})/([0-9]{1,18}|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/([0-9]{1,18})")


@attrs.frozen
class _Verdict:
    """What the shell does next: write the body, sleep ``delay`` then send another request, or finish."""

    action: Literal["write", "retry", "done"]
    delay: float = 0.0


_WRITE = _Verdict("write")
_DONE = _Verdict("done")
_OnProgress = Callable[[DownloadProgress], None]


def _redact(url: httpx.URL) -> str:
    """Scheme, host and path only: the query string of a signed URL is a credential."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def _digits(value: str) -> bool:
    """ASCII digits, at most 18 of them: ``str.isdigit`` also accepts "²", and ``int()`` refuses thousands of
    digits; no real size or delay needs more."""
    text = value.strip()
    return text.isascii() and text.isdigit() and len(text) <= 18


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and _digits(value) else None


class _DownloadCore:
    """The download's state and every decision about it; no I/O, so sync and async share it unchanged.

    ``offset`` is how many bytes the temporary file holds (and must hold before the next body is written);
    ``total`` is the full size once a host declared it. Every request counts towards ``max_attempts``.
    """

    def __init__(self, *, max_attempts: int, generation_id: str | None = None) -> None:
        self.max_attempts = max_attempts
        self.generation_id = generation_id
        self.clock: Callable[[], float] = time.time  # only for a Retry-After given as an HTTP date
        self.attempt = 0
        self.offset = 0
        self.total: int | None = None
        self._end: int | None = None  # offset at which the current body must end, if declared
        self._resumable = True  # cleared when a host answers a Range request in a way we cannot trust
        self._etag: str | None = None
        self._redirects = 0
        self._chunked = False  # whether the current body is chunked (its end is marked, not a close)

    @property
    def progress(self) -> DownloadProgress:
        return DownloadProgress(self.offset, self.total)

    def request_headers(self) -> dict[str, str]:
        """Headers for the next attempt: identity encoding (byte offsets must mean file offsets), Range to
        resume when something is saved, If-Range so a changed file is sent whole. Never Authorization."""
        self.attempt += 1
        self._redirects = 0
        headers = {"Accept-Encoding": "identity"}
        if self.offset and self._resumable:
            headers["Range"] = f"bytes={self.offset}-"
            if self._etag:
                headers["If-Range"] = self._etag
        _log.debug(
            "video download attempt %d/%d, range %s", self.attempt, self.max_attempts, headers.get("Range", "none")
        )
        return headers

    def redirect(self, hop: httpx.Request | None) -> httpx.Request | None:
        """The next request of a redirect (``response.next_request``), checked as the first URL was; ``None``
        when the response is not a redirect. httpx would follow an https URL to plain http, where the
        signed URL it leads to could be read on the way; that is refused, as a redirect loop is."""
        if hop is None:
            return None
        self._redirects += 1
        if self._redirects > _MAX_REDIRECTS:
            raise DownloadError(f"video host redirected more than {_MAX_REDIRECTS} times; the video was not saved")
        url = hop.url
        if url.scheme != "https" and not (url.scheme == "http" and is_loopback(url.host)):
            raise DownloadError(
                f"video host redirected to a plain {url.scheme} URL on {url.host}, which was refused: a signed "
                "URL over http can be intercepted"
            )
        if url.userinfo or "authorization" in hop.headers:
            raise DownloadError("video host redirected to a URL with credentials, which was refused")
        _log.debug("video host redirected to %s", _redact(url))
        return hop

    def on_response(self, status: int, headers: httpx.Headers) -> _Verdict:
        """Interpret a response's status line and headers: write its body (from ``offset``), retry, or stop."""
        _log.debug("video host answered HTTP %d (attempt %d, offset %d)", status, self.attempt, self.offset)
        if status in _EXPIRED:
            raise VideoUrlExpiredError(status, self.generation_id)
        if status in (408, 429) or status >= 500:
            hint = parse_retry_after(headers.get("retry-after"), headers.get("date"), self.clock)
            return self._retry(f"HTTP {status}", hint)
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()  # its end is marked
        codings = {c.strip().lower() for c in headers.get("content-encoding", "").split(",")} & _COMPRESSIONS
        if status in (200, 206) and codings:
            # identity was asked for: a compressed body's decoded length is unknown, so a cut-off one (a gzip
            # stream without its end) would be saved as complete, and offsets could not resume it
            raise DownloadError(
                f"video host sent the video compressed ({', '.join(sorted(codings))}) although it was asked for "
                "as is; its completeness cannot be checked, so it was not saved"
            )
        if status == 200:
            if self.offset:
                _log.debug("video host sent the whole file; restarting (%d bytes discarded)", self.offset)
            self.offset = 0
            self.total = self._end = _int_or_none(headers.get("content-length"))
            self._resumable = True
            etag = headers.get("etag")
            # If-Range must go out as sent: a tag that is not printable ASCII could not (nor be trusted to)
            self._etag = etag if etag and etag.isascii() and etag.isprintable() and not etag.startswith("W/") else None
            return _WRITE
        if status == 206:
            return self._on_partial(headers.get("content-range"))
        if status == 416 and self.offset:
            match = _UNSATISFIED_RANGE.fullmatch(headers.get("content-range", ""))
            # everything was already saved, if the size the host now reports is the one it declared before
            if match and int(match[1]) == self.offset and self.total in (None, self.offset):
                self.total = self.offset
                return _DONE
            return self._restart("HTTP 416 to a resume request")
        raise DownloadError(f"video host answered HTTP {status}; the video could not be downloaded")

    def _on_partial(self, content_range: str | None) -> _Verdict:
        """A 206 is resumed into only if its Content-Range starts at ``offset`` and agrees on the size."""
        match = _CONTENT_RANGE.fullmatch(content_range or "")
        size = _int_or_none(match[3]) if match else None
        if (
            match is None
            or int(match[1]) != self.offset
            or int(match[2]) < self.offset
            or (self.total is not None and size is not None and size != self.total)
        ):
            return self._restart(f"HTTP 206 with unusable Content-Range {content_range!r}")
        self.total = size if size is not None else self.total
        self._end = int(match[2]) + 1
        _log.debug("video download resuming at byte %d of %s", self.offset, self.total)
        return _WRITE

    def on_chunk(self, size: int) -> DownloadProgress:
        """Account for a chunk about to be written; refuse bytes beyond the declared length."""
        if self._end is not None and self.offset + size > self._end:
            raise DownloadError(
                f"video host sent more bytes than the {self._end} it declared; the download was discarded"
            )
        self.offset += size
        return self.progress

    def on_body_end(self, whole: Callable[[], bool | None]) -> _Verdict:
        """The body ended cleanly: done if complete, else a short body, retried (resuming if possible).

        When the host never said how large the file is and this body was not chunked (whose end is marked),
        the end may be a connection that closed early, or a range the host cut short (``bytes a-b/*``):
        ``whole`` (the saved file read as MP4 boxes, ``_mp4``) is asked, and a video that is not whole is
        fetched on from where it stopped.
        """
        expected = self.total if self.total is not None else self._end
        if expected is not None and self.offset < expected:
            return self._retry(f"body cut off at byte {self.offset} of {expected}")
        if self.total is None and not self._chunked and whole() is False:
            return self._retry(f"the video, of undeclared size, is not a whole MP4 at byte {self.offset}")
        self.total = self.offset
        return _DONE

    def on_error(self, exc: httpx.HTTPError) -> _Verdict:
        """A transport failure: retry if transient (connect/read errors, timeouts, a dropped connection)."""
        if isinstance(exc, _TRANSIENT_ERRORS):
            return self._retry(f"{type(exc).__name__}: {exc}")
        raise DownloadError(f"video download failed: {type(exc).__name__}: {exc}") from exc

    def _restart(self, reason: str) -> _Verdict:
        """Give up resuming: the next request asks for the whole file, which is written from byte 0."""
        self._resumable = False
        self.offset = 0
        return self._retry(reason)

    def _retry(self, reason: str, retry_after: float | None = None) -> _Verdict:
        """Another attempt after a backoff (or the server's Retry-After), or DownloadError if none is left."""
        if self.attempt >= self.max_attempts:
            raise DownloadError(f"video download failed after {self.attempt} attempts: {reason}")
        if retry_after is not None:
            delay = min(retry_after, _RETRY_AFTER_CAP)
        else:
            delay = min(_BACKOFF_BASE * 2 ** (self.attempt - 1), _BACKOFF_CAP)
        _log.debug("video download attempt %d failed (%s); retrying in %.1f s", self.attempt, reason, delay)
        return _Verdict("retry", delay)


def _prepare(
    http: httpx.Client | httpx.AsyncClient,
    url: str,
    output: str | os.PathLike[str],
    *,
    overwrite: bool,
    max_attempts: int,
    chunk_size: int,
) -> Path:
    """Every check that needs no network, made before any request; the target path.

    The URL comes from the API and the output was checked by the client before anything was sent, so a
    problem found here arose since (a bad URL in an answer, a file that appeared during the wait): it is a
    DownloadError, never an InvalidInputError, which promises that nothing was sent or billed.
    """
    if max_attempts < 1:
        raise InvalidInputError("max_attempts", "must be at least 1")
    if chunk_size < 1:
        raise InvalidInputError("chunk_size", "must be at least 1")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DownloadError("the video URL is not a valid URL; the video was not downloaded") from exc
    if not parsed.host or parsed.scheme not in ("http", "https"):
        raise DownloadError("the video URL is not an https URL; the video was not downloaded")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise DownloadError(
            "the video URL is plain http (allowed only to a loopback host): a signed URL over http can be "
            "intercepted, so the video was not downloaded"
        )
    if parsed.userinfo:
        raise DownloadError("the video URL carries a user name or password; the video was not downloaded")
    if "authorization" in http.headers or http.auth is not None:
        raise DownloadError(
            "refusing to download with a client that sends Authorization: the API key must "
            "never reach the video host; pass a client made without auth"
        )
    path = Path(output)
    if path.is_dir():
        raise DownloadError(f"cannot save the video to {path}: it is a directory")
    if not path.parent.is_dir():
        raise DownloadError(f"cannot save the video to {path}: directory {path.parent} does not exist")
    if not overwrite and (path.exists() or path.is_symlink()):
        raise DownloadError(f"{path} exists (it appeared after the arguments were checked) and was not overwritten")
    _log.debug("downloading video from %s to %s", _redact(parsed), path)
    return path


def _build_request(http: httpx.Client | httpx.AsyncClient, url: str, headers: dict[str, str]) -> httpx.Request:
    """The GET for one attempt; never sent if it carries Authorization (defence in depth)."""
    request = http.build_request("GET", url, headers=headers)
    if "authorization" in request.headers:
        raise DownloadError("refusing to send Authorization to the video host")
    return request


@contextlib.contextmanager
def _attributed(generation_id: str | None) -> Iterator[None]:
    """Every DownloadError out of a download names its generation, when the download knows it (the core's,
    the file's and the disk's alike)."""
    try:
        yield
    except DownloadError as exc:
        if exc.generation_id is None:
            exc.generation_id = generation_id
        raise


def download_sync(
    http: httpx.Client,
    url: str,
    output: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    generation_id: str | None = None,
    max_attempts: int = 5,
    chunk_size: int = 1 << 20,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Save the video at ``url`` to ``output``, retrying transient failures; returns the saved path.

    ``http`` must be a client made without auth (it is refused otherwise). Raises InvalidInputError before
    any request for a bad argument, DownloadError for an unusable URL or an ``output`` that exists without
    ``overwrite`` (the caller checked it, so it appeared since), VideoUrlExpiredError
    if the host refuses the URL (403/404/410), DownloadError otherwise; nothing partial is ever left.
    ``on_progress`` is called after each ``chunk_size`` bytes written and once at the end (unless the last
    report already said the same); bytes of an unfinished chunk when a connection drops are fetched again.
    ``max_attempts`` counts every request.
    """
    with _attributed(generation_id):
        dest = _prepare(http, url, output, overwrite=overwrite, max_attempts=max_attempts, chunk_size=chunk_size)
    core = _DownloadCore(max_attempts=max_attempts, generation_id=generation_id)
    with (
        _attributed(generation_id),
        PartFile(dest, core, on_progress=on_progress, overwrite=overwrite, report_every=chunk_size) as part,
    ):
        while True:
            request = _build_request(http, url, core.request_headers())
            try:
                response = http.send(request, stream=True, follow_redirects=False, auth=None)
                try:
                    while (hop := core.redirect(response.next_request)) is not None:
                        response.close()
                        response = http.send(hop, stream=True, follow_redirects=False, auth=None)
                    verdict = core.on_response(response.status_code, response.headers)
                    if verdict.action == "write":
                        part.keep(core.offset)
                        for chunk in response.iter_bytes():
                            part.write(chunk)
                        verdict = core.on_body_end(part.whole_mp4)
                finally:
                    response.close()
            except httpx.HTTPError as exc:
                verdict = core.on_error(exc)
            if verdict.action == "done":
                break
            if verdict.delay > 0:
                sleep(verdict.delay)
        part.commit()
    return dest


async def download_async(
    http: httpx.AsyncClient,
    url: str,
    output: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    generation_id: str | None = None,
    max_attempts: int = 5,
    chunk_size: int = 1 << 20,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> Path:
    """The async twin of ``download_sync``: same arguments, checks, retries and errors."""
    import asyncio  # noqa: PLC0415  (already loaded by the running loop; not at package import)

    if sleep is None:
        sleep = asyncio.sleep
    with _attributed(generation_id):
        dest = _prepare(http, url, output, overwrite=overwrite, max_attempts=max_attempts, chunk_size=chunk_size)
    core = _DownloadCore(max_attempts=max_attempts, generation_id=generation_id)
    with (
        _attributed(generation_id),
        PartFile(dest, core, on_progress=on_progress, overwrite=overwrite, report_every=chunk_size) as part,
    ):
        while True:
            request = _build_request(http, url, core.request_headers())
            try:
                response = await http.send(request, stream=True, follow_redirects=False, auth=None)
                try:
                    while (hop := core.redirect(response.next_request)) is not None:
                        await response.aclose()
                        response = await http.send(hop, stream=True, follow_redirects=False, auth=None)
                    verdict = core.on_response(response.status_code, response.headers)
                    if verdict.action == "write":
                        part.keep(core.offset)
                        async for chunk in response.aiter_bytes():
                            part.write(chunk)
                        verdict = core.on_body_end(part.whole_mp4)
                finally:
                    await response.aclose()
            except httpx.HTTPError as exc:
                verdict = core.on_error(exc)
            if verdict.action == "done":
                break
            if verdict.delay > 0:
                await sleep(verdict.delay)
        await _in_thread(part.sync)  # an fsync waits for the disk: not on the event loop
        part.put()
        await _in_thread(fsync_dir, dest.parent)  # the directory's too
        part.saved()
    return dest


async def _in_thread(work: Callable[..., None], *args: object) -> None:
    """``work(*args)`` in a worker thread. If the task is cancelled meanwhile, the thread is waited for before
    the cancellation goes on: leaving then would close (and remove) the file the thread is still syncing, and
    its descriptor number could be another file's by the time the fsync runs."""
    import asyncio  # noqa: PLC0415  (already loaded by the running loop)

    running = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError as cancelled:
        while not running.done():  # a second cancellation (a timeout, a task group's teardown) waits too
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([running])
        failed = None if running.cancelled() else running.exception()  # collected: not logged as unretrieved
        if failed is not None:
            raise cancelled from failed
        raise
