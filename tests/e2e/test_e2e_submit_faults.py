"""Create-request faults over real sockets: retried only when nothing was created, otherwise never resent.

Each test proves with the emulator's counters that no second job was created and no second POST was sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aimlapi_video import APIConnectionError, SubmitUncertainError
from aimlapi_video.testing import Counters, Fault, Scenario
from tests.e2e.harness import PNG, PROMPT, SHORT_READ, SLOW, Client, Start


def test_a_rate_limited_post_is_sent_again_after_the_hint(start: Start) -> None:
    """429 with Retry-After: 2 created nothing; the second POST, two seconds later, creates the one job."""
    live = start(Scenario(post_faults=(Fault.rate_limited(retry_after=2),)))
    job = live("submit", PNG, PROMPT)
    assert [job.id] == [j.id for j in live.fake.jobs]
    assert "queued" == job.status
    assert [2.0] == live.sleeps
    assert Counters(jobs_created=1, post_requests=2, get_requests=0, video_requests=0) == live.fake.counters


@pytest.mark.parametrize(
    ("fault", "reason", "jobs"),
    [
        pytest.param(Fault.http_error(500), "HTTP 500: Internal Server Error", 0, id="500-json"),
        pytest.param(Fault.http_error(502), "HTTP 502: Bad Gateway", 0, id="502-json"),
        pytest.param(Fault.http_error(503), "HTTP 503: Service Unavailable", 0, id="503-json"),
        pytest.param(Fault.gateway_html(502), "HTTP 502: Bad Gateway (a non-JSON page from a gateway)", 0, id="502"),
        pytest.param(Fault.gateway_html(503), "HTTP 503: Service Unavailable (a non-JSON page", 0, id="503-html"),
        pytest.param(Fault.http_error(502, processed=True), "HTTP 502: Bad Gateway", 1, id="502-after-create"),
        pytest.param(Fault.gateway_html(504, processed=True), "HTTP 504: Gateway Timeout", 1, id="504-after-create"),
        pytest.param(Fault.drop(), "connection closed without a complete response", 0, id="drop"),
        pytest.param(Fault.drop_after_create(), "connection closed without a complete response", 1, id="drop-created"),
        pytest.param(Fault.not_json(), "the answer was not JSON", 0, id="not-json"),
    ],
)
def test_an_uncertain_create_is_reported_and_never_resent(
    start: Start, tmp_path: Path, fault: Fault, reason: str, jobs: int
) -> None:
    """A 5xx, a dropped connection or an unreadable 200 may hide a billed job: one POST, then the error."""
    live = start(Scenario(post_faults=(fault,)))
    with pytest.raises(SubmitUncertainError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")
    assert reason in info.value.reason
    assert "may have been created" in str(info.value)
    assert info.value.generation_id is None
    assert Counters(jobs_created=jobs, post_requests=1, get_requests=0, video_requests=0) == live.fake.counters
    assert [] == live.sleeps
    assert [] == list(tmp_path.iterdir())


def test_a_post_answered_after_the_read_timeout_is_not_resent(start: Start) -> None:
    """The job was created but its answer came too late: a read timeout, reported as uncertain, one POST."""
    live = start(Scenario(post_faults=(Fault.slow(SLOW),)), timeout=SHORT_READ)
    with pytest.raises(SubmitUncertainError) as info:
        live("submit", PNG, PROMPT)
    assert info.value.reason.startswith("read timeout")
    assert Counters(jobs_created=1, post_requests=1, get_requests=0, video_requests=0) == live.fake.counters
    assert [] == live.sleeps


def test_a_refused_connection_is_retried_then_reported_as_nothing_created(offline: Client) -> None:
    """Connection refused: the POST never left, so it is tried max_submit_attempts (3) times, with backoff."""
    with pytest.raises(APIConnectionError) as info:
        offline("submit", PNG, PROMPT)
    message = str(info.value)
    assert message.startswith("could not reach the API after 3 attempts (could not connect")
    assert message.endswith("nothing was created")
    assert [1.0, 2.0] == offline.clock.sleeps
