"""Tests for the download's temporary file: early writeback while it grows, and the durable, atomic commit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aimlapi_video._models import DownloadProgress
from aimlapi_video._partfile import WRITEBACK_EVERY, PartFile, start_writeback


class Ledger:
    """The download state's two members the file uses: counts bytes, knows no declared length."""

    def __init__(self) -> None:
        self.done = 0

    def on_chunk(self, size: int) -> DownloadProgress:
        self.done += size
        return self.progress

    @property
    def progress(self) -> DownloadProgress:
        return DownloadProgress(self.done, None)


class Recorder:
    """A writeback that records each range and how many bytes the file really held at that moment."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.sizes_on_disk: list[int] = []

    def __call__(self, fd: int, offset: int, length: int) -> None:
        self.calls.append((offset, length))
        self.sizes_on_disk.append(os.fstat(fd).st_size)


def part_file(tmp_path: Path, recorder: Recorder, *, every: int = 100) -> PartFile:
    return PartFile(
        tmp_path / "video.mp4",
        Ledger(),
        on_progress=None,
        overwrite=False,
        report_every=1 << 20,
        writeback=recorder,
        writeback_every=every,
    )


def test_writeback_is_requested_for_consecutive_ranges_of_flushed_bytes(tmp_path: Path) -> None:
    """Every ``writeback_every`` bytes, the range written since the last request is handed over, flushed first."""
    recorder = Recorder()
    with part_file(tmp_path, recorder) as part:
        for _ in range(7):
            part.write(b"x" * 40)  # 280 bytes: requests at 120 and 240; the last 40 are left to the fsync
        part.commit()
    assert [(0, 120), (120, 120)] == recorder.calls
    assert [120, 240] == recorder.sizes_on_disk  # each range was in the file, not in Python's buffer
    assert b"x" * 280 == (tmp_path / "video.mp4").read_bytes()


def test_a_restart_from_zero_hands_over_the_rewritten_bytes_again(tmp_path: Path) -> None:
    """After ``keep(0)`` (a host that ignored Range), the new bytes are written back from offset 0 again."""
    recorder = Recorder()
    with part_file(tmp_path, recorder) as part:
        part.write(b"a" * 150)
        part.keep(0)
        part.write(b"b" * 100)
        part.commit()
    assert [(0, 150), (0, 100)] == recorder.calls
    assert b"b" * 100 == (tmp_path / "video.mp4").read_bytes()


def test_a_resume_keeps_counting_from_the_kept_offset(tmp_path: Path) -> None:
    """``keep(n)`` after a cut keeps what was handed over; the next request starts where the last one ended."""
    recorder = Recorder()
    with part_file(tmp_path, recorder) as part:
        part.write(b"a" * 120)  # handed over: 0-120
        part.write(b"a" * 30)
        part.keep(130)  # the last 20 bytes were not confirmed; resume from 130
        part.write(b"a" * 90)
        part.commit()
    assert [(0, 120), (120, 100)] == recorder.calls
    assert 220 == (tmp_path / "video.mp4").stat().st_size


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise on this OS (macOS, Windows)")
def test_the_real_early_writeback_advises_the_range_and_keeps_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default writeback passes each range to ``posix_fadvise(DONTNEED)``, and no written byte is lost by it
    (the advice may drop only pages already on disk): the saved file equals what was written."""
    advised: list[tuple[int, int, int]] = []
    real = os.posix_fadvise

    def recording(fd: int, offset: int, length: int, advice: int) -> None:
        advised.append((offset, length, advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", recording)
    data = os.urandom(3 << 20)
    dest = tmp_path / "video.mp4"
    with PartFile(dest, Ledger(), on_progress=None, overwrite=False, report_every=1 << 20) as part:
        for start in range(0, len(data), 1 << 19):
            part.write(data[start : start + (1 << 19)])
        part.commit()
    step = WRITEBACK_EVERY
    expected = [(offset, step, os.POSIX_FADV_DONTNEED) for offset in range(0, len(data), step)]
    assert expected == advised
    assert data == dest.read_bytes()


def test_the_early_writeback_is_quiet_when_the_os_refuses(tmp_path: Path) -> None:
    """A refused call (here: a closed descriptor) raises nothing: the final fsync does the work instead."""
    fd = os.open(tmp_path / "data", os.O_WRONLY | os.O_CREAT)
    os.close(fd)
    start_writeback(fd, 0, 10)  # EBADF, suppressed


def test_without_posix_fadvise_large_files_are_still_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the OS has no ``posix_fadvise`` (macOS, Windows), the writeback is skipped, not fatal."""
    monkeypatch.delattr(os, "posix_fadvise")
    dest = tmp_path / "video.mp4"
    with PartFile(dest, Ledger(), on_progress=None, overwrite=False, report_every=1, writeback_every=10) as part:
        part.write(b"x" * 25)
        part.commit()
    assert b"x" * 25 == dest.read_bytes()
