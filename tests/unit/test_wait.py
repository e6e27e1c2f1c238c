"""Status checks and waiting: every status handled, transient failures tolerated, a hard deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest

from aimlapi_video import (
    APIConnectionError,
    AuthenticationError,
    Completed,
    GenerationFailedError,
    NotFoundError,
    Pending,
    PollSchedule,
    ProgressEvent,
    ServerError,
    Usage,
    WaitTimeoutError,
)
from aimlapi_video._drivers import HOOKS, calling
from aimlapi_video._engine import Fetch
from tests.unit.harness import (
    FakeAPI,
    FakeClock,
    Runner,
    api_error_body,
    corrupt_gzip,
    dated_retry_after,
    done,
    job,
    too_deep,
)

Make = Callable[..., Runner]
URL = "https://cdn.example.com/v.mp4?sig=abc"
NO_JITTER = PollSchedule(jitter=0.0)


@pytest.mark.parametrize("status", ["queued", "generating", "waiting", "active"])
def test_pending_statuses(make: Make, status: str) -> None:
    """The spec's and the live API's in-progress statuses are Pending and known."""
    assert Pending(id="gen-1", status=status) == make(FakeAPI(gets=[job(status)]))("get", "gen-1")


@pytest.mark.parametrize("status", ["completed", "succeeded"])
def test_completed_statuses(make: Make, status: str) -> None:
    """Both terminal success statuses give the URL and the credits."""
    api = FakeAPI(gets=[job(status, video={"url": URL}, meta={"usage": {"credits_used": 400000}})])
    assert Completed(id="gen-1", status=status, video_url=URL, usage=Usage(credits_used=400000.0)) == make(api)(
        "get", "gen-1"
    )


@pytest.mark.parametrize(
    "video",
    [{"url": URL}, {"url": URL, "content_type": "video/mp4", "file_size": 9}, [{"url": URL}], [URL]],
)
def test_video_url_in_every_live_form(make: Make, video: object) -> None:
    """An object, an object with extra fields, a list of objects, or a list of strings."""
    state = make(FakeAPI(gets=[job("completed", video=video)]))("get", "gen-1")
    assert URL == state.video_url


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"credits_used": 12}, Usage(credits_used=12.0)),
        ({"tokens_used": 5}, Usage(tokens_used=5.0)),
        ({"usd_spent": 0.25}, Usage(usd_spent=0.25)),
        ({"credits_used": "400000", "usd_spent": "0.2"}, Usage(credits_used=400000.0, usd_spent=0.2)),  # as text
        ({"credits_used": "lots", "tokens_used": -3, "usd_spent": True}, Usage()),  # not an amount: unknown
    ],
)
def test_usage_in_every_documented_form(make: Make, usage: dict[str, object], expected: Usage) -> None:
    """credits_used, tokens_used (older models) or usd_spent (newer ones), as numbers or numeric strings."""
    state = make(FakeAPI(gets=[job("completed", video={"url": URL}, meta={"usage": usage})]))("get", "gen-1")
    assert expected == state.usage


@pytest.mark.parametrize(
    ("usage", "headers", "expected"),
    [
        ({"usd_spent": 0.2}, {"x-aimlapi-credits-used": "400000"}, Usage(credits_used=400000.0, usd_spent=0.2)),
        ({"tokens_used": 7}, {"x-aimlapi-usd-spent": "0.2"}, Usage(tokens_used=7.0, usd_spent=0.2)),
        ({"credits_used": 12}, {"x-aimlapi-credits-used": "99"}, Usage(credits_used=12.0)),  # the body wins
        ({}, {"x-aimlapi-credits-used": "nan", "x-aimlapi-usd-spent": "-1"}, Usage()),  # not a cost: ignored
        ({}, {"x-aimlapi-credits-used": "lots", "x-aimlapi-usd-spent": "inf"}, Usage()),
    ],
)
def test_a_cost_the_body_leaves_out_comes_from_the_headers(
    make: Make, usage: dict[str, float], headers: dict[str, str], expected: Usage
) -> None:
    """A model that reports usd_spent or tokens_used still has its credits in x-aimlapi-credits-used (and its
    USD in x-aimlapi-usd-spent): both are kept, so the cost is never lost to the body's format."""
    answer = httpx.Response(
        200,
        json={"id": "gen-1", "status": "completed", "video": {"url": URL}, "meta": {"usage": usage}},
        headers=headers,
    )
    assert expected == make(FakeAPI(gets=[answer]))("get", "gen-1").usage


