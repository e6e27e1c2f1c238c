"""Turn an image or audio input into the string the API takes in ``image_url`` / ``audio_url``.

An http(s) URL passes through (the server fetches it); a ``data:`` URI passes through once checked; a local
path, ``bytes`` or a binary file object is read and sent as ``data:<mime>;base64,...``. The MIME type comes
from the content's magic bytes, never from a file name. Every refusal is an ``InvalidInputError`` raised
before any request is sent, and files over the cap are refused from their size alone, without being read.

Images: JPEG, PNG, WebP and BMP, the formats Wan's upstream documents (other vendors on this endpoint accept
JPEG, PNG and WebP). GIF is refused: none of those lists include it, and an animated GIF has no one frame.
Audio: MP3, WAV, M4A, raw AAC (ADTS) and Ogg. Wan's upstream documents WAV and MP3 only; the others are
passed on for models that take them. An ISO-BMFF (``ftyp``) file counts as M4A audio only when its major
or a compatible brand is an audio brand (``M4A``, ``M4B``, ``M4P``, ``F4A``, ``F4B``); ``isom``/``mp42`` files
are refused as video, since telling an audio-only ``mp42`` apart would mean parsing the whole ``moov`` box.
FLAC is recognised but refused, as no documentation for this endpoint lists it.
"""

from __future__ import annotations

import binascii
import itertools
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, Protocol, TypeAlias
from urllib.parse import urlsplit

from ._errors import InvalidInputError
from ._validate import sendable

__all__ = [
    "DEFAULT_MAX_AUDIO_BYTES",
    "DEFAULT_MAX_IMAGE_BYTES",
    "AudioSource",
    "BinaryReadable",
    "ImageSource",
    "describe_data_uri",
    "encode_audio",
    "encode_image",
    "sniff_audio_mime",
    "sniff_image_mime",
]

#: Other vendors on this endpoint cap images at about 10 MB; the Wan pages on AI/ML API document no limit.
DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: Wan's upstream documents audio of at most 15 MB (WAV/MP3, 3-30 s); the AI/ML API pages document none.
DEFAULT_MAX_AUDIO_BYTES = 15 * 1024 * 1024

_CHUNK = 3 * 64 * 1024  # a multiple of 3, so chunks encode without padding; small enough to stay in cache
_HEAD = 64  # enough bytes for every signature below, including an ftyp box's first brands


class BinaryReadable(Protocol):
    """Anything with a binary ``read(size)``: an ``open(..., "rb")`` file, ``io.BytesIO``, a socket file."""

    def read(self, size: int = ..., /) -> bytes: ...


ImageSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | BinaryReadable
AudioSource: TypeAlias = ImageSource

