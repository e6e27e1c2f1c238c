"""Tests for saving a video from its signed URL: every case runs through both the sync and the async shell.

The video host is an ``httpx.MockTransport`` driven by a script of replies; it records every request and
fails the test if one carries ``Authorization``. Sleeps are recorded, never slept.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import logging
import os
import resource
import signal
import threading
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video._download import (
    DownloadProgress,
    _DownloadCore,
    download_async,
    download_sync,
)
from aimlapi_video._errors import DownloadError, InvalidInputError, VideoUrlExpiredError
from aimlapi_video.testing._mp4 import build_mp4
from tests.unit.harness import dated_retry_after

URL = "https://cdn.example.com/videos/abc.mp4?X-Signature=SECRET-SIGNATURE&Expires=99"
VIDEO = bytes(range(256)) * 40  # 10 240 bytes, not all alike, so misplaced bytes show
MP4 = build_mp4()  # a real MP4 (ftyp, moov, mdat), for the checks of bodies without a declared length

Reply = Callable[[httpx.Request], httpx.Response]


class CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that fails with ReadError after ``cut`` bytes, like a connection dropped midway."""

    def __init__(self, data: bytes, cut: int) -> None:
        self.data = data
        self.cut = cut

    def __iter__(self) -> Iterator[bytes]:
        yield self.data[: self.cut]
        raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data[: self.cut]
        raise httpx.ReadError("connection reset by peer")


class ZeroStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``size`` zero bytes in 1 MiB pieces, without ever holding more than one piece."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        piece = bytes(1 << 20)
        for start in range(0, self.size, len(piece)):
            yield piece[: self.size - start]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def full(data: bytes = VIDEO, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """The whole body, whatever was asked (a host that ignores Range)."""
    return lambda request: httpx.Response(status, content=data, headers=headers)


def ranged(data: bytes = VIDEO) -> Reply:
    """A host that honours ``Range: bytes=N-`` with 206 and a matching Content-Range."""

    def reply(request: httpx.Request) -> httpx.Response:
        if "range" not in request.headers:
            return httpx.Response(200, content=data)
        start = int(request.headers["range"].removeprefix("bytes=").removesuffix("-"))
        content_range = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return httpx.Response(206, content=data[start:], headers={"Content-Range": content_range})

    return reply


def cut(at: int, data: bytes = VIDEO, headers: dict[str, str] | None = None) -> Reply:
    """A 200 declaring the full length whose connection drops after ``at`` bytes."""
    declared = {"Content-Length": str(len(data)), **(headers or {})}
    return lambda request: httpx.Response(200, headers=declared, stream=CutStream(data, at))


def status(code: int, headers: dict[str, str] | None = None) -> Reply:
    """An error status with a small body."""
    return lambda request: httpx.Response(code, content=b"nope", headers=headers)


class Host:
    """The scripted video host: the n-th request gets the n-th reply (the last one repeats)."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = replies
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers, "Authorization sent to the video host"
        self.requests.append(request)
        return self.replies[min(len(self.requests), len(self.replies)) - 1](request)


class Sleeps:
    """Records the delays asked for, in both flavours, without sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sync(self, delay: float) -> None:
        self.delays.append(delay)

    async def asleep(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Every test runs once through ``download_sync`` and once through ``download_async``."""
    return str(request.param)


def download(
    mode: str,
    handler: Callable[[httpx.Request], httpx.Response],
    output: Path,
    *,
    url: str = URL,
    sleeps: Sleeps | None = None,
    client_options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Path:
    """Run one download in ``mode`` against ``handler`` with a fresh client, closed afterwards."""
    transport = httpx.MockTransport(handler)
    sleeps = sleeps or Sleeps()
    options = client_options or {}
    if mode == "sync":
        with httpx.Client(transport=transport, **options) as http:
            return download_sync(http, url, output, sleep=sleeps.sync, **kwargs)

    async def run() -> Path:
        async with httpx.AsyncClient(transport=transport, **options) as http:
            return await download_async(http, url, output, sleep=sleeps.asleep, **kwargs)

    return asyncio.run(run())


def names(directory: Path) -> list[str]:
    """Everything in ``directory``: shows any leftover temporary file."""
    return sorted(p.name for p in directory.iterdir())


def test_happy_path_saves_the_bytes_and_leaves_no_temp_file(mode: str, tmp_path: Path) -> None:
    """The body lands at the destination, byte for byte, with nothing else in the directory."""
    host = Host(full())
    saved = download(mode, host, tmp_path / "video.mp4")
    assert tmp_path / "video.mp4" == saved
    assert VIDEO == saved.read_bytes()
    assert ["video.mp4"] == names(tmp_path)
    assert 1 == len(host.requests)
    assert "identity" == host.requests[0].headers["accept-encoding"]


class PieceStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``data`` delivered in ``size``-byte pieces, as a network would."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def test_progress_is_monotonic_throttled_and_ends_at_the_total(mode: str, tmp_path: Path) -> None:
    """At most one event per ``chunk_size`` bytes however small the network's pieces, then the full size."""
    events: list[DownloadProgress] = []
    pieces = lambda request: httpx.Response(  # noqa: E731
        200, stream=PieceStream(VIDEO, 100), headers={"Content-Length": str(len(VIDEO))}
    )
    saved = download(mode, Host(pieces), tmp_path / "v.mp4", on_progress=events.append, chunk_size=1000)
    done = [event.bytes_done for event in events]
    assert VIDEO == saved.read_bytes()
    assert sorted(done) == done
    assert DownloadProgress(len(VIDEO), len(VIDEO)) == events[-1]
    assert {len(VIDEO)} == {event.bytes_total for event in events}
    # 102 pieces of 100 bytes and one of 40: reports at 100, 1100, ..., 10100, then the final event.
    assert [*range(100, 10_200, 1000), len(VIDEO)] == done


def test_network_pieces_are_written_as_they_come(mode: str, tmp_path: Path) -> None:
    """Pieces are not re-chunked (that copied every byte once more); a 1 MiB chunk_size still saves 10 kB whole.
    Its one piece is reported once: the report at the end is not sent again when it would say the same."""
    events: list[DownloadProgress] = []
    saved = download(mode, Host(full()), tmp_path / "v.mp4", on_progress=events.append)
    assert VIDEO == saved.read_bytes()
    assert [DownloadProgress(len(VIDEO), len(VIDEO))] == events


def test_unknown_length_is_reported_as_none_until_the_final_event(mode: str, tmp_path: Path) -> None:
    """Without Content-Length the chunk events carry no total; the final one carries the saved size."""
    events: list[DownloadProgress] = []
    unsized = httpx.Response(200, stream=ZeroStream(2500))
    saved = download(mode, Host(lambda request: unsized), tmp_path / "v.mp4", on_progress=events.append)
    assert bytes(2500) == saved.read_bytes()
    assert [DownloadProgress(2500, None), DownloadProgress(2500, 2500)] == events


def unsized(data: bytes) -> Reply:
    """A 200 without Content-Length (a body ended by the connection closing), whatever was asked."""
    return lambda request: httpx.Response(200, stream=PieceStream(data, 1000))


def test_a_video_of_undeclared_length_cut_inside_a_box_is_fetched_again(mode: str, tmp_path: Path) -> None:
    """Without a length, a connection closed early looks like the end; the MP4's own box sizes show the cut,
    and the next attempt gets the whole video (asking to resume where the cut one stopped)."""
    host = Host(unsized(MP4[:-100]), unsized(MP4))
    sleeps = Sleeps()
    saved = download(mode, host, tmp_path / "v.mp4", sleeps=sleeps)
    assert (MP4, 2, [0.5]) == (saved.read_bytes(), len(host.requests), sleeps.delays)
    assert f"bytes={len(MP4) - 100}-" == host.requests[1].headers["range"]


def test_a_video_always_cut_is_not_saved(mode: str, tmp_path: Path) -> None:
    """Every attempt cut: DownloadError naming the cause, and nothing left on disk."""
    with pytest.raises(
        DownloadError, match=r"after 3 attempts: the video, of undeclared size, is not a whole MP4 at byte 19\d+$"
    ):
        download(mode, Host(unsized(MP4[:-100])), tmp_path / "v.mp4", max_attempts=3)
    assert [] == names(tmp_path)


def test_a_connection_closed_right_after_the_headers_is_not_a_video(mode: str, tmp_path: Path) -> None:
    """Zero bytes (or fewer than one box header) without a declared length: fetched again."""
    host = Host(unsized(b""), unsized(MP4[:5]), unsized(MP4))
    assert (MP4, 3) == (download(mode, host, tmp_path / "v.mp4").read_bytes(), len(host.requests))


def capped(cap: int, data: bytes = MP4) -> Reply:
    """A host that never says how large the file is: a 200 without a length, then ranges of at most ``cap``
    bytes answered ``206 bytes a-b/*``."""

    def reply(request: httpx.Request) -> httpx.Response:
        if "range" not in request.headers:
            return httpx.Response(200, stream=PieceStream(data[:cap], 1000))
        start = int(request.headers["range"].removeprefix("bytes=").removesuffix("-"))
        piece = data[start : start + cap]
        headers = {"Content-Range": f"bytes {start}-{start + len(piece) - 1}/*"}
        return httpx.Response(206, content=piece, headers=headers)

    return reply


def test_ranges_cut_short_by_a_host_that_hides_the_size_are_fetched_on(mode: str, tmp_path: Path) -> None:
    """Each ``206 bytes a-b/*`` is whole by its own count, but the video is not until its boxes are: the
    download asks for the rest until it is, then stops without asking for more."""
    cap = len(MP4) // 3 + 1
    host = Host(capped(cap))
    saved = download(mode, host, tmp_path / "v.mp4")
    assert MP4 == saved.read_bytes()
    assert [None, f"bytes={cap}-", f"bytes={2 * cap}-"] == [r.headers.get("range") for r in host.requests]


def test_a_chunked_body_is_not_read_back(mode: str, tmp_path: Path) -> None:
    """A chunked body's end is marked (a cut one raises), so it is saved as the host has it, even with bytes
    after its last box, which a body ended by the close would not be."""
    odd = MP4 + b"tail"
    host = Host(
        lambda request: httpx.Response(200, stream=PieceStream(odd, 1000), headers={"Transfer-Encoding": "chunked"})
    )
    assert (odd, 1) == (download(mode, host, tmp_path / "v.mp4").read_bytes(), len(host.requests))


def mp4_box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def test_a_video_with_its_index_at_the_end_is_read_back_whole(mode: str, tmp_path: Path) -> None:
    """``moov`` after ``mdat``, arriving in small pieces: its header may still sit in the writer's buffer when
    the body ends, and must be on disk before the file is read back."""
    late = mp4_box(b"ftyp", b"isom") + mp4_box(b"mdat", os.urandom(20_000)) + mp4_box(b"moov", bytes(100))
    host = Host(lambda request: httpx.Response(200, stream=PieceStream(late, 100)))
    assert (late, 1) == (download(mode, host, tmp_path / "v.mp4").read_bytes(), len(host.requests))


def test_a_body_of_undeclared_length_that_is_not_an_mp4_is_saved_as_it_came(mode: str, tmp_path: Path) -> None:
    """Nothing to check it against: saved, as before (a declared length is what a CDN sends)."""
    host = Host(unsized(VIDEO))
    assert VIDEO == download(mode, host, tmp_path / "v.mp4").read_bytes()
    assert 1 == len(host.requests)


def test_a_video_of_declared_length_is_not_read_back(mode: str, tmp_path: Path) -> None:
    """A declared length is checked by counting: an MP4 cut inside a box but whole by its length is saved
    (a host's file is what it is), with one request."""
    odd = MP4[:-100]
    host = Host(full(odd))
    assert odd == download(mode, host, tmp_path / "v.mp4").read_bytes()
    assert 1 == len(host.requests)


def test_resumes_a_cut_off_body_with_a_range_request(mode: str, tmp_path: Path) -> None:
    """After a drop at byte 3000 the next request asks for ``bytes=3000-`` (with If-Range) and the file
    is whole."""
    host = Host(cut(3000, headers={"ETag": '"v1"'}), ranged())
    sleeps = Sleeps()
    saved = download(mode, host, tmp_path / "v.mp4", sleeps=sleeps, chunk_size=1000)
    assert VIDEO == saved.read_bytes()
    assert "bytes=3000-" == host.requests[1].headers["range"]
    assert '"v1"' == host.requests[1].headers["if-range"]
    assert "range" not in host.requests[0].headers
    assert 1 == len(sleeps.delays)
    assert ["v.mp4"] == names(tmp_path)


def test_a_host_ignoring_range_restarts_from_zero(mode: str, tmp_path: Path) -> None:
    """A 200 answer to a Range request is a whole new body: the saved prefix is discarded, not doubled."""
    host = Host(cut(3000), full())
    saved = download(mode, host, tmp_path / "v.mp4", chunk_size=1000)
    assert "bytes=3000-" == host.requests[1].headers["range"]
    assert VIDEO == saved.read_bytes()


def test_a_short_body_without_error_is_resumed(mode: str, tmp_path: Path) -> None:
    """A body that ends cleanly but short of Content-Length counts as cut off and is resumed."""
    short = httpx.Response(200, headers={"Content-Length": str(len(VIDEO))}, content=VIDEO[:5000])
    host = Host(lambda request: short, ranged())
    saved = download(mode, host, tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()
    assert "bytes=5000-" == host.requests[1].headers["range"]


def test_server_error_then_success_is_retried_with_backoff(mode: str, tmp_path: Path) -> None:
    """A 503 then a 200: saved, after one backoff sleep."""
    sleeps = Sleeps()
    saved = download(mode, Host(status(503), full()), tmp_path / "v.mp4", sleeps=sleeps)
    assert VIDEO == saved.read_bytes()
    assert [0.5] == sleeps.delays


def test_connect_error_is_retried(mode: str, tmp_path: Path) -> None:
    """A connection that cannot be made is transient."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    saved = download(mode, Host(refuse, full()), tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()


def test_429_honours_retry_after(mode: str, tmp_path: Path) -> None:
    """The server's Retry-After, not the backoff, sets the wait."""
    sleeps = Sleeps()
    host = Host(status(429, {"Retry-After": "7"}), full())
    download(mode, host, tmp_path / "v.mp4", sleeps=sleeps)
    assert [7.0] == sleeps.delays


def test_retries_exhausted_raise_and_leave_nothing(mode: str, tmp_path: Path) -> None:
    """Always 500: exactly max_attempts requests, growing waits between them, DownloadError, no file."""
    host = Host(status(500))
    sleeps = Sleeps()
    with pytest.raises(DownloadError, match="after 3 attempts: HTTP 500"):
        download(mode, host, tmp_path / "v.mp4", max_attempts=3, sleeps=sleeps)
    assert 3 == len(host.requests)
    assert [0.5, 1.0] == sleeps.delays
    assert [] == names(tmp_path)


def test_a_body_that_stays_short_raises(mode: str, tmp_path: Path) -> None:
    """Cut off on every attempt: DownloadError naming the cut, and no partial file."""
    with pytest.raises(DownloadError, match="ReadError"):
        download(mode, Host(cut(100)), tmp_path / "v.mp4", max_attempts=2)
    assert [] == names(tmp_path)


@pytest.mark.parametrize("code", [403, 404, 410])
def test_refused_url_raises_expired_with_the_generation_id(mode: str, tmp_path: Path, code: int) -> None:
    """403/404/410 mean the signed URL is no longer good: not retried, and the message says to call get()."""
    host = Host(status(code))
    with pytest.raises(VideoUrlExpiredError) as caught:
        download(mode, host, tmp_path / "v.mp4", generation_id="gen-123")
    assert code == caught.value.status_code
    assert "get('gen-123')" in str(caught.value)
    assert 1 == len(host.requests)
    assert [] == names(tmp_path)


def test_other_client_errors_raise_download_error_naming_the_status(mode: str, tmp_path: Path) -> None:
    """A 400 is neither transient nor an expiry."""
    with pytest.raises(DownloadError, match="HTTP 400") as caught:
        download(mode, Host(status(400)), tmp_path / "v.mp4")
    assert VideoUrlExpiredError is not type(caught.value)


def test_existing_destination_is_refused_before_any_request(mode: str, tmp_path: Path) -> None:
    """Without overwrite the existing file is kept and the host is never contacted. The clients checked the
    output before anything was sent, so a file found here appeared since: DownloadError, not bad input."""
    (tmp_path / "v.mp4").write_bytes(b"old")
    host = Host(full())
    with pytest.raises(DownloadError, match=r"exists .* not overwritten") as caught:
        download(mode, host, tmp_path / "v.mp4")
    assert not isinstance(caught.value, InvalidInputError)
    assert 0 == len(host.requests)
    assert b"old" == (tmp_path / "v.mp4").read_bytes()


def test_overwrite_replaces_the_existing_file(mode: str, tmp_path: Path) -> None:
    """overwrite=True puts the new video in place of the old file."""
    (tmp_path / "v.mp4").write_bytes(b"old")
    download(mode, Host(full()), tmp_path / "v.mp4", overwrite=True)
    assert VIDEO == (tmp_path / "v.mp4").read_bytes()
    assert ["v.mp4"] == names(tmp_path)


def test_missing_directory_or_directory_destination_is_refused_before_any_request(mode: str, tmp_path: Path) -> None:
    """A destination in a missing directory, or one that is a directory, fails with zero requests."""
    host = Host(full())
    with pytest.raises(DownloadError, match="does not exist"):
        download(mode, host, tmp_path / "missing" / "v.mp4")
    with pytest.raises(DownloadError, match="is a directory"):
        download(mode, host, tmp_path, overwrite=True)
    assert 0 == len(host.requests)


def test_more_bytes_than_declared_raise(mode: str, tmp_path: Path) -> None:
    """A body longer than its Content-Length is not trusted: DownloadError, nothing saved."""
    too_long = full(VIDEO + b"extra", headers={"Content-Length": str(len(VIDEO))})
    with pytest.raises(DownloadError, match="more bytes than"):
        download(mode, Host(too_long), tmp_path / "v.mp4", chunk_size=4096)
    assert [] == names(tmp_path)


def test_keyboard_interrupt_mid_download_leaves_nothing(mode: str, tmp_path: Path) -> None:
    """Ctrl-C during the body propagates unchanged, and the temporary file is removed."""

    def interrupt(progress: DownloadProgress) -> None:
        if progress.bytes_done >= 4096:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(mode, Host(full()), tmp_path / "v.mp4", on_progress=interrupt, chunk_size=1024)
    assert [] == names(tmp_path)


def test_the_final_fsync_waits_off_the_event_loop(mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both fsyncs (the file's, then its directory's), which wait for the disk, run in a worker thread under
    asyncio, inline otherwise."""
    real_fsync = os.fsync
    threads: list[int] = []

    def recording_fsync(fd: int) -> None:
        threads.append(threading.get_ident())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    saved = download(mode, Host(full()), tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()
    here = threading.get_ident()
    file_fsync_thread, dir_fsync_thread = threads
    assert (mode == "sync", mode == "sync") == (file_fsync_thread == here, dir_fsync_thread == here)


def cancel_during_fsync(
    tmp_path: Path, entered: threading.Event, release: threading.Event, cancellations: int = 1
) -> BaseException:
    """Start an async download, cancel it (``cancellations`` times) once its fsync has ``entered`` a worker
    thread, then ``release`` that fsync; the CancelledError the download ends with."""

    async def run() -> BaseException:
        async with httpx.AsyncClient(transport=httpx.MockTransport(Host(full()))) as http:
            task = asyncio.create_task(download_async(http, URL, tmp_path / "v.mp4"))
            assert await asyncio.to_thread(entered.wait, 10)
            task.cancel()
            try:
                for turn in range(10):  # each cancellation reaches the download, which must not close the file yet
                    await asyncio.sleep(0)
                    if turn == 4 and cancellations == 2:
                        task.cancel()
            finally:
                release.set()
            with pytest.raises(asyncio.CancelledError) as info:
                await task
            return info.value

    return asyncio.run(run())


@pytest.mark.parametrize("cancellations", [1, 2], ids=["cancelled once", "cancelled twice"])
def test_cancelling_during_a_slow_fsync_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cancellations: int
) -> None:
    """A task cancelled while the disk is still syncing (in a worker thread) waits for that fsync to end before
    the file is closed and removed: leaving at once closed the descriptor under the thread (EBADF, or another
    file's fsync once the number was reused); a second cancellation (a timeout, a task group's teardown) waits
    too. Nothing is put in place.

    Async only: the synchronous shell has no task to cancel (its Ctrl-C cases are above)."""
    real_fsync = os.fsync
    entered, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def slow_fsync(fd: int) -> None:
        entered.set()
        release.wait(10)  # a stalled loop would sit here, and the cancellation would come too late
        try:
            real_fsync(fd)
            outcomes.append("synced its own file")
        except OSError as exc:
            outcomes.append(errno.errorcode.get(exc.errno or 0, str(exc)))

    monkeypatch.setattr(os, "fsync", slow_fsync)
    cancel_during_fsync(tmp_path, entered, release, cancellations)
    assert (["synced its own file"], []) == (outcomes, names(tmp_path))


def test_an_fsync_that_fails_after_a_cancellation_is_named_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fails the fsync the cancelled task waited for: the cancellation goes on, with the disk's error
    as its cause (not left for asyncio to log as never retrieved)."""
    entered, release = threading.Event(), threading.Event()

    def failing_fsync(fd: int) -> None:
        entered.set()
        release.wait(10)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    cancelled = cancel_during_fsync(tmp_path, entered, release)
    assert isinstance(cancelled.__cause__, DownloadError)
    assert "Input/output error" in str(cancelled.__cause__)
    assert [] == names(tmp_path)


class Interrupt(Sleeps):
    """Ctrl-C during the sync wait; a real cancellation of the running task during the async one."""

    def sync(self, delay: float) -> None:
        raise KeyboardInterrupt

    async def asleep(self, delay: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)


def test_interrupt_or_cancel_while_waiting_to_resume_leaves_nothing(mode: str, tmp_path: Path) -> None:
    """With 3000 bytes already in the temporary file, Ctrl-C (sync) or task cancellation (async) during
    the retry wait propagates unchanged and removes it."""
    expected = KeyboardInterrupt if mode == "sync" else asyncio.CancelledError
    host = Host(cut(3000), ranged())
    with pytest.raises(expected):
        download(mode, host, tmp_path / "v.mp4", sleeps=Interrupt(), chunk_size=1000)
    assert 1 == len(host.requests)
    assert [] == names(tmp_path)


def test_a_client_with_authorization_is_refused(mode: str, tmp_path: Path) -> None:
    """A client with a default Authorization header, or with auth, never sends a request."""
    host = Host(full())
    for options in ({"headers": {"Authorization": "Bearer KEY"}}, {"auth": ("user", "KEY")}):
        with pytest.raises(DownloadError, match="Authorization"):
            download(mode, host, tmp_path / "v.mp4", client_options=options)
    assert 0 == len(host.requests)
    assert [] == names(tmp_path)


def test_redirect_to_another_host_is_followed_without_authorization(mode: str, tmp_path: Path) -> None:
    """A 302 to another host is followed (the host asserts no Authorization on either request)."""
    moved = status(302, {"Location": "https://storage.example.net/blob/abc.mp4?sig=2"})
    host = Host(moved, full())
    saved = download(mode, host, tmp_path / "v.mp4", client_options={"headers": {"X-Trace": "1"}})
    assert VIDEO == saved.read_bytes()
    assert ["cdn.example.com", "storage.example.net"] == [r.url.host for r in host.requests]
    assert [] == [r for r in host.requests if "authorization" in r.headers]


@pytest.mark.parametrize(
    "location", ["http://storage.example.net/blob.mp4?sig=2", "ftp://storage.example.net/blob.mp4"]
)
def test_a_redirect_to_plain_http_is_refused_before_it_is_sent(mode: str, tmp_path: Path, location: str) -> None:
    """httpx would follow https to http, exposing the signed URL; the hop is refused and nothing is saved."""
    host = Host(status(302, {"Location": location}), full())
    with pytest.raises(DownloadError) as caught:
        download(mode, host, tmp_path / "v.mp4")
    assert ["cdn.example.com"] == [r.url.host for r in host.requests]
    assert "storage.example.net" in str(caught.value)
    assert "sig=2" not in str(caught.value)
    assert [] == names(tmp_path)


def test_a_redirect_to_plain_http_on_loopback_is_followed(mode: str, tmp_path: Path) -> None:
    """Loopback may use http, for a redirect as for the first URL (emulators, tests)."""
    host = Host(status(307, {"Location": "http://127.0.0.1:9000/v.mp4"}), full())
    saved = download(mode, host, tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()
    assert ["cdn.example.com", "127.0.0.1"] == [r.url.host for r in host.requests]


def test_a_redirect_loop_is_stopped(mode: str, tmp_path: Path) -> None:
    """A host redirecting forever gets 21 requests (the first and 20 hops), then DownloadError."""
    host = Host(status(302, {"Location": "https://cdn.example.com/again.mp4"}))
    with pytest.raises(DownloadError, match="redirected more than 20 times"):
        download(mode, host, tmp_path / "v.mp4")
    assert 21 == len(host.requests)
    assert [] == names(tmp_path)


def test_a_resumed_attempt_keeps_its_range_through_a_redirect(mode: str, tmp_path: Path) -> None:
    """After a cut, the resume request is redirected; the hop still asks for the missing bytes only."""
    hop = status(302, {"Location": "https://storage.example.net/blob.mp4"})
    host = Host(cut(4000), hop, ranged())
    saved = download(mode, host, tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()
    assert [None, "bytes=4000-", "bytes=4000-"] == [r.headers.get("range") for r in host.requests]


@pytest.mark.parametrize("url", ["http://cdn.example.com/v.mp4?sig=1", "ftp://cdn.example.com/v.mp4", "not a url"])
def test_non_https_url_is_refused(mode: str, tmp_path: Path, url: str) -> None:
    """A signed URL over plain http to a remote host could be intercepted: refused before any request. The URL
    came from the API, after the paid POST: DownloadError, never InvalidInputError (which means nothing sent)."""
    host = Host(full())
    with pytest.raises(DownloadError, match="the video URL") as caught:
        download(mode, host, tmp_path / "v.mp4", url=url)
    assert not isinstance(caught.value, InvalidInputError)
    assert "sig=1" not in str(caught.value)
    assert 0 == len(host.requests)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v.mp4", "http://localhost/v.mp4", "http://[::1]/v"])
def test_plain_http_is_allowed_to_loopback(mode: str, tmp_path: Path, url: str) -> None:
    """Local emulators and tests may use http on a loopback address."""
    saved = download(mode, Host(full()), tmp_path / "v.mp4", url=url)
    assert VIDEO == saved.read_bytes()


def test_logs_never_contain_the_signature(mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Debug logs name host and path; the signed query string is a credential and stays out."""
    caplog.set_level(logging.DEBUG, logger="aimlapi_video")
    download(mode, Host(cut(3000), ranged()), tmp_path / "v.mp4", chunk_size=1000)
    assert "cdn.example.com/videos/abc.mp4" in caplog.text
    assert "SECRET-SIGNATURE" not in caplog.text


def test_large_video_streams_in_bounded_memory(mode: str, tmp_path: Path) -> None:
    """200 MB pass through with under 32 MB of Python allocations at peak: nothing holds the whole body."""
    size = 200 * (1 << 20)
    host = Host(lambda request: httpx.Response(200, headers={"Content-Length": str(size)}, stream=ZeroStream(size)))
    tracemalloc.start()
    try:
        saved = download(mode, host, tmp_path / "big.mp4")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size == saved.stat().st_size
    assert peak < 32 * (1 << 20), f"peak {peak} bytes"


# The decision logic alone, without I/O.


def test_core_resume_then_restart_when_range_is_ignored() -> None:
    """A cut-off body asks to resume; a 200 answer resets the offset so the shell rewrites from byte 0."""
    core = _DownloadCore(max_attempts=3)
    assert {"Accept-Encoding": "identity"} == core.request_headers()
    assert "write" == core.on_response(200, httpx.Headers({"Content-Length": "100"})).action
    core.on_chunk(40)
    retry = core.on_body_end(lambda: None)
    assert ("retry", 0.5) == (retry.action, retry.delay)
    assert "bytes=40-" == core.request_headers()["Range"]
    assert "write" == core.on_response(200, httpx.Headers({"Content-Length": "100"})).action
    assert DownloadProgress(0, 100) == core.progress


def test_core_rejects_a_mismatched_content_range_and_stops_resuming() -> None:
    """A 206 starting elsewhere than asked is not spliced in: retry the whole file without Range."""
    core = _DownloadCore(max_attempts=3)
    core.request_headers()
    core.on_response(200, httpx.Headers({"Content-Length": "100"}))
    core.on_chunk(40)
    core.on_body_end(lambda: None)
    core.request_headers()
    verdict = core.on_response(206, httpx.Headers({"Content-Range": "bytes 0-99/100"}))
    assert ("retry", 0) == (verdict.action, core.offset)
    assert "Range" not in core.request_headers()


def test_core_416_when_everything_is_saved_is_done() -> None:
    """Length unknown, connection dropped after the last byte: a 416 saying the size is 100 means done."""
    core = _DownloadCore(max_attempts=3)
    core.request_headers()
    core.on_response(200, httpx.Headers())
    core.on_chunk(100)
    assert "retry" == core.on_error(httpx.ReadError("reset")).action
    assert "bytes=100-" == core.request_headers()["Range"]
    assert "done" == core.on_response(416, httpx.Headers({"Content-Range": "bytes */100"})).action
    assert DownloadProgress(100, 100) == core.progress


def test_a_retry_after_date_is_honoured_from_the_answers_date(mode: str, tmp_path: Path) -> None:
    """A 503 saying "retry at <date>", 20 s after its own Date header: the download waits 20 s."""
    sleeps = Sleeps()
    dated = dated_retry_after(20)
    host = Host(lambda _: httpx.Response(503, headers=dated, content=b"busy"), full())
    saved = download(mode, host, tmp_path / "v.mp4", sleeps=sleeps)
    assert VIDEO == saved.read_bytes()
    assert [20.0] == sleeps.delays


def test_a_416_reporting_a_smaller_size_than_declared_restarts_instead_of_saving_a_stub(
    mode: str, tmp_path: Path
) -> None:
    """The host first declared the whole video, then answers a resume with 416 for the bytes already saved:
    the file changed under the URL, so the download starts over rather than keep 4,000 bytes as "done"."""
    gone = status(416, {"Content-Range": "bytes */4000"})
    host = Host(cut(4000), gone, full())
    saved = download(mode, host, tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()
    assert [None, "bytes=4000-", None] == [r.headers.get("range") for r in host.requests]


def test_a_retry_after_in_non_ascii_digits_is_ignored_not_a_crash(mode: str, tmp_path: Path) -> None:
    """ "²" passes str.isdigit but not float(): the header is ignored and the usual back-off applies."""
    sleeps = Sleeps()
    superscript_two = [(b"Retry-After", "\u00b2".encode("latin-1"))]
    host = Host(lambda _: httpx.Response(503, headers=superscript_two, content=b"busy"), full())
    saved = download(mode, host, tmp_path / "v.mp4", sleeps=sleeps)
    assert VIDEO == saved.read_bytes()
    assert [0.5] == sleeps.delays


def test_a_long_multibyte_name_the_filesystem_accepts_is_saved(mode: str, tmp_path: Path) -> None:
    """253 bytes in 87 characters: the temporary name is cut by bytes, so it is never the one that is too long."""
    name = "\u89c6" * 83 + ".mp4"
    saved = download(mode, Host(full()), tmp_path / name)
    assert VIDEO == saved.read_bytes()
    assert [name] == names(tmp_path)


def test_a_content_length_of_thousands_of_digits_is_ignored_not_a_crash(mode: str, tmp_path: Path) -> None:
    """int() refuses strings past 4,300 digits; such a header is treated as absent, not a ValueError."""
    huge = full(headers={"Content-Length": "9" * 5000})
    saved = download(mode, Host(huge), tmp_path / "v.mp4")
    assert VIDEO == saved.read_bytes()


@pytest.mark.parametrize("coding", ["gzip", "br", " GZIP ", "identity, gzip"])
def test_a_compressed_body_is_refused_not_saved_unchecked(mode: str, tmp_path: Path, coding: str) -> None:
    """identity was asked for; a compressed answer's decoded length is unknown, so a gzip stream cut before its
    end would pass as whole. DownloadError after that one answer, and nothing on disk."""
    whole = gzip.compress(VIDEO)
    host = Host(full(whole[: len(whole) // 2], headers={"Content-Encoding": coding}))
    with pytest.raises(DownloadError, match=r"compressed \((br|gzip)\) .* not saved"):
        download(mode, host, tmp_path / "video.mp4")
    assert (1, []) == (len(host.requests), names(tmp_path))


@pytest.mark.parametrize("coding", ["identity", "identity, ", "identity, identity", "none", "aws-chunked"])
def test_a_coding_that_leaves_the_bytes_as_they_are_is_saved(mode: str, tmp_path: Path, coding: str) -> None:
    """Only compressions are refused: "identity" in any spelling, or a storage service's "aws-chunked" (which
    httpx passes through), leave the body's length checkable, and the video is saved."""
    host = Host(full(headers={"Content-Encoding": coding}))
    assert VIDEO == download(mode, host, tmp_path / "video.mp4").read_bytes()


def test_a_compressed_416_is_read_as_a_416(mode: str, tmp_path: Path) -> None:
    """The coding matters only for a body that is written: after every byte arrived and the connection then
    broke, a 416 to the resume (even one saying gzip) still means the video is complete."""
    unsatisfied = {"Content-Range": f"bytes */{len(VIDEO)}", "Content-Encoding": "gzip"}
    host = Host(cut(len(VIDEO)), lambda request: httpx.Response(416, headers=unsatisfied))
    assert VIDEO == download(mode, host, tmp_path / "video.mp4").read_bytes()
    assert f"bytes={len(VIDEO)}-" == host.requests[1].headers["range"]


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Writes past ``limit`` bytes fail with EFBIG in this process (a full disk, as root can still see one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the signal ends the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_disk_that_cannot_take_the_video_is_a_download_error(mode: str, tmp_path: Path) -> None:
    """Everything the client raises is an AIMLAPIError: the disk's failure too, naming the file, with the
    OSError as its cause and the generation's id; nothing is left behind."""
    with file_size_limit(4096), pytest.raises(DownloadError) as info:
        download(mode, Host(full()), tmp_path / "v.mp4", generation_id="gen-7")
    assert str(info.value).startswith(f"could not save the video to {tmp_path / 'v.mp4'}: ")
    assert (errno.EFBIG, "gen-7") == (getattr(info.value.__cause__, "errno", None), info.value.generation_id)
    assert [] == names(tmp_path)


def test_every_download_error_names_its_generation(mode: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as info:
        download(mode, Host(status(500)), tmp_path / "v.mp4", generation_id="gen-8", max_attempts=2)
    assert "gen-8" == info.value.generation_id


def test_a_disk_that_fills_with_the_last_small_pieces_leaves_nothing(mode: str, tmp_path: Path) -> None:
    """Small pieces sit in the file's buffer: the failing flush comes again when the file is closed, and must
    hide neither the DownloadError (with its id) nor the removal of the temporary file."""
    pieces = lambda request: httpx.Response(  # noqa: E731
        200, stream=PieceStream(VIDEO, 1000), headers={"Content-Length": str(len(VIDEO))}
    )
    with file_size_limit(len(VIDEO) - 500), pytest.raises(DownloadError) as info:
        download(mode, Host(pieces), tmp_path / "v.mp4", generation_id="gen-9")
    assert ("gen-9", []) == (info.value.generation_id, names(tmp_path))


def test_a_disk_that_fails_while_a_video_is_read_back_is_a_download_error(mode: str, tmp_path: Path) -> None:
    """The read-back of a video of undeclared size flushes the buffer first: a full disk there is the same
    DownloadError, and nothing is left."""
    with file_size_limit(len(MP4) - 300), pytest.raises(DownloadError, match=r"^could not save the video to "):
        download(mode, Host(unsized(MP4)), tmp_path / "v.mp4")
    assert [] == names(tmp_path)


def test_an_unusable_video_url_names_its_generation(mode: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"^the video URL is plain http") as info:
        download(mode, Host(full()), tmp_path / "v.mp4", url="http://cdn.example.com/v.mp4", generation_id="gen-3")
    assert "gen-3" == info.value.generation_id


def test_a_file_that_appears_during_the_download_is_kept(mode: str, tmp_path: Path) -> None:
    """Without overwrite, a file another program wrote under the name meanwhile is neither replaced nor lost:
    a DownloadError says so, and the temporary file is removed."""
    output = tmp_path / "v.mp4"

    def appear(progress: DownloadProgress) -> None:
        if not output.exists():
            output.write_bytes(b"theirs")

    with pytest.raises(DownloadError, match=r"appeared during the download and was not overwritten"):
        download(mode, Host(full()), output, on_progress=appear)
    assert (b"theirs", ["v.mp4"]) == (output.read_bytes(), names(tmp_path))


def test_a_disk_that_fails_when_a_cut_download_resumes_is_a_download_error(mode: str, tmp_path: Path) -> None:
    """The cut body's bytes are still buffered when the resume keeps them (a seek flushes): a full disk there
    is the same DownloadError with the id, and nothing is left."""
    with file_size_limit(2000), pytest.raises(DownloadError, match=r"^could not save the video to ") as info:
        download(mode, Host(cut(3000), ranged()), tmp_path / "v.mp4", generation_id="gen-4")
    assert ("gen-4", []) == (info.value.generation_id, names(tmp_path))
