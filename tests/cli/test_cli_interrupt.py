"""End-to-end: a generation interrupted while waiting (SIGINT, SIGTERM, SIGKILL) is journalled and resumable.

The emulator runs jobs on a :class:`ManualClock`: a job stays queued until the test advances the clock, so the
command is certainly waiting when the signal arrives, and the job completes only when the test says so.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimlapi_video.testing import Counters, FakeAIMLAPI, Fault, ManualClock, Scenario

from .conftest import TIMEOUT, Cli, counters_delta, error_line, is_mp4, wait_until

PROMPT = "The lady smiles"
JOB_SECONDS = 100.0


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """``proc``, killed (and waited for) on the way out if it still runs: a failing test leaves no process."""
    with proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(TIMEOUT)


@pytest.fixture
def clock() -> ManualClock:
    """The emulator's clock; jobs complete once it has advanced by ``JOB_SECONDS``."""
    return ManualClock()


@pytest.fixture
def slow(clock: ManualClock) -> Iterator[FakeAIMLAPI]:
    """An emulator whose jobs take ``JOB_SECONDS`` on ``clock``."""
    with FakeAIMLAPI(job_seconds=JOB_SECONDS, clock=clock, api_key="sk-test-interrupt-key-0123456789") as fake:
        yield fake


def start_and_signal(cli: Cli, fake: FakeAIMLAPI, out: Path, signum: signal.Signals) -> tuple[int, str, str]:
    """Start ``generate image.png -o out``, send ``signum`` once it is journalled and polling.

    Returns the exit code (negative: killed by that signal), stdout and stderr. Output goes to files, not
    terminals, and is checked for the key.
    """
    image = out.parent.parent / "image.png"
    stdout_path, stderr_path = cli.workdir.parent / "stdout.txt", cli.workdir.parent / "stderr.txt"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        proc = cli.popen(fake, "generate", str(image), "-p", PROMPT, "-o", str(out), stdout=stdout, stderr=stderr)

        def waiting() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"exited early ({proc.returncode}): {stderr_path.read_text(encoding='utf-8')}")
            # Journalled, and two status checks made: the command is inside its wait loop.
            return len(cli.journal_rows()) == 1 and len(fake.jobs) == 1 and fake.jobs[0].polls >= 2

        with reaped(proc):
            wait_until(waiting, "the generation to be journalled and polled")
            proc.send_signal(signum)
            code = proc.wait(TIMEOUT)
    out_text, err_text = stdout_path.read_text(encoding="utf-8"), stderr_path.read_text(encoding="utf-8")
    cli.assert_no_key(out_text + err_text)
    return code, out_text, err_text


@pytest.fixture
def out(cli: Cli, png: Path) -> Path:
    """The output path, alone in its directory (so temporary files would show); the image sits beside it."""
    (cli.workdir / "image.png").write_bytes(png.read_bytes())
    videos = cli.workdir / "videos"
    videos.mkdir()
    return videos / "out.mp4"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_interrupt_then_resume(
    cli: Cli, slow: FakeAIMLAPI, clock: ManualClock, out: Path, signum: signal.Signals
) -> None:
    """Ctrl-C while waiting: exit 130 with the id and the resume command; ``resume ID`` then finishes the job."""
    code, stdout, stderr = start_and_signal(cli, slow, out, signum)

    generation_id = slow.jobs[0].id
    assert 130 == code
    assert "" == stdout
    last = stderr.splitlines()[-1]
    assert last.startswith("error: interrupted")
    assert generation_id in last
    assert f"aimlapi-video resume {generation_id}" in last
    assert "Traceback" not in stderr
    assert [(generation_id, "queued", 0, str(out))] == cli.journal_rows()
    assert [] == list(out.parent.iterdir())  # no video, no temporary file

    clock.advance(JOB_SECONDS)
    resumed = cli.run(slow, "resume", generation_id)

    assert 0 == resumed.returncode, resumed.stderr
    assert True is is_mp4(out)
    assert [out] == list(out.parent.iterdir())
    assert f"output: {out}" in resumed.stdout.splitlines()
    assert Counters(jobs_created=1, post_requests=1) == Counters(
        jobs_created=slow.counters.jobs_created, post_requests=slow.counters.post_requests
    )
    assert [(generation_id, "completed", 1, str(out))] == cli.journal_rows()


