"""The values the API accepts, read from the generated enums, so they follow the spec when it is regenerated.

Importing this module loads the generated request models. ``_request`` does that when the first request is
built, not when the package is imported: a program that imports ``aimlapi_video`` and never sends anything
does not pay for them.
"""

from __future__ import annotations

from aiml_api_client.models import (
    CreateVideoGenerationRequest,
    CreateVideoGenerationRequestDuration,
    CreateVideoGenerationRequestModel,
    CreateVideoGenerationRequestResolution,
    CreateVideoGenerationRequestShotType,
)

MODEL = CreateVideoGenerationRequestModel("alibaba/wan-2-6-image-to-video-flash")
DURATIONS: tuple[int, ...] = tuple(int(d.value) for d in CreateVideoGenerationRequestDuration)
RESOLUTIONS: tuple[str, ...] = tuple(r.value for r in CreateVideoGenerationRequestResolution)
SHOT_TYPES: tuple[str, ...] = tuple(s.value for s in CreateVideoGenerationRequestShotType)
#: The request's own fields, which ``extra`` may not set (each has its own argument).
REQUEST_FIELDS: frozenset[str] = frozenset(a.name for a in CreateVideoGenerationRequest.__attrs_attrs__) - {
    "additional_properties"
}
