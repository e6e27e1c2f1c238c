"""The emulator in its own process, so its CPU never counts towards the client being measured."""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType
from typing import Self

from aimlapi_video.testing import DEFAULT_API_KEY

from ._common import BENCH, MAIN_PYTHON, ROOT

_START_TIMEOUT = 30.0


class Emulator:
    """``with Emulator(video_bytes=...) as emu: emu.base_url``; the server process is ended on exit."""

    api_key = DEFAULT_API_KEY

    def __init__(
        self,
        *,
        job_seconds: float | None = None,
        video_bytes: int | None = None,
        queued_polls: int = 1,
        generating_polls: int = 1,
    ) -> None:
        self._args = ["--queued-polls", str(queued_polls), "--generating-polls", str(generating_polls)]
        if job_seconds is not None:
            self._args += ["--job-seconds", str(job_seconds)]
        if video_bytes is not None:
            self._args += ["--video-bytes", str(video_bytes)]
        self._proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            [str(MAIN_PYTHON), str(BENCH / "_serve.py"), *self._args],
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # blocks until the server prints its URL (or dies)
        if not line.startswith("URL "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base_url = line.split(" ", 1)[1].strip()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(_START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
