"""POST /v2/video/generations: auth, validation as the spec says, ids like the live ones."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from aimlapi_video.testing import FakeAIMLAPI, IdStyle, JobPlan, Scenario

pytestmark = pytest.mark.anyio
API = "/v2/video/generations"
ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}


def data_uri(payload: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(payload).decode()}"


async def test_valid_request_creates_a_queued_job(api: Any, fake: FakeAIMLAPI) -> None:
    """A valid body answers 200 {id, status: queued}, counts one job and records the body."""
    response = await api.create(duration=5, resolution="1080p", seed=7)

    assert 200 == response.status_code
    assert {"id", "status"} == set(response.json())
    assert "queued" == response.json()["status"]
    assert response.json()["id"] == response.headers["x-inference-id"]
    assert 1 == fake.counters.jobs_created
    assert 5 == fake.jobs[0].request["duration"]


async def test_mona_lisa_jpeg_as_data_uri_is_accepted(api: Any, mona_lisa: bytes) -> None:
    """The docs page's real JPEG, sent inline, is a valid image input."""
    response = await api.create(image_url=data_uri(mona_lisa, "image/jpeg"))

    assert 200 == response.status_code


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xd8\xff\xe0" + bytes(20), b"\x89PNG\r\n\x1a\n" + bytes(8), b"RIFF\x10\0\0\0WEBPVP8 ", b"BM" + bytes(30)],
    ids=["jpeg", "png", "webp", "bmp"],
)
async def test_every_supported_image_format_is_accepted(api: Any, payload: bytes) -> None:
    """JPEG, PNG, WebP and BMP are recognised by their magic bytes."""
    assert 200 == (await api.create(image_url=data_uri(payload))).status_code


async def test_an_http_url_is_accepted_as_is(api: Any) -> None:
    """Online images are not fetched: any http(s) URL is taken."""
    assert 200 == (await api.create(image_url="https://example.com/a.jpg")).status_code


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"model": "alibaba/wan-2-5"}, "model"),
        ({"model": None}, "model"),
        ({"prompt": 3}, "prompt"),
        ({"duration": 7}, "duration"),
        ({"duration": "10"}, "duration"),
        ({"duration": True}, "duration"),
        ({"duration": 10.0}, "duration"),
        ({"resolution": "480p"}, "resolution"),
        ({"shot_type": "double"}, "shot_type"),
        ({"enhance_prompt": 1}, "enhance_prompt"),
        ({"generate_audio": "true"}, "generate_audio"),
        ({"seed": 1.5}, "seed"),
        ({"seed": False}, "seed"),
        ({"negative_prompt": ["x"]}, "negative_prompt"),
        ({"image_url": "ftp://example.com/a.png"}, "image_url"),
        ({"image_url": "data:image/png;base64,!!!"}, "image_url"),
        ({"image_url": "data:image/png," + "abc"}, "image_url"),
        ({"image_url": data_uri(b"GIF89a" + bytes(10), "image/gif")}, "image_url"),
        ({"image_url": data_uri(b"%PDF-1.4 not an image")}, "image_url"),
        ({"audio_url": "not a url"}, "audio_url"),
    ],
)
async def test_invalid_fields_are_refused_with_400_naming_the_field(
    api: Any, fake: FakeAIMLAPI, overrides: dict[str, Any], field: str
) -> None:
    """Each spec violation is a 400 in the documented shape that names the field; no job is created."""
    response = await api.create(**overrides)

    assert 400 == response.status_code
    assert ERROR_KEYS == set(response.json())
    assert 400 == response.json()["statusCode"]
    assert response.json()["message"].startswith(f"{field}: ")
    assert 0 == fake.counters.jobs_created


@pytest.mark.parametrize("missing", ["model", "prompt", "image_url"])
async def test_required_fields_are_required(client: httpx.AsyncClient, make_body: Any, missing: str) -> None:
    """model, prompt and image_url are each required."""
    body = make_body()
    del body[missing]

    response = await client.post(API, json=body)

    assert (400, f"{missing}: is required") == (response.status_code, response.json()["message"])


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
async def test_a_body_that_is_not_a_json_object_is_refused(client: httpx.AsyncClient, raw: bytes) -> None:
    """Unparsable JSON and non-object JSON are both 400."""
    response = await client.post(API, content=raw, headers={"content-type": "application/json"})

    assert 400 == response.status_code
    assert "/v2/video/generations" == response.json()["path"]


