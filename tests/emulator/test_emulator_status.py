"""GET /v2/video/generations: progress without sleeping, the styles the live API answers in, billing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aimlapi_video.testing import (
    FakeAIMLAPI,
    JobPlan,
    ManualClock,
    Outcome,
    Scenario,
    StatusStyle,
    UsageStyle,
    VideoStyle,
)

pytestmark = pytest.mark.anyio
API = "/v2/video/generations"


async def test_status_moves_queued_generating_completed_by_status_checks(api: Any) -> None:
    """By default each pending stage lasts one check, and completed is final."""
    job_id = await api.create_id()

    assert ["queued", "generating", "completed", "completed"] == await api.statuses(job_id, 4)


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(queued_polls=2, generating_polls=3))])
async def test_stage_lengths_are_set_in_status_checks(api: Any, fake: FakeAIMLAPI) -> None:
    """queued_polls/generating_polls stretch the stages; the job records how often it was checked."""
    job_id = await api.create_id()

    expected = ["queued"] * 2 + ["generating"] * 3 + ["completed"]
    assert expected == await api.statuses(job_id, 6)
    assert 6 == fake.jobs[0].polls


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(queued_polls=0, generating_polls=0))])
async def test_a_job_can_be_done_at_the_first_check(api: Any) -> None:
    """Zero-length stages make the first check report completion."""
    assert ["completed"] == await api.statuses(await api.create_id(), 1)


async def test_status_follows_an_injected_clock_when_job_seconds_is_set(make_body: Any) -> None:
    """With job_seconds=240 on a manual clock: queued for 48 s, generating until 240 s, then completed."""
    clock = ManualClock()
    fake = FakeAIMLAPI(job_seconds=240, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        job_id = (await http.post(API, json=make_body())).json()["id"]
        seen = []
        for step in (0, 47, 2, 190, 1):
            clock.advance(step)
            seen.append((await http.get(API, params={"generation_id": job_id})).json()["status"])

    assert ["queued", "queued", "generating", "generating", "completed"] == seen


async def test_a_job_plan_can_override_job_seconds(make_body: Any) -> None:
    """JobPlan.job_seconds applies to that job even when the emulator progresses by checks."""
    clock = ManualClock()
    fake = FakeAIMLAPI(Scenario(default_job=JobPlan(job_seconds=10)), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        job_id = (await http.post(API, json=make_body())).json()["id"]
        before = [(await http.get(API, params={"generation_id": job_id})).json()["status"] for _ in range(5)]
        clock.advance(10)
        after = (await http.get(API, params={"generation_id": job_id})).json()["status"]

    assert (["queued"] * 5, "completed") == (before, after)


async def test_completed_job_has_video_usage_and_billing_headers(api: Any) -> None:
    """Completion carries video.url on the fake itself, meta.usage.credits_used and the three headers."""
    job_id = await api.create_id()
    response = await api.completed(job_id)
    body = response.json()

    assert {"id", "status", "video", "meta"} == set(body)
    assert body["video"]["url"].startswith("http://fake.test/cdn/videos/")
    assert {"usage": {"credits_used": 210_000}} == body["meta"]
    assert "210000" == response.headers["x-aimlapi-credits-used"]
    assert "0.105000" == response.headers["x-aimlapi-usd-spent"]
    assert job_id == response.headers["x-inference-id"]


async def test_pending_statuses_carry_no_billing_headers(api: Any) -> None:
    """Nothing is billed before completion; the inference id is there from the start."""
    job_id = await api.create_id()
    response = await api.status(job_id)

    assert "x-aimlapi-credits-used" not in response.headers
    assert job_id == response.headers["x-inference-id"]


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(status_style=StatusStyle.LOOSE))])
async def test_loose_status_words(api: Any) -> None:
    """The loose style reports waiting, active, succeeded, like other models on the live endpoint."""
    assert ["waiting", "active", "succeeded"] == await api.statuses(await api.create_id(), 3)


@pytest.mark.parametrize(
    ("style", "shape"),
    [
        (VideoStyle.OBJECT, lambda url, size: {"url": url}),
        (
            VideoStyle.OBJECT_FULL,
            lambda url, size: {"url": url, "content_type": "video/mp4", "file_name": url[-26:], "file_size": size},
        ),
        (
            VideoStyle.LIST_OF_OBJECTS,
            lambda url, size: [{"url": url, "content_type": "video/mp4", "file_name": url[-26:], "file_size": size}],
        ),
        (VideoStyle.LIST_OF_STRINGS, lambda url, size: [url]),
    ],
)
async def test_video_styles(make_body: Any, style: VideoStyle, shape: Any) -> None:
    """video is an object, a full object, a list of objects or a list of URL strings, as the plan says."""
    fake = FakeAIMLAPI(Scenario(default_job=JobPlan(video_style=style, video_bytes=50_000)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        job_id = (await http.post(API, json=make_body())).json()["id"]
        for _ in range(3):
            body = (await http.get(API, params={"generation_id": job_id})).json()
    url = f"http://t/cdn/videos/{fake_token(fake)}.mp4"

    assert shape(url, 50_000) == body["video"]


def fake_token(fake: FakeAIMLAPI) -> str:
    """The video token of the fake's only job (read from its state)."""
    state = fake._state  # a test peeking at the token it cannot otherwise know
    job = state.job(fake.jobs[0].id)
    assert job is not None
    return job.video_token


