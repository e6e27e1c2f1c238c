"""End-to-end: the CLI checks everything it can before the paid request, and never drops an id after it."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimlapi_video.testing import Counters, FakeAIMLAPI, Fault, JobPlan, Scenario

from .conftest import TIMEOUT, Cli, counters_delta, error_line, is_mp4, wait_until

PROMPT = "The sun rises"


@pytest.mark.parametrize("timeout", ["0", "-5", "nan", "inf"])
def test_a_bad_timeout_is_refused_before_anything_is_sent(cli: Cli, fake: FakeAIMLAPI, png: Path, timeout: str) -> None:
    """--timeout is checked when the command line is read, not after the generation was created and paid."""
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4", "--timeout", timeout)
    assert 2 == result.returncode
    assert "--timeout" in error_line(result)
    assert Counters() == counters_delta(before, fake.counters)


def test_an_unusable_journal_is_refused_before_anything_is_sent(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A journal that cannot be written would lose the id after paying; it is found out first (exit 2)."""
    cli.home.parent.joinpath("not-a-dir").write_text("a file, not a folder")
    cli.home = cli.home.parent / "not-a-dir" / "home"
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4")
    assert 2 == result.returncode
    assert error_line(result).startswith("error: AIMLAPI_VIDEO_HOME: cannot write the journal")
    assert Counters() == counters_delta(before, fake.counters)


def test_a_dangling_symlink_output_is_refused_before_anything_is_sent(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The download would refuse it after the wait; the same rule applies before the POST."""
    (cli.workdir / "out.mp4").symlink_to(cli.workdir / "missing-target.mp4")
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4")
    assert 2 == result.returncode
    assert "already exists" in error_line(result)
    assert Counters() == counters_delta(before, fake.counters)


def test_errors_after_the_submit_carry_the_id_even_in_json(cli: Cli, png: Path) -> None:
    """A wait that gives up still reports which (billed) generation it was, in the line and in --json."""
    failing = Scenario(default_job=JobPlan(get_faults=(Fault.http_error(500),) * 10))
    with FakeAIMLAPI(failing, api_key="sk-test-review-key-000111222333") as fake:
        result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4", "--json")
        generation_id = fake.jobs[0].id
    assert 3 == result.returncode
    assert generation_id == json.loads(result.stdout)["id"]
    assert f"aimlapi-video resume {generation_id}" in error_line(result)


def test_submit_then_resume_downloads_to_a_default_name(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A generation made by submit has no output path; resume still finishes the job with <id>.mp4."""
    generation_id = cli.run(fake, "submit", str(png), "-p", PROMPT).stdout.strip()
    result = cli.run(fake, "resume", generation_id, "--json")
    assert 0 == result.returncode, result.stderr
    saved = Path(json.loads(result.stdout)["output"])
    assert cli.workdir == saved.parent
    assert True is is_mp4(saved)


def test_resume_from_another_directory_finds_the_saved_file(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The journal holds absolute paths: resuming elsewhere neither downloads again nor writes a second copy."""
    assert 0 == cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4").returncode
    elsewhere = cli.workdir.parent / "elsewhere"
    elsewhere.mkdir()
    cli.workdir, home = elsewhere, cli.workdir
    before = fake.counters
    result = cli.run(fake, "resume", "--last", "--json")
    assert 0 == result.returncode, result.stderr
    assert str(home / "out.mp4") == json.loads(result.stdout)["output"]
    assert [] == list(elsewhere.iterdir())
    assert Counters() == counters_delta(before, fake.counters)


def test_resume_refuses_to_send_the_key_to_another_server_than_configured(
    cli: Cli, fake: FakeAIMLAPI, png: Path
) -> None:
    """The journal names the server a job was made on; the configured key goes there only when asked."""
    generation_id = cli.run(fake, "submit", str(png), "-p", PROMPT).stdout.strip()
    result = cli.run(fake, "resume", generation_id, "--base-url", "https://api.aimlapi.com")
    assert 2 == result.returncode
    line = error_line(result)
    assert f"created on {fake.base_url}" in line
    assert f"--base-url {fake.base_url}" in line


def test_wait_journals_an_id_it_did_not_know(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """`wait ID` for a generation made elsewhere records it, so the resume command it may print works."""
    generation_id = cli.run(fake, "submit", str(png), "-p", PROMPT).stdout.strip()
    cli.home = cli.home.parent / "another-home"
    assert 0 == cli.run(fake, "wait", generation_id).returncode
    listed = cli.run(fake, "jobs", "--json")
    assert [generation_id] == [job["id"] for job in json.loads(listed.stdout)["jobs"]]


@pytest.fixture
def rate_limited() -> Iterator[FakeAIMLAPI]:
    """An emulator whose first POST is refused with 429 and a five-second Retry-After."""
    scenario = Scenario(post_faults=(Fault.rate_limited(retry_after=5),))
    with FakeAIMLAPI(scenario, api_key="sk-test-review-key-444555666777") as fake:
        yield fake


def test_ctrl_c_while_waiting_out_a_429_stops_at_once_and_creates_nothing(
    cli: Cli, rate_limited: FakeAIMLAPI, png: Path
) -> None:
    """Before the paid request leaves, an interrupt is not held back: exit 130, no job, no second POST."""
    err = cli.workdir.parent / "stderr.txt"
    with err.open("wb") as stderr, (cli.workdir.parent / "stdout.txt").open("wb") as stdout:
        proc = cli.popen(
            rate_limited, "generate", str(png), "-p", PROMPT, "-o", "out.mp4", stdout=stdout, stderr=stderr
        )
        with proc:
            wait_until(lambda: rate_limited.counters.post_requests == 1, "the first (refused) POST")
            proc.send_signal(signal.SIGINT)
            code = proc.wait(TIMEOUT)
    text = err.read_text(encoding="utf-8")
    assert 130 == code
    assert "nothing was created" in text.splitlines()[-1]
    assert (0, 1) == (rate_limited.counters.jobs_created, rate_limited.counters.post_requests)
