"""The bodies the emulator answers with: the documented error shape, gateway pages and job renderings."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse, Response

from aiml_api_client.models import VideoGenerationStatus

from ._scenario import Outcome, StatusStyle, UsageStyle, VideoStyle
from ._state import Job, Stage

__all__ = [
    "CREDITS_PER_USD",
    "error_response",
    "expired_response",
    "gateway_page",
    "given_answer",
    "job_body",
    "job_headers",
    "not_json_response",
    "reason",
]

CREDITS_PER_USD = 2_000_000
_STATUS_WORDS: dict[StatusStyle, dict[Stage, str]] = {
    StatusStyle.CANONICAL: {
        Stage.QUEUED: VideoGenerationStatus.QUEUED.value,
        Stage.GENERATING: VideoGenerationStatus.GENERATING.value,
        Stage.DONE: VideoGenerationStatus.COMPLETED.value,
    },
    StatusStyle.LOOSE: {Stage.QUEUED: "waiting", Stage.GENERATING: "active", Stage.DONE: "succeeded"},
}
_NOT_JSON_BODY = "<!DOCTYPE html><html><head><title>AI/ML API</title></head><body>Welcome</body></html>"


def reason(status: int) -> str:
    """The standard reason phrase of ``status`` (``"Error"`` for unregistered codes)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, path: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error in the documented shape ``{message, path, requestId, statusCode, timestamp}``."""
    body = {
        "message": message,
        "path": path,
        "requestId": str(uuid.uuid4()),
        "statusCode": status,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    return JSONResponse(body, status_code=status, headers=headers)


def gateway_page(status: int) -> Response:
    """The HTML page a load balancer serves when the API behind it fails."""
    title = f"{status} {reason(status)}"
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(html, status_code=status, media_type="text/html")


def not_json_response(status: int, body: str | None) -> Response:
    """A response that claims success (by default) but whose body is not JSON."""
    return Response(_NOT_JSON_BODY if body is None else body, status_code=status, media_type="text/html")


def given_answer(status: int, body: str, headers: tuple[tuple[str, str], ...], job_id: str | None) -> Response:
    """A ``Fault.answer``: its JSON text (each ``"{id}"`` made the job's id) with its status and headers."""
    if job_id is not None:
        body = body.replace("{id}", json.dumps(job_id)[1:-1])
    return Response(body, status_code=status, media_type="application/json", headers=dict(headers))


def expired_response(status: int) -> Response:
    """What a CDN answers for a signed URL past its lifetime (403 Forbidden or 410 Gone)."""
    code = "AccessDenied" if status == 403 else reason(status).replace(" ", "")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>Request has expired</Message></Error>"
    )
    return Response(xml, status_code=status, media_type="application/xml")


def _video(url: str, size: int, style: VideoStyle) -> object:
    full = {"url": url, "content_type": "video/mp4", "file_name": url.rsplit("/", 1)[-1], "file_size": size}
    if style is VideoStyle.OBJECT:
        return {"url": url}
    if style is VideoStyle.OBJECT_FULL:
        return full
    if style is VideoStyle.LIST_OF_OBJECTS:
        return [full]
    return [url]


def _usage(credits: int, style: UsageStyle) -> dict[str, float]:
    if style is UsageStyle.CREDITS:
        return {"credits_used": credits}
    if style is UsageStyle.TOKENS:
        return {"tokens_used": credits}
    return {"usd_spent": credits / CREDITS_PER_USD}


def _error(job: Job) -> dict[str, Any]:
    if job.plan.outcome is Outcome.ERROR_DETAIL:
        detail = {
            "loc": ["body", "image_url"],
            "msg": job.plan.error_message,
            "type": "value_error",
            "input": "image_url",
        }
        return {"detail": [detail]}
    return {"name": "GenerationError", "message": job.plan.error_message}


def job_body(job: Job, stage: Stage, video_url: str, video_size: int) -> dict[str, Any]:
    """The status body of ``job`` at ``stage``, in the job's plan's style."""
    plan = job.plan
    if stage is not Stage.DONE:
        return {"id": job.id, "status": _STATUS_WORDS[plan.status_style][stage]}
    if plan.outcome is not Outcome.COMPLETED:
        return {"id": job.id, "status": VideoGenerationStatus.ERROR.value, "error": _error(job)}
    return {
        "id": job.id,
        "status": _STATUS_WORDS[plan.status_style][stage],
        "video": _video(video_url, video_size, plan.video_style),
        "meta": {"usage": _usage(plan.credits_used, plan.usage_style)},
    }


def job_headers(job: Job, stage: Stage) -> dict[str, str]:
    """Tracing and billing headers: billing only once the job completed (failures are free)."""
    headers = {"x-inference-id": job.id}
    if stage is Stage.DONE and job.plan.outcome is Outcome.COMPLETED:
        headers["x-aimlapi-credits-used"] = str(job.plan.credits_used)
        headers["x-aimlapi-usd-spent"] = f"{job.plan.credits_used / CREDITS_PER_USD:.6f}"
    return headers
