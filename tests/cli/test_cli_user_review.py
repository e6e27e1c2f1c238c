"""Defects a user-level review of the command found (session 4), each with the behaviour it now has."""

from __future__ import annotations

import json
import shlex
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimlapi_video import APIError, GenerationFailedError, InvalidInputError, VideoUrlExpiredError
from aimlapi_video.cli._app import resume
from aimlapi_video.cli._journal import Journal
from aimlapi_video.cli._messages import cli_wording, follow_command
from aimlapi_video.cli._runtime import EXIT, Interrupted, Options, exit_code_for
from aimlapi_video.testing import FakeAIMLAPI, Fault, JobPlan, Outcome, Scenario, UsageStyle

from .conftest import Cli, error_line, is_mp4

PROMPT = "The lady smiles"


@pytest.fixture(scope="module")
def failing() -> Iterator[FakeAIMLAPI]:
    """An emulator whose every job ends in ``error``."""
    with FakeAIMLAPI(Scenario(default_job=JobPlan(outcome=Outcome.ERROR, error_message="Inappropriate content."))) as f:
        yield f


def test_with_stderr_closed_a_generation_is_still_finished(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """Started with ``2>&-`` (no stderr at all), generate still waits and saves: progress has nowhere to go, so
    none is shown. It used to fail right after paying, on ``None.isatty()``, with exit 1."""
    out = cli.workdir / "out.mp4"
    result = cli.run_closed(fake, "stderr", "generate", str(png), "-p", PROMPT, "-o", str(out), "--json")
    assert (0, "completed") == (result.returncode, json.loads(result.stdout)["status"])
    assert is_mp4(out)


def test_a_failed_generation_is_not_offered_a_resume(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """Nothing is left to finish: the error names the id, not a ``resume`` that would only fail again."""
    result = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", str(cli.workdir / "out.mp4"))
    line = error_line(result)
    assert 1 == result.returncode
    assert f"[generation id: {failing.jobs[-1].id}]" in line
    assert "resume" not in line


@pytest.mark.parametrize(
    ("generation_id", "base_url", "expected"),
    [
        ("abc123", None, "aimlapi-video resume abc123"),
        ("-Afb886YkSB7oNkROJr2S", None, "aimlapi-video resume -- -Afb886YkSB7oNkROJr2S"),
        ("id:with/odd chars", None, "aimlapi-video resume 'id:with/odd chars'"),
        ("abc", "http://127.0.0.1:8125", "aimlapi-video resume --base-url http://127.0.0.1:8125 abc"),
    ],
)
def test_the_printed_command_can_be_pasted(generation_id: str, base_url: str | None, expected: str) -> None:
    """An id that starts with ``-`` is not read as an option, and a server given on the command line is kept."""
    assert expected == follow_command("resume", generation_id, base_url)
    assert shlex.split(expected)[-1] == generation_id


def test_an_interrupt_names_the_command_with_its_server() -> None:
    message = str(Interrupted("-x1", base_url="http://127.0.0.1:9", journalled=False))
    assert message.endswith(
        "Finish it with: aimlapi-video wait --base-url http://127.0.0.1:9 -- -x1 (it was not journalled)"
    )


def test_an_unexpected_error_is_not_called_a_failed_generation() -> None:
    """Exit 1 means the generation failed; a bug is reported as exit 3 (with --debug showing the traceback)."""
    assert 3 == exit_code_for(AttributeError("boom")) == EXIT["api"]


@pytest.mark.parametrize("generation_id", ["-Afb886YkSB7oNkROJr2S", "abc:alibaba/wan", "x y"])
def test_the_printed_command_is_read_back_by_the_cli_as_meant(generation_id: str) -> None:
    """Parsed by the ``resume`` command itself: the id is the argument, the server the option."""
    words = shlex.split(follow_command("resume", generation_id, "http://127.0.0.1:9/v1?x=1"))
    context = resume.make_context("resume", words[2:])
    assert (generation_id, "http://127.0.0.1:9/v1?x=1") == (context.params["generation_id"], context.params["base_url"])


def test_download_of_a_failed_generation_exits_1(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """Exit 1 (the generation failed) with the API's reason, not exit 2 (a usage error); no file."""
    submitted = cli.run(failing, "submit", str(png), "-p", PROMPT)
    generation_id = submitted.stdout.strip()
    cli.run(failing, "wait", "--", generation_id)  # it has failed by now

    result = cli.run(failing, "download", "-o", str(cli.workdir / "v.mp4"), "--", generation_id)

    assert 1 == result.returncode
    assert error_line(result).startswith(f"error: generation {generation_id} failed: ")
    assert "Inappropriate content." in result.stderr
    assert [] == [p.name for p in cli.workdir.iterdir() if p.suffix == ".mp4"]


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("existing output", "--output: "),
        ("missing directory", "--output: directory "),
        ("no key", "API key"),
        ("plain http to a remote host", "http"),
    ],
)
def test_a_dry_run_refuses_what_the_real_run_would(
    cli: Cli, fake: FakeAIMLAPI, png: Path, problem: str, expected: str
) -> None:
    """A dry run that prints a request the real run would refuse is a false green: it makes the same checks
    (but the journal's), exits 2 with the same message, and sends nothing."""
    taken = cli.workdir / "taken.mp4"
    taken.write_bytes(b"keep me")
    args = ["generate", str(png), "-p", PROMPT, "--dry-run"]
    api_key: str | None = "fake"
    match problem:
        case "existing output":
            args += ["-o", str(taken)]
        case "missing directory":
            args += ["-o", str(cli.workdir / "nope" / "v.mp4")]
        case "no key":
            api_key = None
        case _:
            args += ["--base-url", "http://example.com"]
    before = fake.counters

    dry = cli.run(fake, *args, api_key=api_key)
    real = cli.run(fake, *[a for a in args if a != "--dry-run"], api_key=api_key)

    assert (2, 2, "") == (dry.returncode, real.returncode, dry.stdout)
    assert expected in error_line(dry)
    assert error_line(dry) == error_line(real)
    assert before == fake.counters
    assert b"keep me" == taken.read_bytes()


def test_a_dry_run_still_prints_the_request_when_all_is_well(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "--dry-run", "-o", str(cli.workdir / "new.mp4"))
    assert (0, PROMPT) == (result.returncode, json.loads(result.stdout)["prompt"])


def test_a_listing_keeps_one_line_per_job(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A prompt with a newline, a tab or an escape character is shown on one line with four tabs."""
    cli.run(fake, "submit", str(png), "-p", "line one\n\tline two\x1b[31m red")
    listing = cli.run(fake, "jobs", "--limit", "1").stdout.splitlines()
    assert 1 == len(listing)
    assert "line one line two [31m red" == listing[0].split("\t")[3]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--seed", "-1"], "error: --seed: must be between 0 and "),
        (["--extra", "seed=3"], "error: --extra: seed is set by the command's own options and arguments, not --extra"),
        (["--extra", "cfg=NaN"], "error: --extra: cfg: "),
    ],
)
def test_errors_name_the_options_a_user_typed(
    cli: Cli, fake: FakeAIMLAPI, png: Path, args: list[str], expected: str
) -> None:
    """Not the library's argument names (``seed:``, ``extra:``) nor its Python hints (``pass it by name``)."""
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, *args)
    assert 2 == result.returncode
    assert error_line(result).startswith(expected)


def test_a_key_file_with_two_lines_names_the_key_not_an_argument(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    key_file = cli.workdir / "key"
    key_file.write_text("one\ntwo\n", encoding="utf-8")
    key_file.chmod(0o600)
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--api-key-file", str(key_file), api_key=None)
    assert 2 == result.returncode
    assert error_line(result).startswith(f"error: --api-key-file {key_file}: ")
    assert "api_key" not in result.stderr


def test_a_key_given_to_api_key_file_by_mistake_is_not_echoed(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """``--api-key-file sk-...`` (the key instead of a path): the error says what the option takes, and the
    value, which may be the key, is shown nowhere (nor in --json)."""
    secret = "sk-0123456789abcdef0123456789abcdef"
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--api-key-file", secret, "--json", api_key=None)
    assert 2 == result.returncode
    assert (
        "--api-key-file: no such file (the option takes the path of a file holding the key, not the key)"
        == (json.loads(result.stdout)["error"])
    )
    assert secret not in result.stdout + result.stderr


def test_submit_still_prints_the_id_when_the_journal_fails_after_the_post(
    cli: Cli, fake: FakeAIMLAPI, png: Path
) -> None:
    """``ID=$(aimlapi-video submit ...)``: the journal passes its check but refuses the real write (a trigger
    stands in for a disk error); the generation exists, so its id still goes to stdout (exit 3, the reason on
    stderr)."""
    Journal(cli.journal).ensure()
    with sqlite3.connect(cli.journal) as conn:
        conn.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON generations WHEN NEW.id != 'aimlapi-video-probe'"
            " BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
        )
    before = {job.id for job in fake.jobs}
    result = cli.run(fake, "submit", str(png), "-p", PROMPT)
    [created] = [job.id for job in fake.jobs if job.id not in before]
    assert (3, f"{created}\n") == (result.returncode, result.stdout)
    assert "disk I/O error (simulated)" in result.stderr


def test_an_output_another_unfinished_generation_is_headed_for_is_refused(
    cli: Cli, fake: FakeAIMLAPI, png: Path
) -> None:
    """The same command run again while the first still waits (in another terminal) would pay for a second
    video for one file: refused before the POST, naming the first and how to finish it; --overwrite makes a
    second one all the same."""
    out = cli.workdir / "clip.mp4"
    Journal(cli.journal).record(
        "gen-first", model="m", params={}, base_url=fake.base_url, status="generating", output_path=str(out)
    )
    before = fake.counters.post_requests

    refused = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))
    again = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "--overwrite")

    assert 2 == refused.returncode
    assert error_line(refused) == (
        f"error: --output: {out} is where generation gen-first (not finished yet) will be saved: finish it with"
        " aimlapi-video resume gen-first, or pass --overwrite to make another"
    )
    assert (0, 1) == (again.returncode, fake.counters.post_requests - before)
    assert is_mp4(out)


