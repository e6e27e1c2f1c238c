"""Submit is paid: the POST is repeated only when it provably never reached the server, or on 429."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aimlapi_video import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    InvalidRequestError,
    Job,
    RateLimitError,
    SubmitUncertainError,
)
from aimlapi_video._engine import interrupted_request_id
from tests.unit.harness import (
    PNG,
    FakeAPI,
    Reply,
    Runner,
    api_error_body,
    corrupt_gzip,
    cut_body,
    dated_retry_after,
    job,
    too_deep,
)

Make = Callable[..., Runner]


def test_submit_returns_the_job_right_after_the_post(make: Make) -> None:
    """One POST, no status check, and the id and status of the answer."""
    api = FakeAPI(posts=[job("queued", "ZHit78epXWA0ElX4Cz3nX")])
    assert Job(id="ZHit78epXWA0ElX4Cz3nX", status="queued") == make(api)("submit", PNG, "a cat")
    assert (1, 0) == (api.count("POST"), api.count("GET"))


def test_submit_sends_the_model_prompt_image_and_only_given_fields(make: Make) -> None:
    """Unset options are omitted (the server decides), except duration, which defaults to 5."""
    api = FakeAPI(posts=[job("queued")])
    make(api)("submit", PNG, "a cat", resolution="1080p", seed=7, generate_audio=False)
    body = api.post_bodies()[0]
    assert body.pop("image_url").startswith("data:image/png;base64,")
    expected = {
        "model": "alibaba/wan-2-6-image-to-video-flash",
        "prompt": "a cat",
        "duration": 5,
        "resolution": "1080p",
        "seed": 7,
        "generate_audio": False,
    }
    assert expected == body


def test_extra_fields_are_sent_when_passed_explicitly(make: Make) -> None:
    """Keys upstream accepts but the spec lacks go through ``extra``, never silently."""
    api = FakeAPI(posts=[job("queued")])
    make(api)("submit", "https://example.com/a.jpg", "p", extra={"tail_image_url": "https://example.com/b.jpg"})
    body = api.post_bodies()[0]
    assert ("https://example.com/a.jpg", "https://example.com/b.jpg") == (body["image_url"], body["tail_image_url"])


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow connect")])
def test_a_request_that_never_left_is_retried(make: Make, failure: Exception) -> None:
    """Connection refused, DNS failure or connect timeout: nothing was sent, so sending again is safe."""
    api = FakeAPI(posts=[failure, job("queued")])
    runner = make(api)
    assert "gen-1" == runner("submit", PNG, "p").id
    assert 2 == api.count("POST")
    assert [1.0] == runner.clock.sleeps


def test_connect_failures_give_up_after_the_attempt_limit(make: Make) -> None:
    """After max_submit_attempts the error says nothing was created."""
    api = FakeAPI(posts=[httpx.ConnectError("refused")] * 3)
    with pytest.raises(APIConnectionError, match="nothing was created"):
        make(api, max_submit_attempts=3)("submit", PNG, "p")
    assert 3 == api.count("POST")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (httpx.ReadTimeout("read"), "read timeout"),
        (httpx.RemoteProtocolError("closed"), "connection closed"),
        (httpx.ReadError("reset"), "connection dropped"),
        (httpx.WriteError("broken pipe"), "connection dropped"),
        (lambda _: api_error_body(500), "HTTP 500"),
        (lambda _: api_error_body(502), "HTTP 502"),
        (lambda _: httpx.Response(503, text="<html><body>Service Unavailable</body></html>"), "HTTP 503"),
        (lambda _: httpx.Response(200, text="<html>ok</html>"), "not JSON"),
        (lambda _: httpx.Response(200, json={"status": "queued"}), "unreadable answer"),
        (lambda _: httpx.Response(200, json=["not", "an", "object"]), "unreadable answer"),
        (lambda _: httpx.Response(201, json={"id": "", "status": "queued"}), "without a generation id"),
    ],
)
def test_an_uncertain_outcome_is_reported_and_never_resent(make: Make, reply: Reply, reason: str) -> None:
    """After the request may have arrived, a second POST could bill twice: exactly one POST is made."""
    api = FakeAPI(posts=[reply, job("queued")])
    with pytest.raises(SubmitUncertainError, match=reason) as info:
        make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")
    assert "may have been created" in str(info.value)
    assert info.value.generation_id is None


def test_429_is_retried_after_the_servers_hint(make: Make) -> None:
    """A rate-limited POST created nothing; it is sent again after Retry-After seconds."""
    api = FakeAPI(posts=[api_error_body(429, **{"Retry-After": "7"}), job("queued")])
    runner = make(api)
    assert "gen-1" == runner("submit", PNG, "p").id
    assert ([7.0], 2) == (runner.clock.sleeps, api.count("POST"))


def test_429_honours_a_retry_after_given_as_a_date(make: Make) -> None:
    """Retry-After as an HTTP date, 9 s after the answer's own Date: the POST is sent again after 9 s."""
    hint = dated_retry_after(9)
    api = FakeAPI(posts=[api_error_body(429, **hint), job("queued")])
    runner = make(api)
    assert "gen-1" == runner("submit", PNG, "p").id
    assert ([9.0], 2) == (runner.clock.sleeps, api.count("POST"))


