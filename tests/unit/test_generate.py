"""generate() is submit, wait and download in one call; download() by id fetches a fresh URL first."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video import (
    AsyncVideoClient,
    Completed,
    DownloadError,
    DownloadProgress,
    GenerationFailedError,
    GenerationResult,
    InvalidInputError,
    Job,
    PollSchedule,
    ProgressEvent,
    Usage,
    VideoClient,
    VideoUrlExpiredError,
    WaitTimeoutError,
)
from tests.unit.harness import PNG, FakeAPI, ModeRunner, Runner, done, job

Make = Callable[..., Runner]
URL = "https://cdn.example.com/v.mp4?sig=abc"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20
NO_JITTER = PollSchedule(jitter=0.0)


def video(_: httpx.Request) -> httpx.Response:
    """The whole video with its length; a fresh response for every request."""
    return httpx.Response(200, content=VIDEO, headers={"content-length": str(len(VIDEO))})


def status(state: str, **fields: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A fresh status answer per request."""
    return lambda _: job(state, **fields)


def completed(url: str = URL) -> Callable[[httpx.Request], httpx.Response]:
    """A fresh completed answer per request."""
    return lambda _: done(url=url)


def flow_api(*gets: Callable[[httpx.Request], httpx.Response]) -> FakeAPI:
    """One accepted POST, the given status answers, and the video."""
    return FakeAPI(posts=[status("queued")], gets=list(gets), videos=[video])


def notes(exc: BaseException) -> str:
    """All notes of an exception, as one string."""
    return "\n".join(getattr(exc, "__notes__", []))


def test_generate_submits_waits_and_downloads(make: Make, tmp_path: Path) -> None:
    """One POST, status checks until completed, one video request; the file holds exactly the served bytes."""
    api = flow_api(status("queued"), status("generating"), completed())
    runner = make(api, poll_schedule=NO_JITTER)
    output = tmp_path / "out.mp4"
    result = runner("generate", PNG, "a cat", output=output, duration=10)
    assert isinstance(result, GenerationResult)
    assert output == result.path
    assert VIDEO == output.read_bytes()
    assert ("gen-1", URL) == (result.id, result.video_url)
    assert Completed("gen-1", "completed", URL, Usage(credits_used=400000.0)) == result.generation
    assert (1, 3, 1) == (api.count("POST"), api.count("GET"), len(api.video_requests))
    assert [URL] == [str(r.url) for r in api.video_requests]
    assert [2.0, 3.0] == runner.clock.sleeps
    assert 10 == api.post_bodies()[0]["duration"]
    assert ["out.mp4"] == [p.name for p in tmp_path.iterdir()]