@pytest.mark.parametrize("spelling", ["relative", "dotdot", "symlinked folder"])
def test_the_same_output_spelled_another_way_is_refused_too(
    cli: Cli, fake: FakeAIMLAPI, png: Path, spelling: str
) -> None:
    """ "clip.mp4", "sub/../clip.mp4" or "link/clip.mp4" (link -> .) all name the file the first generation is
    headed for: each is refused, and nothing is sent."""
    out = cli.workdir / "clip.mp4"
    (cli.workdir / "sub").mkdir()
    (cli.workdir / "link").symlink_to(cli.workdir)
    given = {"relative": "clip.mp4", "dotdot": "sub/../clip.mp4", "symlinked folder": "link/clip.mp4"}[spelling]
    Journal(cli.journal).record(
        "gen-first", model="m", params={}, base_url=fake.base_url, status="generating", output_path=str(out)
    )
    before = fake.counters.post_requests

    refused = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", given)

    assert (2, 0) == (refused.returncode, fake.counters.post_requests - before)
    assert "is where generation gen-first (not finished yet) will be saved" in error_line(refused)


def test_an_unfinished_generation_on_another_server_blocks_nothing_here(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A generation left unfinished on another server (an emulator of last week) cannot be resumed from this
    one, so it does not block this server's run to the same file."""
    out = cli.workdir / "clip.mp4"
    Journal(cli.journal).record(
        "gen-elsewhere", model="m", params={}, base_url="http://127.0.0.1:9", status="queued", output_path=str(out)
    )
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))
    assert 0 == result.returncode, result.stderr
    assert is_mp4(out)


