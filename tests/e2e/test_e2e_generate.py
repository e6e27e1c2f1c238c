"""The whole flow over real sockets: submit, wait, download, in both modes, and the live API's looser forms."""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

import httpx
import pytest

from aimlapi_video import AuthenticationError, Completed, Pending, Usage
from aimlapi_video.testing import Counters, Fault, IdStyle, JobPlan, Scenario, StatusStyle, UsageStyle, VideoStyle
from tests.e2e.harness import PNG, PROMPT, VIDEO_PREFIX, Start, closed_port

CREDITS = 210_000  # JobPlan's default credits_used
#: What the emulator's answers cost, as the live API reports it: in the body (in one unit or another) and, in
#: credits and USD, in the x-aimlapi-credits-used and x-aimlapi-usd-spent headers, which fill what the body lacks.
COST = Usage(credits_used=CREDITS, usd_spent=CREDITS / 2e6)


def test_generate_saves_the_video_the_emulator_serves(start: Start, tmp_path: Path, mona_lisa: Path) -> None:
    """The docs' example end to end: one job, the JPEG sent as a data URI, 5 s, the served bytes on disk."""
    live = start()
    out = tmp_path / "out.mp4"
    result = live("generate", mona_lisa, PROMPT, output=out)
    counters = live.fake.counters  # before this test fetches the video itself

    [job] = live.fake.jobs
    assert job.id == result.id
    assert result.video_url.startswith(f"{live.fake.base_url}{VIDEO_PREFIX}")
    assert COST == result.generation.usage
    assert "completed" == result.generation.status
    assert out == result.path
    served = httpx.get(result.video_url).content
    assert served == out.read_bytes()
    assert b"ftyp" == served[4:8]
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == counters
    image_url = job.request["image_url"]
    assert image_url.startswith("data:image/jpeg;base64,")
    assert mona_lisa.read_bytes() == base64.b64decode(image_url.partition(",")[2])
    assert (5, PROMPT) == (job.request["duration"], job.request["prompt"])
    assert [out.name] == [p.name for p in tmp_path.iterdir()]  # no temporary file left beside it


@pytest.mark.parametrize(
    ("plan", "status", "usage"),
    [
        pytest.param(JobPlan(status_style=StatusStyle.LOOSE), "succeeded", COST, id="loose"),
        pytest.param(JobPlan(video_style=VideoStyle.LIST_OF_OBJECTS), "completed", COST, id="list-obj"),
        pytest.param(JobPlan(video_style=VideoStyle.LIST_OF_STRINGS), "completed", COST, id="list-str"),
        pytest.param(JobPlan(video_style=VideoStyle.OBJECT_FULL), "completed", COST, id="obj-full"),
        pytest.param(
            JobPlan(usage_style=UsageStyle.TOKENS), "completed", Usage(CREDITS, CREDITS, CREDITS / 2e6), id="tokens"
        ),
        pytest.param(JobPlan(usage_style=UsageStyle.USD), "completed", COST, id="usd"),
        pytest.param(JobPlan(id_style=IdStyle.NANOID), "completed", COST, id="nanoid"),
        pytest.param(JobPlan(id_style=IdStyle.UUID), "completed", COST, id="uuid"),
        pytest.param(JobPlan(id_style=IdStyle.NUMBER), "completed", COST, id="number"),
        pytest.param(JobPlan(id_style=IdStyle.UUID_MODEL), "completed", COST, id="uuid-model"),
    ],
)
def test_the_live_apis_looser_forms_are_understood(
    start: Start, tmp_path: Path, plan: JobPlan, status: str, usage: Usage
) -> None:
    """Other status words, video shapes, usage units and id formats all end in a saved video and its cost."""
    live = start(Scenario(default_job=plan))
    out = tmp_path / "out.mp4"
    result = live("generate", PNG, PROMPT, output=out)

    [job] = live.fake.jobs
    assert (job.id, status, usage) == (result.id, result.generation.status, result.generation.usage)
    assert 3 == job.polls  # every status check found the job under its id (escaped where it needs it)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == live.fake.counters
    assert httpx.get(result.video_url).content == out.read_bytes()