def test_an_id_with_colons_and_slashes_is_sent_as_one_query_value(make: Make) -> None:
    """Live ids look like `uuid:vendor/model`; they must arrive intact."""
    api = FakeAPI(gets=[job("queued", "0f3c:alibaba/wan-2-6?x&y")])
    make(api)("get", "0f3c:alibaba/wan-2-6?x&y")
    assert "0f3c:alibaba/wan-2-6?x&y" == api.requests[0].url.params["generation_id"]


def test_wait_polls_on_the_schedule_and_reports_progress(make: Make) -> None:
    """Gaps follow the schedule; each check reports id, status, elapsed, checks and the next gap."""
    api = FakeAPI(gets=[job("queued"), job("generating"), job("generating"), done()])
    events: list[ProgressEvent] = []
    runner = make(api, poll_schedule=NO_JITTER)
    result = runner("wait", "gen-1", on_progress=events.append)
    assert URL == result.video_url
    assert [2.0, 3.0, 4.5] == runner.clock.sleeps
    assert [
        ProgressEvent("gen-1", "queued", 0.0, 1, 2.0),
        ProgressEvent("gen-1", "generating", 2.0, 2, 3.0),
        ProgressEvent("gen-1", "generating", 5.0, 3, 4.5),
        ProgressEvent("gen-1", "completed", 9.5, 4, None),
    ] == events


def test_an_unknown_status_keeps_waiting_and_is_reported(make: Make) -> None:
    """A status this client does not know is not an error: it is shown and the wait goes on."""
    api = FakeAPI(gets=[job("rendering"), done()])
    events: list[ProgressEvent] = []
    assert URL == make(api)("wait", "gen-1", on_progress=events.append).video_url
    assert ["rendering", "completed"] == [e.status for e in events]


def test_iter_status_yields_every_state_and_ends_on_the_terminal_one(make: Make) -> None:
    """iter_status is the primitive: unknown statuses are Pending(known=False)."""
    api = FakeAPI(gets=[job("queued"), job("rendering"), done()])
    states = make(api).states("gen-1")
    assert [Pending("gen-1", "queued"), Pending("gen-1", "rendering", known=False)] == states[:2]
    assert isinstance(states[2], Completed)


@pytest.mark.parametrize(
    ("error", "name", "message"),
    [
        ({"name": "ContentPolicy", "message": "prompt refused"}, "ContentPolicy", "prompt refused"),
        (
            {"detail": [{"loc": ["image_url"], "msg": "no face detected", "type": "value_error"}]},
            "ValidationError",
            "no face detected",
        ),
        (None, "UnknownError", "the generation failed without an error description"),
        # looser than the schema: null or non-text fields, a bare string, a detail string, an unknown shape
        (
            {"name": "FaceDetectionError", "message": None},
            "FaceDetectionError",
            "the generation failed without an error description",
        ),
        ({"name": None, "message": 42}, "UnknownError", "42"),
        ("Face detection failed", "UnknownError", "Face detection failed"),
        ({"detail": "Face not detected"}, "UnknownError", "Face not detected"),
        ({"code": 7}, "UnknownError", '{"code": 7}'),
    ],
)
def test_a_failed_generation_raises_with_its_id_and_reason(make: Make, error: object, name: str, message: str) -> None:
    """Both error forms of the live API, and none at all, give GenerationFailedError."""
    api = FakeAPI(gets=[job("error", error=error)])
    with pytest.raises(GenerationFailedError) as info:
        make(api)("wait", "gen-1")
    assert ("gen-1", name, message) == (info.value.generation_id, info.value.error_name, info.value.error_message)


