"""Validation of a create-generation body, as the spec states it.

Enum values come from the generated client's enums, so a spec update changes what the emulator accepts.
Types are strict like JSON Schema's: ``true`` is not an integer and ``"10"`` is not a duration.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from aiml_api_client.models import (
    CreateVideoGenerationRequestDuration,
    CreateVideoGenerationRequestModel,
    CreateVideoGenerationRequestResolution,
    CreateVideoGenerationRequestShotType,
)

__all__ = ["image_kind", "validate_create_body"]

_REQUIRED = ("model", "prompt", "image_url")
_IMAGE_MAGIC: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("bmp", lambda b: b.startswith(b"BM") and len(b) > 14),
)


def image_kind(data: bytes) -> str | None:
    """The image format named by ``data``'s magic bytes (jpeg, png, webp, bmp), or None."""
    return next((name for name, matches in _IMAGE_MAGIC if matches(data)), None)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _enum(enum: type[Enum], *, integer: bool = False) -> Callable[[object], str | None]:
    allowed = [member.value for member in enum]

    def check(value: object) -> str | None:
        typed = _is_int(value) if integer else isinstance(value, str)
        if typed and value in allowed:
            return None
        return "must be one of " + ", ".join(str(v) if integer else f"'{v}'" for v in allowed)

    return check


def _string(value: object) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def _integer(value: object) -> str | None:
    return None if _is_int(value) else "must be an integer"


def _data_uri_payload(uri: str) -> bytes | str:
    """The decoded bytes of a base64 ``data:`` URI, or a reason it is unusable."""
    header, comma, payload = uri[5:].partition(",")
    if not comma or not header.lower().endswith(";base64"):
        return "must be a base64 data: URI (data:<type>;base64,<data>)"
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    return data if data else "is empty"


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def _image_url(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if value[:5].lower() == "data:":
        decoded = _data_uri_payload(value)
        if isinstance(decoded, str):
            return decoded
        return None if image_kind(decoded) else "does not contain a JPEG, PNG, WebP or BMP image"
    return None if _http_url(value) else "must be an http(s) URL or a base64 data: URI"


def _audio_url(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if value[:5].lower() == "data:":
        decoded = _data_uri_payload(value)
        return decoded if isinstance(decoded, str) else None
    return None if _http_url(value) else "must be an http(s) URL or a base64 data: URI"


_CHECKS: dict[str, Callable[[object], str | None]] = {
    "model": _enum(CreateVideoGenerationRequestModel),
    "prompt": _string,
    "image_url": _image_url,
    "audio_url": _audio_url,
    "duration": _enum(CreateVideoGenerationRequestDuration, integer=True),
    "resolution": _enum(CreateVideoGenerationRequestResolution),
    "shot_type": _enum(CreateVideoGenerationRequestShotType),
    "negative_prompt": _string,
    "enhance_prompt": _boolean,
    "generate_audio": _boolean,
    "seed": _integer,
}


def validate_create_body(body: object) -> list[str]:
    """Every problem with a create body, as ``"field: reason"`` messages; empty when it is valid.

    Unknown fields are accepted, as the spec's schema allows additional properties.
    """
    if not isinstance(body, Mapping):
        return ["body must be a JSON object"]
    fields: Mapping[str, Any] = body
    problems = [f"{name}: is required" for name in _REQUIRED if name not in fields]
    for name, check in _CHECKS.items():
        if name in fields:
            reason = check(fields[name])
            if reason:
                problems.append(f"{name}: {reason}")
    return problems
