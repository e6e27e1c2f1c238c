"""Fault injection in-process: every fault kind, on every route, consumed once and in order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aimlapi_video.testing import FakeAIMLAPI, Fault, JobPlan, Route, Scenario

pytestmark = pytest.mark.anyio
ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}


@pytest.mark.parametrize("scenario", [Scenario(post_faults=(Fault.rate_limited(retry_after=3),))])
async def test_rate_limit_is_429_with_retry_after_and_is_one_shot(api: Any, fake: FakeAIMLAPI) -> None:
    """The first POST gets 429 + Retry-After in the documented shape; the retry succeeds."""
    limited = await api.create()
    retried = await api.create()

    assert (429, "3") == (limited.status_code, limited.headers["retry-after"])
    assert ERROR_KEYS == set(limited.json())
    assert 200 == retried.status_code
    assert (1, 2) == (fake.counters.jobs_created, fake.counters.post_requests)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_with_a_json_body(api: Any, fake: FakeAIMLAPI, status: int) -> None:
    """5xx with the documented body, and no job created when not processed."""
    fake.add_faults(Route.POST, Fault.http_error(status, message="upstream failed"))

    response = await api.create()

    assert (status, "upstream failed") == (response.status_code, response.json()["message"])
    assert status == response.json()["statusCode"]
    assert 0 == fake.counters.jobs_created


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_html_pages(api: Any, fake: FakeAIMLAPI, status: int) -> None:
    """A proxy's HTML error page: text/html, not JSON."""
    fake.add_faults(Route.POST, Fault.gateway_html(status))

    response = await api.create()

    assert status == response.status_code
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{status} " in response.text


async def test_a_processed_server_error_created_the_job(api: Any, fake: FakeAIMLAPI) -> None:
    """Fault.http_error(502, processed=True): the client sees 502, but the job exists (and would bill)."""
    fake.add_faults(Route.POST, Fault.http_error(502, processed=True))

    response = await api.create()

    assert 502 == response.status_code
    assert 1 == fake.counters.jobs_created


async def test_drop_before_create_raises_and_creates_nothing(api: Any, fake: FakeAIMLAPI) -> None:
    """In-process a dropped connection surfaces as httpx.RemoteProtocolError; no job exists."""
    fake.add_faults(Route.POST, Fault.drop())

    with pytest.raises(httpx.RemoteProtocolError):
        await api.create()

    assert (0, 1) == (fake.counters.jobs_created, fake.counters.post_requests)


async def test_drop_after_create_raises_but_the_job_exists(api: Any, fake: FakeAIMLAPI) -> None:
    """The POST is processed (job created), then the connection drops: the client cannot know."""
    fake.add_faults(Route.POST, Fault.drop_after_create())

    with pytest.raises(httpx.RemoteProtocolError):
        await api.create()

    assert 1 == fake.counters.jobs_created


async def test_not_json_200(api: Any, fake: FakeAIMLAPI) -> None:
    """A 200 whose body is an HTML page."""
    fake.add_faults(Route.POST, Fault.not_json())

    response = await api.create()

    assert 200 == response.status_code
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()
    assert 0 == fake.counters.jobs_created


async def test_not_json_with_a_custom_body_and_status(api: Any, fake: FakeAIMLAPI) -> None:
    """not_json takes a body and a status."""
    fake.add_faults(Route.GET, Fault.not_json(503, body="Service Unavailable"))

    response = await api.status("any")

    assert (503, "Service Unavailable") == (response.status_code, response.text)


async def test_faults_are_consumed_in_order_one_per_request(api: Any, fake: FakeAIMLAPI) -> None:
    """A queue of faults hits consecutive requests, then the route is healthy again."""
    fake.add_faults(Route.POST, Fault.http_error(500), Fault.gateway_html(502), Fault.rate_limited(1))

    statuses = [(await api.create()).status_code for _ in range(4)]

    assert [500, 502, 429, 200] == statuses


async def test_status_faults_do_not_advance_the_job_unless_processed(api: Any, fake: FakeAIMLAPI) -> None:
    """A failed check is not a check; a processed one (then dropped) is."""
    job_id = await api.create_id()
    fake.add_faults(Route.GET, Fault.http_error(503))
    failed = await api.status(job_id)
    fake.add_faults(Route.GET, Fault.drop(processed=True))
    with pytest.raises(httpx.RemoteProtocolError):
        await api.status(job_id)

    assert 503 == failed.status_code
    assert ["generating", "completed"] == await api.statuses(job_id, 2)
    assert 4 == fake.counters.get_requests


