"""End-to-end: where videos go by default, what resume may overwrite, what the journal keeps, and how the
command reports problems that are not the API's (a full stdout, a readable key file, a server's multi-line
message). Each case is one a review reproduced against the real command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video import VideoClient
from aimlapi_video.cli._generation import finish, journalled_submit, output_for
from aimlapi_video.cli._runtime import Options
from aimlapi_video.testing import FakeAIMLAPI, JobPlan, Outcome, Scenario

from .conftest import TINY_PNG, Cli, counters_delta, error_line, is_mp4

PROMPT = "The lady smiles"


def test_generate_without_output_saves_to_the_generations_id(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The default name is <id>.mp4, as for resume and download: two runs never race for one name."""
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "--json")
    assert 0 == result.returncode, result.stderr
    document = json.loads(result.stdout)
    expected = cli.workdir / f"{document['id'].replace(':', '_').replace('/', '_')}.mp4"
    assert str(expected) == document["output"]
    assert is_mp4(expected)


def test_resume_never_reports_success_for_an_unrelated_existing_file(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """resume -o OTHER after a saved generation must not claim OTHER holds the video, nor replace it."""
    assert 0 == cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "saved.mp4").returncode
    other = cli.workdir / "precious.txt"
    other.write_text("precious")
    result = cli.run(fake, "resume", "--last", "-o", "precious.txt")
    assert 2 == result.returncode
    assert "--overwrite" in error_line(result)
    assert "precious" == other.read_text()


def test_resume_to_a_new_output_downloads_there(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A saved generation can be fetched again to another file."""
    assert 0 == cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "saved.mp4").returncode
    result = cli.run(fake, "resume", "--last", "-o", "copy.mp4", "--json")
    assert 0 == result.returncode, result.stderr
    assert str(cli.workdir / "copy.mp4") == json.loads(result.stdout)["output"]
    assert is_mp4(cli.workdir / "copy.mp4")


def test_resume_overwrite_replaces_the_output(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """resume has --overwrite, so a file in the way does not make a generation unrecoverable."""
    submitted = cli.run(fake, "submit", str(png), "-p", PROMPT)
    generation_id = submitted.stdout.strip()
    (cli.workdir / "out.mp4").write_bytes(b"stale")
    assert 2 == cli.run(fake, "resume", generation_id, "-o", "out.mp4").returncode
    assert 0 == cli.run(fake, "resume", generation_id, "-o", "out.mp4", "--overwrite").returncode
    assert is_mp4(cli.workdir / "out.mp4")


def test_a_mistyped_wait_is_not_journalled_nor_offered_to_resume(cli: Cli, fake: FakeAIMLAPI) -> None:
    """A 404 proves the id names nothing: it must not become `resume --last`, and no resume is suggested."""
    result = cli.run(fake, "wait", "typo-id")
    assert 3 == result.returncode
    assert "resume" not in error_line(result)
    assert [] == cli.journal_rows()


def test_a_stdout_that_cannot_be_written_is_one_error_line(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The job was made, but its report could not be printed (a full disk): exit 3 with one line, no traceback."""
    result = run_to_full_stdout(cli, fake, "submit", str(png), "-p", PROMPT, "--json")
    assert 3 == result.returncode
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: could not print the result")
    assert 1 == len(cli.journal_rows())  # the generation itself is journalled


def test_a_key_file_readable_by_others_is_warned_about(cli: Cli, fake: FakeAIMLAPI, tmp_path: Path) -> None:
    """The warning reaches the user without --debug."""
    key_file = tmp_path / "key.txt"
    key_file.write_text(fake.api_key)
    key_file.chmod(0o644)
    result = cli.run(fake, "status", "nope", "--api-key-file", str(key_file), api_key=None)
    assert "is readable by other users" in result.stderr


@pytest.fixture(scope="module")
def multiline() -> Iterator[FakeAIMLAPI]:
    """An emulator whose jobs fail with a message spanning lines, like a pasted traceback."""
    message = "failed here\nTraceback (most recent call last):\n  fake"
    with FakeAIMLAPI(Scenario(default_job=JobPlan(outcome=Outcome.ERROR, error_message=message))) as f:
        yield f


def test_a_multi_line_server_message_is_one_error_line(cli: Cli, multiline: FakeAIMLAPI, png: Path) -> None:
    """The server's line breaks are not reproduced: no line of output may pass for a traceback."""
    result = cli.run(multiline, "generate", str(png), "-p", PROMPT, "-o", "v.mp4")
    assert 1 == result.returncode
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: ")
    assert "failed here Traceback (most recent call last): fake" in last
    assert [] == [line for line in result.stderr.splitlines() if line.startswith(("Traceback", "  fake"))]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["jobs", "--limit", "99999999999999999999"], "--limit"),
        (["status", "x", "--poll-interval", "1e400"], "--poll-interval"),
    ],
)
def test_out_of_range_options_are_usage_errors_naming_the_option(
    cli: Cli, fake: FakeAIMLAPI, args: list[str], named: str
) -> None:
    result = cli.run(fake, *args)
    assert 2 == result.returncode
    assert named in error_line(result)