def test_a_failed_generations_output_is_free_again_whatever_status_checks_said(cli: Cli, png: Path) -> None:
    """generate fails (exit 1), then status reports it as the API says, "Error": the journal keeps "error",
    so a new generate to the same output is not refused as if the first were still on its way."""
    out = cli.workdir / "clip.mp4"
    failure = {"id": "{id}", "status": "Error", "error": {"name": "ModelError", "message": "out of memory"}}
    scenario = Scenario(default_job=JobPlan(outcome=Outcome.ERROR))
    with FakeAIMLAPI(scenario) as failing:
        first = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", str(out))
        [job] = failing.jobs
        failing.add_faults("get", Fault.answer(failure))
        checked = cli.run(failing, "status", job.id)
        again = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", str(out))

    assert (1, 1, 1) == (first.returncode, checked.returncode, again.returncode)
    assert "out of memory" in error_line(checked)
    assert "not finished yet" not in again.stderr
    assert 2 == len(failing.jobs)


def test_no_key_says_how_to_give_one_on_the_command_line(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, api_key=None)
    assert "error: no API key: use --api-key-file or set AIMLAPI_API_KEY (or AIML_API_KEY, AIMLAPI_KEY)" == error_line(
        result
    )


def options(base_url: str | None = None, api_key_file: Path | None = None) -> Options:
    return Options(as_json=False, quiet=False, debug=False, base_url=base_url, api_key_file=api_key_file)


