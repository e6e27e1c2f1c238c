"""Bad input is refused with a one-line InvalidInputError naming it, before any request is sent or paid for."""

from __future__ import annotations

import asyncio
import functools
import math
import os
import time
import unittest.mock
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from aiml_api_client.models import (
    CreateVideoGenerationRequestDuration,
    CreateVideoGenerationRequestResolution,
    CreateVideoGenerationRequestShotType,
)
from aimlapi_video import AsyncVideoClient, InvalidInputError, PollSchedule, VideoClient
from aimlapi_video import _choices as choices
from aimlapi_video import _request as request_module
from tests.unit.harness import PNG, FakeAPI, Runner, job

Make = Callable[..., Runner]

#: (case id, keyword arguments for submit/generate after image and prompt, the input the error must name)
BAD_CREATE_ARGUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("duration 7", {"duration": 7}, "duration"),
    ("duration as a string", {"duration": "10"}, "duration"),
    ("duration True", {"duration": True}, "duration"),
    ("duration 5.5", {"duration": 5.5}, "duration"),
    ("duration 5.0 (a float is not silently truncated)", {"duration": 5.0}, "duration"),
    ("duration None", {"duration": None}, "duration"),
    ("resolution 4k", {"resolution": "4k"}, "resolution"),
    ("resolution uppercase", {"resolution": "720P"}, "resolution"),
    ("resolution number", {"resolution": 720}, "resolution"),
    ("shot_type triple", {"shot_type": "triple"}, "shot_type"),
    ("negative_prompt empty", {"negative_prompt": "  "}, "negative_prompt"),
    ("negative_prompt not text", {"negative_prompt": 3}, "negative_prompt"),
    ("seed -1", {"seed": -1}, "seed"),
    ("seed 2**32", {"seed": 2**32}, "seed"),
    ("seed 1.5", {"seed": 1.5}, "seed"),
    ("seed True", {"seed": True}, "seed"),
    ("seed as a string", {"seed": "7"}, "seed"),
    ("generate_audio yes", {"generate_audio": "yes"}, "generate_audio"),
    ("generate_audio 1", {"generate_audio": 1}, "generate_audio"),
    ("enhance_prompt 1", {"enhance_prompt": 1}, "enhance_prompt"),
    ("extra clashes with duration", {"extra": {"duration": 10}}, "extra"),
    ("extra clashes with image_url", {"extra": {"image_url": "https://example.com/x.png"}}, "extra"),
    ("extra clashes with model", {"extra": {"model": "other/model"}}, "extra"),
    ("extra not a mapping", {"extra": [("tail_image_url", "x")]}, "extra"),
    ("extra a string", {"extra": "tail_image_url=x"}, "extra"),
    ("extra value NaN (not JSON)", {"extra": {"cfg_scale": float("nan")}}, "extra"),
    ("extra value a set (not JSON)", {"extra": {"tags": {"a", "b"}}}, "extra"),
    ("extra value infinite", {"extra": {"strength": float("inf")}}, "extra"),
    ("extra with a non-string key", {"extra": {1: "x"}}, "extra"),
    ("extra value with a lone surrogate", {"extra": {"tag": "caf\udce9"}}, "extra"),
    ("extra key with a lone surrogate", {"extra": {"t\ud800g": "x"}}, "extra"),
    ("negative_prompt with a lone surrogate", {"negative_prompt": "no \ud800"}, "negative_prompt"),
    ("audio with generate_audio False", {"audio": b"ID3" + bytes(64), "generate_audio": False}, "audio"),
]
#: (case id, image, prompt, the input the error must name)
BAD_IMAGE_OR_PROMPT: list[tuple[str, Any, Any, str]] = [
    ("empty prompt", PNG, "", "prompt"),
    ("whitespace prompt", PNG, " \n\t ", "prompt"),
    ("prompt not text", PNG, 42, "prompt"),
    ("prompt None", PNG, None, "prompt"),
    ("prompt too long", PNG, "x" * (request_module.MAX_PROMPT_CHARS + 1), "prompt"),
    ("prompt with a lone surrogate (a mis-decoded terminal)", PNG, "caf\udce9 at night", "prompt"),
    ("image URL with a lone surrogate", "https://example.com/caf\udce9.png", "p", "image"),
    ("image data URI with a lone surrogate in its header", "data:image/png;x=\ud800;base64,AAAA", "p", "image"),
    ("missing image file", "/nonexistent/dir/photo.png", "p", "image"),
    ("empty image bytes", b"", "p", "image"),
    ("image not an image", b"just some text", "p", "image"),
    ("image of the wrong type", 12345, "p", "image"),
]


