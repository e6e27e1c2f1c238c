"""Two downloads in a fresh process: ``VideoClient.download(completed, out)``, timed each; prints the wall
times, where each one's time went, and the first one's CPU time and RSS growth.

Where the time went: the first progress report comes once the first piece of the body is written, and the
file's ``os.fsync`` is called once the whole body is. So a download splits into "until the first piece is
written" (for the first download, loading the download's modules too; the temporary file, connecting, the
request, the answer's head and first piece), "the rest of the body" and "made durable" (the file's fsync, the
rename, the directory's fsync). Both downloads are observed the same way, so they compare like for like.

The first download of a process also loads the download's modules (about 1 ms); the second shows the steady
pace. The baseline RSS is taken after the client exists and the job is done (imports, connection pool warm),
so the growth is what the first download costs, module loading included.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import httpx

from aimlapi_video import Completed, DownloadProgress, VideoClient
from bench._common import emit, peak_rss_mb, tiny_png
from bench.peers._worker import PROMPT

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike


class Phases:
    """Times in one download: its first progress report and its first call of ``os.fsync``."""

    def __init__(self) -> None:
        self.first_piece: float | None = None
        self.body_end: float | None = None

    def on_progress(self, progress: DownloadProgress) -> None:
        if self.first_piece is None:
            self.first_piece = time.perf_counter()

    def wrap_fsync(self, fsync: Callable[[FileDescriptorLike], None]) -> Callable[[FileDescriptorLike], None]:
        def timed(fd: FileDescriptorLike) -> None:
            if self.body_end is None:
                self.body_end = time.perf_counter()
            fsync(fd)

        return timed

    def split(self, start: float, end: float) -> dict[str, float]:
        """Seconds until the first piece was written, for the rest of the body, and to make it durable."""
        if self.first_piece is None or self.body_end is None:
            raise RuntimeError("the download made no progress report or no fsync")
        return {
            "first_piece_s": self.first_piece - start,
            "body_s": self.body_end - self.first_piece,
            "durable_s": end - self.body_end,
        }


def timed(client: VideoClient, done: Completed, out: Path, phases: Phases) -> tuple[float, dict[str, float]]:
    """One download of ``done`` to ``out`` (its URL, as curl is given it): its wall time and its phases. Both
    downloads of a worker run this way, so both carry the same (tiny) cost of being observed."""
    with mock.patch("os.fsync", phases.wrap_fsync(os.fsync)):
        start = time.perf_counter()
        client.download(done, out, overwrite=True, on_progress=phases.on_progress)
        end = time.perf_counter()
    return end - start, phases.split(start, end)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", help="the emulator, for a generation whose video is downloaded")
    parser.add_argument("--api-key")
    parser.add_argument("--video-url", help="download this URL instead (no emulator, no key ever sent)")
    parser.add_argument(
        "--httpx-transport", action="store_true", help="comparison only: httpx's own transport for the video"
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument(
        "--no-fsync", action="store_true", help="attribution only: make os.fsync a no-op to see what it costs"
    )
    parser.add_argument(
        "--no-writeback", action="store_true", help="attribution only: no early writeback while downloading"
    )
    args = parser.parse_args()
    if args.no_fsync:
        os.fsync = lambda fd: None
    if args.no_writeback:
        from aimlapi_video import _partfile  # noqa: PLC0415

        _partfile.start_writeback = lambda fd, offset, length: None  # read when a download's file is made
    # httpx's transport with the client's kind of TLS context (which honours SSL_CERT_FILE, as ours does)
    video_transport = httpx.HTTPTransport(verify=httpx.create_ssl_context()) if args.httpx_transport else None
    base_url = args.base_url or "https://127.0.0.1:9"  # with --video-url the API is never called
    with VideoClient(
        args.api_key or "bench-key-never-sent", base_url=base_url, video_transport=video_transport, sleep=lambda _: None
    ) as client:
        if args.video_url:
            done = Completed(id="bench", status="completed", video_url=args.video_url)
        else:
            done = client.generate(tiny_png(), PROMPT).generation
        before = peak_rss_mb()
        c0 = time.process_time()
        wall, first_phases = timed(client, done, args.out, Phases())
        cpu = time.process_time() - c0
        rss_growth, size = peak_rss_mb() - before, args.out.stat().st_size
        args.out.unlink()
        later, later_phases = timed(client, done, args.out, Phases())  # the one-time costs are paid by now
        emit(
            {
                "wall_s": wall,
                "later_wall_s": later,
                "cpu_s": cpu,
                "bytes": size,
                "rss_growth_mb": rss_growth,
                "url": done.video_url,
                **first_phases,
                **{f"later_{key}": value for key, value in later_phases.items()},
            }
        )


if __name__ == "__main__":
    main()