def test_429_gives_up_with_rate_limit_error(make: Make) -> None:
    """Still limited after the attempts (or a hint longer than two minutes): RateLimitError with the hint."""
    api = FakeAPI(posts=[api_error_body(429, **{"Retry-After": "3600"})])
    with pytest.raises(RateLimitError) as info:
        make(api)("submit", PNG, "p")
    assert (429, 3600.0, 1) == (info.value.status_code, info.value.retry_after, api.count("POST"))


@pytest.mark.parametrize(
    ("status", "error"), [(400, InvalidRequestError), (401, AuthenticationError), (403, AuthenticationError)]
)
def test_refusals_carry_status_message_and_request_id(make: Make, status: int, error: type[APIError]) -> None:
    """The documented error body becomes the exception's fields; nothing is retried."""
    api = FakeAPI(posts=[api_error_body(status, message="duration must be one of 5, 10, 15", request_id="r-9")])
    with pytest.raises(error) as info:
        make(api)("submit", PNG, "p")
    assert (status, "duration must be one of 5, 10, 15", "r-9") == (
        info.value.status_code,
        info.value.message,
        info.value.request_id,
    )
    assert f"HTTP {status}: duration must be one of 5, 10, 15 (request id r-9)" == str(info.value)
    assert 1 == api.count("POST")


def test_every_post_carries_a_client_request_id_and_status_checks_do_not(make: Make) -> None:
    """The API echoes X-Client-Request-Id for tracing; each submit gets its own, in the documented alphabet."""
    api = FakeAPI(posts=[job("queued", "a"), job("queued", "b")], gets=[job("queued", "a")])
    runner = make(api)
    runner("submit", PNG, "p")
    runner("submit", PNG, "p")
    runner("get", "a")
    posted = [r.headers.get("x-client-request-id") for r in api.requests if r.method == "POST"]
    assert all(isinstance(h, str) and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", h) for h in posted)
    assert 2 == len(set(posted))
    assert [None] == [r.headers.get("x-client-request-id") for r in api.requests if r.method == "GET"]


def test_a_request_that_never_left_is_retried_under_the_same_client_request_id(make: Make) -> None:
    """A retry is the same logical request, so support can trace it by one id."""
    api = FakeAPI(posts=[httpx.ConnectError("refused"), job("queued")])
    make(api)("submit", PNG, "p")
    ids = [r.headers["x-client-request-id"] for r in api.requests if r.method == "POST"]
    assert 2 == len(ids)
    assert ids[0] == ids[1]


def test_an_uncertain_submit_names_the_client_request_id_it_sent(make: Make) -> None:
    """The one handle a user has to ask support whether the generation exists."""
    api = FakeAPI(posts=[httpx.ReadTimeout("slow")])
    with pytest.raises(SubmitUncertainError) as info:
        make(api)("submit", PNG, "p")
    sent = api.requests[0].headers["x-client-request-id"]
    assert sent == info.value.client_request_id
    assert f"X-Client-Request-Id {sent}" in str(info.value)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (lambda _: httpx.Response(201, json={"id": "gen-201", "status": "queued"}), Job("gen-201", "queued")),
        (lambda _: httpx.Response(200, json={"id": "gen-no-status"}), Job("gen-no-status", "queued")),
        (
            lambda _: httpx.Response(200, text="<html>ok</html>", headers={"x-inference-id": "gen-from-header"}),
            Job("gen-from-header", "queued"),
        ),
    ],
    ids=["201 with id", "200 without status", "non-JSON 200 with x-inference-id"],
)
def test_an_id_in_an_answer_outside_the_schema_is_kept(make: Make, reply: Reply, expected: Job) -> None:
    """The API answered with the id, just not in the schema's shape: the paid generation is not lost."""
    api = FakeAPI(posts=[reply])
    assert expected == make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")


def test_a_non_standard_status_on_submit_is_uncertain_not_a_crash(make: Make) -> None:
    """HTTP 520 (a CDN's 'unknown error') is not in http.HTTPStatus; the answer is still reported, once."""
    api = FakeAPI(posts=[lambda _: httpx.Response(520, text="origin error")])
    with pytest.raises(SubmitUncertainError, match="HTTP 520"):
        make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")


def _cut_by_timeout(**headers: str) -> Reply:
    return cut_body(httpx.ReadTimeout("timed out"), **headers)