def invoke(runner: Runner, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call a client method; ``iter_status`` is iterated to the end."""
    if method == "iter_status":
        return runner.states(*args, **kwargs)
    return runner(method, *args, **kwargs)


def assert_clear(error: InvalidInputError, name: str) -> None:
    """Names the input in its attribute and at the start of its one-line message."""
    assert name == error.name
    assert str(error).startswith(f"{name}: ")
    assert "\n" not in str(error)
    assert isinstance(error, ValueError)


def assert_nothing_sent(api: FakeAPI) -> None:
    """No request of any kind reached the API or the video host."""
    assert ([], []) == (api.requests, api.video_requests)


@pytest.mark.parametrize("method", ["submit", "generate"])
@pytest.mark.parametrize(
    ("arguments", "name"), [c[1:] for c in BAD_CREATE_ARGUMENTS], ids=[c[0] for c in BAD_CREATE_ARGUMENTS]
)
def test_a_bad_create_argument_is_refused_before_the_post(
    make: Make, method: str, arguments: dict[str, Any], name: str
) -> None:
    """submit() and generate() check every option before anything is sent."""
    api = FakeAPI(posts=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)(method, PNG, "a cat", **arguments)
    assert_clear(info.value, name)
    assert_nothing_sent(api)


@pytest.mark.parametrize("method", ["submit", "generate"])
@pytest.mark.parametrize(
    ("image", "prompt", "name"), [c[1:] for c in BAD_IMAGE_OR_PROMPT], ids=[c[0] for c in BAD_IMAGE_OR_PROMPT]
)
def test_a_bad_image_or_prompt_is_refused_before_the_post(
    make: Make, method: str, image: Any, prompt: Any, name: str
) -> None:
    """The two positional inputs are checked like the options."""
    api = FakeAPI(posts=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)(method, image, prompt)
    assert_clear(info.value, name)
    assert_nothing_sent(api)


def test_a_missing_image_message_names_the_path(make: Make, tmp_path: Path) -> None:
    """The user learns which file was not found."""
    missing = tmp_path / "photo.png"
    with pytest.raises(InvalidInputError, match=r"photo\.png") as info:
        make(FakeAPI())("submit", str(missing), "p")
    assert_clear(info.value, "image")


def test_cheap_checks_come_before_reading_the_image(make: Make) -> None:
    """A bad duration is reported even when the image is also unusable: no file is read for a typo."""
    with pytest.raises(InvalidInputError) as info:
        make(FakeAPI())("submit", "/nonexistent/photo.png", "p", duration=7)
    assert_clear(info.value, "duration")


def test_a_duration_error_lists_the_allowed_values(make: Make) -> None:
    """The message says what would have been accepted."""
    with pytest.raises(InvalidInputError) as info:
        make(FakeAPI())("submit", PNG, "p", duration=7)
    assert "duration: must be one of 5, 10, 15, got 7" == str(info.value)


@pytest.mark.parametrize("generation_id", ["", "   ", None, 42])
@pytest.mark.parametrize("method", ["get", "wait", "iter_status", "download"])
def test_a_bad_generation_id_is_refused_before_any_request(
    make: Make, tmp_path: Path, method: str, generation_id: Any
) -> None:
    """get, wait, iter_status and download all need a non-empty id."""
    api = FakeAPI(gets=[lambda _: job("queued")])
    runner = make(api)
    args = (generation_id, tmp_path / "v.mp4") if method == "download" else (generation_id,)
    with pytest.raises(InvalidInputError) as info:
        invoke(runner, method, *args)
    assert_clear(info.value, "generation_id")
    assert_nothing_sent(api)
    assert [] == list(tmp_path.iterdir())


@pytest.mark.parametrize("method", ["generate", "download"])
def test_an_existing_output_is_refused_before_anything_is_paid(make: Make, tmp_path: Path, method: str) -> None:
    """Without overwrite=True, an existing file stops the call before the POST (or the status check)."""
    output = tmp_path / "v.mp4"
    output.write_bytes(b"keep me")
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    runner = make(api)
    with pytest.raises(InvalidInputError) as info:
        invoke(runner, *(("generate", PNG, "p") if method == "generate" else ("download", "gen-1")), output=output)
    assert_clear(info.value, "output")
    assert "overwrite=True" in str(info.value)
    assert_nothing_sent(api)
    assert b"keep me" == output.read_bytes()


@pytest.mark.parametrize("method", ["generate", "download"])
@pytest.mark.parametrize("where", ["missing directory", "a directory"])
def test_an_unusable_output_path_is_refused_before_anything_is_paid(
    make: Make, tmp_path: Path, method: str, where: str
) -> None:
    """A file in a directory that does not exist, or a directory itself."""
    output = tmp_path / "nope" / "v.mp4" if where == "missing directory" else tmp_path
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    runner = make(api)
    with pytest.raises(InvalidInputError) as info:
        invoke(runner, *(("generate", PNG, "p") if method == "generate" else ("download", "gen-1")), output=output)
    assert_clear(info.value, "output")
    assert_nothing_sent(api)
    assert [] == list(tmp_path.iterdir())


@pytest.mark.parametrize("method", ["generate", "wait", "iter_status"])
@pytest.mark.parametrize("timeout", ["600", -1, 0, True, float("nan")])
def test_a_bad_wait_timeout_is_refused_before_anything_is_paid(make: Make, method: str, timeout: Any) -> None:
    """A wait deadline must be a positive number of seconds; generate() checks it before the POST."""
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    runner = make(api)
    args = (PNG, "p") if method == "generate" else ("gen-1",)
    with pytest.raises(InvalidInputError) as info:
        invoke(runner, method, *args, timeout=timeout)
    assert_clear(info.value, "timeout")
    assert_nothing_sent(api)


@pytest.mark.parametrize("callback", ["on_progress", "on_submitted"])
def test_a_callback_that_is_not_callable_is_refused_before_the_post(make: Make, callback: str) -> None:
    """Otherwise the generation would be created and billed before the TypeError."""
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", PNG, "p", **{callback: "print"})
    assert_clear(info.value, callback)
    assert_nothing_sent(api)


@pytest.mark.parametrize(
    ("timeout", "reason"),
    [
        (httpx.Timeout(10, read=0), "read=0: each limit must be None or a positive, finite number of seconds"),
        (httpx.Timeout(-1), "connect=-1: each limit must be None or a positive, finite number of seconds"),
        (httpx.Timeout(10, pool=math.inf), "pool=inf: each limit must be None or a positive, finite number of seconds"),
    ],
)
def test_an_httpx_timeout_with_an_unusable_limit_is_refused_at_construction(
    make: Make, timeout: httpx.Timeout, reason: str
) -> None:
    """A read limit of 0 would send the paid POST and fail reading its answer (uncertain, billed)."""
    api = FakeAPI()
    with pytest.raises(InvalidInputError) as info:
        make(api, timeout=timeout)
    assert ("timeout", reason) == (info.value.name, info.value.reason)
    assert_nothing_sent(api)


def test_an_httpx_timeout_with_no_limit_somewhere_is_kept(make: Make) -> None:
    """None means no limit for that phase, as in httpx: accepted."""
    api = FakeAPI(gets=[lambda _: job("queued")])
    make(api, timeout=httpx.Timeout(10, read=None))("get", "gen-1")
    assert {"connect": 10, "read": None, "write": 10, "pool": 10} == api.requests[0].extensions["timeout"]


async def _saves_asynchronously(job: object) -> None:
    """What a caller might pass to record the id in a database: never awaited, so it would never run."""


async def _yields_asynchronously(job: object) -> AsyncIterator[None]:
    """An async generator: calling it runs nothing either."""
    yield None


class _TakesNothing:
    def __call__(self) -> None:
        """A callable object whose call takes no argument."""


@pytest.mark.parametrize("callback", ["on_progress", "on_submitted"])
@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (lambda: None, "must take one argument (it is called with it); () does not"),
        (_TakesNothing(), "must take one argument (it is called with it); () does not"),
        (lambda a, b: None, "must take one argument (it is called with it); (a, b) does not"),
        (_saves_asynchronously, "must be a plain function: it is called, not awaited, so an async one never runs"),
        (_yields_asynchronously, "must be a plain function: it is called, not awaited, so an async one never runs"),
    ],
    ids=["no argument", "callable object, no argument", "two arguments", "async function", "async generator"],
)
def test_a_callback_that_could_not_be_run_is_refused_before_the_post(
    make: Make, callback: str, given: object, reason: str
) -> None:
    """A callback is called with one argument, not awaited: one that could not take it (or an async one, whose
    body would silently never run: an on_submitted saving the id to a database, say) is refused before the paid
    POST, not discovered after it."""
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", PNG, "p", **{callback: given})
    assert (callback, reason) == (info.value.name, info.value.reason)
    assert_nothing_sent(api)


def _one(event: object) -> None:
    """A callback a test double imitates."""


@pytest.mark.parametrize(
    "callback",
    [
        print,
        lambda event, *rest: None,
        functools.partial(lambda tag, event: None, "t"),
        unittest.mock.Mock(),
        unittest.mock.Mock(spec=_one),
        unittest.mock.MagicMock(spec=_one),
    ],
    ids=["builtin", "extra optional parameters", "partial", "Mock", "Mock(spec=f)", "MagicMock(spec=f)"],
)
def test_callbacks_that_take_one_argument_are_accepted(make: Make, callback: object) -> None:
    """A builtin (whose signature cannot be read), one with extra optional parameters, a partial, and test
    doubles (which imitate a function well enough to fool inspect, or to break it)."""
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("completed", video={"url": "https://c/v.mp4"})])
    assert "gen-1" == make(api)("generate", PNG, "p", on_submitted=callback).id


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"max_submit_attempts": 0}, "max_submit_attempts"),
        ({"base_url": "ftp://api.example.com"}, "base_url"),
        ({"base_url": "api.aimlapi.com"}, "base_url"),
    ],
)
def test_bad_client_options_are_refused_at_construction(make: Make, options: dict[str, Any], name: str) -> None:
    """Construction checks its own arguments, naming them."""
    api = FakeAPI()
    with pytest.raises(InvalidInputError) as info:
        make(api, **options)
    assert_clear(info.value, name)
    assert_nothing_sent(api)


def test_allowed_values_come_from_the_generated_enums() -> None:
    """Regenerating the client from a changed spec changes what is accepted, with no second list to edit."""
    assert tuple(int(x) for x in CreateVideoGenerationRequestDuration) == choices.DURATIONS
    assert tuple(x.value for x in CreateVideoGenerationRequestResolution) == choices.RESOLUTIONS
    assert tuple(x.value for x in CreateVideoGenerationRequestShotType) == choices.SHOT_TYPES
    assert (5, 10, 15) == choices.DURATIONS
    assert 5 == request_module.DEFAULT_DURATION
    assert request_module.DEFAULT_DURATION in choices.DURATIONS


@pytest.mark.parametrize(
    ("field", "members"),
    [
        ("duration", list(CreateVideoGenerationRequestDuration)),
        ("resolution", list(CreateVideoGenerationRequestResolution)),
        ("shot_type", list(CreateVideoGenerationRequestShotType)),
    ],
)
def test_every_enum_value_is_accepted_and_sent(make: Make, field: str, members: list[Any]) -> None:
    """Each value the spec allows reaches the request body unchanged."""
    api = FakeAPI(posts=[lambda _: job("queued")] * len(members))
    runner = make(api)
    for member in members:
        runner("submit", PNG, "p", **{field: member.value})
    assert [m.value for m in members] == [body[field] for body in api.post_bodies()]


@pytest.mark.parametrize("seed", [0, 2**32 - 1])
def test_the_seed_range_is_inclusive(make: Make, seed: int) -> None:
    """Both ends of the unsigned 32-bit range are sent."""
    api = FakeAPI(posts=[lambda _: job("queued")])
    make(api)("submit", PNG, "p", seed=seed)
    assert seed == api.post_bodies()[0]["seed"]


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"max_submit_attempts": "3"}, "max_submit_attempts"),
        ({"max_submit_attempts": 0}, "max_submit_attempts"),
        ({"max_status_failures": -1}, "max_status_failures"),
        ({"max_status_failures": 2.5}, "max_status_failures"),
        ({"max_image_bytes": "x"}, "max_image_bytes"),
        ({"max_audio_bytes": 0}, "max_audio_bytes"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": "30"}, "timeout"),
        ({"poll_schedule": {"first_delay": 1}}, "poll_schedule"),
    ],
)
def test_a_bad_client_setting_names_itself(make: Make, options: dict[str, Any], name: str) -> None:
    """Each setting is checked at construction, with its own name, never as a TypeError from deep inside."""
    with pytest.raises(InvalidInputError) as info:
        make(**options)
    assert_clear(info.value, name)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"first_delay": "2"}, "first_delay"),
        ({"growth": None}, "growth"),
        ({"growth": 0.5}, "growth"),
        ({"max_delay": float("inf")}, "max_delay"),
        ({"jitter": 1}, "jitter"),
        ({"timeout": True}, "timeout"),
    ],
)
def test_a_bad_schedule_setting_names_itself(options: dict[str, Any], name: str) -> None:
    """PollSchedule refuses wrong types and ranges with InvalidInputError, not a TypeError on comparison."""
    with pytest.raises(InvalidInputError) as info:
        PollSchedule(**options)
    assert_clear(info.value, name)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("api_key", 123),
        ("clock", 1),
        ("sleep", 1),  # used first after the paid POST (a 429, or between status checks): too late to find out
        ("transport", 1),
        ("video_transport", "http://proxy"),
    ],
)
def test_a_client_option_of_the_wrong_kind_is_refused_at_construction(mode: str, option: str, value: Any) -> None:
    client_class = VideoClient if mode == "sync" else AsyncVideoClient
    with pytest.raises(InvalidInputError) as info:
        client_class(**{"api_key": "k" * 20, option: value})
    assert_clear(info.value, option)


def test_a_transport_of_the_other_mode_is_refused() -> None:
    """An AsyncVideoClient cannot send through a sync-only transport (it would fail at the first request)."""
    with pytest.raises(InvalidInputError, match=r"^transport: must be an httpx.AsyncBaseTransport \(with handle_async"):
        AsyncVideoClient("k" * 20, transport=httpx.HTTPTransport())  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["generate", "download"])
@pytest.mark.parametrize("overwrite", ["False", "no", 0, 1, None])
def test_overwrite_must_be_a_bool(make: Make, tmp_path: Path, method: str, overwrite: Any) -> None:
    """A flag read from a config file as "False" is truthy: it must not replace the file."""
    output = tmp_path / "v.mp4"
    output.write_bytes(b"keep me")
    api = FakeAPI(posts=[lambda _: job("queued")], gets=[lambda _: job("queued")])
    args = ("generate", PNG, "p") if method == "generate" else ("download", "gen-1")
    with pytest.raises(InvalidInputError) as info:
        invoke(make(api), *args, output=output, overwrite=overwrite)
    assert_clear(info.value, "overwrite")
    assert_nothing_sent(api)
    assert b"keep me" == output.read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"output": None}, "output"),
        ({"output": b"/tmp/v.mp4"}, "output"),
        ({"output": "v.mp4", "on_progress": 1}, "on_progress"),
    ],
)
def test_download_checks_its_arguments_before_any_request(
    make: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any], name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    api = FakeAPI(gets=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("download", "gen-1", **kwargs)
    assert_clear(info.value, name)
    assert_nothing_sent(api)


def test_generate_refuses_a_bytes_output(make: Make) -> None:
    api = FakeAPI(posts=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", PNG, "p", output=b"/tmp/v.mp4")
    assert_clear(info.value, "output")
    assert_nothing_sent(api)


def test_the_model_cannot_be_changed_through_extra(make: Make) -> None:
    api = FakeAPI(posts=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError, match=r"^extra: model cannot be changed: this client is for alibaba/"):
        make(api)("submit", PNG, "p", extra={"model": "other/model"})
    assert_nothing_sent(api)


class DuckTransport:
    """A transport that does not subclass httpx's base class, as some mocking libraries' do not."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "gen-1", "status": "queued"})

    def close(self) -> None:
        return None


def test_a_duck_typed_transport_is_accepted() -> None:
    with VideoClient("k" * 20, transport=DuckTransport()) as client:  # type: ignore[arg-type]
        assert "gen-1" == client.submit(PNG, "p").id


def test_each_client_refuses_the_other_kind_of_sleep() -> None:
    """``time.sleep`` given to AsyncVideoClient would be awaited (a TypeError after the paid POST);
    ``asyncio.sleep`` given to VideoClient would never sleep."""
    with pytest.raises(InvalidInputError, match=r"^sleep: must be an async function"):
        AsyncVideoClient("k" * 20, sleep=time.sleep)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"^sleep: must be a plain function"):
        VideoClient("k" * 20, sleep=asyncio.sleep)  # type: ignore[arg-type]


