"""Image and audio input encoding: URLs, data URIs, paths, bytes and file objects (no network)."""

from __future__ import annotations

import base64
import errno
import functools
import io
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video import _media
from aimlapi_video._errors import InvalidInputError
from aimlapi_video._media import (
    DEFAULT_MAX_AUDIO_BYTES,
    DEFAULT_MAX_IMAGE_BYTES,
    describe_data_uri,
    encode_audio,
    encode_image,
    sniff_audio_mime,
    sniff_image_mime,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(50)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(50)
BMP = b"BM" + (70).to_bytes(4, "little") + bytes(4) + (54).to_bytes(4, "little") + (40).to_bytes(4, "little")
GIF = b"GIF89a" + bytes(50)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(50)
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(50)
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(60)
ADTS = b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(50)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(50)
OGG = b"OggS\x00\x02" + bytes(50)
FLAC = b"fLaC\x00\x00\x00\x22" + bytes(50)
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42\x00\x00\x00\x00" + bytes(40)
MP42_M4A = b"\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00mp42isomM4A " + bytes(40)


def cap_hint(name: str) -> str:
    """The end of an over-the-cap message: where the user raises that cap."""
    return f"the client's max_{name}_bytes= raises it, or pass an https URL instead"


MP4_VIDEO = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(40)


def shared(name: str) -> Path:
    """A file from ../shared/data, or a clean skip when the shared folder is not beside the checkout."""
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/data is only beside the project checkout)")
    return path