@pytest.mark.parametrize("status", ["Completed", "SUCCEEDED", " completed "])
def test_a_terminal_status_in_another_case_is_completed(make: Make, status: str) -> None:
    """Statuses are matched whatever their case: "Completed" is done, not an unknown status to wait out."""
    api = FakeAPI(gets=[job(status, video={"url": URL})])
    assert Completed(id="gen-1", status=status.strip(), video_url=URL) == make(api)("wait", "gen-1")
    assert 1 == api.count("GET")


@pytest.mark.parametrize("status", ["Error", "failed", "FAILURE"])
def test_a_failure_under_another_status_name_raises_at_once(make: Make, status: str) -> None:
    """ "Error" matches "error"; an unknown status carrying an error is a failure, not a wait until the deadline."""
    api = FakeAPI(gets=[job(status, error={"name": "ModelError", "message": "out of memory"})])
    with pytest.raises(GenerationFailedError) as info:
        make(api)("wait", "gen-1")
    assert ("gen-1", "ModelError", "out of memory", 1) == (
        info.value.generation_id,
        info.value.error_name,
        info.value.error_message,
        api.count("GET"),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"error": {"name": None, "message": None}},
        {"error": []},
        {"error": False},
        {"error": " "},
        {"error": {"detail": []}},
        {"video": ["about:blank"]},
        {"video": {"url": ""}},
    ],
    ids=["null name and message", "empty list", "false", "blank", "empty detail", "placeholder URL", "empty URL"],
)
def test_an_unknown_status_with_a_placeholder_keeps_waiting(make: Make, fields: dict[str, Any]) -> None:
    """An error that says nothing, or a video that is not a link, does not end a job whose status is unknown:
    reading a running (billed) job as failed would have its caller pay for it again."""
    state = make(FakeAPI(gets=[job("processing", **fields)]))("get", "gen-1")
    assert Pending(id="gen-1", status="processing", known=False) == state


def test_an_unknown_status_with_a_video_url_is_completed(make: Make) -> None:
    """An unknown status whose answer carries the video: done, and downloadable."""
    state = make(FakeAPI(gets=[job("finished", video=[URL])]))("get", "gen-1")
    assert Completed(id="gen-1", status="finished", video_url=URL) == state


def test_an_id_answered_as_a_json_number_stays_the_string_asked_for(make: Make) -> None:
    """A long numeric id sent back as a JSON number: the state keeps the id as asked (a string), so it equals
    the submitted one and prints exactly (as a float it would round: 9007199254740993123 -> ...3000)."""
    api = FakeAPI(gets=[httpx.Response(200, json={"id": 9007199254740993123, "status": "queued"}), done()])
    states = make(api).states("9007199254740993123")
    assert ["9007199254740993123"] * 2 == [state.id for state in states]


def test_completed_without_a_video_url_is_an_incomplete_answer(make: Make) -> None:
    """A contradictory answer is not a failed (billed) generation: get() says the answer was incomplete."""
    with pytest.raises(APIConnectionError, match="incomplete answer"):
        make(FakeAPI(gets=[job("completed", video=None)]))("get", "gen-1")


def test_wait_asks_again_when_completed_arrives_without_a_video_url(make: Make) -> None:
    """An eventually consistent answer is retried like any transient failure, then the video is there."""
    api = FakeAPI(gets=[job("completed", video=None), done()])
    assert URL == make(api)("wait", "gen-1").video_url
    assert 2 == api.count("GET")


def test_transient_failures_are_tolerated(make: Make) -> None:
    """5xx, 429, network errors and non-JSON bodies in a row, fewer than the limit, then success."""
    api = FakeAPI(
        gets=[
            api_error_body(502),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, text="<html>"),
            api_error_body(503, **{"Retry-After": "11"}),
            httpx.ConnectError("down"),
            done(),
        ]
    )
    runner = make(api, poll_schedule=NO_JITTER, max_status_failures=5)
    assert URL == runner("wait", "gen-1").video_url
    assert 11.0 in runner.clock.sleeps
    assert 6 == api.count("GET")


