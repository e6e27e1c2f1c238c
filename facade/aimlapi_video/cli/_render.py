"""How the CLI shows progress on stderr: a live line and a bar on a terminal, plain log lines otherwise.

stdout is kept for results (and for exactly one JSON object with ``--json``), so progress never mixes with it.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Protocol

from .._models import DownloadProgress, ProgressEvent


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover  (the loop always returns)


class Renderer(Protocol):
    def waiting(self, event: ProgressEvent) -> None: ...
    def downloading(self, progress: DownloadProgress) -> None: ...
    def note(self, message: str) -> None: ...
    def close(self) -> None: ...


class QuietRenderer:
    """``-q``: nothing but errors."""

    def waiting(self, event: ProgressEvent) -> None:
        pass

    def downloading(self, progress: DownloadProgress) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


class PlainRenderer:
    """One line per status check, and a download line at each tenth, for logs and pipes."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._tenths = -1

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def waiting(self, event: ProgressEvent) -> None:
        nxt = f", next check in {event.next_check_in:.1f}s" if event.next_check_in is not None else ""
        self._line(f"status: {event.status} after {event.elapsed:.0f}s ({event.checks} checks{nxt})")

    def downloading(self, progress: DownloadProgress) -> None:
        total = progress.bytes_total
        tenths = 10 if not total else min(10, progress.bytes_done * 10 // total)
        if tenths > self._tenths:
            self._tenths = tenths
            of = f" of {_size(total)}" if total else ""
            self._line(f"download: {_size(progress.bytes_done)}{of}")

    def note(self, message: str) -> None:
        self._line(message)

    def close(self) -> None:
        pass


class RichRenderer:
    """A spinner line while waiting and a bar with bytes, rate and time left while downloading."""

    def __init__(self) -> None:
        from rich.console import Console  # noqa: PLC0415  (rich is heavy: loaded only for a terminal)

        self._console = Console(stderr=True)
        self._status: Any = None
        self._progress: Any = None
        self._task: Any = None

    def waiting(self, event: ProgressEvent) -> None:
        nxt = f" · next check in {event.next_check_in:.1f}s" if event.next_check_in is not None else ""
        text = f"[bold]{event.status}[/] · {event.elapsed:.0f}s elapsed · {event.checks} checks{nxt}"
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def downloading(self, progress: DownloadProgress) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self._progress is None:
            from rich.progress import (  # noqa: PLC0415
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                "download",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self._console,
            )
            self._progress.start()
            self._task = self._progress.add_task("download", total=progress.bytes_total)
        self._progress.update(self._task, completed=progress.bytes_done, total=progress.bytes_total)

    def note(self, message: str) -> None:
        self._console.print(message, highlight=False, markup=False)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def make_renderer(*, quiet: bool, stream: IO[str] | None = None) -> Renderer:
    """Quiet, rich (stderr is a terminal) or plain."""
    stream = stream or sys.stderr
    if quiet or stream is None:  # None: started with stderr closed (2>&-), so there is nowhere to show it
        return QuietRenderer()
    if stream.isatty():
        return RichRenderer()
    return PlainRenderer(stream)