def test_sigkill_then_resume_last(cli: Cli, slow: FakeAIMLAPI, clock: ManualClock, out: Path) -> None:
    """kill -9 while waiting: the journal still has the id; ``resume --last`` waits, downloads, creates nothing."""
    code, _, stderr = start_and_signal(cli, slow, out, signal.SIGKILL)

    generation_id = slow.jobs[0].id
    assert -signal.SIGKILL == code
    assert f"submitted {generation_id}" == stderr.splitlines()[0]
    assert [(generation_id, "queued", 0, str(out))] == cli.journal_rows()
    assert [] == list(out.parent.iterdir())

    clock.advance(JOB_SECONDS)
    resumed = cli.run(slow, "resume", "--last", "--json")

    assert 0 == resumed.returncode, resumed.stderr
    document = json.loads(resumed.stdout)
    assert (generation_id, "completed", str(out)) == (document["id"], document["status"], document["output"])
    assert True is is_mp4(out)
    assert (1, 1) == (slow.counters.jobs_created, slow.counters.post_requests)

    # Resuming a saved generation again answers from the journal: no request at all.
    before = slow.counters
    again = cli.run(slow, "resume", generation_id, "--json")
    assert (0, str(out)) == (again.returncode, json.loads(again.stdout)["output"])
    assert Counters() == counters_delta(before, slow.counters)


def test_resume_unknown_id_exits_2(cli: Cli, slow: FakeAIMLAPI) -> None:
    """resume of an id the journal does not hold: exit 2, one error line, nothing sent."""
    result = cli.run(slow, "resume", "no-such-id")

    assert 2 == result.returncode
    line = error_line(result)
    assert [line] == result.stderr.splitlines()
    assert line.startswith("error: no journalled generation no-such-id")
    assert Counters() == slow.counters


@pytest.fixture
def slow_post() -> Iterator[FakeAIMLAPI]:
    """An emulator that creates the job at once but answers the POST only after three seconds."""
    scenario = Scenario(post_faults=(Fault.slow(3.0),))
    with FakeAIMLAPI(scenario, api_key="sk-test-interrupt-key-0123456789") as fake:
        yield fake


def interrupt_during_submit(
    cli: Cli, fake: FakeAIMLAPI, out: Path, times: int, signum: int = signal.SIGINT
) -> tuple[int, str]:
    """Start ``generate``, send ``signum`` ``times`` times while the paid POST is in flight; exit code and
    stderr."""
    image = out.parent.parent / "image.png"
    stdout_path, stderr_path = cli.workdir.parent / "stdout.txt", cli.workdir.parent / "stderr.txt"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        command = ("generate", str(image), "-p", PROMPT, "-o", str(out))
        with reaped(cli.popen(fake, *command, stdout=stdout, stderr=stderr)) as proc:
            wait_until(lambda: fake.counters.jobs_created == 1, "the job to be created (answer pending)")
            proc.send_signal(signum)
            if times == 2:
                wait_until(lambda: "interrupt:" in stderr_path.read_text(encoding="utf-8"), "the first SIGINT")
                proc.send_signal(signal.SIGINT)
            code = proc.wait(TIMEOUT)
    err_text = stderr_path.read_text(encoding="utf-8")
    cli.assert_no_key(err_text)
    return code, err_text


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP (terminal closed)"]
)
def test_ctrl_c_during_the_paid_post_waits_for_the_id_and_journals_it(
    cli: Cli, slow_post: FakeAIMLAPI, out: Path, signum: int
) -> None:
    """The first Ctrl-C (or kill, or hang-up) during submit is held until the id is journalled: exit 130 with a
    resume command."""
    code, stderr = interrupt_during_submit(cli, slow_post, out, times=1, signum=signum)

    generation_id = slow_post.jobs[0].id
    assert 130 == code
    assert "interrupt: finishing the submit so its id is not lost" in stderr
    assert f"aimlapi-video resume {generation_id}" in stderr.splitlines()[-1]
    assert [(generation_id, "queued", 0, str(out))] == cli.journal_rows()
    assert (1, 1) == (slow_post.counters.jobs_created, slow_post.counters.post_requests)