def error_of(call: Callable[[], object]) -> str:
    """The message of the InvalidInputError ``call`` raises, checked to be one line."""
    with pytest.raises(InvalidInputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def payload(uri: str) -> bytes:
    """The bytes a ``data:...;base64,`` URI carries."""
    return base64.b64decode(uri.partition(",")[2], validate=True)


def data_uri(mime: str, content: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


class CountingReader(io.BytesIO):
    """A seekable file object that records how many bytes were read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


class Stream:
    """A non-seekable reader that hands out at most ``step`` bytes per read, like a pipe or socket."""

    def __init__(self, content: bytes, step: int) -> None:
        self._buffer = io.BytesIO(content)
        self.step = step
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._buffer.read(min(self.step, size) if size >= 0 else self.step)
        self.bytes_read += len(data)
        return data


# --- sniffing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (BMP, "image/bmp"),
        (GIF, None),
        (b"II*\x00" + bytes(20), None),
        (PDF, None),
        (WAV, None),
        (MP4_VIDEO, None),
        (b"BMP is a bitmap format, says this text file", None),
        (b"", None),
    ],
)
def test_sniff_image_mime(head: bytes, expected: str | None) -> None:
    """Supported images are named by their magic bytes; everything else, GIF included, is None."""
    assert expected == sniff_image_mime(head)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (MP3_ID3, "audio/mpeg"),
        (MP3_FRAME, "audio/mpeg"),
        (ADTS, "audio/aac"),
        (b"\xff\xf9\x50\x80" + bytes(20), "audio/aac"),
        (WAV, "audio/wav"),
        (OGG, "audio/ogg"),
        (M4A, "audio/mp4"),
        (MP42_M4A, "audio/mp4"),
        (MP4_VIDEO, None),
        (FLAC, None),
        (WEBP, None),
        (JPEG, None),
        (b"\xff\xfb\xf0\x64" + bytes(20), None),  # bitrate index 15 is invalid: not an MPEG frame
    ],
)
def test_sniff_audio_mime(head: bytes, expected: str | None) -> None:
    """Audio is named by its magic bytes; an ftyp file is M4A only with an M4A brand, else it is video."""
    assert expected == sniff_audio_mime(head)


# --- URLs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://example.com/cat.png", "http://example.com/cat.png?x=1", "HTTPS://user@host:8443/a.jpg"]
)
def test_http_urls_pass_through_unchanged(url: str) -> None:
    """The server fetches URLs itself, so an http(s) URL with a host goes through untouched."""
    assert url == encode_image(url)
    assert url == encode_audio(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://example.com/cat.png", "image: unsupported URL scheme 'ftp'; use an http(s) URL or a local path"),
        ("s3://bucket/cat.png", "image: unsupported URL scheme 's3'; use an http(s) URL or a local path"),
        ("file:///tmp/cat.png", "image: file:// URLs are not fetched by the server; pass the local path instead"),
        ("https:///cat.png", "image: URL 'https:///cat.png' has no host"),
        (
            "https://exa mple.com/a.png",
            "image: URL 'https://exa mple.com/a.png' contains whitespace or control characters",
        ),
    ],
)
def test_bad_urls_are_refused(url: str, expected: str) -> None:
    """Other schemes, a missing host and unencoded spaces are refused before any request."""
    assert expected == error_of(lambda: encode_image(url))


def test_malformed_url_is_refused() -> None:
    """A URL the parser cannot take apart (an unclosed IPv6 bracket) is refused as malformed."""
    assert error_of(lambda: encode_image("http://[::1/a.png")).startswith("image: URL 'http://[::1/a.png' is malformed")


def test_url_without_slashes_is_a_missing_file_with_a_hint() -> None:
    """'https:host' is neither a URL nor a file; the message says what a URL needs."""
    expected = "image: no such file: 'https:example.com/a.png'; a URL needs the form http(s)://host/..."
    assert expected == error_of(lambda: encode_image("https:example.com/a.png"))


# --- data URIs ------------------------------------------------------------------------------------------


def test_valid_data_uris_pass_through_unchanged() -> None:
    """A well-formed data URI of a supported type whose content matches is returned as given."""
    image, audio = data_uri("image/png", PNG), data_uri("audio/mpeg", MP3_ID3)
    assert (image, audio) == (encode_image(image), encode_audio(audio))


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("data:image/png,abc", "data URI must have the form data:<type>;base64,<payload>"),
        ("data:image/png;base64", "data URI must have the form data:<type>;base64,<payload>"),
        (data_uri("image/gif", GIF), "data URI type 'image/gif' is not supported (supported: JPEG, PNG, WebP, BMP)"),
        (
            data_uri("text/plain", b"hi"),
            "data URI type 'text/plain' is not supported (supported: JPEG, PNG, WebP, BMP)",
        ),
        ("data:image/png;base64,", "data URI has an empty payload"),
        ("data:image/png;base64,iVBORw0KGgo", "data URI payload is not valid base64 (length or characters)"),
        ("data:image/png;base64,iVBO\u00e9w0K", "data URI payload is not valid base64 (length or characters)"),
        (data_uri("image/png", JPEG), "data URI declared image/png but holds a JPEG image"),
        (
            data_uri("image/png", PDF),
            "data URI declared image/png but is a PDF document, not an image (supported: JPEG, PNG, WebP, BMP)",
        ),
    ],
)
def test_bad_data_uris_are_refused(uri: str, expected: str) -> None:
    """Only base64 data URIs of a supported type, with matching content, are passed on."""
    assert f"image: {expected}" == error_of(lambda: encode_image(uri))


def test_data_uri_with_bad_base64_is_refused() -> None:
    """Characters outside the base64 alphabet at the start of the payload are caught."""
    assert error_of(lambda: encode_image("data:image/png;base64,iV-O")).startswith(
        "image: data URI payload is not valid base64: "
    )


@pytest.mark.parametrize("damage", ["*AAA", "AA==AAAA"], ids=["bad character past the head", "padding in the middle"])
def test_data_uri_with_bad_base64_anywhere_is_refused(damage: str) -> None:
    """The whole payload is checked before sending, not only the head that is sniffed."""
    good = data_uri("image/png", PNG + bytes(300))
    assert len(good.partition(",")[2]) % 4 == 0  # so only the damage can make it invalid
    broken = good[:200] + damage + good[200 + len(damage) :]
    assert error_of(lambda: encode_image(broken)).startswith("image: data URI payload is not valid base64: ")


def test_data_uri_over_the_cap_is_refused() -> None:
    """A data URI's decoded size is checked against the cap, with the sizes in the message."""
    uri = data_uri("image/png", PNG + bytes(2048 - len(PNG)))
    expected = f"image: data URI payload is 2 KB > 1 KB cap; {cap_hint('image')}"
    assert expected == error_of(lambda: encode_image(uri, max_bytes=1024))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 225_752])
