"""End-to-end: each exit code of ``aimlapi-video``, one ``error:`` line per failure, and the API key kept secret."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aimlapi_video.cli._runtime import NoQueryStrings, configure_logging
from aimlapi_video.testing import Counters, FakeAIMLAPI, Fault, JobPlan, Outcome, Scenario, StatusStyle

from .conftest import Cli, counters_delta, data_uri_bytes, error_line, is_mp4

PROMPT = "The lady smiles"
ERROR_KEYS = {"id", "status", "error", "exit_code"}


@pytest.fixture(scope="module")
def failing() -> Iterator[FakeAIMLAPI]:
    """An emulator whose every job ends in ``error``."""
    with FakeAIMLAPI(Scenario(default_job=JobPlan(outcome=Outcome.ERROR, error_message="Inappropriate content."))) as f:
        yield f


@pytest.fixture(scope="module")
def pending() -> Iterator[FakeAIMLAPI]:
    """An emulator whose every job stays queued (a million status checks)."""
    with FakeAIMLAPI(Scenario(default_job=JobPlan(queued_polls=10**6))) as f:
        yield f


def error_document(stdout: str) -> dict[str, object]:
    """The one JSON object ``--json`` prints on a failure, checked to have the documented keys."""
    document = json.loads(stdout)
    assert ERROR_KEYS == set(document)
    return document  # type: ignore[no-any-return]


def test_generation_failed_exits_1(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """A job that ends in ``error``: exit 1, one error line naming the job and the API's message, no file."""
    out = cli.workdir / "out.mp4"

    result = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", str(out))

    assert 1 == result.returncode
    job_id = failing.jobs[-1].id
    line = error_line(result)
    assert line.startswith(f"error: generation {job_id} failed")
    assert "Inappropriate content." in line
    assert False is out.exists()
    assert [(job_id, "error")] == [row[:2] for row in cli.journal_rows()]


