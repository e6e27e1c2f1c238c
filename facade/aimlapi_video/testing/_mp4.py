"""A pure-Python MP4 (ISO-BMFF) writer and a sized, range-readable video built from it.

The file is ``ftyp`` + ``moov`` (one H.264 video track) + ``mdat``, then one top-level ``free`` box that pads
it to any requested size. The padding is never materialized: :class:`SizedVideo` yields byte ranges in chunks,
so a 200 MB download costs the emulator a few kilobytes of memory.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import cache

from ._h264 import EncodedStream, encode_solid_frames

__all__ = ["CHUNK_SIZE", "SizedVideo", "build_mp4", "smallest_video_size"]

CHUNK_SIZE = 64 * 1024
_FREE_HEADER = 8
_UINT32_MAX = 0xFFFFFFFF
_UNITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_FPS = 8
_TIMESCALE = 1000
# A short fade through a few colours (Y, Cb, Cr): a real, if tiny, moving picture.
_COLORS = [(41, 240, 110), (81, 90, 240), (145, 54, 34), (170, 166, 16), (210, 16, 146), (235, 128, 128)]


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def _avc_config(stream: EncodedStream) -> bytes:
    return _box(
        b"avcC",
        bytes([1, stream.profile, 0xC0, stream.level, 0xFF, 0xE1]),
        struct.pack(">H", len(stream.sps)),
        stream.sps,
        bytes([1]),
        struct.pack(">H", len(stream.pps)),
        stream.pps,
    )


def _sample_entry(stream: EncodedStream) -> bytes:
    return _box(
        b"avc1",
        bytes(6),  # reserved
        struct.pack(">H", 1),  # data_reference_index
        bytes(16),  # pre_defined / reserved
        struct.pack(">HH", stream.width, stream.height),
        struct.pack(">II", 0x00480000, 0x00480000),  # 72 dpi
        bytes(4),
        struct.pack(">H", 1),  # frame_count
        bytes(32),  # compressorname
        struct.pack(">Hh", 0x18, -1),  # depth, pre_defined
        _avc_config(stream),
    )


def _sample_table(stream: EncodedStream, samples: list[bytes], chunk_offset: int) -> bytes:
    delta = _TIMESCALE // _FPS
    return _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _sample_entry(stream)),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, len(samples), delta)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(samples), 1)),
        _full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(samples)), *(struct.pack(">I", len(s)) for s in samples)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
    )


def _moov(stream: EncodedStream, samples: list[bytes], chunk_offset: int) -> bytes:
    duration = len(samples) * (_TIMESCALE // _FPS)
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, _TIMESCALE, duration),
        struct.pack(">IH", 0x00010000, 0x0100),  # rate 1.0, volume 1.0
        bytes(10),
        _UNITY_MATRIX,
        bytes(24),
        struct.pack(">I", 2),  # next_track_ID
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,  # enabled, in movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        bytes(8),
        struct.pack(">hhhH", 0, 0, 0, 0),  # layer, alternate_group, volume, reserved
        _UNITY_MATRIX,
        struct.pack(">II", stream.width << 16, stream.height << 16),
    )
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIII", 0, 0, _TIMESCALE, duration), struct.pack(">HH", 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"VideoHandler\x00")
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        _sample_table(stream, samples, chunk_offset),
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf)))


def build_mp4(width: int = 32, height: int = 32, frames: int = 12) -> bytes:
    """Return a complete, playable MP4 of ``frames`` solid-colour frames at 8 fps."""
    colors = [_COLORS[i * len(_COLORS) // frames] for i in range(frames)]
    stream = encode_solid_frames(width, height, colors)
    samples = [struct.pack(">I", len(nal)) + nal for nal in stream.frames]  # 4-byte length prefixes
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    payload = b"".join(samples)
    moov_size = len(_moov(stream, samples, 0))  # stco's offset field has a fixed width
    chunk_offset = len(ftyp) + moov_size + 8
    return ftyp + _moov(stream, samples, chunk_offset) + _box(b"mdat", payload)


@cache
def _base_video() -> bytes:
    return build_mp4()


def smallest_video_size() -> int:
    """The size of the unpadded video plus the smallest padding box: the least a video can weigh."""
    return len(_base_video()) + _FREE_HEADER


class SizedVideo:
    """The base MP4 padded by a trailing ``free`` box to ``size`` bytes (at least :func:`smallest_video_size`)."""

    def __init__(self, size: int | None = None) -> None:
        base = _base_video()
        total = smallest_video_size() if size is None else size
        if total < smallest_video_size():
            raise ValueError(f"a video needs at least {smallest_video_size()} bytes, not {total}")
        pad = total - len(base)
        small = pad <= _UINT32_MAX  # else a 64-bit "largesize" box
        header = struct.pack(">I4s", pad, b"free") if small else struct.pack(">I4sQ", 1, b"free", pad)
        self.size = total
        self._head = base + header

    def iter_bytes(self, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield bytes ``start`` to ``end`` (exclusive; default: the end) in chunks of at most ``chunk_size``."""
        stop = self.size if end is None else min(end, self.size)
        zeros = bytes(chunk_size)
        position = start
        while position < stop:
            if position < len(self._head):
                piece = self._head[position : min(stop, len(self._head), position + chunk_size)]
            else:
                length = min(chunk_size, stop - position)
                piece = zeros if length == chunk_size else zeros[:length]
            position += len(piece)
            yield piece

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Return a byte range at once; for small ranges and tests."""
        return b"".join(self.iter_bytes(start, end))