def test_describe_data_uri_counts_decoded_bytes(size: int) -> None:
    """The dry-run description names the type and the decoded size, whatever the padding."""
    expected = f"data:image/jpeg;base64 ({size:,} bytes)"
    assert expected == describe_data_uri(data_uri("image/jpeg", bytes(size)))


def test_describe_data_uri_leaves_other_text_alone() -> None:
    """URLs (and anything not a data URI) are returned unchanged; non-base64 data URIs count characters."""
    actual = (describe_data_uri("https://example.com/a.png"), describe_data_uri("data:text/plain,hello"))
    assert ("https://example.com/a.png", "data:text/plain (5 characters)") == actual


# --- real files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encode", "mime"),
    [
        ("mona_lisa_extended.jpg", encode_image, "image/jpeg"),
        ("t-rex.png", encode_image, "image/png"),
        ("female-vocalization.mp3", encode_audio, "audio/mpeg"),
    ],
)
def test_real_files_round_trip(name: str, encode: Callable[..., str], mime: str) -> None:
    """Real media files get the MIME type of their content and decode back to the same bytes."""
    path = shared(name)
    uri = encode(path)
    assert (f"data:{mime};base64,", path.read_bytes()) == (uri[: uri.index(",") + 1], payload(uri))


def test_real_jpeg_is_described_by_size() -> None:
    """The description of an encoded file gives its real size (225,752 bytes for the Mona Lisa JPEG)."""
    path = shared("mona_lisa_extended.jpg")
    assert f"data:image/jpeg;base64 ({path.stat().st_size:,} bytes)" == describe_data_uri(encode_image(path))


def test_mp4_video_is_neither_image_nor_audio() -> None:
    """An MP4 video (brand isom) is refused as an image and, lacking an M4A brand, as audio too."""
    path = shared("monalisa.mp4")
    image_error, audio_error = error_of(lambda: encode_image(path)), error_of(lambda: encode_audio(path))
    expected = (
        f"image: {str(path)!r} is an MP4 video (brand 'isom'), not an image (supported: JPEG, PNG, WebP, BMP)",
        f"audio: {str(path)!r} is an MP4 video (brand 'isom'), not audio (supported: MP3, WAV, M4A, AAC (ADTS), Ogg)",
    )
    assert expected == (image_error, audio_error)


