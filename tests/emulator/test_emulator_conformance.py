"""Conformance: every answer the fake gives to a valid request validates against the project's OpenAPI spec,
and requests the spec forbids are refused by the fake. Checked with openapi-core."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import RequestBodyValidationError, SecurityValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from aimlapi_video.testing import (
    FakeAIMLAPI,
    IdStyle,
    JobPlan,
    Outcome,
    Scenario,
    StatusStyle,
    UsageStyle,
    VideoStyle,
)

pytestmark = pytest.mark.anyio
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "aimlapi-video.json"
API = "/v2/video/generations"


class OpenAPIRequest:
    """An httpx request as openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "application/octet-stream")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class OpenAPIResponse:
    """An httpx response as openapi-core's Response protocol."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))
        self.data: bytes | None = response.content


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    """The normalized spec the client is generated from."""
    return OpenAPI.from_file_path(str(SPEC))


def check(openapi: OpenAPI, response: httpx.Response) -> None:
    """Fail unless both the request and the fake's response conform to the spec."""
    request = OpenAPIRequest(response.request)
    openapi.validate_request(request)
    openapi.validate_response(request, OpenAPIResponse(response))


async def run_job(openapi: OpenAPI, plan: JobPlan, body: dict[str, Any]) -> list[str]:
    """Create a job and check it to its end, validating every exchange; return the statuses seen."""
    fake = FakeAIMLAPI(Scenario(default_job=plan))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="https://api.fake.test",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        created = await http.post(API, json=body)
        check(openapi, created)
        statuses = [created.json()["status"]]
        for _ in range(4):
            response = await http.get(API, params={"generation_id": created.json()["id"]})
            check(openapi, response)
            statuses.append(response.json()["status"])
    return statuses


PLANS = {
    "canonical": JobPlan(),
    "loose-statuses": JobPlan(status_style=StatusStyle.LOOSE),
    "video-object-full": JobPlan(video_style=VideoStyle.OBJECT_FULL),
    "video-list-of-objects": JobPlan(video_style=VideoStyle.LIST_OF_OBJECTS),
    "video-list-of-strings": JobPlan(video_style=VideoStyle.LIST_OF_STRINGS),
    "usage-tokens": JobPlan(usage_style=UsageStyle.TOKENS),
    "usage-usd": JobPlan(usage_style=UsageStyle.USD),
    "error-name-message": JobPlan(outcome=Outcome.ERROR),
    "error-detail": JobPlan(outcome=Outcome.ERROR_DETAIL),
    "id-nanoid": JobPlan(id_style=IdStyle.NANOID),
    "id-number": JobPlan(id_style=IdStyle.NUMBER),
    "id-uuid": JobPlan(id_style=IdStyle.UUID),
}
FINAL = {"loose-statuses": "succeeded", "error-name-message": "error", "error-detail": "error"}


@pytest.mark.parametrize("name", list(PLANS))
async def test_every_stage_of_every_style_conforms(openapi: OpenAPI, make_body: Any, name: str) -> None:
    """Queued, generating and the final status validate against the spec in every style the fake has."""
    statuses = await run_job(openapi, PLANS[name], make_body())

    pending = ["waiting", "waiting", "active"] if name == "loose-statuses" else ["queued", "queued", "generating"]
    assert [*pending, FINAL.get(name, "completed")] == statuses[:4]


async def test_a_full_request_with_the_real_image_conforms(openapi: OpenAPI, make_body: Any, mona_lisa: bytes) -> None:
    """Every optional field set, and the docs' JPEG inline: accepted by the spec and by the fake."""
    body = make_body(
        image_url="data:image/jpeg;base64," + base64.b64encode(mona_lisa).decode(),
        audio_url="https://example.com/voice.mp3",
        duration=15,
        resolution="1080p",
        shot_type="multi",
        negative_prompt="blur",
        enhance_prompt=True,
        generate_audio=False,
        seed=42,
    )

    assert "completed" == (await run_job(openapi, JobPlan(), body))[-1]


SPEC_VIOLATIONS: dict[str, dict[str, Any]] = {
    "missing-model": {"model": None},
    "missing-prompt": {"prompt": None},
    "missing-image": {"image_url": None},
    "unknown-model": {"model": "alibaba/wan-2-1"},
    "duration-not-in-enum": {"duration": 7},
    "duration-as-string": {"duration": "10"},
    "resolution-not-in-enum": {"resolution": "4k"},
    "shot-type-not-in-enum": {"shot_type": "triple"},
    "boolean-as-int": {"enhance_prompt": 1},
    "seed-as-float": {"seed": 0.5},
    "seed-as-bool": {"seed": True},
    "prompt-as-number": {"prompt": 12},
}


@pytest.mark.parametrize("name", list(SPEC_VIOLATIONS))
async def test_requests_the_spec_refuses_the_fake_refuses_with_400(
    openapi: OpenAPI, make_body: Any, client: httpx.AsyncClient, name: str
) -> None:
    """For each violation openapi-core rejects the request, and the fake answers 400."""
    body = {k: v for k, v in make_body(**SPEC_VIOLATIONS[name]).items() if v is not None}

    response = await client.post(API, json=body)

    with pytest.raises(RequestBodyValidationError):
        openapi.validate_request(OpenAPIRequest(response.request))
    assert 400 == response.status_code


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_requests_without_credentials_are_refused_with_401(
    openapi: OpenAPI, fake: FakeAIMLAPI, make_body: Any, method: str
) -> None:
    """The spec requires the bearer scheme on both operations; the fake answers 401 without it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="https://t") as http:
        if method == "POST":
            response = await http.post(API, json=make_body())
        else:
            response = await http.get(API, params={"generation_id": "x"})

    with pytest.raises(SecurityValidationError):
        openapi.validate_request(OpenAPIRequest(response.request))
    assert 401 == response.status_code