@pytest.mark.parametrize(
    "reply",
    [corrupt_gzip, too_deep, cut_body, _cut_by_timeout],
    ids=["corrupt gzip", "nested too deep", "cut after the headers", "stalled after the headers"],
)
def test_an_unreadable_body_still_gives_the_id_from_its_header(make: Make, reply: Callable[..., Reply]) -> None:
    """The POST was answered; whatever breaks while reading the body, the x-inference-id header is kept."""
    api = FakeAPI(posts=[reply(**{"x-inference-id": "gen-header"})])
    assert Job("gen-header", "queued") == make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")


def test_a_ctrl_c_while_the_answers_body_arrives_carries_the_id_from_its_header(make: Make, mode: str) -> None:
    """Interrupted after the POST's answer began (Ctrl-C, or the task's cancellation): the id its head gave
    goes out with the interruption, beside the request id, so the paid generation can still be followed."""
    interruption = KeyboardInterrupt() if mode == "sync" else asyncio.CancelledError()
    api = FakeAPI(posts=[cut_body(interruption, **{"x-inference-id": "gen-header"})])
    with pytest.raises(type(interruption)) as info:
        make(api)("submit", PNG, "p")
    assert "the answer's headers named generation gen-header (its body never arrived)" in info.value.__notes__
    assert 1 == api.count("POST")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (corrupt_gzip(), "could not be decoded"),
        (too_deep(), "nested too deeply"),
        (cut_body(), "RemoteProtocolError: peer closed connection"),
    ],
    ids=["corrupt gzip", "nested too deep", "cut after the headers"],
)
def test_an_unreadable_body_without_an_id_is_uncertain(make: Make, reply: Reply, reason: str) -> None:
    """Without the header, the outcome is unknown: SubmitUncertainError naming the cause, never a raw error."""
    api = FakeAPI(posts=[reply])
    with pytest.raises(SubmitUncertainError, match=reason):
        make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"id": 7301928374, "status": "queued"}, "7301928374"), ({"id": "gen-7", "status": "queued"}, "gen-7")],
    ids=["integer id", "string id"],
)
def test_an_integer_id_is_kept_as_its_digits(make: Make, body: dict[str, Any], expected: str) -> None:
    """An id must be usable in the next status check's path: an integer becomes its digits."""
    api = FakeAPI(posts=[lambda _: httpx.Response(200, json=body)])
    assert Job(expected, "queued") == make(api)("submit", PNG, "p")


@pytest.mark.parametrize("bad_id", [["gen-1"], "   ", True, None], ids=["list", "blank", "bool", "null"])
def test_an_id_that_is_not_an_id_is_uncertain(make: Make, bad_id: object) -> None:
    """A list, a blank string or a boolean cannot name a generation: the outcome is reported as unknown."""
    api = FakeAPI(posts=[lambda _: httpx.Response(200, json={"id": bad_id, "status": "queued"})])
    with pytest.raises(SubmitUncertainError):
        make(api)("submit", PNG, "p")
    assert 1 == api.count("POST")


def test_a_ctrl_c_during_the_post_carries_its_client_request_id_out(make: Make, mode: str) -> None:
    """The outcome of an interrupted create is unknown; the X-Client-Request-Id it carried is what support can
    trace it by, so the interruption names it (the CLI quotes it in its exit-5 message). Sync: the Ctrl-C
    itself. Async: asyncio turns a Ctrl-C into the task's cancellation, which is what the request sees."""

    def interrupted(request: httpx.Request) -> Any:
        if mode == "sync":
            raise KeyboardInterrupt

        async def cancelled() -> None:  # httpx awaits what the handler returns
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            await asyncio.sleep(0)

        return cancelled()

    api = FakeAPI(posts=[interrupted])
    with pytest.raises((KeyboardInterrupt, asyncio.CancelledError)) as info:
        make(api)("submit", PNG, "a cat")
    sent = api.requests[0].headers["x-client-request-id"]
    assert sent == interrupted_request_id(info.value)
    assert 1 == api.count("POST")


def test_the_request_id_is_found_behind_the_interrupt_asyncio_run_raises() -> None:
    """``asyncio.run`` raises a fresh KeyboardInterrupt while handling the cancellation: look behind it."""
    cancelled = asyncio.CancelledError()
    cancelled.add_note("interrupted during the create request with X-Client-Request-Id aimlapi-video-1")

    def as_asyncio_run_does() -> None:
        try:
            raise cancelled
        except asyncio.CancelledError:
            raise KeyboardInterrupt()  # noqa: B904  (asyncio.Runner.run's own words: the cancellation is the context)

    with pytest.raises(KeyboardInterrupt) as info:
        as_asyncio_run_does()
    assert "aimlapi-video-1" == interrupted_request_id(info.value)
