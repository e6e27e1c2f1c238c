"""Fixtures for the emulator tests: an in-process fake, an httpx client on it, and a small API driver."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video.testing import FakeAIMLAPI, ManualClock, Scenario

API = "/v2/video/generations"
MODEL = "alibaba/wan-2-6-image-to-video-flash"
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# The 8-byte PNG signature and a little more: the fake checks magic bytes only.
PNG_URI = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(24)).decode()


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only (trio is not installed)."""
    return "asyncio"


@pytest.fixture
def scenario() -> Scenario:
    """The default scenario; a test overrides it with ``@pytest.mark.parametrize("scenario", [...])``."""
    return Scenario()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test advances it."""
    return ManualClock()


@pytest.fixture
def fake(scenario: Scenario, clock: ManualClock) -> FakeAIMLAPI:
    """An in-process fake (not serving) on the manual clock; progress is by status checks."""
    return FakeAIMLAPI(scenario, clock=clock)


@pytest.fixture
async def client(fake: FakeAIMLAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An authenticated client talking to the fake through ``httpx.ASGITransport``."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://fake.test",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        yield http


def valid_body(**overrides: Any) -> dict[str, Any]:
    """A minimal valid create body; ``overrides`` replace or add fields."""
    return {"model": MODEL, "prompt": "The lady smiles", "image_url": PNG_URI, **overrides}


@pytest.fixture
def make_body() -> Any:
    """The :func:`valid_body` factory, for tests that build bodies themselves."""
    return valid_body


class Driver:
    """Short-hands for the three routes, so tests read as steps."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def create(self, **overrides: Any) -> httpx.Response:
        return await self.http.post(API, json=valid_body(**overrides))

    async def create_id(self, **overrides: Any) -> str:
        response = await self.create(**overrides)
        assert response.status_code == 200, response.text
        job_id = response.json()["id"]
        assert isinstance(job_id, str)
        return job_id

    async def status(self, job_id: str) -> httpx.Response:
        return await self.http.get(API, params={"generation_id": job_id})

    async def statuses(self, job_id: str, count: int) -> list[str]:
        return [(await self.status(job_id)).json()["status"] for _ in range(count)]

    async def completed(self, job_id: str, max_checks: int = 10) -> httpx.Response:
        """Check until the job is no longer pending; fail if it never ends."""
        for _ in range(max_checks):
            response = await self.status(job_id)
            if response.json()["status"] not in {"queued", "generating", "waiting", "active"}:
                return response
        raise AssertionError(f"job {job_id} still pending after {max_checks} checks")

    async def video_url(self, **overrides: Any) -> str:
        """Create a job, run it to completion and return its video URL (object style)."""
        body = (await self.completed(await self.create_id(**overrides))).json()
        url = body["video"]["url"]
        assert isinstance(url, str)
        return url


@pytest.fixture
def api(client: httpx.AsyncClient) -> Driver:
    """A :class:`Driver` on the in-process client."""
    return Driver(client)


@pytest.fixture
def mona_lisa() -> bytes:
    """The docs page's real input image, from ``../shared/data``; skipped where that is absent."""
    path = SHARED_DATA / "mona_lisa_extended.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data not available at {path}")
    return path.read_bytes()
