"""Fixtures for the end-to-end tests of the ``aimlapi-video`` command.

Every test runs the real command in a subprocess (``python -m aimlapi_video``) against the emulator served on
127.0.0.1, with stdin closed and stdout/stderr captured, so the command sees no terminal. The environment is a
copy of ``os.environ`` without any real ``AIMLAPI_*``/``AIML_*`` variable; the journal lives under the test's
``tmp_path``. Every run is checked for the API key in its output.
"""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO

import pytest

from aimlapi_video.testing import Counters, FakeAIMLAPI

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
#: Generous per-process limit: a run normally takes about 0.3 s.
TIMEOUT = 60.0
#: Short status-check gap so waits in these tests take a fraction of a second.
POLL_INTERVAL = "0.05"
#: A PNG signature, an IHDR chunk and nothing else: enough for the client's and the fake's magic-byte checks.
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n"
    + (13).to_bytes(4, "big")
    + b"IHDR"
    + (1).to_bytes(4, "big")
    + (1).to_bytes(4, "big")
    + b"\x08\x02\x00\x00\x00"
    + bytes(4)
)


def clean_environ() -> dict[str, str]:
    """``os.environ`` without any real AI/ML API setting (key, base URL, journal home, poll interval)."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(("AIMLAPI_", "AIML_"))}


def counters_delta(before: Counters, after: Counters) -> Counters:
    """What changed on the emulator between two counter snapshots."""
    return Counters(**{f.name: getattr(after, f.name) - getattr(before, f.name) for f in fields(Counters)})


def is_mp4(path: Path) -> bool:
    """Whether ``path`` starts with an ISO-BMFF ``ftyp`` box."""
    return path.read_bytes()[4:8] == b"ftyp"


def data_uri_bytes(uri: str) -> bytes:
    """The payload of a base64 ``data:`` URI."""
    header, _, payload = uri.partition(",")
    assert header.endswith(";base64"), header
    return base64.b64decode(payload, validate=True)


@dataclass
class Cli:
    """Runs ``aimlapi-video`` against an emulator, with this test's journal home, in this test's directory."""

    workdir: Path
    home: Path
    keys: set[str] = field(default_factory=set)

    def env(self, fake: FakeAIMLAPI, *, api_key: str | None = "fake") -> dict[str, str]:
        """The subprocess environment; ``api_key="fake"`` is the fake's key, ``None`` sets no key at all."""
        env = clean_environ()
        env.update(
            AIMLAPI_BASE_URL=fake.base_url,
            AIMLAPI_VIDEO_HOME=str(self.home),
            AIMLAPI_VIDEO_POLL_INTERVAL=POLL_INTERVAL,
        )
        self.keys.add(fake.api_key)
        if api_key is not None:
            env["AIMLAPI_API_KEY"] = fake.api_key if api_key == "fake" else api_key
        return env

    def run(
        self, fake: FakeAIMLAPI, *args: str, api_key: str | None = "fake", stdout: IO[str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the command to completion; its output is checked never to contain the fake's key. ``stdout``
        sends standard output to that file instead of capturing it (``result.stdout`` is then empty)."""
        result = subprocess.run(
            [sys.executable, "-m", "aimlapi_video", *args],
            env=self.env(fake, api_key=api_key),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout is None else stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        result.stdout = result.stdout or ""
        self.assert_no_key(result.stdout + result.stderr)
        return result

    def run_closed(self, fake: FakeAIMLAPI, stream: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the command started with ``stream`` ("stdout" or "stderr") closed (``>&-`` or ``2>&-``), so
        that Python sees it as None; the other stream is captured."""
        closing = {"stdout": ">&-", "stderr": "2>&-"}[stream]
        result = subprocess.run(
            ["bash", "-c", f'exec "$@" {closing}', "bash", sys.executable, "-m", "aimlapi_video", *args],
            env=self.env(fake),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        self.assert_no_key(result.stdout + result.stderr)
        return result

    def popen(self, fake: FakeAIMLAPI, *args: str, stdout: IO[bytes], stderr: IO[bytes]) -> subprocess.Popen[bytes]:
        """Start the command in the background, its output going to files (not terminals)."""
        return subprocess.Popen(
            [sys.executable, "-m", "aimlapi_video", *args],
            env=self.env(fake),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )

    def assert_no_key(self, text: str) -> None:
        """No API key this test handed to the command appears in ``text``."""
        leaked = [key for key in self.keys if key in text]
        assert [] == leaked

    @property
    def journal(self) -> Path:
        """The journal file the command writes."""
        return self.home / "journal.sqlite3"

    def journal_rows(self) -> list[tuple[str, str, int, str | None]]:
        """``(id, status, saved, output_path)`` of every journalled generation, read from the file itself."""
        if not self.journal.exists():
            return []
        conn = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True, timeout=10)
        try:
            rows = conn.execute("SELECT id, status, saved, output_path FROM generations ORDER BY rowid").fetchall()
        except sqlite3.OperationalError:  # the file exists but the table is not created yet
            return []
        finally:
            conn.close()
        return [(str(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The command, run in ``tmp_path/work`` with its journal under ``tmp_path/home``."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Cli(workdir=workdir, home=tmp_path / "home")


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeAIMLAPI]:
    """One emulator for the tests whose jobs follow the default plan (done after three status checks).

    Its counters are never reset: tests compare snapshots (:func:`counters_delta`). The key is random, so
    finding it in any output means it leaked.
    """
    with FakeAIMLAPI(api_key=f"sk-test-{secrets.token_hex(16)}") as served:
        yield served


@pytest.fixture(scope="session")
def png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny PNG written by the tests, so the main paths run without ../shared."""
    path = tmp_path_factory.mktemp("images") / "tiny.png"
    path.write_bytes(TINY_PNG)
    return path


@pytest.fixture
def jpeg() -> Path:
    """The shared Mona Lisa JPEG, or a clean skip when ../shared is not beside the checkout."""
    path = SHARED_DATA / "mona_lisa_extended.jpg"
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the project checkout)")
    return path


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one ``error:`` line a failed run prints; it must be stderr's last line, with no traceback."""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert 1 == len(errors), result.stderr
    assert errors[0] == lines[-1], result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]