def test_on_submitted_gets_the_job_before_the_first_status_check(make: Make, tmp_path: Path) -> None:
    """The id is in the caller's hands before any waiting starts; then progress, then the download."""
    events: list[Any] = []

    def get(answer: Callable[[httpx.Request], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
        def reply(request: httpx.Request) -> httpx.Response:
            events.append("GET")
            return answer(request)

        return reply

    def fetch_video(request: httpx.Request) -> httpx.Response:
        events.append("VIDEO")
        return video(request)

    api = FakeAPI(posts=[status("queued")], gets=[get(status("queued")), get(completed())], videos=[fetch_video])
    make(api)(
        "generate",
        PNG,
        "p",
        output=tmp_path / "v.mp4",
        on_submitted=events.append,
        on_progress=lambda e: events.append(type(e).__name__),
    )
    assert Job(id="gen-1", status="queued") == events[0]
    assert ["GET", "ProgressEvent", "GET", "ProgressEvent", "VIDEO"] == events[1:6]
    assert {"DownloadProgress"} == set(events[6:])


def test_on_progress_gets_wait_events_then_download_events(make: Make, tmp_path: Path) -> None:
    """ProgressEvent after each check, then DownloadProgress while saving, ending at the full size."""
    api = flow_api(status("queued"), status("generating"), completed())
    seen: list[ProgressEvent | DownloadProgress] = []
    make(api, poll_schedule=NO_JITTER)("generate", PNG, "p", output=tmp_path / "v.mp4", on_progress=seen.append)
    kinds = [type(e) for e in seen]
    first_download = kinds.index(DownloadProgress)
    assert [ProgressEvent] * 3 == kinds[:first_download]
    assert all(k is DownloadProgress for k in kinds[first_download:])
    assert [
        ProgressEvent("gen-1", "queued", 0.0, 1, 2.0),
        ProgressEvent("gen-1", "generating", 2.0, 2, 3.0),
        ProgressEvent("gen-1", "completed", 5.0, 3, None),
    ] == seen[:first_download]
    assert DownloadProgress(len(VIDEO), len(VIDEO)) == seen[-1]
    downloaded = [e.bytes_done for e in seen[first_download:] if isinstance(e, DownloadProgress)]
    assert downloaded == sorted(downloaded)


def test_without_output_nothing_is_downloaded(make: Make, tmp_path: Path) -> None:
    """output=None returns the result with its URL and makes no video request."""
    api = flow_api(completed())
    result = make(api)("generate", PNG, "p")
    assert (None, "gen-1", URL) == (result.path, result.id, result.video_url)
    assert [] == api.video_requests


def test_overwrite_replaces_an_existing_output(make: Make, tmp_path: Path) -> None:
    """With overwrite=True the old file is replaced by the new video."""
    output = tmp_path / "v.mp4"
    output.write_bytes(b"old")
    make(flow_api(completed()))("generate", PNG, "p", output=output, overwrite=True)
    assert VIDEO == output.read_bytes()


def test_a_wait_timeout_names_the_generation(make: Make, tmp_path: Path) -> None:
    """The job exists and may be billed: the exception says so, with the id to resume from."""
    api = flow_api(status("generating"))
    output = tmp_path / "v.mp4"
    with pytest.raises(WaitTimeoutError) as info:
        make(api)("generate", PNG, "p", output=output, timeout=30)
    assert "gen-1" == info.value.generation_id
    assert "gen-1" in notes(info.value)
    assert "wait('gen-1')" in notes(info.value)
    assert (1, [], False) == (api.count("POST"), api.video_requests, output.exists())


def test_a_failed_generation_names_the_generation(make: Make, tmp_path: Path) -> None:
    """GenerationFailedError carries the id in its field, its message and a note."""
    api = flow_api(status("error", error={"name": "ContentPolicy", "message": "refused"}))
    with pytest.raises(GenerationFailedError) as info:
        make(api)("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert ("gen-1", "ContentPolicy") == (info.value.generation_id, info.value.error_name)
    assert "gen-1" in str(info.value)
    assert "gen-1" in notes(info.value)
    assert [] == list(tmp_path.iterdir())


def test_a_status_failure_after_submit_names_the_generation(make: Make, tmp_path: Path) -> None:
    """Even an API error (here 401 on the status check) says which generation was created."""
    api = FakeAPI(posts=[status("queued")], gets=[lambda _: httpx.Response(401, json={"message": "no"})])
    with pytest.raises(Exception) as info:  # noqa: PT011 - the type is AuthenticationError; the note is the point
        make(api)("generate", PNG, "p")
    assert "gen-1" in notes(info.value)


def test_keyboard_interrupt_during_the_wait_keeps_the_id_and_leaves_no_file(make: Make, tmp_path: Path) -> None:
    """Ctrl-C while waiting propagates as KeyboardInterrupt, with the id in a note, and nothing on disk."""
    api = flow_api(status("queued"), completed())

    def interrupt(event: object) -> None:
        raise KeyboardInterrupt

    output = tmp_path / "v.mp4"
    with pytest.raises(KeyboardInterrupt) as info:
        make(api)("generate", PNG, "p", output=output, on_progress=interrupt)
    assert "gen-1" in notes(info.value)
    assert (1, 1) == (api.count("POST"), api.count("GET"))
    assert [] == api.video_requests
    assert [] == list(tmp_path.iterdir())


def test_keyboard_interrupt_during_the_download_leaves_no_partial_file(make: Make, tmp_path: Path) -> None:
    """Ctrl-C while saving removes the temporary file; the id is still in a note."""
    api = flow_api(completed())

    def interrupt(event: object) -> None:
        if isinstance(event, DownloadProgress):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        make(api)("generate", PNG, "p", output=tmp_path / "v.mp4", on_progress=interrupt)
    assert "gen-1" in notes(info.value)
    assert 1 == len(api.video_requests)
    assert [] == list(tmp_path.iterdir())


def test_an_expired_video_url_names_the_generation(make: Make, tmp_path: Path) -> None:
    """A 403 from the video host is VideoUrlExpiredError telling how to get a fresh URL for this id."""
    api = FakeAPI(posts=[status("queued")], gets=[completed()], videos=[lambda _: httpx.Response(403)])
    with pytest.raises(VideoUrlExpiredError) as info:
        make(api)("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert (403, "gen-1") == (info.value.status_code, info.value.generation_id)
    assert "get('gen-1')" in str(info.value)
    assert "gen-1" in notes(info.value)
    assert [] == list(tmp_path.iterdir())


def test_download_by_id_fetches_a_fresh_url_first(make: Make, tmp_path: Path) -> None:
    """download('gen-1', path) makes one status check, then downloads from the URL it answered."""
    fresh = "https://cdn.example.com/v.mp4?sig=fresh"
    api = FakeAPI(gets=[completed(fresh)], videos=[video])
    output = tmp_path / "v.mp4"
    progress: list[DownloadProgress] = []
    assert output == make(api)("download", "gen-1", output, on_progress=progress.append)
    assert VIDEO == output.read_bytes()
    assert ["gen-1"] == [r.url.params["generation_id"] for r in api.requests]
    assert [fresh] == [str(r.url) for r in api.video_requests]
    assert DownloadProgress(len(VIDEO), len(VIDEO)) == progress[-1]


def test_download_of_a_completed_result_makes_no_status_check(make: Make, tmp_path: Path) -> None:
    """A Completed already holds the URL."""
    api = FakeAPI(videos=[video])
    generation = Completed("gen-1", "completed", URL)
    make(api)("download", generation, tmp_path / "v.mp4")
    assert ([], [URL]) == (api.requests, [str(r.url) for r in api.video_requests])
    assert VIDEO == (tmp_path / "v.mp4").read_bytes()


def test_download_of_a_pending_generation_is_refused(make: Make, tmp_path: Path) -> None:
    """A pending generation has no video yet: InvalidInputError after the one status check."""
    api = FakeAPI(gets=[status("generating")], videos=[video])
    with pytest.raises(InvalidInputError) as info:
        make(api)("download", "gen-1", tmp_path / "v.mp4")
    assert "generation" == info.value.name
    assert "gen-1" in str(info.value)
    assert "\n" not in str(info.value)
    assert (1, []) == (api.count("GET"), api.video_requests)
    assert [] == list(tmp_path.iterdir())


def test_download_of_a_failed_generation_is_its_failure(make: Make, tmp_path: Path) -> None:
    """A failed generation will never have a video: GenerationFailedError (the job failed, the argument was
    fine), with the API's reason, after the one status check."""
    api = FakeAPI(gets=[status("error", error={"name": "Oops", "message": "bad"})], videos=[video])
    with pytest.raises(GenerationFailedError) as info:
        make(api)("download", "gen-1", tmp_path / "v.mp4")
    assert ("gen-1", "Oops", "bad") == (info.value.generation_id, info.value.error_name, info.value.error_message)
    assert (1, []) == (api.count("GET"), api.video_requests)
    assert [] == list(tmp_path.iterdir())


def test_an_expired_url_on_download_by_id_names_it(make: Make, tmp_path: Path) -> None:
    """download(id) passes the id on, so the error tells which generation to refresh."""
    api = FakeAPI(gets=[completed()], videos=[lambda _: httpx.Response(410)])
    with pytest.raises(VideoUrlExpiredError) as info:
        make(api)("download", "gen-1", tmp_path / "v.mp4")
    assert "gen-1" == info.value.generation_id
    assert [] == list(tmp_path.iterdir())


@pytest.mark.parametrize("url", ["/relative/v.mp4", "http://cdn.example.com/v.mp4?sig=abc"], ids=["relative", "http"])
def test_an_unusable_video_url_after_the_post_is_a_download_error(make: Make, tmp_path: Path, url: str) -> None:
    """InvalidInputError promises nothing was sent; after the paid POST, a bad URL from the API is a
    DownloadError that names the generation."""
    api = flow_api(completed(url))
    with pytest.raises(DownloadError) as info:
        make(api)("generate", PNG, "p", output=tmp_path / "v.mp4")
    assert not isinstance(info.value, InvalidInputError)
    assert "generation id: gen-1" in notes(info.value)
    assert (1, 0, []) == (api.count("POST"), len(api.video_requests), sorted(p.name for p in tmp_path.iterdir()))


def test_an_output_that_appears_during_the_wait_is_kept_and_reported(make: Make, tmp_path: Path) -> None:
    """The output was free when generate was called; a file created meanwhile is not overwritten."""
    out = tmp_path / "v.mp4"

    def appear_then_complete(_: httpx.Request) -> httpx.Response:
        out.write_bytes(b"someone else's")
        return done()

    api = flow_api(appear_then_complete)
    with pytest.raises(DownloadError, match="exists") as info:
        make(api)("generate", PNG, "p", output=out)
    assert not isinstance(info.value, InvalidInputError)
    assert "generation id: gen-1" in notes(info.value)
    assert b"someone else's" == out.read_bytes()


def test_an_output_name_the_os_cannot_take_is_refused_before_the_post(make: Make, tmp_path: Path) -> None:
    """A lone surrogate makes exists() and is_dir() answer False; opening it would fail only after paying."""
    api = flow_api(completed())
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", PNG, "p", output=tmp_path / "a\ud800b.mp4")
    assert "output" == info.value.name
    assert 0 == api.count("POST")


def test_an_output_name_with_a_nul_byte_is_refused_before_the_post(make: Make, tmp_path: Path) -> None:
    """exists() answers False for "a\\x00b"; open() would raise only after the generation was paid for."""
    api = flow_api(completed())
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", PNG, "p", output=str(tmp_path / "a\x00b.mp4"))
    assert ("output", 0) == (info.value.name, api.count("POST"))


def test_the_encoded_image_is_not_kept_through_the_wait(mode: str) -> None:
    """Once the create request is answered, nothing holds the encoded image (megabytes, as Base64 and JSON):
    1,000 concurrent waits of minutes would otherwise hold gigabytes. Measured with tracemalloc at the first
    progress event of the wait, against the memory before the call (the caller's own image bytes included)."""
    image = PNG + os.urandom(1_500_000)  # over the 1 MiB the async client encodes in a worker thread
    answers = iter(["queued", "completed"])

    def api(request: httpx.Request) -> httpx.Response:  # keeps no request: only the client could hold the body
        if request.method == "POST":
            return httpx.Response(200, json={"id": "gen-1", "status": "queued"})
        state = next(answers)
        return httpx.Response(200, json={"id": "gen-1", "status": state, "video": {"url": "https://c/v.mp4"}})

    during_wait: list[int] = []

    def measure(event: object) -> None:
        if not during_wait:
            gc.collect()
            during_wait.append(tracemalloc.get_traced_memory()[0])

    options: dict[str, Any] = {"api_key": "sk-test-memory", "transport": httpx.MockTransport(api)}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        runner = ModeRunner(VideoClient(**options) if mode == "sync" else AsyncVideoClient(**options))
        try:
            runner("generate", image, "p", on_progress=measure)
        finally:
            runner.close()
    finally:
        tracemalloc.stop()
    [held] = during_wait
    assert held - before < 1_000_000, f"{(held - before) / 1e6:.1f} MB still held during the wait"