_LABELS = {
    "image/jpeg": "a JPEG image", "image/png": "a PNG image", "image/webp": "a WebP image",
    "image/bmp": "a BMP image", "image/gif": "a GIF image", "image/tiff": "a TIFF image",
    "image/heic": "a HEIC image", "image/avif": "an AVIF image", "audio/mpeg": "MP3 audio",
    "audio/wav": "WAV audio", "audio/mp4": "M4A audio", "audio/aac": "AAC (ADTS) audio",
    "audio/ogg": "Ogg audio", "audio/flac": "FLAC audio", "video/mp4": "an MP4 video",
    "video/quicktime": "a QuickTime video", "video/x-msvideo": "an AVI video",
    "video/webm": "a Matroska/WebM video", "application/pdf": "a PDF document",
    "application/zip": "a ZIP archive (or Office document)", "application/gzip": "a gzip archive",
    "text/html": "an HTML page", "text/xml": "an XML/SVG document", "text/plain": "a text file",
}  # fmt: skip
_PREFIXES = (
    (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
    (b"ID3", "audio/mpeg"), (b"OggS", "audio/ogg"), (b"fLaC", "audio/flac"), (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"), (b"\x1f\x8b", "application/gzip"), (b"\x1aE\xdf\xa3", "video/webm"),
)  # fmt: skip
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_FTYP = {b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heic", b"avif": "image/avif",
         b"qt  ": "video/quicktime"}  # fmt: skip
_TEXT = {b"<!doctype html": "text/html", b"<html": "text/html", b"<?xml": "text/xml", b"<svg": "text/xml"}
_BMP_DIB_SIZES = (12, 40, 52, 56, 64, 108, 124)


def _ftyp(head: bytes) -> str | None:
    """ISO-BMFF: M4A when the major or a compatible brand (those within ``head``) is an audio brand."""
    if head[4:8] != b"ftyp" or len(head) < 12:
        return None
    end = min(int.from_bytes(head[:4], "big"), len(head))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    return "audio/mp4" if brands & _M4A_BRANDS else _FTYP.get(head[8:12], "video/mp4")


def _mpeg(head: bytes) -> str | None:
    """An MPEG audio frame header (MP3) or an ADTS AAC header (12-bit sync, layer bits 00)."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if (head[1] >> 1) & 3 == 0:
        return "audio/aac" if head[1] & 0xF0 == 0xF0 else None
    valid = (head[1] >> 3) & 3 != 1 and head[2] >> 4 != 15 and (head[2] >> 2) & 3 != 3
    return "audio/mpeg" if valid else None


def _other(head: bytes) -> str | None:
    """RIFF (WebP/WAV/AVI), BMP (with a plausible DIB header), markup or plain text."""
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[:2] == b"BM" and head[6:10] == bytes(4) and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return "image/bmp"
    start = head.lstrip()[:16].lower()
    markup = [mime for tag, mime in _TEXT.items() if start.startswith(tag)]
    if markup:
        return markup[0]
    return "text/plain" if head and all(32 <= b < 127 or b in b"\t\n\r" for b in head) else None


def _sniff(head: bytes) -> str | None:
    """The MIME type of the format ``head`` starts with, supported or not, or ``None``."""
    for magic, mime in _PREFIXES:
        if head.startswith(magic):
            return mime
    return _ftyp(head) or _mpeg(head) or _other(head)


#: A string that starts like a URL (any scheme): passed through as one, never read as a path.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_IMAGE_MIMES = ("image/jpeg", "image/png", "image/webp", "image/bmp")
#: Names in common use for the same types (browsers and tools write them): accepted, and sent as the standard one.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
}
_AUDIO_MIMES = ("audio/mpeg", "audio/wav", "audio/mp4", "audio/aac", "audio/ogg")


def sniff_image_mime(head: bytes) -> str | None:
    """The MIME type of a supported image whose first bytes are ``head`` (64 suffice), else ``None``."""
    mime = _sniff(head)
    return mime if mime in _IMAGE_MIMES else None


def sniff_audio_mime(head: bytes) -> str | None:
    """The MIME type of supported audio whose first bytes are ``head`` (64 suffice), else ``None``."""
    mime = _sniff(head)
    return mime if mime in _AUDIO_MIMES else None


class _Kind(NamedTuple):
    noun: str
    family: str
    mimes: tuple[str, ...]
    supported: str


_IMAGE = _Kind("an image", "image", _IMAGE_MIMES, "JPEG, PNG, WebP, BMP")
_AUDIO = _Kind("audio", "audio", _AUDIO_MIMES, "MP3, WAV, M4A, AAC (ADTS), Ogg")


def _human(n: int) -> str:
    """``n`` bytes in binary units: "12.3 MB", "10 MB", "512 bytes"."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n // scale} {unit}" if n % scale == 0 else f"{n / scale:.1f} {unit}"
    return f"{n:,} bytes"


#: Where a user raises each cap: the clients' arguments (encode_image's own is max_bytes=).
_CAP_SETTINGS = {"image": "the client's max_image_bytes=", "audio": "the client's max_audio_bytes="}


def _too_big(name: str, what: str, size: int | None, cap: int) -> InvalidInputError:
    """The over-the-cap error; ``size`` is ``None`` for a stream that has not been read to its end."""
    amount = f"is {_human(size)} >" if size is not None else "is larger than the"
    setting = _CAP_SETTINGS.get(name, "max_bytes=")
    hint = f"{setting} raises it, or pass an https URL instead"
    return InvalidInputError(name, f"{what} {amount} {_human(cap)} cap; {hint}")


def _show(text: str) -> str:
    """A one-line, bounded rendering of a user string for messages."""
    return repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text):,} characters)"


def _mime_for(head: bytes, kind: _Kind, name: str, what: str) -> str:
    """The MIME type of ``head``, or the error saying what the content is instead."""
    mime = _sniff(head)
    if mime in kind.mimes:
        return mime
    supported = f"(supported: {kind.supported})"
    if mime is None:
        raise InvalidInputError(name, f"{what} is not a recognised {kind.family} format {supported}")
    label = _LABELS[mime] + (f" (brand {head[8:12].decode('latin-1')!r})" if mime.startswith("video/mp4") else "")
    if mime.startswith(kind.family):
        raise InvalidInputError(name, f"{what} is {label}, which is not supported {supported}")
    raise InvalidInputError(name, f"{what} is {label}, not {kind.noun} {supported}")


def _check_url(url: str, name: str) -> str:
    """Pass an http(s) URL with a host through; the server fetches it."""
    scheme = url.partition(":")[0].lower()
    if scheme == "file":
        raise InvalidInputError(name, "file:// URLs are not fetched by the server; pass the local path instead")
    if scheme not in ("http", "https"):
        raise InvalidInputError(name, f"unsupported URL scheme {scheme!r}; use an http(s) URL or a local path")
    if re.search(r"[\s\x00-\x1f\x7f]", url):
        raise InvalidInputError(name, f"URL {_show(url)} contains whitespace or control characters")
    sendable(name, url)
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError as exc:
        raise InvalidInputError(name, f"URL {_show(url)} is malformed: {exc}") from exc
    if not host:
        raise InvalidInputError(name, f"URL {_show(url)} has no host")
    return url