@pytest.mark.parametrize(
    "scenario", [Scenario(jobs={1: JobPlan(get_faults=(Fault.http_error(500),), video_faults=(Fault.expired(),))})]
)
async def test_per_job_faults_hit_only_that_job(api: Any, client: httpx.AsyncClient) -> None:
    """Job #1's first check fails and its first download is refused; job #0 is untouched."""
    first = await api.create_id()
    second = await api.create_id()

    assert 200 == (await api.status(first)).status_code
    assert 500 == (await api.status(second)).status_code
    url = (await api.completed(second)).json()["video"]["url"]
    assert [403, 200] == [(await client.get(url)).status_code for _ in range(2)]


async def test_slow_fault_answers_normally_after_the_delay(api: Any, fake: FakeAIMLAPI) -> None:
    """A slow POST still answers 200 with a job (in-process, timeouts do not apply)."""
    fake.add_faults(Route.POST, Fault.slow(0.01))

    response = await api.create()

    assert 200 == response.status_code
    assert 1 == fake.counters.jobs_created


async def test_truncated_download_raises_after_part_of_the_body(
    api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient
) -> None:
    """In-process, a cut-off download raises RemoteProtocolError; the next download is whole."""
    url = await api.video_url()
    fake.add_faults(Route.VIDEO, Fault.truncate(after_bytes=500))

    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(url)

    assert 200 == (await client.get(url)).status_code


async def test_expired_fault_is_one_shot(api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient) -> None:
    """Fault.expired(410) refuses one download."""
    url = await api.video_url()
    fake.add_faults(Route.VIDEO, Fault.expired(410))

    assert [410, 200] == [(await client.get(url)).status_code for _ in range(2)]


async def test_generic_faults_apply_to_downloads_too(api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient) -> None:
    """A 503 and a drop can hit the video host as well."""
    url = await api.video_url()
    fake.add_faults(Route.VIDEO, Fault.http_error(503), Fault.drop())

    assert 503 == (await client.get(url)).status_code
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(url)


def test_download_only_faults_are_refused_on_api_routes() -> None:
    """truncate and expired make no sense on the API routes, in a scenario or added later."""
    with pytest.raises(ValueError, match="video downloads"):
        Scenario(post_faults=(Fault.truncate(10),))
    with pytest.raises(ValueError, match="video downloads"):
        JobPlan(get_faults=(Fault.expired(),))
    with pytest.raises(ValueError, match="video downloads"):
        FakeAIMLAPI().add_faults(Route.GET, Fault.truncate(1))


async def test_an_answer_fault_sends_exactly_the_given_answer(api: Any, fake: FakeAIMLAPI) -> None:
    """Fault.answer: the status, the JSON body (with "{id}" made the job's id) and the headers, once; the next
    status check is the plan's own."""
    job_id = await api.create_id()
    loose = {"id": "{id}", "status": "Error", "error": {"name": "FaceDetectionError", "message": None}}
    fake.add_faults(Route.GET, Fault.answer(loose, headers={"x-trace": "t-1"}))

    answered = await api.status(job_id)
    after = await api.status(job_id)

    assert (200, "t-1", "application/json") == (
        answered.status_code,
        answered.headers["x-trace"],
        answered.headers["content-type"],
    )
    assert {**loose, "id": job_id} == answered.json()
    assert after.json()["status"] in {"queued", "generating"}


async def test_a_processed_answer_fault_on_create_makes_the_job_and_names_it(api: Any, fake: FakeAIMLAPI) -> None:
    """On a POST with processed=True the job is created first, and "{id}" is its id: here sent as a number's
    digits in a string, and the status in another case."""
    fake.add_faults(Route.POST, Fault.answer({"id": "{id}", "status": "Queued"}, processed=True))

    answered = await api.create()

    [job] = fake.jobs
    assert (200, {"id": job.id, "status": "Queued"}) == (answered.status_code, answered.json())


def test_an_answer_fault_in_json_form() -> None:
    """{"kind": "answer", "body": ..., "headers": {...}} builds the same fault as Fault.answer; a missing body
    is refused, naming it."""
    data = {"kind": "answer", "status": 202, "body": {"id": 7}, "headers": {"retry-after": "1"}}
    assert Fault.answer({"id": 7}, 202, headers={"retry-after": "1"}) == Fault.from_dict(data)
    with pytest.raises(ValueError, match="an answer fault needs a body"):
        Fault.from_dict({"kind": "answer"})