def test_a_sleep_that_returns_an_awaitable_is_taken_by_the_async_client() -> None:
    """A lambda cannot be told apart without calling it: it is accepted."""
    AsyncVideoClient("k" * 20, sleep=lambda seconds: asyncio.sleep(0))


class UnnamablePath(os.PathLike[str]):
    def __fspath__(self) -> str:
        raise RuntimeError("boom")


def test_a_path_object_that_cannot_name_itself_is_refused(make: Make) -> None:
    api = FakeAPI(posts=[lambda _: job("queued")])
    with pytest.raises(InvalidInputError, match=r"^output: cannot be used as a path: RuntimeError: boom$"):
        make(api)("generate", PNG, "p", output=UnnamablePath())
    assert_nothing_sent(api)


class AsyncSleeper:
    async def pause(self, seconds: float) -> None:
        return None


@pytest.mark.parametrize(
    "sleep",
    [functools.partial(asyncio.sleep), AsyncSleeper().pause, unittest.mock.AsyncMock()],
    ids=["partial", "bound-async-method", "AsyncMock"],
)
def test_the_async_client_takes_every_kind_of_async_sleep(sleep: Any) -> None:
    AsyncVideoClient("k" * 20, sleep=sleep)


def test_a_partial_of_time_sleep_is_still_time_sleep() -> None:
    with pytest.raises(InvalidInputError, match=r"^sleep: must be an async function"):
        AsyncVideoClient("k" * 20, sleep=functools.partial(time.sleep))  # type: ignore[arg-type]