def test_an_expired_url_names_the_command_that_fetches_a_fresh_one() -> None:
    """``call get('ID')`` is the library's advice; on the command line it is ``download ID``."""
    message = cli_wording(VideoUrlExpiredError(403, "-abc"), options("http://127.0.0.1:9"))
    assert message.endswith(
        "it may have expired: aimlapi-video download --base-url http://127.0.0.1:9 -- -abc fetches a fresh one"
    )


def test_the_printed_command_recovers_from_an_expired_url(cli: Cli, png: Path) -> None:
    """generate's URL is refused as expired (exit 3); the command the error names, run as printed, fetches a
    fresh URL and saves the video where generate was told to."""
    out = cli.workdir / "out.mp4"
    with FakeAIMLAPI(Scenario(video_faults=(Fault.expired(),))) as fake:
        failed = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))
        line = error_line(failed)
        argv = shlex.split(line.rpartition("finish it with: ")[2].removesuffix(")]"))
        recovered = cli.run(fake, *argv[1:])

    assert 3 == failed.returncode
    assert "it may have expired: finishing it fetches a fresh one [generation id: " in line
    assert ["aimlapi-video", "resume"] == argv[:2]
    assert 0 == recovered.returncode, recovered.stderr
    assert is_mp4(out)


@pytest.mark.parametrize(
    "exc",
    [
        APIError(400, "generate_audio=False is not supported; pass api_key= or set it; the client's max_image_bytes="),
        GenerationFailedError("g1", "GenerationError", "extra: has its own argument; pass it by name instead"),
        InvalidInputError("image", "no such file: 'generate_audio=False has its own argument.png'"),
    ],
    ids=["server-text", "job-failure", "user-file-name"],
)
def test_only_the_librarys_own_advice_is_reworded(exc: Exception) -> None:
    """A server's message, a job's failure and a name the user typed come through as they are."""
    expected = str(exc) if not isinstance(exc, InvalidInputError) else f"IMAGE: {exc.reason}"
    assert expected == cli_wording(exc, options())


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [("http://example.com", "--base-url: "), (None, "AIMLAPI_BASE_URL: ")],
)
def test_the_server_is_named_where_it_came_from(base_url: str | None, expected: str) -> None:
    exc = InvalidInputError("base_url", "plain http to example.com would send the API key unencrypted; use https")
    assert cli_wording(exc, options(base_url)).startswith(expected)


def test_a_key_problem_names_the_key_file_it_came_from(tmp_path: Path) -> None:
    exc = InvalidInputError("api_key", "the API key is empty")
    assert ("the API key is empty", f"--api-key-file {tmp_path}: the API key is empty") == (
        cli_wording(exc, options()),
        cli_wording(exc, options(api_key_file=tmp_path)),
    )


def test_a_broken_journal_is_named(cli: Cli, fake: FakeAIMLAPI) -> None:
    """SQLite says "file is not a database"; the user needs to know which file."""
    cli.home.mkdir(parents=True, exist_ok=True)
    cli.journal.write_bytes(b"this is not sqlite" * 100)
    result = cli.run(fake, "jobs")
    assert 3 == result.returncode
    assert error_line(result) == f"error: the journal {cli.journal}: file is not a database"