def test_image_with_a_misleading_extension_is_typed_by_content(tmp_path: Path) -> None:
    """A PNG saved as .jpg is sent as image/png: the extension is never consulted."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(PNG)
    assert data_uri("image/png", PNG) == encode_image(path)


# --- synthesized formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mime"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"), (BMP, "image/bmp")]
)
def test_images_are_encoded_with_their_mime_type(content: bytes, mime: str) -> None:
    """Each supported image type becomes a data URI with its own MIME type and the exact bytes."""
    assert data_uri(mime, content) == encode_image(content)


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (MP3_ID3, "audio/mpeg"),
        (MP3_FRAME, "audio/mpeg"),
        (WAV, "audio/wav"),
        (M4A, "audio/mp4"),
        (ADTS, "audio/aac"),
        (OGG, "audio/ogg"),
    ],
)
def test_audio_is_encoded_with_its_mime_type(content: bytes, mime: str) -> None:
    """Each supported audio type becomes a data URI with its own MIME type and the exact bytes."""
    assert data_uri(mime, content) == encode_audio(content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "image: bytes input is a PDF document, not an image (supported: JPEG, PNG, WebP, BMP)"),
        (GIF, "image: bytes input is a GIF image, which is not supported (supported: JPEG, PNG, WebP, BMP)"),
        (
            b"<!DOCTYPE html><html>",
            "image: bytes input is an HTML page, not an image (supported: JPEG, PNG, WebP, BMP)",
        ),
        (b"just some notes\n", "image: bytes input is a text file, not an image (supported: JPEG, PNG, WebP, BMP)"),
        (MP3_ID3, "image: bytes input is MP3 audio, not an image (supported: JPEG, PNG, WebP, BMP)"),
        (bytes(range(256)), "image: bytes input is not a recognised image format (supported: JPEG, PNG, WebP, BMP)"),
    ],
)
def test_non_images_say_what_they_are(content: bytes, expected: str) -> None:
    """A refused image input is named for what its content looks like, when that is known."""
    assert expected == error_of(lambda: encode_image(content))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (JPEG, "audio: bytes input is a JPEG image, not audio (supported: MP3, WAV, M4A, AAC (ADTS), Ogg)"),
        (FLAC, "audio: bytes input is FLAC audio, which is not supported (supported: MP3, WAV, M4A, AAC (ADTS), Ogg)"),
        (
            MP4_VIDEO,
            "audio: bytes input is an MP4 video (brand 'isom'), not audio (supported: MP3, WAV, M4A, AAC (ADTS), Ogg)",
        ),
    ],
)
def test_non_audio_says_what_it_is(content: bytes, expected: str) -> None:
    """A refused audio input is named for what its content looks like."""
    assert expected == error_of(lambda: encode_audio(content))


# --- kinds of source ------------------------------------------------------------------------------------


def test_every_kind_of_source_gives_the_same_uri(tmp_path: Path) -> None:
    """bytes, bytearray, BytesIO, an open file, a Path and a str path all encode the same content alike."""
    content = PNG + os.urandom(500_000)  # several chunks, and not a multiple of 3
    path = tmp_path / "frame.png"
    path.write_bytes(content)
    with path.open("rb") as opened:
        results = {
            encode_image(content),
            encode_image(bytearray(content)),
            encode_image(io.BytesIO(content)),
            encode_image(opened),
            encode_image(path),
            encode_image(str(path)),
        }
    assert [data_uri("image/png", content)] == list(results)


def test_file_object_is_read_from_its_position_and_left_open() -> None:
    """A file object is read from where it stands (like httpx uploads) and is not closed."""
    source = io.BytesIO(b"junk" + PNG)
    source.seek(4)
    uri = encode_image(source)
    assert (data_uri("image/png", PNG), False) == (uri, source.closed)


@pytest.mark.parametrize("step", [1, 2, 5, 64, 100_000])
def test_short_reads_still_round_trip(step: int) -> None:
    """A stream returning odd-sized reads is re-aligned to 3-byte groups, so no padding lands mid-payload."""
    content = WAV + os.urandom(200_003)
    assert content == payload(encode_audio(Stream(content, step)))


def test_result_is_the_same_under_a_tracer() -> None:
    """Under a tracer (coverage, debuggers) the pieces are joined instead of appended; same result."""
    content = PNG + os.urandom(400_000)
    previous = sys.gettrace()
    sys.settrace(lambda *_: None)
    try:
        uri = encode_image(content)
    finally:
        sys.settrace(previous)
    assert data_uri("image/png", content) == uri


def test_unsupported_source_type_is_refused() -> None:
    """Something that is not a str, path, bytes or readable object is refused by type name."""
    value: Any = 42
    expected = "image: expected a URL, data URI, path, bytes or binary file object, not int"
    assert expected == error_of(lambda: encode_image(value))


def test_text_mode_file_is_refused() -> None:
    """A file opened in text mode yields str; the message says to open it with 'rb'."""
    source: Any = io.StringIO("hello")
    assert "image: file object gave str, not bytes: open it with 'rb'" == error_of(lambda: encode_image(source))


def test_error_messages_carry_the_input_name() -> None:
    """``name`` labels the error, so a caller with several inputs knows which one was wrong."""
    assert error_of(lambda: encode_image(PDF, name="last_frame")).startswith("last_frame: bytes input is a PDF")


# --- files that cannot be used --------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is "no such file", naming it."""
    missing = tmp_path / "nope.png"
    assert f"image: no such file: {str(missing)!r}" == error_of(lambda: encode_image(missing))