def test_a_503_with_a_retry_after_date_sets_the_next_gap(make: Make) -> None:
    """Retry-After as an HTTP date on a status check: the next check comes that long after the answer's Date."""
    hint = dated_retry_after(25)
    api = FakeAPI(gets=[api_error_body(503, **hint), done()])
    runner = make(api, poll_schedule=NO_JITTER)
    assert URL == runner("wait", "gen-1").video_url
    assert [25.0] == runner.clock.sleeps


def test_a_408_from_a_proxy_is_another_transient_failure(make: Make) -> None:
    """A proxy's 408 (it timed out waiting for the request) says nothing about the job: check again."""
    api = FakeAPI(gets=[httpx.Response(408, text="<html>Request Timeout</html>"), done()])
    assert URL == make(api, poll_schedule=NO_JITTER)("wait", "gen-1").video_url
    assert 2 == api.count("GET")


def test_too_many_failures_in_a_row_raise_with_the_id(make: Make) -> None:
    """The limit counts consecutive failures; the exception carries the id in a note."""
    api = FakeAPI(gets=[api_error_body(500)])
    with pytest.raises(ServerError) as info:
        make(api, max_status_failures=2)("wait", "gen-1")
    assert 3 == api.count("GET")
    assert any("gen-1" in note for note in info.value.__notes__)


def test_a_success_resets_the_failure_count(make: Make) -> None:
    """Two failures, a success, two failures: never more than the limit in a row."""
    api = FakeAPI(
        gets=[
            api_error_body(500),
            api_error_body(500),
            job("generating"),
            api_error_body(500),
            api_error_body(500),
            done(),
        ]
    )
    assert URL == make(api, max_status_failures=2)("wait", "gen-1").video_url


@pytest.mark.parametrize(("reply", "error"), [(404, NotFoundError), (401, AuthenticationError)])
def test_refusals_are_not_retried(make: Make, reply: int, error: type[Exception]) -> None:
    """A wrong id or key will not get better by asking again."""
    api = FakeAPI(gets=[api_error_body(reply)])
    with pytest.raises(error):
        make(api)("wait", "gen-1")
    assert 1 == api.count("GET")


def test_the_deadline_raises_wait_timeout_error_with_the_id(make: Make) -> None:
    """The last check happens at the deadline; the error is also a TimeoutError and names the id."""
    api = FakeAPI(gets=[job("generating")])
    runner = make(api, poll_schedule=NO_JITTER)
    with pytest.raises(WaitTimeoutError) as info:
        runner("wait", "gen-1", timeout=20)
    assert isinstance(info.value, TimeoutError)
    assert ("gen-1", "generating", 20.0) == (info.value.generation_id, info.value.last_status, info.value.elapsed)
    assert 20.0 == pytest.approx(sum(runner.clock.sleeps))
    assert "gen-1" in str(info.value)


def test_a_server_hint_longer_than_the_deadline_is_cut_to_it(make: Make) -> None:
    """Retry-After never makes the wait overrun its deadline."""
    api = FakeAPI(gets=[api_error_body(503, **{"Retry-After": "3600"})])
    runner = make(api, max_status_failures=50)
    with pytest.raises(WaitTimeoutError):
        runner("wait", "gen-1", timeout=30)
    assert 30.0 == pytest.approx(sum(runner.clock.sleeps))


def test_get_maps_a_network_failure_to_api_connection_error(make: Make) -> None:
    """A single check does not retry; it says what went wrong."""
    with pytest.raises(APIConnectionError, match="status check for gen-1 failed: read timeout"):
        make(FakeAPI(gets=[httpx.ReadTimeout("x")]))("get", "gen-1")