def test_with_stdout_closed_submit_says_the_id_is_unprinted(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """Started with ``>&-``, the id cannot be printed: exit 3 with the id on stderr (as for a full stdout),
    not exit 0 with nothing anywhere."""
    result = cli.run_closed(fake, "stdout", "submit", str(png), "-p", PROMPT)
    assert 3 == result.returncode
    assert f"error: could not print the result (standard output is closed): {fake.jobs[-1].id}" == error_line(result)


def test_the_cost_of_a_model_reporting_usd_is_shown_in_credits_and_usd(cli: Cli, png: Path) -> None:
    """The emulator answers like a newer model: ``usd_spent`` in the body, credits in a header; --json shows
    both, where it showed ``credits_used: null``."""
    plan = JobPlan(usage_style=UsageStyle.USD, credits_used=210_000)
    with FakeAIMLAPI(Scenario(default_job=plan)) as fake:
        result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(cli.workdir / "v.mp4"), "--json")
    document = json.loads(result.stdout)
    assert (0, 210_000.0, 0.105) == (result.returncode, document["credits_used"], document["usd_spent"])


def test_resume_of_a_video_already_saved_reports_what_the_journal_kept_usd_included(cli: Cli, png: Path) -> None:
    """resume of a saved video asks nothing of the API; its --json now gives the USD the journal kept too (it
    kept only credits, so usd_spent was null)."""
    plan = JobPlan(usage_style=UsageStyle.USD, credits_used=210_000)
    out = cli.workdir / "v.mp4"
    with FakeAIMLAPI(Scenario(default_job=plan)) as fake:
        generated = json.loads(cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "--json").stdout)
        before = fake.counters
        resumed = cli.run(fake, "resume", generated["id"], "--json")
        after = fake.counters
    document = json.loads(resumed.stdout)
    assert (0, 210_000.0, 0.105) == (resumed.returncode, document["credits_used"], document["usd_spent"])
    assert before == after


def test_a_journal_made_before_usd_spent_existed_is_read_and_extended(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A journal written by an earlier version (no usd_spent column) still lists its entries, and gains the
    column at its first use, keeping every row."""
    cli.journal.parent.mkdir(parents=True)
    with sqlite3.connect(cli.journal) as conn:
        conn.execute(
            "CREATE TABLE generations (id TEXT PRIMARY KEY, model TEXT NOT NULL, params TEXT NOT NULL,"
            " base_url TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, status TEXT NOT NULL,"
            " video_url TEXT, credits_used REAL, output_path TEXT, saved INTEGER NOT NULL DEFAULT 0, error TEXT)"
        )
        conn.execute(
            "INSERT INTO generations VALUES ('gen-old', 'm', '{}', ?, '2026-01-01T00:00:00+00:00',"
            " '2026-01-01T00:00:00+00:00', 'completed', NULL, 400000, NULL, 1, NULL)",
            (fake.base_url,),
        )
    listed = json.loads(cli.run(fake, "jobs", "--json").stdout)["jobs"]
    made = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(cli.workdir / "v.mp4"))
    with sqlite3.connect(cli.journal) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(generations)")]
        rows = conn.execute("SELECT id FROM generations ORDER BY created_at").fetchall()
    assert ["gen-old"] == [job["id"] for job in listed]
    assert (0, "usd_spent") == (made.returncode, columns[-1])
    assert ["gen-old", fake.jobs[-1].id] == [row[0] for row in rows]


@pytest.mark.parametrize("command", [["jobs"], ["submit", "IMG", "-p", PROMPT, "--dry-run"]])
def test_with_stdout_closed_every_printing_command_says_so(
    cli: Cli, fake: FakeAIMLAPI, png: Path, command: list[str]
) -> None:
    """Not only the results that go through the common printer: a listing and a dry run too."""
    cli.run(fake, "submit", str(png), "-p", PROMPT)  # something to list
    result = cli.run_closed(fake, "stdout", *[str(png) if word == "IMG" else word for word in command])
    assert (3, "error: could not print the result (standard output is closed)") == (
        result.returncode,
        error_line(result),
    )


def test_a_listing_keeps_one_line_per_job_whatever_the_output_name(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    out = cli.workdir / "two\nlines.mp4"
    cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))
    listing = cli.run(fake, "jobs", "--limit", "1").stdout.splitlines()
    assert [str(out).replace("\n", " ")] == [line.split("\t")[4] for line in listing]


def test_a_journal_error_names_the_file_and_keeps_its_sqlite_code(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(sqlite3.DatabaseError) as info:
        Journal(path).entries()
    assert (f"the journal {path}: file is not a database", 26) == (str(info.value), info.value.sqlite_errorcode)
