"""Whether a saved video is a whole MP4, told from its top-level box sizes (for bodies of undeclared length)."""

from __future__ import annotations

import io
import struct

import pytest

from aimlapi_video._mp4 import whole_mp4
from aimlapi_video.testing._mp4 import SizedVideo, build_mp4

MP4 = build_mp4()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def judge(data: bytes) -> bool | None:
    return whole_mp4(io.BytesIO(data), len(data))


def test_a_whole_video_is_whole() -> None:
    """The emulator's MP4, bare and padded by a trailing ``free`` box, in 32 and 64-bit sizes."""
    padded_64 = MP4 + struct.pack(">I4sQ", 1, b"free", 16 + 100) + bytes(100)
    assert [True, True, True] == [judge(MP4), judge(SizedVideo(len(MP4) + 5000).read()), judge(padded_64)]


def test_a_video_cut_anywhere_is_not_whole() -> None:
    """Every cut from the first box header on: inside a box, inside a header, or between two boxes (where the
    index or the media is then missing)."""
    verdicts = {judge(MP4[:cut]) for cut in range(8, len(MP4))}
    assert {False} == verdicts


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", False),  # an empty body: a connection closed right after the headers
        (b"\x00\x00\x00", False),  # cut inside the first box header
        (b"\x00\x00\x00\x10ftyp", False),  # an ftyp box cut short
        (b"<html>not a video</html>", None),  # not an MP4 at all: nothing to check
        (box(b"ftyp", b"isom") + struct.pack(">I4s", 0, b"mdat") + b"media", None),  # size 0: to the end
        (box(b"ftyp", b"isom") + struct.pack(">I4s", 4, b"moov"), False),  # a size smaller than its header
        (box(b"ftyp", b"isom") + struct.pack(">I4sQ", 1, b"mdat", 8), False),  # a 64-bit size too small
        (box(b"ftyp", b"isom") + struct.pack(">I4s", 1, b"mdat") + b"\x00\x00", False),  # 64-bit size cut
        (box(b"ftyp", b"isom") + box(b"moov") + box(b"mdat") + b"\x00\x00\x00", False),  # a header cut
        (box(b"ftyp", b"isom") + box(b"moov") + box(b"mdat"), True),
    ],
)
def test_edge_cases(data: bytes, expected: bool | None) -> None:
    assert expected == judge(data)


def test_only_the_given_size_is_judged() -> None:
    """The file may hold more than was written (never here, but the size is what counts)."""
    assert whole_mp4(io.BytesIO(MP4 + b"junk"), len(MP4)) is True