def test_long_non_path_string_is_reported_briefly() -> None:
    """Bare base64 pasted as a path is "no such file", with the string cut short in the message."""
    text = base64.b64encode(PNG * 100).decode()
    expected = f"image: no such file: {text[:60]!r}... ({len(text):,} characters)"
    assert expected == error_of(lambda: encode_image(text))


def test_empty_string_and_empty_pathlike_are_refused() -> None:
    """An empty str is neither a path nor a URL; a PathLike must give a non-empty str."""

    class Empty(os.PathLike[str]):
        def __fspath__(self) -> str:
            return ""

    actual = (error_of(lambda: encode_image("")), error_of(lambda: encode_image(Empty())))
    assert ("image: empty string is neither a path nor a URL", "image: path '' must be a non-empty str path") == actual


def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory is named as such."""
    assert f"image: {str(tmp_path)!r} is a directory, not a file" == error_of(lambda: encode_image(tmp_path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe is not a regular file; it is refused from stat() without opening (which would block)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert f"image: {str(fifo)!r} is not a regular file" == error_of(lambda: encode_image(fifo))


def test_empty_inputs_are_refused(tmp_path: Path) -> None:
    """An empty file, empty bytes or an exhausted file object is "empty"."""
    path = tmp_path / "empty.png"
    path.touch()
    exhausted = io.BytesIO(PNG)
    exhausted.read()
    actual = [error_of(functools.partial(encode_image, source)) for source in (path, b"", exhausted)]
    expected = [f"image: {str(path)!r} is empty", "image: bytes input is empty", "image: file object is empty"]
    assert expected == actual


def test_unreadable_file_object() -> None:
    """A read that fails (EACCES here) is reported as unreadable, with the system's reason."""

    class Denied(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int = -1, /) -> bytes:
            raise PermissionError(errno.EACCES, "Permission denied")

    with Denied() as source:
        assert "image: cannot read file object: Permission denied" == error_of(lambda: encode_image(source))