def test_generation_failed_json(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """With --json a failed generation still prints exactly one JSON object, carrying the id and exit code."""
    result = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", str(cli.workdir / "out.mp4"), "--json")

    assert 1 == result.returncode
    document = error_document(result.stdout)
    assert (failing.jobs[-1].id, "error", 1) == (document["id"], document["status"], document["exit_code"])
    assert "Inappropriate content." in str(document["error"])
    error_line(result)


def test_status_of_a_failed_generation_exits_1_like_wait(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """``status`` of a job that ended in error: exit 1 and the documented error object, as ``wait`` gives;
    not exit 0 with an error inside a success object."""
    job_id = cli.run(failing, "submit", str(png), "-p", PROMPT).stdout.strip()
    assert 1 == cli.run(failing, "wait", job_id).returncode

    result = cli.run(failing, "status", job_id, "--json")

    assert 1 == result.returncode
    document = error_document(result.stdout)
    assert (job_id, "error", 1) == (document["id"], document["status"], document["exit_code"])
    assert "Inappropriate content." in str(document["error"])


def test_submit_json_reports_the_status_the_api_answered(cli: Cli, png: Path) -> None:
    """The live API may answer a new job as "waiting"; submit --json says what it said (as the journal does)."""
    with FakeAIMLAPI(Scenario(default_job=JobPlan(status_style=StatusStyle.LOOSE))) as loose:
        result = cli.run(loose, "submit", str(png), "-p", PROMPT, "--json")
    document = json.loads(result.stdout)
    [(journalled, status)] = [row[:2] for row in cli.journal_rows()]
    assert (0, journalled, status) == (result.returncode, document["id"], document["status"])
    assert "queued" != status


def test_missing_image_exits_2_before_sending(cli: Cli, fake: FakeAIMLAPI) -> None:
    """A missing image file: exit 2, one error line, nothing sent."""
    before = fake.counters

    result = cli.run(fake, "generate", str(cli.workdir / "nope.png"), "-p", PROMPT, "-o", "out.mp4")

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    assert f"error: IMAGE: no such file: '{cli.workdir / 'nope.png'}'\n" == result.stderr
    assert "" == result.stdout


def test_missing_image_json(cli: Cli, fake: FakeAIMLAPI) -> None:
    """--json on invalid input: one JSON object with exit_code 2 and no id, and one error line."""
    result = cli.run(fake, "submit", str(cli.workdir / "nope.png"), "-p", PROMPT, "--json")

    assert 2 == result.returncode
    document = error_document(result.stdout)
    assert (None, "error", 2) == (document["id"], document["status"], document["exit_code"])
    error_line(result)


def test_not_an_image_exits_2(cli: Cli, fake: FakeAIMLAPI) -> None:
    """A file that is not an image (by its bytes) is refused locally: exit 2, nothing sent."""
    text = cli.workdir / "notes.png"
    text.write_text("just some text\n", encoding="utf-8")
    before = fake.counters

    result = cli.run(fake, "submit", str(text), "-p", PROMPT)

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    assert error_line(result).startswith("error: ")


def test_bad_duration_is_a_usage_error(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """--duration 7 is refused by the option parser: exit 2, one error line naming the option, nothing sent."""
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "--duration", "7")

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    line = error_line(result)
    assert [line] == result.stderr.splitlines()
    assert "--duration" in line
    assert "'7'" in line


def test_usage_error_json(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A usage error with --json still prints exactly one JSON object with exit_code 2."""
    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "--duration", "7", "--json")

    assert 2 == result.returncode
    document = error_document(result.stdout)
    assert (None, "error", 2) == (document["id"], document["status"], document["exit_code"])
    error_line(result)


def test_resume_with_an_empty_journal(cli: Cli, fake: FakeAIMLAPI) -> None:
    """resume --last with nothing journalled: exit 2, one error line, one JSON object with --json."""
    result = cli.run(fake, "resume", "--last", "--json")

    assert 2 == result.returncode
    document = error_document(result.stdout)
    assert 2 == document["exit_code"]
    assert "journal is empty" in error_line(result)


def test_existing_output_is_refused_before_submitting(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """An existing -o file without --overwrite: exit 2 before any request (no job billed), file untouched."""
    out = cli.workdir / "out.mp4"
    out.write_bytes(b"precious")
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    assert "already exists" in error_line(result)
    assert [error_line(result)] == result.stderr.splitlines()
    assert b"precious" == out.read_bytes()
    assert [] == cli.journal_rows()


def test_overwrite_replaces_an_existing_output(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """With --overwrite the existing file is replaced by the video."""
    out = cli.workdir / "out.mp4"
    out.write_bytes(b"old")

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "--overwrite", "-q")

    assert 0 == result.returncode, result.stderr
    assert True is is_mp4(out)


def test_wrong_key_exits_3(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """A key the API refuses (401): exit 3, one error line, no job created, the wrong key not shown."""
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4", api_key="sk-wrong-key-123")

    assert 3 == result.returncode
    assert Counters(post_requests=1) == counters_delta(before, fake.counters)
    line = error_line(result)
    assert "401" in line
    assert "sk-wrong-key-123" not in result.stdout + result.stderr
    assert False is (cli.workdir / "out.mp4").exists()


def test_unknown_id_exits_3(cli: Cli, fake: FakeAIMLAPI) -> None:
    """status of an id the API does not know (404): exit 3, one error line; --json gives one object, naming
    the id it was asked about."""
    plain = cli.run(fake, "status", "unknown-id")
    as_json = cli.run(fake, "status", "unknown-id", "--json")

    assert (3, 3) == (plain.returncode, as_json.returncode)
    assert "404" in error_line(plain)
    assert "" == plain.stdout
    document = error_document(as_json.stdout)
    assert ("unknown-id", "error", 3) == (document["id"], document["status"], document["exit_code"])


def test_debug_shows_the_traceback(cli: Cli, fake: FakeAIMLAPI) -> None:
    """--debug adds the traceback (and still ends with the error line); without it there is none."""
    result = cli.run(fake, "status", "unknown-id", "--debug")

    assert 3 == result.returncode
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")
    assert "NotFoundError" in result.stderr


def test_download_of_a_pending_generation_exits_2(cli: Cli, pending: FakeAIMLAPI, png: Path) -> None:
    """download of a generation that is not completed: exit 2, one error line, no file."""
    assert 0 == cli.run(pending, "submit", str(png), "-p", PROMPT).returncode

    result = cli.run(pending, "download", pending.jobs[-1].id, "-o", "f.mp4")

    assert 2 == result.returncode
    assert "not completed" in error_line(result)
    assert False is (cli.workdir / "f.mp4").exists()


def test_wait_timeout_exits_4(cli: Cli, pending: FakeAIMLAPI, png: Path) -> None:
    """wait ID --timeout 0.2 on a job that stays queued: exit 4, the id in the error line and JSON object."""
    submitted = cli.run(pending, "submit", str(png), "-p", PROMPT, "--json")
    assert 0 == submitted.returncode, submitted.stderr
    generation_id = json.loads(submitted.stdout)["id"]
    assert pending.jobs[-1].id == generation_id

    result = cli.run(pending, "wait", generation_id, "--timeout", "0.2", "--json")

    assert 4 == result.returncode
    assert generation_id in error_line(result)
    document = error_document(result.stdout)
    assert (generation_id, "error", 4) == (document["id"], document["status"], document["exit_code"])


@pytest.mark.parametrize(
    "fault",
    [Fault.drop_after_create(), Fault.http_error(502, processed=True)],
    ids=["dropped-after-create", "502-after-create"],
)
def test_submit_uncertain_exits_5_without_resending(cli: Cli, png: Path, fault: Fault) -> None:
    """The job was created but the answer was lost: exit 5, one error line, and the POST was not resent."""
    with FakeAIMLAPI(Scenario(post_faults=(fault,))) as fake:
        result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "out.mp4")
        counters = fake.counters

    assert 5 == result.returncode
    assert Counters(jobs_created=1, post_requests=1) == counters
    assert "not resent" in error_line(result)
    assert False is (cli.workdir / "out.mp4").exists()
    assert [] == cli.journal_rows()  # no id was received, so none could be journalled


def test_submit_uncertain_json(cli: Cli, png: Path) -> None:
    """submit --json with a lost answer: one JSON object with exit_code 5, and no resend."""
    with FakeAIMLAPI(Scenario(post_faults=(Fault.drop_after_create(),))) as fake:
        result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--json")
        counters = fake.counters

    assert 5 == result.returncode
    assert Counters(jobs_created=1, post_requests=1) == counters
    document = error_document(result.stdout)
    assert (None, "error", 5) == (document["id"], document["status"], document["exit_code"])
    error_line(result)


def test_api_key_argument_is_refused(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """--api-key SECRET: exit 2, told to use AIMLAPI_API_KEY or --api-key-file, nothing sent, SECRET not echoed."""
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "--api-key", "SECRET", "-o", "out.mp4")

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    line = error_line(result)
    assert "AIMLAPI_API_KEY" in line
    assert "--api-key-file" in line
    assert "SECRET" not in result.stdout + result.stderr


def test_key_never_shown_nor_journalled(cli: Cli, fake: FakeAIMLAPI, failing: FakeAIMLAPI, png: Path) -> None:
    """Across success, failure and --debug runs the key appears in no output and not in the journal's bytes."""
    runs = [
        cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", "a.mp4", "--debug"),
        cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", "b.mp4", "--debug", "--json"),
        cli.run(fake, "status", fake.jobs[-1].id, "--debug"),
        cli.run(fake, "jobs", "--json"),
    ]

    assert [0, 1, 0, 0] == [r.returncode for r in runs]
    for key in (fake.api_key, failing.api_key):
        for run in runs:
            assert key not in run.stdout + run.stderr
        for path in cli.home.iterdir():  # the journal and any side file SQLite left
            assert key.encode() not in path.read_bytes()
    assert 2 == len(cli.journal_rows())


def test_errors_are_plain_text(cli: Cli, failing: FakeAIMLAPI, png: Path) -> None:
    """Captured (non-terminal) stderr has no ANSI escape sequences, on failures too."""
    result = cli.run(failing, "generate", str(png), "-p", PROMPT, "-o", "out.mp4")

    assert 1 == result.returncode
    assert "\x1b[" not in result.stderr + result.stdout


def test_an_extra_value_that_is_not_json_is_refused_before_sending(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """--extra cfg_scale=NaN is invalid input (exit 2, nothing sent), not an uncertain submit (exit 5)."""
    before = fake.counters
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--extra", "cfg_scale=NaN")
    assert 2 == result.returncode
    assert error_line(result).startswith("error: --extra: cfg_scale")
    assert Counters() == counters_delta(before, fake.counters)


@pytest.fixture
def httpx_filters() -> Iterator[None]:
    """The httpx logger's filters as they were, after the test: configure_logging adds one."""
    logger = logging.getLogger("httpx")
    saved = list(logger.filters)
    yield
    logger.filters[:] = saved


def test_debug_logs_show_video_urls_without_their_query_string(
    caplog: pytest.LogCaptureFixture, httpx_filters: None
) -> None:
    """httpx logs each request's URL at INFO, and ``--debug`` shows it: a signed video URL's query (its
    signature) is dropped from httpx's own line; the API's URLs keep theirs (the polled generation's id)."""
    configure_logging(debug=True, base_url="https://api.example.com")
    signed = "https://cdn.example.com/v/abc.mp4?X-Signature=SECRET-SIG&Expires=9"
    status = "https://api.example.com/v2/video/generations?generation_id=gen-1"
    with (
        caplog.at_level(logging.INFO, logger="httpx"),
        httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))) as http,
    ):
        http.get(signed)
        http.get(status)
    assert [
        'HTTP Request: GET https://cdn.example.com/v/abc.mp4 "HTTP/1.1 200 OK"',
        f'HTTP Request: GET {status} "HTTP/1.1 200 OK"',
    ] == caplog.messages


def test_logging_keeps_one_query_filter_however_often_it_is_configured(httpx_filters: None) -> None:
    for _ in range(3):
        configure_logging(debug=False, base_url=None)
    assert 1 == sum(isinstance(f, NoQueryStrings) for f in logging.getLogger("httpx").filters)


def test_an_image_over_the_cap_names_the_option_that_raises_it(cli: Cli, fake: FakeAIMLAPI) -> None:
    """The hint names ``--max-image-mb`` (what a command-line user can change), not the client's argument."""
    big = cli.workdir / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2 << 20))
    before = fake.counters

    result = cli.run(fake, "submit", str(big), "-p", PROMPT, "--max-image-mb", "1")

    assert 2 == result.returncode
    assert Counters() == counters_delta(before, fake.counters)
    expected = f"error: IMAGE: '{big}' is 2.0 MB > 1 MB cap; --max-image-mb raises it, or pass an https URL instead"
    assert expected == error_line(result)