def _data_payload_size(payload: str) -> int:
    return len(payload) * 3 // 4 - (2 if payload.endswith("==") else 1 if payload.endswith("=") else 0)


def _check_data_uri(uri: str, kind: _Kind, name: str, cap: int) -> str:
    """Pass a ``data:<mime>;base64,`` URI through after checking its type, head and size."""
    header, comma, payload = uri.partition(",")
    sendable(name, header)  # the payload is checked to be ASCII below
    params = header[5:].split(";")
    given = params[0].strip().lower()
    mime = _ALIASES.get(given, given)
    if not comma or len(params) < 2 or params[-1].strip().lower() != "base64":
        raise InvalidInputError(name, "data URI must have the form data:<type>;base64,<payload>")
    if mime not in kind.mimes:
        raise InvalidInputError(name, f"data URI type {mime!r} is not supported (supported: {kind.supported})")
    if not payload:
        raise InvalidInputError(name, "data URI has an empty payload")
    if len(payload) % 4 or not payload.isascii():
        raise InvalidInputError(name, "data URI payload is not valid base64 (length or characters)")
    size = _data_payload_size(payload)
    if size > cap:
        raise _too_big(name, "data URI payload", size, cap)
    try:  # all of it: a bad character past the head would otherwise be found by the server, after sending
        head = binascii.a2b_base64(payload, strict_mode=True)[:_HEAD]
    except binascii.Error as exc:
        raise InvalidInputError(name, f"data URI payload is not valid base64: {exc}") from exc
    actual = _mime_for(head, kind, name, f"data URI declared {given} but")
    if actual != mime:
        raise InvalidInputError(name, f"data URI declared {given} but holds {_LABELS[actual]}")
    return uri if given == mime else f"data:{mime};base64,{payload}"  # an alias goes out as the standard name


def _read_chunks(read: Callable[[int], object], name: str, what: str, cap: int) -> Iterator[bytes]:
    """Read ``read`` to its end in chunks, refusing once more than ``cap`` bytes have come."""
    total = 0
    while True:
        try:
            data = read(_CHUNK)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InvalidInputError(name, f"cannot read {what}: {reason}") from exc
        if not isinstance(data, bytes | bytearray):
            raise InvalidInputError(name, f"{what} gave {type(data).__name__}, not bytes: open it with 'rb'")
        if not data:
            return
        total += len(data)
        if total > cap:
            raise _too_big(name, what, None, cap)
        yield bytes(data)


def _b64(chunks: Iterable[bytes | memoryview]) -> Iterator[str]:
    """Base64 pieces of the concatenated ``chunks``, carrying 1-2 bytes over when a read came back short."""
    carry = b""
    for data in chunks:
        buf = carry + data if carry else data
        cut = len(buf) - len(buf) % 3
        yield binascii.b2a_base64(memoryview(buf)[:cut], newline=False).decode("ascii")
        carry = bytes(buf[cut:])
        del buf, data
    yield binascii.b2a_base64(carry, newline=False).decode("ascii")


def _encode(chunks: Iterable[bytes | memoryview], kind: _Kind, name: str, what: str) -> str:
    """Sniff the first bytes, then base64 everything into one growing str.

    CPython resizes ``out`` in place on ``out += piece`` (its only reference), so peak memory stays near the
    result's size rather than twice it. Under a tracer or profiler CPython 3.11 copies on every ``+=``
    (quadratic), so there the pieces are joined instead, at twice the memory.
    """
    it = iter(chunks)
    first: bytes | memoryview = b""  # at least _HEAD bytes (or all there is): reads may come back short
    while len(first) < _HEAD and (more := next(it, None)) is not None:
        first = bytes(first) + bytes(more) if first else more  # joined only after a short read: no copy
    if not first:
        raise InvalidInputError(name, f"{what} is empty")
    out = f"data:{_mime_for(bytes(first[:_HEAD]), kind, name, what)};base64,"
    pieces = _b64(itertools.chain((first,), it))
    del first  # the chain holds the only reference, so the first chunk is freed once encoded
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return "".join([out, *pieces])
    for piece in pieces:
        out += piece  # in place; a final `return out + tail` would copy the whole str
    return out


