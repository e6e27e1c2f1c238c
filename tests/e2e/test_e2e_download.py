"""Downloads over real sockets: expired URLs, cut-off bodies resumed with Range, and interruptions.

Whatever happens, nothing partial is left: the destination's folder (``tmp_path``) holds the finished
video or nothing at all, not even the hidden temporary file.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from aimlapi_video import DownloadError, DownloadProgress, ProgressEvent, VideoUrlExpiredError
from aimlapi_video.testing import Counters, Fault, JobPlan, Scenario
from tests.e2e.harness import PNG, PROMPT, Start, notes

BIG = 3_000_000  # bytes: several of the client's 1 MiB chunks
CUT = 1_500_000  # where the first response is cut off: after the first whole chunk


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        pytest.param(Scenario(default_job=JobPlan(url_ttl=0)), 403, id="ttl-0"),
        pytest.param(Scenario(default_job=JobPlan(url_ttl=0, expired_status=410)), 410, id="ttl-0-gone"),
        pytest.param(Scenario(video_faults=(Fault.expired(410),)), 410, id="fault-410"),
        pytest.param(Scenario(video_faults=(Fault.expired(),)), 403, id="fault-403"),
    ],
)
def test_an_expired_url_during_generate_names_the_id(
    start: Start, tmp_path: Path, scenario: Scenario, status: int
) -> None:
    """The host refuses the signed URL: VideoUrlExpiredError with the id, one attempt, nothing on disk."""
    live = start(scenario)
    with pytest.raises(VideoUrlExpiredError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")

    [job] = live.fake.jobs
    error = info.value
    assert (status, job.id) == (error.status_code, error.generation_id)
    assert f"call get({job.id!r})" in str(error)
    assert job.id in notes(error)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


def test_download_of_an_expired_url_names_the_id(start: Start, tmp_path: Path) -> None:
    """URLs expired after the wait (``expire_videos``): download(completed) raises with the generation's id."""
    live = start()
    done = live("wait", live("submit", PNG, PROMPT).id)
    live.fake.expire_videos()
    with pytest.raises(VideoUrlExpiredError) as info:
        live("download", done, tmp_path / "out.mp4")
    assert (403, done.id) == (info.value.status_code, info.value.generation_id)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


def test_download_by_id_fetches_a_fresh_url_after_expiry(start: Start, tmp_path: Path) -> None:
    """The recovery VideoUrlExpiredError advises: download(id) asks for a fresh URL and saves the video whole."""
    live = start()
    done = live("wait", live("submit", PNG, PROMPT).id)
    live.fake.expire_videos()
    out = tmp_path / "out.mp4"

    assert out == live("download", done.id, out)

    [video] = live.video_requests()
    assert done.video_url is not None
    assert httpx.URL(done.video_url).path != video.path  # the fresh URL, not the expired one
    assert Counters(jobs_created=1, post_requests=1, get_requests=4, video_requests=1) == live.fake.counters
    assert httpx.get(httpx.URL(done.video_url).copy_with(path=video.path)).content == out.read_bytes()
    assert [out.name] == [p.name for p in tmp_path.iterdir()]


def test_a_cut_off_download_is_resumed_with_range(start: Start, tmp_path: Path) -> None:
    """The body stops midway: the next request asks for the rest (Range), and the file is byte-identical."""
    live = start(Scenario(default_job=JobPlan(video_bytes=BIG), video_faults=(Fault.truncate(after_bytes=CUT),)))
    out = tmp_path / "out.mp4"
    result = live("generate", PNG, PROMPT, output=out)

    first, second = live.video_requests()
    assert first.headers.get("range") is None
    resumed_at = int(second.headers["range"].removeprefix("bytes=").removesuffix("-"))
    assert 0 < resumed_at <= CUT
    assert f"bytes={resumed_at}-" == second.headers["range"]
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=2) == live.fake.counters
    served = httpx.get(result.video_url).content
    assert BIG == len(served)
    assert served == out.read_bytes()
    assert [out.name] == [p.name for p in tmp_path.iterdir()]


def test_a_download_cut_off_on_every_attempt_leaves_nothing(start: Start, tmp_path: Path) -> None:
    """Five attempts, each cut off: DownloadError naming the attempts, and no file, partial or temporary."""
    live = start(Scenario(video_faults=(Fault.truncate(after_bytes=100),) * 5))
    with pytest.raises(DownloadError) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4")

    [job] = live.fake.jobs
    assert str(info.value).startswith("video download failed after 5 attempts")
    assert job.id in notes(info.value)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=5) == live.fake.counters
    assert [] == list(tmp_path.iterdir())


def test_an_interrupted_download_leaves_nothing_and_names_the_id(start: Start, tmp_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt) in the middle of the download propagates, with the id in its notes."""
    live = start(Scenario(default_job=JobPlan(video_bytes=BIG)))
    seen: list[ProgressEvent | DownloadProgress] = []

    def interrupt(event: ProgressEvent | DownloadProgress) -> None:
        seen.append(event)
        if isinstance(event, DownloadProgress):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        live("generate", PNG, PROMPT, output=tmp_path / "out.mp4", on_progress=interrupt)

    [job] = live.fake.jobs
    assert [ProgressEvent, ProgressEvent, ProgressEvent, DownloadProgress] == [type(e) for e in seen]
    last = seen[-1]
    assert isinstance(last, DownloadProgress)
    assert (BIG, True) == (last.bytes_total, 0 < last.bytes_done < BIG)  # stopped midway
    assert f"generation id: {job.id}" in notes(info.value)
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == live.fake.counters
    assert [] == list(tmp_path.iterdir())