def test_unreadable_path_when_open_is_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a file without permission gives "cannot read ...: permission denied" (root-proof: open is denied)."""
    path = tmp_path / "secret.png"
    path.write_bytes(PNG)

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(_media, "open", denied, raising=False)
    assert f"image: cannot read {str(path)!r}: permission denied" == error_of(lambda: encode_image(path))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_path_by_mode(tmp_path: Path) -> None:
    """A file with mode 000 cannot be read by an ordinary user."""
    path = tmp_path / "secret.png"
    path.write_bytes(PNG)
    path.chmod(0)
    assert f"image: cannot read {str(path)!r}: permission denied" == error_of(lambda: encode_image(path))


def test_closed_file_object_is_unreadable() -> None:
    """A closed file object cannot be read; the message says so."""
    source = io.BytesIO(PNG)
    source.close()
    assert "image: cannot read file object: I/O operation on closed file." == error_of(lambda: encode_image(source))


# --- size caps ------------------------------------------------------------------------------------------


def test_default_caps() -> None:
    """Images are capped at 10 MB (as other vendors on this endpoint do), audio at 15 MB (Wan's limit)."""
    assert (10 * 1024 * 1024, 15 * 1024 * 1024) == (DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_AUDIO_BYTES)


def test_oversized_file_is_refused_without_opening_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sparse 12.3 MB file is refused from its size alone, in human units, and never opened."""
    path = tmp_path / "huge.png"
    with path.open("wb") as f:
        f.write(PNG)
        f.truncate(int(12.3 * 1024 * 1024))
    opened: list[object] = []
    monkeypatch.setattr(_media, "open", lambda *a, **k: opened.append(a), raising=False)
    message = error_of(lambda: encode_image(path))
    expected: tuple[str, list[object]] = (f"image: {str(path)!r} is 12.3 MB > 10 MB cap; {cap_hint('image')}", [])
    assert expected == (message, opened)


def test_cap_is_configurable(tmp_path: Path) -> None:
    """max_bytes raises the cap (the 12 MB file passes) and lowers it (200 bytes over a 100-byte cap)."""
    path = tmp_path / "big.wav"
    with path.open("wb") as f:
        f.write(WAV)
        f.truncate(12 * 1024 * 1024)
    small = error_of(lambda: encode_audio(WAV + bytes(200 - len(WAV)), max_bytes=100))
    expected = f"audio: bytes input is 200 bytes > 100 bytes cap; {cap_hint('audio')}"
    assert (expected, 12 * 1024 * 1024) == (small, len(payload(encode_audio(path, max_bytes=20 * 1024 * 1024))))


def test_oversized_seekable_file_object_is_not_read() -> None:
    """A seekable file object is measured with seek/tell: nothing is read and its position is kept."""
    source = CountingReader(PNG + bytes(3 * 1024 * 1024))
    source.seek(len(PNG))
    message = error_of(lambda: encode_image(source, max_bytes=2 * 1024 * 1024))
    expected = (f"image: file object is 3 MB > 2 MB cap; {cap_hint('image')}", 0, len(PNG))
    assert expected == (message, source.bytes_read, source.tell())


def test_oversized_stream_stops_reading_at_the_cap() -> None:
    """A stream of unknown size is read only until it passes the cap, not to its end."""
    source = Stream(PNG + bytes(8 * 1024 * 1024), step=64 * 1024)
    message = error_of(lambda: encode_image(source, max_bytes=1024 * 1024))
    expected = f"image: file object is larger than the 1 MB cap; {cap_hint('image')}"
    assert (expected, True) == (message, source.bytes_read <= 1024 * 1024 + 64 * 1024)


def test_file_exactly_at_the_cap_is_accepted() -> None:
    """The cap is inclusive: a file of exactly max_bytes is encoded."""
    content = PNG + bytes(1000 - len(PNG))
    assert content == payload(encode_image(content, max_bytes=1000))


@pytest.mark.skipif(sys.gettrace() is not None, reason="under a tracer the encoder joins pieces (2x memory)")
def test_peak_memory_stays_near_the_result_size(tmp_path: Path) -> None:
    """Encoding a 4 MB file holds little more than the 5.3 MB result: well under 2.6x the file size."""
    path = tmp_path / "frame.png"
    path.write_bytes(PNG + os.urandom(4 * 1024 * 1024))
    tracemalloc.start()
    try:
        uri = encode_image(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (True, path.read_bytes()) == (peak < 2.6 * path.stat().st_size, payload(uri))


def test_cap_must_be_positive() -> None:
    """A cap below one byte would refuse everything, so it is itself refused."""
    assert "max_bytes: must be at least 1, not 0" == error_of(lambda: encode_image(PNG, max_bytes=0))


@pytest.mark.parametrize(
    ("alias", "standard", "content", "encode"),
    [
        ("image/jpg", "image/jpeg", JPEG, encode_image),
        ("IMAGE/PJPEG", "image/jpeg", JPEG, encode_image),
        ("audio/mp3", "audio/mpeg", MP3_ID3, encode_audio),
        ("audio/x-wav", "audio/wav", WAV, encode_audio),
    ],
)
def test_a_data_uri_with_a_common_alias_goes_out_under_the_standard_name(
    alias: str, standard: str, content: bytes, encode: Callable[[str], str]
) -> None:
    """Browsers and tools write image/jpg or audio/mp3; the bytes are checked as usual and sent unchanged."""
    sent = encode(data_uri(alias, content))
    assert (f"data:{standard};base64", content) == (sent.partition(",")[0], payload(sent))


def test_an_alias_that_does_not_match_the_bytes_is_named_as_given() -> None:
    with pytest.raises(InvalidInputError, match=r"^image: data URI declared image/jpg but holds a PNG image$"):
        encode_image(data_uri("image/jpg", PNG))