def _checked_path(path: str, name: str, cap: int) -> str:
    """``path``, shown, once it names a regular, non-empty file within the cap (found without reading it)."""
    shown = _show(path)
    try:
        st = os.stat(path)
    except PermissionError as exc:
        raise InvalidInputError(name, f"cannot read {shown}: permission denied") from exc
    except (OSError, ValueError) as exc:
        hint = "; a URL needs the form http(s)://host/..." if re.match(r"https?:", path, re.I) else ""
        raise InvalidInputError(name, f"no such file: {shown}{hint}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InvalidInputError(name, f"{shown} is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInputError(name, f"{shown} is not a regular file")
    if st.st_size == 0:
        raise InvalidInputError(name, f"{shown} is empty")
    if st.st_size > cap:
        raise _too_big(name, shown, st.st_size, cap)
    return shown


def _encode_path(path: str, kind: _Kind, name: str, cap: int) -> str:
    shown = _checked_path(path, name, cap)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the with below; open errors get their own message
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or str(exc)
        raise InvalidInputError(name, f"cannot read {shown}: {reason}") from exc
    with f:
        return _encode(_read_chunks(f.read, name, shown, cap), kind, name, shown)


def _remaining(source: Any) -> int | None:
    """Bytes left in a seekable file object (measured with seek/tell, position kept), else ``None``."""
    try:
        if not source.seekable():
            return None
        pos = source.tell()
        end = source.seek(0, os.SEEK_END)
        source.seek(pos)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    return int(end) - int(pos)


def _encode_any(source: object, kind: _Kind, name: str, max_bytes: int) -> str:
    if max_bytes < 1:
        raise InvalidInputError("max_bytes", f"must be at least 1, not {max_bytes}")
    if isinstance(source, str):
        if not source:
            raise InvalidInputError(name, "empty string is neither a path nor a URL")
        if source[:5].lower() == "data:":
            return _check_data_uri(source, kind, name, max_bytes)
        if _URL.match(source):
            return _check_url(source, name)
        return _encode_path(source, kind, name, max_bytes)
    if isinstance(source, bytes | bytearray):
        if len(source) > max_bytes:
            raise _too_big(name, "bytes input", len(source), max_bytes)
        view = memoryview(source)
        return _encode((view[i : i + _CHUNK] for i in range(0, len(view), _CHUNK)), kind, name, "bytes input")
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        if not isinstance(path, str) or not path:
            raise InvalidInputError(name, f"path {path!r} must be a non-empty str path")
        return _encode_path(path, kind, name, max_bytes)
    read = getattr(source, "read", None)
    if not callable(read):
        raise InvalidInputError(
            name, f"expected a URL, data URI, path, bytes or binary file object, not {type(source).__name__}"
        )
    label = getattr(source, "name", None)
    what = _show(label) if isinstance(label, str) else "file object"
    left = _remaining(source)
    if left is not None and left > max_bytes:
        raise _too_big(name, what, left, max_bytes)
    return _encode(_read_chunks(read, name, what, max_bytes), kind, name, what)


def encoding_size(source: object) -> int:
    """About how many bytes encoding ``source`` reads, found without reading it, for inputs that can be encoded
    in another thread: bytes, a path (its size on disk) and a data URI (which is checked whole).

    A file object counts 0: it is read where the call is made, because it may belong to its thread (a SQLite
    blob) and measuring it may mean reading it (a gzip file seeks to its end by decompressing). A URL counts 0,
    and so does an input the encoder refuses at once (no such file, a path that cannot be read, a wrong type).
    """
    if isinstance(source, bytes | bytearray):
        return len(source)
    if isinstance(source, str) and source[:5].lower() == "data:":
        return len(source)
    if isinstance(source, str) and _URL.match(source):
        return 0
    if isinstance(source, str | os.PathLike):
        try:
            return os.stat(source).st_size
        except Exception:
            return 0
    return 0


def encode_image(source: ImageSource, *, name: str = "image", max_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> str:
    """The ``image_url`` value for ``source``: an http(s) URL, a checked data URI, or a file/bytes encoded.

    A file object is read from its current position and left open. ``name`` labels errors.
    """
    return _encode_any(source, _IMAGE, name, max_bytes)


def encode_audio(source: AudioSource, *, name: str = "audio", max_bytes: int = DEFAULT_MAX_AUDIO_BYTES) -> str:
    """The ``audio_url`` value for ``source``; the same rules as :func:`encode_image`, for audio."""
    return _encode_any(source, _AUDIO, name, max_bytes)


def describe_data_uri(uri: str) -> str:
    """A short stand-in for a data URI, e.g. ``data:image/jpeg;base64 (225,752 bytes)``; other text unchanged."""
    header, comma, payload = uri.partition(",")
    if uri[:5].lower() != "data:" or not comma:
        return uri
    if header.lower().endswith(";base64"):
        return f"{header} ({_data_payload_size(payload):,} bytes)"
    return f"{header} ({len(payload):,} characters)"