def test_the_clock_is_injected(make: Make) -> None:
    """Elapsed time comes from the injected clock, so tests never sleep."""
    clock = FakeClock(now=50.0)
    events: list[ProgressEvent] = []
    make(FakeAPI(gets=[job("queued"), done()]), clock, poll_schedule=NO_JITTER)(
        "wait", "gen-1", on_progress=events.append
    )
    assert [0.0, 2.0] == [e.elapsed for e in events]


def test_no_status_check_may_run_past_the_deadline(make: Make) -> None:
    """Each check inside a wait gets at most the time left (at least a second), so the deadline is hard."""
    limits: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        limits.append(request.extensions["timeout"]["read"])
        return job("generating")

    runner = make(FakeAPI(gets=[record]), poll_schedule=NO_JITTER)
    with pytest.raises(WaitTimeoutError):
        runner("wait", "gen-1", timeout=10)
    # Checks at t = 0, 2, 5, 9.5 and 10 (the deadline): the time left then, and the one-second floor at the end.
    assert [10.0, 8.0, 5.0, 1.0, 1.0] == limits


def test_a_single_get_keeps_the_clients_own_timeouts(make: Make) -> None:
    """Outside a wait there is no deadline: the client's read timeout applies unchanged."""
    limits: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        limits.append(request.extensions["timeout"]["read"])
        return job("generating")

    make(FakeAPI(gets=[record]))("get", "gen-1")
    assert [60.0] == limits


def test_an_undecodable_or_absurdly_nested_answer_is_a_transient_failure(make: Make) -> None:
    """Whatever breaks while reading a status body counts as one failed check, never as a raw exception."""
    runner = make(FakeAPI(gets=[corrupt_gzip(), too_deep(), done()]), poll_schedule=NO_JITTER)
    assert URL == runner("wait", "gen-1").video_url
    assert 3 == runner.api.count("GET")


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent a byte at a time, each byte one second (on the fake clock) after the last."""

    def __init__(self, body: bytes, clock: FakeClock) -> None:
        self.body, self.clock = body, clock

    def __iter__(self) -> Iterator[bytes]:
        for i in range(len(self.body)):
            self.clock.now += 1.0
            yield self.body[i : i + 1]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def test_a_body_trickling_past_the_deadline_ends_the_wait_at_the_deadline(make: Make) -> None:
    """httpx's read timeout applies per read, so only the deadline on the whole check stops a trickle."""
    api = FakeAPI()
    runner = make(api, poll_schedule=NO_JITTER)
    body = done().content  # a completed answer: without the deadline, the wait would end "successfully" late
    api.gets.append(lambda _: httpx.Response(200, stream=Trickle(body, runner.clock)))
    with pytest.raises(WaitTimeoutError):
        runner("wait", "gen-1", timeout=5)
    assert 1005.0 < runner.clock.now < 1007.0  # stopped within a byte of the deadline, not after the whole body


def test_time_spent_queueing_counts_against_a_checks_time_limit() -> None:
    """The async client passes when it began queueing: a check that waited 4 of its 5 seconds for a
    connection gets 1 second for the request, not 5 more."""
    clock = FakeClock(now=1004.0)
    seen: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        return job("queued")

    with httpx.Client(transport=httpx.MockTransport(record), event_hooks=HOOKS) as http:
        with calling(Fetch("gen-1", 5.0), clock, started=1000.0):
            http.get("https://api.example.com/v2/video/generations?generation_id=gen-1")
        with calling(Fetch("gen-1", 5.0), clock):
            http.get("https://api.example.com/v2/video/generations?generation_id=gen-1")
    assert [1.0, 5.0] == seen


def test_a_failed_state_can_be_hashed_and_compared(make: Make) -> None:
    """Its details are dicts: they count for equality, not for the hash, so states can key a dict."""
    error = {"detail": [{"loc": ["prompt"], "msg": "too long"}]}
    api = FakeAPI(gets=[job("error", error=error)])
    runner = make(api)
    first, second = runner("get", "gen-1"), runner("get", "gen-1")
    assert (first, 1) == (second, len({first, second}))
    assert first != attrs.evolve(first, details=())