def test_an_output_name_too_long_for_the_filesystem_is_refused_before_sending(
    cli: Cli, fake: FakeAIMLAPI, png: Path
) -> None:
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "v" * 300 + ".mp4")
    assert 2 == result.returncode
    assert "--output" in error_line(result)
    assert 0 == counters_delta(before, fake.counters).post_requests


def test_an_image_passed_through_extra_is_elided_in_dry_run_and_journal(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """--extra tail_image_url=data:... carries an image too: its Base64 is never printed or stored."""
    payload = "iVBORw0KGgo" + "A" * 400
    extra = f"tail_image_url=data:image/png;base64,{payload}"
    dry = cli.run(fake, "submit", str(png), "-p", PROMPT, "--extra", extra, "--dry-run")
    assert 0 == dry.returncode, dry.stderr
    assert payload not in dry.stdout
    assert "data:image/png;base64 (" in json.loads(dry.stdout)["tail_image_url"]
    assert 0 == cli.run(fake, "submit", str(png), "-p", PROMPT, "--extra", extra).returncode
    assert payload not in cli.journal.read_bytes().decode("utf-8", "replace")


class UnwritableJournal:
    """Knows the generation, but every later write fails (a locked or full journal)."""

    def get(self, generation_id: str) -> object:
        return object()

    def update(self, generation_id: str, **fields: object) -> None:
        raise sqlite3.OperationalError("database is locked")


class UnwritableJournalOptions(Options):
    def journal(self) -> Any:
        return UnwritableJournal()


def test_a_journal_that_cannot_be_updated_after_the_save_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The video is saved: a journal write failing afterwards must not turn success into exit 3."""
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
    done = {"id": "gen-1", "status": "completed", "video": {"url": "https://cdn.example.com/v.mp4?sig=1"}}
    client = VideoClient(
        "sk-test-journal",
        base_url="https://api.example.com",
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=done)),
        video_transport=httpx.MockTransport(lambda _: httpx.Response(200, content=video)),
    )
    opts = UnwritableJournalOptions(as_json=True, quiet=True, debug=False, base_url=None, api_key_file=None)
    with client:
        result = finish(opts, client, "gen-1", tmp_path / "v.mp4", overwrite=False, timeout=None)
    assert ("completed", str(tmp_path / "v.mp4")) == (result["status"], result["output"])
    assert video == (tmp_path / "v.mp4").read_bytes()
    assert "warning: could not update the journal: database is locked" in capsys.readouterr().err


def test_audio_with_no_audio_is_a_usage_error_in_the_commands_words(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The library's wording (generate_audio=False) means nothing on the command line."""
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--audio", str(png), "--no-audio")
    assert 2 == result.returncode
    assert "--audio and --no-audio cannot be combined" in error_line(result)


def test_a_default_name_for_a_very_long_id_is_bounded_and_unique() -> None:
    """An id longer than a file name may be still gets a name that can be created, distinct per id."""
    first, second = output_for("a" * 300 + ":1"), output_for("a" * 300 + ":2")
    assert len(first.name) <= 130
    assert first != second
    assert first.name.startswith("a" * 100)
    assert Path("gen-1_alibaba_wan.mp4") == output_for("gen-1:alibaba/wan")


def test_a_long_id_is_journalled_with_its_default_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the paid POST nothing about the name may fail: the 300-character id is journalled."""
    long_id = "f" * 300
    monkeypatch.setenv("AIMLAPI_VIDEO_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.png").write_bytes(TINY_PNG)
    api = httpx.MockTransport(lambda _: httpx.Response(200, json={"id": long_id, "status": "queued"}))
    opts = Options(as_json=True, quiet=True, debug=False, base_url=None, api_key_file=None)
    with VideoClient("sk-test-long-id", base_url="https://api.example.com", transport=api) as client:
        job, output = journalled_submit(
            opts, client=client, image="tiny.png", prompt="p", options={}, output=None, name_by_id=True
        )
    assert long_id == job.id
    assert output is not None
    assert str(output) == opts.journal().get(long_id).output_path  # type: ignore[union-attr]
    output.write_bytes(b"creatable")  # the name is usable


def test_an_output_path_that_is_not_utf8_is_refused_before_sending(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The journal stores paths as text: a name it cannot store would only fail after paying."""
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", os.fsdecode(b"v\xff.mp4"))
    assert 2 == result.returncode
    assert "not a UTF-8 path" in error_line(result)
    assert 0 == counters_delta(before, fake.counters).post_requests


def run_to_full_stdout(cli: Cli, fake: FakeAIMLAPI, *args: str) -> subprocess.CompletedProcess[str]:
    """The command with its standard output on a full disk."""
    with open("/dev/full", "w") as full:
        return cli.run(fake, *args, stdout=full)


def test_an_error_report_to_a_full_stdout_is_still_one_line(cli: Cli, fake: FakeAIMLAPI) -> None:
    """With --json the error object cannot be printed either; the stderr line and the exit code remain."""
    result = run_to_full_stdout(cli, fake, "status", "no-such-id", "--json")
    assert 3 == result.returncode
    assert "Traceback" not in result.stderr
    assert 1 == len(result.stderr.splitlines())


def test_submit_to_a_full_stdout_still_names_the_id(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """submit prints the bare id; if that fails, the id is on stderr (and in the journal)."""
    result = run_to_full_stdout(cli, fake, "submit", str(png), "-p", PROMPT)
    assert 3 == result.returncode
    [(generation_id, _, _, _)] = cli.journal_rows()
    assert result.stderr.strip().endswith(f"could not print the result (No space left on device): {generation_id}")


def test_a_journal_with_a_foreign_table_is_refused_before_sending(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A file whose "generations" table is not ours would refuse the id after the POST: found out first."""
    cli.home.mkdir(parents=True)
    conn = sqlite3.connect(cli.journal)
    conn.execute("CREATE TABLE generations (x)")
    conn.commit()
    conn.close()
    before = fake.counters
    result = cli.run(fake, "submit", str(png), "-p", PROMPT)
    assert 2 == result.returncode
    assert error_line(result).startswith("error: AIMLAPI_VIDEO_HOME: cannot write the journal")
    assert 0 == counters_delta(before, fake.counters).post_requests


def test_the_journal_write_probe_leaves_no_row(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The pre-POST check writes inside a rolled-back savepoint: only the real generation is listed."""
    generation_id = cli.run(fake, "submit", str(png), "-p", PROMPT).stdout.strip()
    assert [generation_id] == [row[0] for row in cli.journal_rows()]


def test_a_journal_table_missing_later_columns_is_refused_before_sending(
    cli: Cli, fake: FakeAIMLAPI, png: Path
) -> None:
    """A foreign table with just the columns the first write uses would fail at the first update, after paying."""
    cli.home.mkdir(parents=True)
    conn = sqlite3.connect(cli.journal)
    conn.execute(
        "CREATE TABLE generations (id TEXT PRIMARY KEY, model, params, base_url, created_at, updated_at, status,"
        " output_path)"
    )
    conn.commit()
    conn.close()
    before = fake.counters
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "v.mp4")
    assert 2 == result.returncode
    assert "lacks" in error_line(result)
    assert 0 == counters_delta(before, fake.counters).post_requests
