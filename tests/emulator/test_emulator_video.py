"""The video route: a real MP4 of the requested size, byte ranges, HEAD, and expiring signed URLs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aimlapi_video.testing import FakeAIMLAPI, JobPlan, ManualClock, Scenario, SizedVideo, build_mp4

pytestmark = pytest.mark.anyio


async def test_the_video_url_serves_the_mp4(api: Any, client: httpx.AsyncClient) -> None:
    """A completed job's URL downloads the self-made MP4, with type and length set."""
    response = await client.get(await api.video_url())

    assert 200 == response.status_code
    assert SizedVideo().read() == response.content
    assert b"ftyp" == response.content[4:8]
    assert ("video/mp4", str(len(response.content))) == (
        response.headers["content-type"],
        response.headers["content-length"],
    )
    assert "bytes" == response.headers["accept-ranges"]


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(video_bytes=5_000_000))])
async def test_the_video_has_the_planned_size(api: Any, client: httpx.AsyncClient) -> None:
    """JobPlan.video_bytes sets the exact download size (benchmarks ask for 5, 10 and 200 MB)."""
    response = await client.get(await api.video_url())

    assert 5_000_000 == len(response.content) == int(response.headers["content-length"])
    assert build_mp4() == response.content[: len(build_mp4())]


@pytest.mark.parametrize(
    ("header", "status", "content_range", "expected"),
    [
        ("bytes=0-99", 206, "bytes 0-99/100000", (0, 100)),
        ("bytes=99990-", 206, "bytes 99990-99999/100000", (99990, 100000)),
        ("bytes=-10", 206, "bytes 99990-99999/100000", (99990, 100000)),
        ("bytes=99000-200000", 206, "bytes 99000-99999/100000", (99000, 100000)),
        ("bytes=0-0,5-9", 200, None, (0, 100000)),
        ("bytes=9-3", 200, None, (0, 100000)),
        ("items=0-5", 200, None, (0, 100000)),
    ],
)
@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(video_bytes=100_000))])
async def test_range_requests(
    api: Any,
    client: httpx.AsyncClient,
    *,
    header: str,
    status: int,
    content_range: str | None,
    expected: tuple[int, int],
) -> None:
    """A single satisfiable range is 206 with Content-Range; other forms are ignored (200, whole file)."""
    response = await client.get(await api.video_url(), headers={"Range": header})
    start, end = expected

    assert status == response.status_code
    assert content_range == response.headers.get("content-range")
    assert SizedVideo(100_000).read(start, end) == response.content
    assert str(end - start) == response.headers["content-length"]


@pytest.mark.parametrize("header", ["bytes=100000-", "bytes=-0"])
@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(video_bytes=100_000))])
async def test_unsatisfiable_range_is_416(api: Any, client: httpx.AsyncClient, header: str) -> None:
    """A range past the end is 416 with ``Content-Range: bytes */size``."""
    response = await client.get(await api.video_url(), headers={"Range": header})

    assert (416, "bytes */100000") == (response.status_code, response.headers["content-range"])


async def test_head_gives_the_length_without_a_body(api: Any, client: httpx.AsyncClient) -> None:
    """HEAD announces the size a download would have."""
    response = await client.head(await api.video_url())

    assert (200, b"") == (response.status_code, response.content)
    assert str(SizedVideo().size) == response.headers["content-length"]


async def test_video_needs_no_api_key(api: Any, client: httpx.AsyncClient) -> None:
    """Video URLs are signed CDN links: no Authorization header is needed."""
    url = await api.video_url()

    response = await client.get(url, headers={"Authorization": ""})

    assert 200 == response.status_code


async def test_an_unknown_video_token_is_404(client: httpx.AsyncClient) -> None:
    """A URL the fake never handed out is not found."""
    assert 404 == (await client.get("/cdn/videos/unknown.mp4")).status_code


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(url_ttl=60))])
async def test_a_video_url_expires_after_its_ttl(api: Any, client: httpx.AsyncClient, clock: ManualClock) -> None:
    """With url_ttl=60 the URL works for 60 s after completion, then is 403 like an expired signature."""
    url = await api.video_url()
    clock.advance(59)
    fresh = await client.get(url)
    clock.advance(1)
    stale = await client.get(url)

    assert (200, 403) == (fresh.status_code, stale.status_code)
    assert b"Request has expired" in stale.content


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(url_ttl=0, expired_status=410))])
async def test_a_video_url_can_be_expired_at_once_with_410(api: Any, client: httpx.AsyncClient) -> None:
    """url_ttl=0 hands out URLs that are already dead; expired_status picks 410 Gone."""
    assert 410 == (await client.get(await api.video_url())).status_code


async def test_expire_videos_kills_every_url_handed_out(api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient) -> None:
    """fake.expire_videos() makes existing URLs answer 403 from then on."""
    url = await api.video_url()
    before = (await client.get(url)).status_code

    fake.expire_videos()

    assert (200, 403) == (before, (await client.get(url)).status_code)


async def test_after_expire_videos_a_status_check_hands_out_a_fresh_url(
    api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient
) -> None:
    """expire_videos() kills the URL handed out; the next status check signs a new one, which works."""
    job_id = await api.create_id()
    old = (await api.completed(job_id)).json()["video"]["url"]

    fake.expire_videos()
    new = (await api.status(job_id)).json()["video"]["url"]

    assert old != new
    assert (403, 200) == ((await client.get(old)).status_code, (await client.get(new)).status_code)


async def test_expire_videos_spares_a_job_still_running(api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient) -> None:
    """A job that had not finished when expire_videos() ran hands out a working URL once it finishes."""
    job_id = await api.create_id()
    fake.expire_videos()

    url = (await api.completed(job_id)).json()["video"]["url"]

    assert 200 == (await client.get(url)).status_code


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(url_ttl=60))])
async def test_a_status_check_after_the_ttl_hands_out_a_fresh_url(
    api: Any, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """Past url_ttl the old URL is dead and a status check signs a new one, good for another ttl."""
    job_id = await api.create_id()
    old = (await api.completed(job_id)).json()["video"]["url"]
    clock.advance(60)
    new = (await api.status(job_id)).json()["video"]["url"]
    clock.advance(59)
    still = (await client.get(new)).status_code
    clock.advance(1)

    assert old != new
    assert (403, 200, 403) == ((await client.get(old)).status_code, still, (await client.get(new)).status_code)


@pytest.mark.parametrize("scenario", [Scenario(default_job=JobPlan(url_ttl=0))])
async def test_with_url_ttl_0_every_status_check_hands_out_a_dead_url(api: Any, client: httpx.AsyncClient) -> None:
    """url_ttl=0 stays dead: a later status check gives no working URL either."""
    job_id = await api.create_id()
    await api.completed(job_id)
    url = (await api.status(job_id)).json()["video"]["url"]

    assert 403 == (await client.get(url)).status_code


async def test_video_requests_are_counted(api: Any, fake: FakeAIMLAPI, client: httpx.AsyncClient) -> None:
    """Each download, partial or refused, counts as one video request."""
    url = await api.video_url()
    await client.get(url)
    await client.get(url, headers={"Range": "bytes=0-1"})
    await client.get("/cdn/videos/unknown.mp4")

    assert 3 == fake.counters.video_requests