@pytest.mark.parametrize(
    ("style", "usage"),
    [
        (UsageStyle.CREDITS, {"credits_used": 210_000}),
        (UsageStyle.TOKENS, {"tokens_used": 210_000}),
        (UsageStyle.USD, {"usd_spent": 0.105}),
    ],
)
async def test_usage_styles(make_body: Any, style: UsageStyle, usage: dict[str, float]) -> None:
    """meta.usage reports credits_used, tokens_used or usd_spent."""
    fake = FakeAIMLAPI(Scenario(default_job=JobPlan(usage_style=style, queued_polls=0, generating_polls=0)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        job_id = (await http.post(API, json=make_body())).json()["id"]
        body = (await http.get(API, params={"generation_id": job_id})).json()

    assert {"usage": usage} == body["meta"]


@pytest.mark.parametrize(
    "scenario",
    [Scenario(jobs={1: JobPlan(outcome=Outcome.ERROR, error_message="Face not found")})],
)
async def test_a_job_can_end_in_error_with_name_and_message(api: Any) -> None:
    """Job #1 (by creation order) fails with HTTP 200, status error and {name, message}; job #0 is fine."""
    first = await api.create_id()
    second = await api.create_id()
    failed = await api.completed(second)

    assert "completed" == (await api.completed(first)).json()["status"]
    assert 200 == failed.status_code
    assert "error" == failed.json()["status"]
    assert {"name": "GenerationError", "message": "Face not found"} == failed.json()["error"]
    assert "x-aimlapi-credits-used" not in failed.headers
    assert "video" not in failed.json()


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(outcome=Outcome.ERROR_DETAIL))])
async def test_a_job_can_end_in_error_with_detail_list(api: Any) -> None:
    """The vendor-validation form: error {detail: [{loc, msg, type, input}]}."""
    body = (await api.completed(await api.create_id())).json()

    assert "error" == body["status"]
    assert [{"loc", "msg", "type", "input"}] == [set(item) for item in body["error"]["detail"]]


async def test_unknown_id_is_404_in_the_documented_shape(api: Any) -> None:
    """An id the fake never issued is 404 with {message, path, requestId, statusCode, timestamp}."""
    response = await api.status("nope:vendor/model")

    assert 404 == response.status_code
    assert 404 == response.json()["statusCode"]
    assert "nope:vendor/model" in response.json()["message"]


async def test_status_needs_the_generation_id_parameter(client: httpx.AsyncClient) -> None:
    """generation_id is a required query parameter."""
    response = await client.get(API)

    assert (400, "generation_id: is required") == (response.status_code, response.json()["message"])


async def test_status_without_auth_is_401_and_does_not_advance_the_job(api: Any, client: httpx.AsyncClient) -> None:
    """An unauthenticated check is refused and does not count as a status check."""
    job_id = await api.create_id()

    response = await client.get(API, params={"generation_id": job_id}, headers={"Authorization": "Bearer x"})

    assert 401 == response.status_code
    assert ["queued"] == await api.statuses(job_id, 1)


async def test_ids_with_colon_and_slash_round_trip_when_url_escaped(api: Any) -> None:
    """The default id survives httpx's query encoding and names the right job."""
    job_id = await api.create_id()

    assert job_id == (await api.status(job_id)).json()["id"]