async def test_unknown_fields_are_accepted_like_the_schema_allows(api: Any) -> None:
    """The schema does not forbid extra properties (upstream's own example sends tail_image_url)."""
    assert 200 == (await api.create(tail_image_url="https://example.com/b.png")).status_code


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-key", "Basic dXNlcjpwYXNz", "Bearer", "fake-key-aimlapi-video-emulator"]
)
async def test_create_without_the_right_bearer_key_is_401(
    fake: FakeAIMLAPI, client: httpx.AsyncClient, make_body: Any, authorization: str | None
) -> None:
    """A missing, wrong or non-Bearer key is 401 in the documented shape, and creates nothing."""
    headers = {} if authorization is None else {"Authorization": authorization}
    client.headers.pop("Authorization")

    response = await client.post(API, json=make_body(), headers=headers)

    assert 401 == response.status_code
    assert ERROR_KEYS == set(response.json())
    assert 0 == fake.counters.jobs_created
    assert 1 == fake.counters.post_requests


async def test_a_custom_api_key_is_the_one_accepted(make_body: Any) -> None:
    """``api_key=`` replaces the default key, which then stops working."""
    fake = FakeAIMLAPI(api_key="fake-key-custom")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="http://t") as http:
        good = await http.post(API, json=make_body(), headers={"Authorization": "Bearer fake-key-custom"})
        default = await http.post(
            API, json=make_body(), headers={"Authorization": "Bearer fake-key-aimlapi-video-emulator"}
        )

    assert (200, 401) == (good.status_code, default.status_code)
    assert "fake-key-custom" not in repr(fake)


@pytest.mark.parametrize(
    ("style", "pattern"),
    [
        (IdStyle.UUID_MODEL, r"[0-9a-f-]{36}:alibaba/wan-2-6-image-to-video-flash"),
        (IdStyle.NANOID, r"[A-Za-z0-9_-]{21}"),
        (IdStyle.UUID, r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
        (IdStyle.NUMBER, r"[1-9][0-9]{18}"),
    ],
)
async def test_ids_take_the_live_formats(style: IdStyle, pattern: str, make_body: Any) -> None:
    """Each id style produces ids of the live API's formats; the default one holds ':' and '/'."""
    fake = FakeAIMLAPI(Scenario(default_job=JobPlan(id_style=style)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as http:
        ids = [(await http.post(API, json=make_body())).json()["id"] for _ in range(3)]

    assert all(re.fullmatch(pattern, job_id) for job_id in ids), ids
    assert 3 == len(set(ids))


async def test_default_ids_contain_colon_and_slash(api: Any) -> None:
    """By default ids are ``uuid:vendor/model``, so clients must URL-escape them."""
    job_id = await api.create_id()

    assert ":" in job_id
    assert "/" in job_id


@pytest.mark.parametrize(("sent", "echoed"), [("trace-1.a:b_c", "trace-1.a:b_c"), ("bad id!", None)])
async def test_a_well_formed_client_request_id_is_echoed(
    client: httpx.AsyncClient, make_body: Any, sent: str, echoed: str | None
) -> None:
    """X-Client-Request-Id of [A-Za-z0-9._:-]{1,128} comes back; a malformed one does not."""
    response = await client.post(API, json=make_body(), headers={"X-Client-Request-Id": sent})

    assert echoed == response.headers.get("x-client-request-id")


async def test_repeating_a_post_creates_a_second_job(api: Any, fake: FakeAIMLAPI) -> None:
    """No idempotency: the same body twice is two jobs with different ids (as billed live)."""
    first = await api.create_id()
    second = await api.create_id()

    assert first != second
    assert 2 == fake.counters.jobs_created


@pytest.mark.parametrize("scenario", [Scenario(create_status=201)])
async def test_create_status_is_configurable(api: Any) -> None:
    """``Scenario.create_status`` lets tests check that clients accept any 2xx for a creation."""
    assert 201 == (await api.create()).status_code
