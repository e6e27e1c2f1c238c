"""Where the image is read and encoded: ``AsyncVideoClient`` moves large bytes, paths and data URIs off the
event loop (encoding takes about 1 ms per MB, in which every other job on the loop would stall), into the
loop's default executor; small inputs, file objects, and everything in ``VideoClient`` stay in the caller's
thread."""

from __future__ import annotations

import base64
import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video import InvalidInputError
from aimlapi_video._common import OFF_LOOP_BYTES, heavy_inputs
from aimlapi_video._media import encoding_size
from tests.unit.harness import PNG, FakeAPI, Runner, done, job

Make = Callable[..., Runner]
LARGE = PNG + bytes(OFF_LOOP_BYTES)  # just over the threshold
SMALL = PNG + bytes(1000)


class RecordingExecutor(ThreadPoolExecutor):
    """The event loop's default executor (where ``asyncio.to_thread`` runs work), counting what it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.jobs = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs += 1
        return super().submit(fn, *args, **kwargs)


def offloaded(runner: Runner) -> RecordingExecutor:
    """An executor that the async client's loop uses for ``to_thread``; the sync client never sees it."""
    executor = RecordingExecutor()
    if runner.loop is not None:
        runner.loop.get_loop().set_default_executor(executor)
    return executor


class ThreadRecordingReader(io.BytesIO):
    """A seekable file object that records the thread of every read."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.threads: set[int] = set()

    def read(self, size: int | None = -1, /) -> bytes:
        self.threads.add(threading.get_ident())
        return super().read(size)


class Unseekable(ThreadRecordingReader):
    """The same, but its size cannot be told without reading it (a pipe, a socket)."""

    def seekable(self) -> bool:
        return False


def sent_image(api: FakeAPI) -> bytes:
    return base64.b64decode(api.post_bodies()[0]["image_url"].partition(",")[2])


def as_source(kind: str, content: bytes, tmp_path: Path) -> Any:
    if kind == "bytes":
        return content
    if kind == "data URI":
        return "data:image/png;base64," + base64.b64encode(content).decode()
    path = tmp_path / "image.png"
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize("method", ["submit", "generate"])
@pytest.mark.parametrize("kind", ["bytes", "path", "data URI"])
def test_a_large_image_is_encoded_in_a_worker_thread(
    make: Make, mode: str, tmp_path: Path, method: str, kind: str
) -> None:
    """Async: one job for the loop's executor; sync: none. The image is sent unchanged either way."""
    api = FakeAPI(posts=[job("queued")], gets=[done()])
    runner = make(api)
    executor = offloaded(runner)
    runner(method, as_source(kind, LARGE, tmp_path), "a cat")
    assert (1 if mode == "async" else 0, LARGE) == (executor.jobs, sent_image(api))


@pytest.mark.parametrize("kind", ["bytes", "path", "data URI"])
def test_a_small_image_is_encoded_in_the_callers_thread(make: Make, tmp_path: Path, kind: str) -> None:
    """Below the threshold a thread hop would cost more than the work: both clients encode in place."""
    api = FakeAPI(posts=[job("queued")])
    runner = make(api)
    executor = offloaded(runner)
    runner("submit", as_source(kind, SMALL, tmp_path), "a cat")
    assert (0, SMALL) == (executor.jobs, sent_image(api))


def test_image_and_audio_count_together(make: Make, mode: str) -> None:
    """Half the threshold each, plus a little: together they are worth the thread."""
    half = OFF_LOOP_BYTES // 2
    api = FakeAPI(posts=[job("queued")])
    runner = make(api)
    executor = offloaded(runner)
    runner("submit", PNG + bytes(half), "a cat", audio=b"ID3" + bytes(half))
    assert (1 if mode == "async" else 0) == executor.jobs


@pytest.mark.parametrize("reader", [ThreadRecordingReader, Unseekable])
def test_a_file_object_is_read_in_the_callers_thread(make: Make, reader: type[ThreadRecordingReader]) -> None:
    """However large: it may belong to its thread (a SQLite blob), and measuring it may mean reading it."""
    source = reader(LARGE)
    api = FakeAPI(posts=[job("queued")])
    runner = make(api)
    executor = offloaded(runner)
    runner("submit", source, "a cat")
    assert (0, {threading.get_ident()}, LARGE) == (executor.jobs, source.threads, sent_image(api))


def test_a_large_image_refused_in_the_worker_thread_raises_as_on_the_loop(make: Make, mode: str) -> None:
    """The refusal comes back as the same one-line InvalidInputError, and nothing is sent."""
    api = FakeAPI(posts=[job("queued")])
    runner = make(api)
    executor = offloaded(runner)
    with pytest.raises(InvalidInputError, match=r"^image: bytes input is not a recognised image format") as info:
        runner("submit", b"GIF" + bytes(OFF_LOOP_BYTES + 1), "a cat")
    assert ("image", 0, 1 if mode == "async" else 0) == (info.value.name, api.count("POST"), executor.jobs)


def test_generate_checks_its_output_before_reading_a_large_image(make: Make, tmp_path: Path) -> None:
    """A taken output name is reported before a large image is read at all, in both clients."""
    output = tmp_path / "v.mp4"
    output.write_bytes(b"keep me")
    source = ThreadRecordingReader(LARGE)
    api = FakeAPI(posts=[job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", source, "a cat", output=output)
    assert ("output", set(), 0) == (info.value.name, source.threads, api.count("POST"))


class RaisingPath(os.PathLike[str]):
    def __fspath__(self) -> str:
        raise RuntimeError("boom")


def test_measuring_the_image_never_comes_before_the_quick_checks(make: Make) -> None:
    """A path that cannot even be named does not hide a bad duration: the duration is reported, as before."""
    with pytest.raises(InvalidInputError) as info:
        make(FakeAPI())("submit", RaisingPath(), "a cat", duration=7)
    assert "duration" == info.value.name


def test_encoding_size_tells_the_work_without_reading(tmp_path: Path) -> None:
    """bytes by length, a data URI by its length, a path by its size; a URL, a file object and whatever the
    encoder refuses at once count nothing, and no file object is touched."""
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    reader = ThreadRecordingReader(LARGE)
    cases: list[tuple[Any, int]] = [
        (PNG, len(PNG)),
        (bytearray(10), 10),
        ("data:image/png;base64,AAAA", 26),
        ("https://example.com/a.png", 0),
        (str(path), len(PNG)),
        (path, len(PNG)),
        (str(tmp_path / "missing.png"), 0),
        ("bad\x00path", 0),
        (RaisingPath(), 0),
        (reader, 0),
        (None, 0),
        (42, 0),
    ]
    assert [expected for _, expected in cases] == [encoding_size(source) for source, _ in cases]
    assert (set(), 0) == (reader.threads, reader.tell())


@pytest.mark.parametrize(
    ("image", "audio", "heavy"),
    [
        (bytes(OFF_LOOP_BYTES), None, False),
        (bytes(OFF_LOOP_BYTES + 1), None, True),
        (bytes(OFF_LOOP_BYTES // 2), bytes(OFF_LOOP_BYTES // 2 + 1), True),
        (io.BytesIO(bytes(OFF_LOOP_BYTES * 2)), None, False),
        ("https://example.com/a.png", None, False),
    ],
)
def test_heavy_inputs_adds_image_and_audio(image: Any, audio: Any, heavy: bool) -> None:
    assert heavy == heavy_inputs({"image": image, "audio": audio})