def test_a_hang_up_under_nohup_is_ignored_as_nohup_asks(cli: Cli, slow_post: FakeAIMLAPI, out: Path) -> None:
    """Started with SIGHUP ignored (``nohup``), the run is meant to outlive its terminal: a hang-up during the
    paid POST changes nothing, and the video is saved."""
    image = out.parent.parent / "image.png"
    ignoring = ["bash", "-c", 'trap "" HUP; exec "$@"', "bash", sys.executable, "-m", "aimlapi_video"]
    started = subprocess.Popen(
        [*ignoring, "generate", str(image), "-p", PROMPT, "-o", str(out)],
        env=cli.env(slow_post),
        cwd=cli.workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with reaped(started) as proc:
        wait_until(lambda: slow_post.counters.jobs_created == 1, "the job to be created (answer pending)")
        proc.send_signal(signal.SIGHUP)
        code = proc.wait(TIMEOUT)
    assert 0 == code
    assert is_mp4(out)


def test_a_second_ctrl_c_during_the_post_aborts_as_uncertain(cli: Cli, slow_post: FakeAIMLAPI, out: Path) -> None:
    """Interrupting twice gives up on the answer: exit 5 says a generation may exist; nothing is resent."""
    code, stderr = interrupt_during_submit(cli, slow_post, out, times=2)

    assert 5 == code
    assert "may have been created" in stderr.splitlines()[-1]
    assert re.search(r"The request carried X-Client-Request-Id aimlapi-video-\S+\.", stderr.splitlines()[-1])
    assert [] == cli.journal_rows()
    assert (1, 1) == (slow_post.counters.jobs_created, slow_post.counters.post_requests)


class HeadThenStall:
    """A loopback server that answers a POST with a 200 head naming the generation (``x-inference-id``) and
    then sends no body until stopped: an answer cut short after its headers."""

    def __init__(self, generation_id: str) -> None:
        self.generation_id = generation_id
        self.posts = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HeadThenStall:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(TIMEOUT)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self._listener.accept()
            with conn:
                received = b""
                while b"\r\n\r\n" not in received:  # the headers; the body (the image) follows
                    received += conn.recv(65536)
                self.posts += 1
                head = f"HTTP/1.1 200 OK\r\nx-inference-id: {self.generation_id}\r\nContent-Length: 80\r\n\r\n"
                conn.sendall(head.encode() + b'{"id": ')
                self._stop.wait(TIMEOUT)


def test_a_second_ctrl_c_after_the_answers_head_keeps_its_id(cli: Cli, slow_post: FakeAIMLAPI, out: Path) -> None:
    """The answer's head arrived (x-inference-id) but its body stalls; a second Ctrl-C gives up on the body,
    not on the id: journalled and printed with its resume command (exit 130), not lost as uncertain (exit 5)."""
    image = out.parent.parent / "image.png"
    stderr_path = cli.workdir.parent / "stderr.txt"
    with HeadThenStall("gen-from-head") as server, stderr_path.open("wb") as stderr:
        env = {**cli.env(slow_post), "AIMLAPI_BASE_URL": server.base_url}
        started = subprocess.Popen(
            [sys.executable, "-m", "aimlapi_video", "generate", str(image), "-p", PROMPT, "-o", str(out)],
            env=env,
            cwd=cli.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        with reaped(started) as proc:
            wait_until(lambda: server.posts == 1, "the POST to be answered with a head")
            proc.send_signal(signal.SIGINT)
            wait_until(lambda: "interrupt:" in stderr_path.read_text(encoding="utf-8"), "the first SIGINT")
            proc.send_signal(signal.SIGINT)
            code = proc.wait(TIMEOUT)
    last = stderr_path.read_text(encoding="utf-8").splitlines()[-1]
    assert 130 == code
    assert "generation gen-from-head was created" in last
    assert "aimlapi-video resume gen-from-head" in last
    assert [("gen-from-head", "queued", 0, str(out))] == cli.journal_rows()
