"""The temporary file a download writes into, and how it is made durable before it takes the real name.

A finished download is fsync'd (file, then directory after the rename) so that "saved" survives a crash: a
signed video URL expires, so a file lost after success may be lost for good. Flushing a whole video at the
end is slow (the disk does nothing while the network is read, then everything at once), so the file's new
bytes are handed to the disk every ``WRITEBACK_EVERY`` bytes while the download goes on, and the final fsync
has little left to do. The hand-over is ``posix_fadvise(POSIX_FADV_DONTNEED)``: on Linux it starts writing
the range's dirty pages without waiting (and drops only pages already written), which is PostgreSQL's
fallback for ``sync_file_range``; Python has no binding for the latter. That is only a head start: durability
still comes from the fsync, and where the call does not exist (macOS, Windows) it is simply not made.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from ._errors import DownloadError
from ._models import DownloadProgress
from ._mp4 import whole_mp4

_log = logging.getLogger("aimlapi_video")

#: Bytes written between two early-writeback requests. Chosen by measurement (bench/NOTES.md, Download): with
#: 256 KiB reads, 1 MiB steps kept a 10 MB download's final fsync short and were as good as any at 200 MB.
WRITEBACK_EVERY = 1 << 20

#: ``(fd, offset, length) -> None``: ask the OS to start writing that range to disk (no waiting, no errors).
Writeback = Callable[[int, int, int], None]


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the OS to start writing ``length`` bytes at ``offset`` of ``fd`` to disk; never waits, never raises.

    A no-op where ``os.posix_fadvise`` does not exist, or refuses (the final fsync then does all the work).
    """
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


@contextlib.contextmanager
def _disk(dest: Path) -> Iterator[None]:
    """A local file operation for ``dest``: its OSError (disk full, permission, I/O) is the download's
    failure, a DownloadError naming the file, so that everything the client raises is an AIMLAPIError."""
    try:
        yield
    except OSError as exc:
        raise DownloadError(f"could not save the video to {dest}: {exc.strerror or exc}") from exc


def fsync_dir(path: Path) -> None:
    """Make the rename durable where the OS allows syncing a directory (POSIX); elsewhere skip."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Ledger(Protocol):
    """What the file needs from the download's state (``_download._DownloadCore``)."""

    def on_chunk(self, size: int) -> DownloadProgress:
        """Account for ``size`` more bytes, or raise if they overrun the declared length."""

    @property
    def progress(self) -> DownloadProgress:
        """The progress so far."""


class PartFile:
    """The temporary file beside the destination, and the progress reports as it grows; whatever happens,
    the file is gone when the block exits. Its writes are synchronous in both download shells."""

    def __init__(
        self,
        dest: Path,
        ledger: Ledger,
        *,
        on_progress: Callable[[DownloadProgress], None] | None,
        overwrite: bool,
        report_every: int,
        writeback: Writeback | None = None,
        writeback_every: int = WRITEBACK_EVERY,
    ) -> None:
        self.dest = dest
        self.ledger = ledger
        self.on_progress = on_progress
        self.overwrite = overwrite
        self.report_every = report_every
        self._next_report = 0
        self._reported: DownloadProgress | None = None  # the last progress reported
        self._writeback = start_writeback if writeback is None else writeback
        self._writeback_every = writeback_every
        self._written_back = 0  # bytes before this offset were handed to the OS for writeback
        self._size = 0
        # At most 100 bytes of the name (not characters: 100 CJK characters are 300 bytes), so a name the
        # filesystem accepts never makes a temporary name it refuses.
        short = os.fsdecode(os.fsencode(dest.name)[:100])
        self.path = dest.with_name(f".{short}.{os.urandom(6).hex()}.part")

    def __enter__(self) -> PartFile:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        with _disk(self.dest):
            self._file = os.fdopen(os.open(self.path, flags, 0o666), "wb")  # 0o666: the umask applies
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close and remove the temporary file (already moved away after a successful commit). Neither step
        may hide the download's own error: closing flushes what is buffered, which fails again on a full disk."""
        with contextlib.suppress(OSError):
            self._file.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:  # nothing more can be done about it; say where it is
            _log.warning("could not remove the temporary file %s: %s", self.path, exc.strerror or exc)

    def keep(self, offset: int) -> None:
        """Keep the first ``offset`` bytes (all of a resumed download, none on a restart)."""
        with _disk(self.dest):  # seeking flushes the buffer
            self._file.seek(offset)
            self._file.truncate()
        self._size = offset
        self._written_back = min(self._written_back, offset)
        self._next_report = offset  # a restart from zero reports from zero again

    def write(self, chunk: bytes) -> None:
        """Append a chunk (refused first if it overruns the declared length); report every ``report_every`` bytes.

        Chunks arrive as the network delivers them: re-chunking them to a fixed size (``iter_bytes(n)``) would
        copy every byte once more through a buffer, which cost two thirds of the download throughput.
        """
        progress = self.ledger.on_chunk(len(chunk))
        with _disk(self.dest):
            self._file.write(chunk)
            self._size += len(chunk)
            if self._size - self._written_back >= self._writeback_every:
                self._file.flush()  # the OS can only write back what it has been given
                self._writeback(self._file.fileno(), self._written_back, self._size - self._written_back)
                self._written_back = self._size
        if self.on_progress is not None and progress.bytes_done >= self._next_report:
            self._next_report = progress.bytes_done + self.report_every
            self._reported = progress
            self.on_progress(progress)

    def whole_mp4(self) -> bool | None:
        """Whether the bytes written so far are whole MP4 boxes (``_mp4.whole_mp4``), read back from the file
        (through a second descriptor, so this one's buffer is flushed first)."""
        with _disk(self.dest):
            self._file.flush()
            with open(self.path, "rb") as saved:
                return whole_mp4(saved, self._size)

    def commit(self) -> None:
        """``sync`` then ``place``: the whole save, for the synchronous shell."""
        self.sync()
        self.place()

    def sync(self) -> None:
        """Flush the bytes to disk. The one step that can take long (the disk's pace, not ours), so the async
        shell runs it in a worker thread; if the task is cancelled meanwhile, nothing has been put in place."""
        with _disk(self.dest):
            self._file.flush()
            os.fsync(self._file.fileno())

    def place(self) -> None:
        """``put``, the directory's fsync, then ``saved``: the last step, for the synchronous shell (the async
        one runs the fsync in a worker thread)."""
        self.put()
        fsync_dir(self.dest.parent)
        self.saved()

    def put(self) -> None:
        """Put the synced file in place atomically. Without overwrite, a file that appeared meanwhile is never
        replaced: a hard link fails if the name exists (where links are unsupported, check first)."""
        with _disk(self.dest):
            self._file.close()
            self._rename()

    def saved(self) -> None:
        """The save is done and durable: log it, and report the end (unless the last report said the same)."""
        _log.debug("saved %d bytes to %s", self._size, self.dest)
        if self.on_progress is not None and self.ledger.progress != self._reported:
            self.on_progress(self.ledger.progress)

    def _rename(self) -> None:
        appeared = DownloadError(f"{self.dest} appeared during the download and was not overwritten")
        if self.overwrite:
            os.replace(self.path, self.dest)
            return
        try:
            os.link(self.path, self.dest)
        except FileExistsError:
            raise appeared from None
        except OSError:
            if self.dest.exists() or self.dest.is_symlink():
                raise appeared from None
            os.replace(self.path, self.dest)