@pytest.mark.parametrize("command", ["submit", "generate"])
def test_max_image_mb_lets_a_larger_image_through(cli: Cli, fake: FakeAIMLAPI, command: str) -> None:
    """An image over the default 10 MB cap is refused by default and sent with a higher ``--max-image-mb``."""
    big = cli.workdir / "big.png"
    content = b"\x89PNG\r\n\x1a\n" + bytes(11 << 20)
    big.write_bytes(content)
    output = ("-o", str(cli.workdir / "out.mp4")) if command == "generate" else ()

    refused = cli.run(fake, command, str(big), "-p", PROMPT, *output)
    sent = cli.run(fake, command, str(big), "-p", PROMPT, *output, "--max-image-mb", "12")

    assert (2, 0) == (refused.returncode, sent.returncode), sent.stderr
    assert "--max-image-mb raises it" in error_line(refused)
    assert content == data_uri_bytes(str(fake.jobs[-1].request["image_url"]))


def test_an_audio_over_its_cap_names_its_option(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """The same for ``--audio`` and ``--max-audio-mb``, in a dry run too (nothing is sent either way)."""
    song = cli.workdir / "song.mp3"
    song.write_bytes(b"ID3" + bytes(2 << 20))

    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--audio", str(song), "--max-audio-mb", "1", "--dry-run")

    assert 2 == result.returncode
    assert error_line(result).endswith("cap; --max-audio-mb raises it, or pass an https URL instead")


@pytest.mark.parametrize("value", ["0", "-1", "ten", "inf", "nan", "1e308", "1e-9"])
def test_max_image_mb_must_be_a_positive_number(cli: Cli, fake: FakeAIMLAPI, png: Path, value: str) -> None:
    """Refused as the command line is read (a usage error, exit 2, naming the option), nothing sent."""
    before = fake.counters
    result = cli.run(fake, "submit", str(png), "-p", PROMPT, "--max-image-mb", value)
    assert 2 == result.returncode
    assert "Invalid value for '--max-image-mb'" in result.stderr
    assert Counters() == counters_delta(before, fake.counters)


def test_an_unreachable_server_is_named_in_the_error(cli: Cli, fake: FakeAIMLAPI) -> None:
    """Connection refused: exit 3, and the one error line says which server was tried (from --base-url here;
    the environment's or the default otherwise), since 'connection refused' alone does not say where."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the probe is: nothing listens there
    base = f"http://127.0.0.1:{port}"
    result = cli.run(fake, "status", "gen-1", "--base-url", base)
    assert 3 == result.returncode
    assert error_line(result).endswith(f"(server {base})")
