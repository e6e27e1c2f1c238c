"""Waiting over real sockets: status-check faults tolerated up to a limit, failed jobs, and the deadline."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimlapi_video import (
    APIConnectionError,
    Completed,
    GenerationFailedError,
    ProgressEvent,
    ServerError,
    WaitTimeoutError,
)
from aimlapi_video.testing import Counters, Fault, JobPlan, Outcome, Route, Scenario
from tests.e2e.harness import PNG, PROMPT, SHORT_READ, SLOW, Start, notes

MAX_FAILURES = 2  # the clients' max_status_failures in these tests
# (fault, the exception once too many happen in a row, words its message contains)
GET_FAULTS = [
    pytest.param(Fault.http_error(500), ServerError, "HTTP 500: Internal Server Error", id="500"),
    pytest.param(Fault.gateway_html(502), ServerError, "HTTP 502: Bad Gateway (a non-JSON page", id="502-html"),
    pytest.param(Fault.http_error(503, retry_after=3), ServerError, "HTTP 503: Service Unavailable", id="503-hint"),
    pytest.param(Fault.drop(), APIConnectionError, "connection closed without a complete response", id="drop"),
    pytest.param(Fault.slow(SLOW), APIConnectionError, "read timeout", id="slow"),
    pytest.param(Fault.not_json(), APIConnectionError, "the answer was not JSON", id="not-json"),
]


@pytest.mark.parametrize(("fault", "error", "words"), GET_FAULTS)
def test_status_faults_up_to_the_limit_are_ridden_out(
    start: Start, tmp_path: Path, fault: Fault, error: type[Exception], words: str
) -> None:
    """``max_status_failures`` failed checks in a row are retried; the video still arrives, from one job."""
    live = start(Scenario(get_faults=(fault,) * MAX_FAILURES), max_status_failures=MAX_FAILURES, timeout=SHORT_READ)
    result = live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")

    [job] = live.fake.jobs
    assert (job.id, "completed") == (result.id, result.generation.status)
    assert 3 == job.polls  # queued, generating, completed: a faulted check counts only if it was processed
    gets = MAX_FAILURES + 3 - (MAX_FAILURES if fault.processed else 0)
    assert Counters(jobs_created=1, post_requests=1, get_requests=gets, video_requests=1) == live.fake.counters
    assert result.path is not None
    assert result.path.is_file()
    if fault.retry_after is not None:  # the server's hint replaced the schedule's gap after each failure
        assert [3.0] * MAX_FAILURES == live.sleeps[:MAX_FAILURES]


@pytest.mark.parametrize(("fault", "error", "words"), GET_FAULTS)
def test_one_status_fault_too_many_ends_the_wait_with_the_id(
    start: Start, fault: Fault, error: type[Exception], words: str
) -> None:
    """One more failure in a row than allowed raises the failure's own exception, noting the generation id."""
    live = start(
        Scenario(get_faults=(fault,) * (MAX_FAILURES + 1)), max_status_failures=MAX_FAILURES, timeout=SHORT_READ
    )
    job_id = live("submit", PNG, PROMPT).id
    with pytest.raises(error) as info:
        live("wait", job_id)
    assert words in str(info.value)
    assert f"generation id: {job_id} (gave up after {MAX_FAILURES + 1} failed checks in a row)" == notes(info.value)
    assert MAX_FAILURES == len(live.sleeps)
    gets = MAX_FAILURES + 1
    assert Counters(jobs_created=1, post_requests=1, get_requests=gets, video_requests=0) == live.fake.counters


def test_failures_between_good_checks_do_not_add_up(start: Start) -> None:
    """The limit is on failures in a row: six failures in all, never more than two together, still succeed."""
    live = start(Scenario(default_job=JobPlan(queued_polls=3)), max_status_failures=2)
    job_id = live("submit", PNG, PROMPT).id

    def two_more_failures(event: ProgressEvent) -> None:
        if event.status == "queued":
            live.fake.add_faults(Route.GET, Fault.http_error(500), Fault.drop())

    done = live("wait", job_id, on_progress=two_more_failures)
    assert (Completed, job_id, "completed") == (type(done), done.id, done.status)
    assert Counters(jobs_created=1, post_requests=1, get_requests=11, video_requests=0) == live.fake.counters


@pytest.mark.parametrize(
    ("outcome", "name", "details"),
    [
        (Outcome.ERROR, "GenerationError", ()),
        (
            Outcome.ERROR_DETAIL,
            "ValidationError",
            (
                {
                    "loc": ["body", "image_url"],
                    "msg": "The model refused this image.",
                    "type": "value_error",
                    "input": "image_url",
                },
            ),
        ),
    ],
)
def test_a_failed_job_raises_with_its_id_name_and_message(
    start: Start, tmp_path: Path, outcome: Outcome, name: str, details: tuple[dict[str, object], ...]
) -> None:
    """Status ``error`` in either shape ends generate with GenerationFailedError; nothing is downloaded."""
    plan = JobPlan(outcome=outcome, error_message="The model refused this image.")
    live = start(Scenario(default_job=plan))
    with pytest.raises(GenerationFailedError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")

    [job] = live.fake.jobs
    error = info.value
    assert (job.id, name, "The model refused this image.") == (
        error.generation_id,
        error.error_name,
        error.error_message,
    )
    assert details == error.details
    assert f"generation {job.id} failed: {name}: The model refused this image." == str(error)
    assert job.id in notes(error)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=0) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


def test_the_wait_deadline_raises_a_timeout_with_the_id(start: Start, tmp_path: Path) -> None:
    """A job queued for ever: after ``timeout`` seconds of (fake) time, WaitTimeoutError, also a TimeoutError."""
    live = start(Scenario(default_job=JobPlan(queued_polls=10**6)))
    with pytest.raises(WaitTimeoutError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4", timeout=5)

    [job] = live.fake.jobs
    error = info.value
    assert isinstance(error, TimeoutError)
    assert (job.id, "queued", 5.0) == (error.generation_id, error.last_status, error.elapsed)
    assert job.id in str(error)
    assert pytest.approx(5.0) == sum(live.sleeps)
    checks = len(live.sleeps) + 1  # one check before each sleep, and the last one at the deadline
    assert Counters(jobs_created=1, post_requests=1, get_requests=checks, video_requests=0) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"name": "FaceDetectionError", "message": None}, "the generation failed without an error description"),
        ("Face detection failed", "Face detection failed"),
    ],
    ids=["null message", "bare string"],
)
def test_a_failure_answered_looser_than_the_schema_is_a_clean_failure(
    start: Start, error: object, message: str
) -> None:
    """The live API's looser failure shapes (a null message; an error that is a bare string; the status in
    another case), sent by the emulator as given: GenerationFailedError with the id, never a raw TypeError."""
    live = start()
    job_id = live("submit", PNG, PROMPT).id
    live.fake.add_faults(Route.GET, Fault.answer({"id": "{id}", "status": "Error", "error": error}))

    with pytest.raises(GenerationFailedError) as info:
        live("wait", job_id)

    assert (job_id, message) == (info.value.generation_id, info.value.error_message)


def test_an_id_answered_as_a_json_number_keeps_the_submitted_string(start: Start) -> None:
    """A status answer whose id is a JSON number: the states keep the id as submitted (a string)."""
    live = start()
    job_id = live("submit", PNG, PROMPT).id
    live.fake.add_faults(Route.GET, Fault.answer({"id": 9007199254740993123, "status": "queued"}))

    done = live("wait", job_id)

    assert (job_id, "completed") == (done.id, done.status)
