"""Where the image is read and encoded: ``AsyncVideoClient`` moves large inputs off the event loop (encoding takes
about 1 ms per MB, in which every other job on the loop would stall); small ones, and everything in
``VideoClient``, are encoded in the caller's thread."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video import InvalidInputError
from aimlapi_video._common import OFF_LOOP_BYTES, heavy_inputs
from aimlapi_video._media import encoding_size
from tests.unit.harness import PNG, FakeAPI, Runner, done, job

Make = Callable[..., Runner]
LARGE = PNG + bytes(OFF_LOOP_BYTES)  # just over the threshold


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


@pytest.mark.parametrize("method", ["submit", "generate"])
@pytest.mark.parametrize("reader", [ThreadRecordingReader, Unseekable])
def test_a_large_or_unsized_image_is_encoded_off_the_event_loop(
    make: Make, mode: str, method: str, reader: type[ThreadRecordingReader]
) -> None:
    """Async: read in a worker thread (the loop runs in this thread); sync: in the caller's. Sent unchanged."""
    source = reader(LARGE)
    api = FakeAPI(posts=[job("queued")], gets=[done()])
    make(api)(method, source, "a cat")
    expected = {threading.get_ident()} if mode == "sync" else set()
    assert expected == source.threads & {threading.get_ident()}
    assert source.threads  # it was read at all
    assert LARGE == sent_image(api)


def test_a_small_image_is_encoded_in_the_callers_thread(make: Make) -> None:
    """Below the threshold a thread hop would cost more than the work: both clients encode in place."""
    source = ThreadRecordingReader(PNG + bytes(1000))
    api = FakeAPI(posts=[job("queued")])
    make(api)("submit", source, "a cat")
    assert {threading.get_ident()} == source.threads
    assert PNG + bytes(1000) == sent_image(api)


def test_a_large_image_that_is_refused_off_the_loop_raises_the_same_error(make: Make) -> None:
    """An input refused in the worker thread is reported as on the loop, and nothing is sent."""
    api = FakeAPI(posts=[job("queued")])
    with pytest.raises(InvalidInputError, match=r"^image: bytes input is not a recognised image format") as info:
        make(api)("submit", b"GIF" + bytes(OFF_LOOP_BYTES + 1), "a cat")
    assert "image" == info.value.name
    assert 0 == api.count("POST")


def test_generate_checks_its_output_before_reading_a_large_image(make: Make, tmp_path: Path) -> None:
    """A taken output name is reported before a large image is read at all, in both clients."""
    output = tmp_path / "v.mp4"
    output.write_bytes(b"keep me")
    source = ThreadRecordingReader(LARGE)
    api = FakeAPI(posts=[job("queued")])
    with pytest.raises(InvalidInputError) as info:
        make(api)("generate", source, "a cat", output=output)
    assert ("output", set(), 0) == (info.value.name, source.threads, api.count("POST"))


def test_encoding_size_tells_the_work_without_reading(tmp_path: Path) -> None:
    """bytes by length, a data URI by its length, a URL as nothing, a path by its size, a file object by what
    is left in it; what will be refused at once counts nothing; an unseekable object cannot be told."""
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    partly_read = io.BytesIO(bytes(100))
    partly_read.seek(40)
    unseekable = Unseekable(PNG)
    cases: list[tuple[Any, int | None]] = [
        (PNG, len(PNG)),
        (bytearray(10), 10),
        ("data:image/png;base64,AAAA", 26),
        ("https://example.com/a.png", 0),
        (str(path), len(PNG)),
        (path, len(PNG)),
        (str(tmp_path / "missing.png"), 0),
        ("bad\x00path", 0),
        (partly_read, 60),
        (unseekable, None),
        (None, 0),
        (42, 0),
    ]
    assert [expected for _, expected in cases] == [encoding_size(source) for source, _ in cases]
    assert set() == unseekable.threads  # never read


@pytest.mark.parametrize(
    ("image", "audio", "heavy"),
    [
        (bytes(OFF_LOOP_BYTES), None, False),
        (bytes(OFF_LOOP_BYTES + 1), None, True),
        (bytes(OFF_LOOP_BYTES // 2), bytes(OFF_LOOP_BYTES // 2 + 1), True),  # image and audio together
        ("https://example.com/a.png", Unseekable(b""), True),
        ("https://example.com/a.png", None, False),
    ],
)
def test_heavy_inputs_adds_image_and_audio(image: Any, audio: Any, heavy: bool) -> None:
    assert heavy == heavy_inputs({"image": image, "audio": audio})