@pytest.mark.parametrize(
    ("style", "pattern"),
    [
        pytest.param(IdStyle.NANOID, r"[A-Za-z0-9_-]{21}", id="nanoid"),
        pytest.param(IdStyle.UUID, r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", id="uuid"),
        pytest.param(IdStyle.NUMBER, r"[0-9]{19}", id="number"),
        pytest.param(IdStyle.UUID_MODEL, r"[0-9a-f-]{36}:alibaba/wan-2-6-image-to-video-flash", id="uuid-model"),
    ],
)
def test_every_id_format_round_trips_through_submit_and_get(start: Start, style: IdStyle, pattern: str) -> None:
    """The id the POST answered is the one checked; a ``:``/``/`` id is escaped into one query value."""
    live = start(Scenario(default_job=JobPlan(id_style=style)))
    job_id = live("submit", PNG, PROMPT).id
    assert re.fullmatch(pattern, job_id)
    state = live("get", job_id)
    assert (Pending, job_id, "queued") == (type(state), state.id, state.status)
    assert [1] == [j.polls for j in live.fake.jobs]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (StatusStyle.CANONICAL, [(Pending, "queued"), (Pending, "generating"), (Completed, "completed")]),
        (StatusStyle.LOOSE, [(Pending, "waiting"), (Pending, "active"), (Completed, "succeeded")]),
    ],
)
def test_iter_status_yields_each_state_in_order(
    start: Start, style: StatusStyle, expected: list[tuple[type, str]]
) -> None:
    """One state per status check, the terminal one last, each with the job's id."""
    live = start(Scenario(default_job=JobPlan(status_style=style)))
    job_id = live("submit", PNG, PROMPT).id
    states = live.client.states(job_id)
    assert expected == [(type(s), s.status) for s in states]
    assert {job_id} == {s.id for s in states}
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=0) == live.fake.counters


def test_a_wrong_key_is_refused_with_the_emulators_answer(start: Start, tmp_path: Path) -> None:
    """401 with the documented body's message and request id; nothing is created, retried or downloaded."""
    live = start(api_key="wrong-key-0123456789")
    with pytest.raises(AuthenticationError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")
    error = info.value
    assert 401 == error.status_code
    assert "Unauthorized: a valid 'Authorization: Bearer <key>' is required" == error.message
    assert error.request_id is not None
    assert str(uuid.UUID(error.request_id)) == error.request_id
    assert "wrong-key-0123456789" not in str(error)
    assert Counters(jobs_created=0, post_requests=1, get_requests=0, video_requests=0) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


def test_the_api_key_never_reaches_the_video_host(start: Start, tmp_path: Path) -> None:
    """Every API request carries the bearer key; no video request (first or resumed) carries it anywhere."""
    live = start(Scenario(video_faults=(Fault.truncate(after_bytes=100),)))
    live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")

    key = live.fake.api_key
    api, videos = live.api_requests(), live.video_requests()
    assert (4, 2) == (len(api), len(videos))
    assert {f"Bearer {key}"} == {r.headers.get("authorization") for r in api}
    assert [None, None] == [r.headers.get("authorization") for r in videos]
    assert not any(key in value for r in videos for value in r.headers.values())


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_loopback_api_is_not_reached_through_a_proxy_from_the_environment(
    start: Start, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """With a proxy in the environment, a loopback http API (an emulator) would have its key sent to that proxy
    in clear text; the API pool ignores the environment's proxies for a plain-http API, so the request goes to
    the emulator itself (were the proxy used, it would fail: nothing listens there)."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, f"http://127.0.0.1:{closed_port()}")
    live = start()
    job = live("submit", PNG, PROMPT)
    [post] = live.api_requests()
    assert (job.id, f"Bearer {live.fake.api_key}") == (live.fake.jobs[0].id, post.headers["authorization"])
