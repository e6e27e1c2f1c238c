"""The self-made video: a structurally valid ISO-BMFF file with an H.264 track, paddable to any size."""

from __future__ import annotations

import struct

import pytest

from aimlapi_video.testing import SizedVideo, build_mp4, smallest_video_size
from aimlapi_video.testing._h264 import encode_solid_frames
from aimlapi_video.testing._mp4 import CHUNK_SIZE

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf"}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """Walk boxes in ``data[start:end]``: ``(type, payload_start, box_end)``; fails on a size that overflows."""
    end = len(data) if end is None else end
    found = []
    position = start
    while position < end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        assert size >= header, f"{kind!r} has impossible size {size}"
        assert position + size <= end, f"{kind!r} overflows its parent"
        found.append((kind, position + header, position + size))
        position += size
    assert position == end
    return found


def tree(data: bytes) -> dict[bytes, tuple[int, int]]:
    """Every box by type (the file has one of each), descending into container boxes."""
    index: dict[bytes, tuple[int, int]] = {}

    def visit(start: int, end: int) -> None:
        for kind, payload, box_end in boxes(data, start, end):
            index[kind] = (payload, box_end)
            if kind in CONTAINERS:
                visit(payload, box_end)

    visit(0, len(data))
    return index


def test_file_is_ftyp_moov_mdat_and_every_box_size_adds_up() -> None:
    """Top-level boxes are exactly ftyp, moov, mdat, and all nested sizes are consistent."""
    data = build_mp4()

    assert [b"ftyp", b"moov", b"mdat"] == [kind for kind, _, _ in boxes(data)]
    assert data[4:12] == b"ftypisom"
    index = tree(data)
    for kind in (b"mvhd", b"tkhd", b"mdhd", b"hdlr", b"vmhd", b"stsd", b"stts", b"stsc", b"stsz", b"stco"):
        assert kind in index, kind


def test_sample_table_points_at_length_prefixed_h264_frames_in_mdat() -> None:
    """stco/stsz describe mdat exactly, and each sample is one NAL unit of an IDR picture."""
    data = build_mp4(frames=5)
    index = tree(data)
    stsz_payload, _ = index[b"stsz"]
    _, _, count = struct.unpack(">III", data[stsz_payload : stsz_payload + 12])
    sizes = struct.unpack(f">{count}I", data[stsz_payload + 12 : stsz_payload + 12 + 4 * count])
    stco_payload, _ = index[b"stco"]
    (offset,) = struct.unpack(">I", data[stco_payload + 8 : stco_payload + 12])
    mdat_payload, mdat_end = index[b"mdat"]

    assert 5 == count
    assert mdat_payload == offset
    assert mdat_end - mdat_payload == sum(sizes)
    position = offset
    for size in sizes:
        (nal_length,) = struct.unpack(">I", data[position : position + 4])
        assert size - 4 == nal_length
        assert 0x65 == data[position + 4]  # nal_ref_idc 3, IDR slice
        position += size


def test_avc_config_carries_baseline_sps_and_pps_of_the_frame_size() -> None:
    """avcC holds one SPS (Baseline, 32x32 as 2x2 macroblocks) and one PPS; the track header says 32x32."""
    data = build_mp4(width=32, height=32)
    index = tree(data)
    avcc = data.index(b"avcC") + 4
    sps_length = struct.unpack(">H", data[avcc + 6 : avcc + 8])[0]
    sps = data[avcc + 8 : avcc + 8 + sps_length]
    tkhd_payload, tkhd_end = index[b"tkhd"]

    assert (1, 66, 0xE1) == (data[avcc], data[avcc + 1], data[avcc + 5])
    assert (0x67, 66) == (sps[0], sps[1])
    assert 0x68 == data[avcc + 8 + sps_length + 3]  # after numOfPPS and the PPS length
    assert (32 << 16, 32 << 16) == struct.unpack(">II", data[tkhd_end - 8 : tkhd_end])
    assert tkhd_payload < tkhd_end


def test_encoder_escapes_start_code_emulation() -> None:
    """Black frames (samples of 0) must not contain 00 00 0x inside a NAL unit."""
    stream = encode_solid_frames(16, 16, [(0, 0, 0)])
    nal = stream.frames[0]

    for marker in (b"\x00\x00\x00", b"\x00\x00\x01", b"\x00\x00\x02"):
        assert marker not in nal


@pytest.mark.parametrize("size", [None, smallest_video_size(), 5_000_000])
def test_sized_video_is_exactly_the_requested_size_and_ends_with_a_free_box(size: int | None) -> None:
    """Padding is a trailing top-level free box, so the file stays valid at any size."""
    video = SizedVideo(size)
    data = video.read()

    assert (size or smallest_video_size()) == len(data) == video.size
    assert [b"ftyp", b"moov", b"mdat", b"free"] == [kind for kind, _, _ in boxes(data)]


def test_huge_video_uses_a_64_bit_free_box_and_streams_in_bounded_chunks() -> None:
    """A >4 GiB video is never built: its head is read, and chunks never exceed the chunk size."""
    size = 2**32 + 100_000
    video = SizedVideo(size)
    head = video.read(0, smallest_video_size() + 16)
    free_at = len(build_mp4())

    assert (1, b"free") == struct.unpack(">I4s", head[free_at : free_at + 8])
    assert size - free_at == struct.unpack(">Q", head[free_at + 8 : free_at + 16])[0]
    chunks = video.iter_bytes(size - 3 * CHUNK_SIZE - 5)
    assert [CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE, 5] == [len(c) for c in chunks]


def test_ranges_match_slices_of_the_whole_file() -> None:
    """Any byte range equals the same slice of the full file, across the head/padding boundary."""
    video = SizedVideo(300_000)
    whole = video.read()
    edge = len(build_mp4())

    for start, end in [(0, 1), (10, 5000), (edge - 3, edge + 20), (299_990, 300_000), (250_000, None)]:
        assert whole[start:end] == video.read(start, end)


def test_a_video_smaller_than_the_real_file_is_refused() -> None:
    """Sizes below the unpadded file cannot be honoured, so they are an error, not a broken file."""
    with pytest.raises(ValueError, match="at least"):
        SizedVideo(100)
