"""Check every argument of a create call and build the generated request model; no I/O beyond reading inputs.

Allowed values come from the generated enums (``_choices``), so they follow the spec when it is regenerated;
the generated models load when the first request is built, not with the package. Nothing is
sent for an argument left as ``None``: the server applies its own default. The one exception is
``duration``, which defaults to 5 seconds here: upstream's default is 10 (twice the price), and a client
should never ask for a longer video than its caller did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import InvalidInputError
from ._media import (
    DEFAULT_MAX_AUDIO_BYTES,
    DEFAULT_MAX_IMAGE_BYTES,
    AudioSource,
    ImageSource,
    encode_audio,
    encode_image,
)
from ._models import Duration, Resolution, ShotType
from ._validate import sendable

if TYPE_CHECKING:
    from aiml_api_client.models import CreateVideoGenerationRequest

DEFAULT_DURATION: Duration = 5
#: The seed range the client accepts: upstream documents none; this is the common unsigned 32-bit range.
SEED_RANGE = (0, 2**32 - 1)
MAX_PROMPT_CHARS = 5000

E = TypeVar("E", bound=Enum)

#: The keyword arguments of ``build_request`` (and of the clients' submit/generate) that shape the request.
REQUEST_OPTIONS = (
    "duration",
    "resolution",
    "negative_prompt",
    "shot_type",
    "seed",
    "generate_audio",
    "enhance_prompt",
    "audio",
    "extra",
)


def _member(name: str, value: object, enum: type[E]) -> E:
    allowed = ", ".join(repr(m.value) for m in enum)
    member_type = type(next(iter(enum)).value)
    if isinstance(value, bool) or not isinstance(value, member_type):  # 5.0 or "10" is not silently coerced
        raise InvalidInputError(name, f"must be one of {allowed}, got {value!r}")
    try:
        return enum(value)
    except ValueError:
        raise InvalidInputError(name, f"must be one of {allowed}, got {value!r}") from None


def _text(name: str, value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(name, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(name, "must not be empty")
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInputError(name, f"is {len(value)} characters; the limit is {MAX_PROMPT_CHARS}")
    return sendable(name, value)


def _flag(name: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidInputError(name, f"must be True or False, got {value!r}")


def _seed(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError("seed", f"must be an integer, got {type(value).__name__}")
    low, high = SEED_RANGE
    if not low <= value <= high:
        raise InvalidInputError("seed", f"must be between {low} and {high}, got {value}")
    return value


def _extra(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    from ._choices import MODEL, REQUEST_FIELDS  # noqa: PLC0415  (loads the generated models: see _choices)

    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise InvalidInputError("extra", f"must be a mapping of field names to values, got {type(extra).__name__}")
    if "model" in extra:
        raise InvalidInputError("extra", f"model cannot be changed: this client is for {MODEL.value}")
    clash = sorted(k for k in extra if k in REQUEST_FIELDS)
    if clash:
        raise InvalidInputError("extra", f"{', '.join(clash)} has its own argument; pass it by name instead")
    bad = sorted(repr(k) for k in extra if not isinstance(k, str) or not k)
    if bad:
        raise InvalidInputError("extra", f"field names must be non-empty strings, got {', '.join(bad)}")
    for key, value in extra.items():
        try:  # checked here: failing while the request is built would look like a failure after sending
            json.dumps({key: value}, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
            raise InvalidInputError("extra", f"{key}: {value!r} cannot be sent as JSON ({exc})") from None
    return dict(extra)


def build_request(
    image: ImageSource,
    prompt: str,
    *,
    duration: Duration = DEFAULT_DURATION,
    resolution: Resolution | None = None,
    negative_prompt: str | None = None,
    shot_type: ShotType | None = None,
    seed: int | None = None,
    generate_audio: bool | None = None,
    enhance_prompt: bool | None = None,
    audio: AudioSource | None = None,
    extra: Mapping[str, Any] | None = None,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
) -> CreateVideoGenerationRequest:
    """Validate every argument, then encode the media; raises InvalidInputError before anything is sent.

    Cheap checks run first, so a typo in ``duration`` is reported before a 10 MB image is read.
    """
    from aiml_api_client.models import (  # noqa: PLC0415  (loaded with the first request: see _choices)
        CreateVideoGenerationRequest,
        CreateVideoGenerationRequestDuration,
        CreateVideoGenerationRequestResolution,
        CreateVideoGenerationRequestShotType,
    )
    from aiml_api_client.types import UNSET  # noqa: PLC0415

    from ._choices import MODEL  # noqa: PLC0415

    checked_prompt = _text("prompt", prompt, required=True)
    checked_duration = _member("duration", duration, CreateVideoGenerationRequestDuration)
    checked_resolution = (
        None if resolution is None else _member("resolution", resolution, CreateVideoGenerationRequestResolution)
    )
    checked_shot = None if shot_type is None else _member("shot_type", shot_type, CreateVideoGenerationRequestShotType)
    checked_negative = _text("negative_prompt", negative_prompt, required=False)
    checked_seed = _seed(seed)
    checked_audio_flag = _flag("generate_audio", generate_audio)
    checked_enhance = _flag("enhance_prompt", enhance_prompt)
    checked_extra = _extra(extra)
    if audio is not None and checked_audio_flag is False:
        raise InvalidInputError("audio", "an audio track was given together with generate_audio=False")

    body = CreateVideoGenerationRequest(
        image_url=encode_image(image, name="image", max_bytes=max_image_bytes),
        model=MODEL,
        prompt=checked_prompt or "",
        duration=checked_duration,
        resolution=checked_resolution if checked_resolution is not None else UNSET,
        negative_prompt=checked_negative if checked_negative is not None else UNSET,
        shot_type=checked_shot if checked_shot is not None else UNSET,
        seed=checked_seed if checked_seed is not None else UNSET,
        generate_audio=checked_audio_flag if checked_audio_flag is not None else UNSET,
        enhance_prompt=checked_enhance if checked_enhance is not None else UNSET,
        audio_url=encode_audio(audio, name="audio", max_bytes=max_audio_bytes) if audio is not None else UNSET,
    )
    body.additional_properties.update(checked_extra)
    return body
