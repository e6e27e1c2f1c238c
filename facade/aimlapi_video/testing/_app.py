"""The emulator's ASGI app: the two API routes, the video route, and how faults replace their answers.

Every request is counted first; then the route's next one-shot fault (else the job's) decides the answer.
Faults sit in front of the API, like the gateway that produces them in real life: a fault is consumed even
by a request the API would refuse. With ``Fault.processed`` the API's work runs first and its answer is
discarded.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp

from ._connection import ConnectionMiddleware, drop_connection, sleep_unless_disconnected
from ._mp4 import SizedVideo
from ._responses import (
    error_response,
    expired_response,
    gateway_page,
    given_answer,
    job_body,
    job_headers,
    not_json_response,
    reason,
)
from ._scenario import Fault, FaultKind, Route
from ._state import EmulatorState, Job, Stage
from ._validation import validate_create_body
from ._video import TruncatedVideoResponse, video_response

__all__ = ["API_PATH", "VIDEO_PATH_PREFIX", "build_app"]

API_PATH = "/v2/video/generations"
VIDEO_PATH_PREFIX = "/cdn/videos/"
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
logger = logging.getLogger("aimlapi_video.testing")


class _Api:
    """The route handlers, bound to one state and one key."""

    def __init__(self, state: EmulatorState, api_key: str) -> None:
        self.state = state
        self._api_key = api_key.encode()

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(token.strip().encode(), self._api_key)

    def _unauthorized(self, request: Request) -> Response:
        return error_response(401, "Unauthorized: a valid 'Authorization: Bearer <key>' is required", request.url.path)

    async def create(self, request: Request) -> Response:
        """POST: validate, create a job, answer ``{id, status: "queued"}``."""
        self.state.count_request(Route.POST)
        body = await request.body()  # read before any fault: a slow fault listens for disconnects
        return await _apply(self.state.next_fault(Route.POST), request, lambda: self._create(request, body))

    def _create(self, request: Request, raw: bytes) -> Response:
        if not self._authorized(request):
            return self._unauthorized(request)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return _echo(request, error_response(400, "Body is not valid JSON", request.url.path))
        problems = validate_create_body(body)
        if problems:
            return _echo(request, error_response(400, "; ".join(problems), request.url.path))
        job = self.state.create_job(body)
        logger.info("created job #%d %s", job.index, job.id)
        answer = JSONResponse(
            {"id": job.id, "status": job_body(job, Stage.QUEUED, "", 0)["status"]},
            status_code=self.state.scenario.create_status,
            headers={"x-inference-id": job.id},
        )
        return _echo(request, answer)

    async def status(self, request: Request) -> Response:
        """GET: one status check of a job, which may move it forward."""
        self.state.count_request(Route.GET)
        job_id = request.query_params.get("generation_id")
        job = self.state.job(job_id) if job_id else None
        return await _apply(self.state.next_fault(Route.GET, job), request, lambda: self._status(request, job))

    def _status(self, request: Request, job: Job | None) -> Response:
        if not self._authorized(request):
            return self._unauthorized(request)
        job_id = request.query_params.get("generation_id")
        if not job_id:
            return _echo(request, error_response(400, "generation_id: is required", request.url.path))
        if job is None:
            message = f"Generation '{job_id}' not found"
            return _echo(request, error_response(404, message, request.url.path))
        stage = self.state.check_status(job)
        video = _sized_video(job)
        url = f"{request.base_url}{VIDEO_PATH_PREFIX.lstrip('/')}{job.video_token}.mp4"
        body = job_body(job, stage, url, video.size)
        return _echo(request, JSONResponse(body, headers=job_headers(job, stage)))

    async def video(self, request: Request) -> Response:
        """The result video, like a CDN: no auth, ranges, expiring URLs."""
        self.state.count_request(Route.VIDEO)
        job = self.state.job_by_token(request.path_params["token"])
        fault = self.state.next_fault(Route.VIDEO, job)
        if fault is not None and job is not None and fault.kind is FaultKind.TRUNCATE:
            logger.info("video of job #%d cut off after %d bytes", job.index, fault.after_bytes)
            return TruncatedVideoResponse(request, _sized_video(job), fault.after_bytes)
        if fault is not None and fault.kind is FaultKind.EXPIRED:
            return expired_response(fault.status)
        return await _apply(fault, request, lambda: self._video(request, job))

    def _video(self, request: Request, job: Job | None) -> Response:
        if job is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        if self.state.url_expired(job, request.path_params["token"]):
            return expired_response(job.plan.expired_status)
        return video_response(request, _sized_video(job), f"{job.video_token}.mp4")


def _sized_video(job: Job) -> SizedVideo:
    return SizedVideo(job.plan.video_bytes)


def _echo(request: Request, response: Response) -> Response:
    """Echo a well-formed ``X-Client-Request-Id`` back, as the live API does."""
    client_id = request.headers.get("x-client-request-id")
    if client_id and _CLIENT_REQUEST_ID.fullmatch(client_id):
        response.headers["x-client-request-id"] = client_id
    return response


async def _apply(fault: Fault | None, request: Request, work: Callable[[], Response]) -> Response:
    """The answer to ``request`` given its fault; ``work`` is the API's own handling."""
    if fault is None:
        return work()
    logger.info("fault %s on %s %s", fault.kind.value, request.method, request.url.path)
    if fault.kind is FaultKind.SLOW:
        answer = work() if fault.processed else None
        if await sleep_unless_disconnected(request, fault.delay):
            drop_connection(request)  # nobody is listening any more
        return answer if answer is not None else work()
    return _instead(fault, request, work() if fault.processed else None)


def _instead(fault: Fault, request: Request, done: Response | None) -> Response:
    """What ``fault`` answers in place of the API (``done``: the API's own answer, when the work ran first)."""
    match fault.kind:
        case FaultKind.ANSWER:
            created = json.loads(bytes(done.body)).get("id") if done is not None and done.status_code == 200 else None
            job_id = request.query_params.get("generation_id") or created
            return given_answer(fault.status, fault.body or "null", fault.headers, job_id)
        case FaultKind.HTTP_ERROR:
            headers = {} if fault.retry_after is None else {"retry-after": str(fault.retry_after)}
            message = fault.body or reason(fault.status)
            return error_response(fault.status, message, request.url.path, headers=headers)
        case FaultKind.GATEWAY_HTML:
            return gateway_page(fault.status)
        case FaultKind.NOT_JSON:
            return not_json_response(fault.status, fault.body)
        case _:
            return drop_connection(request)  # DROP, and TRUNCATE without a video to cut


def build_app(state: EmulatorState, api_key: str) -> ASGIApp:
    """The emulator as an ASGI app, ready for uvicorn or ``httpx.ASGITransport``."""
    api = _Api(state, api_key)
    starlette = Starlette(
        routes=[
            StarletteRoute(API_PATH, api.create, methods=["POST"]),
            StarletteRoute(API_PATH, api.status, methods=["GET"]),
            StarletteRoute(VIDEO_PATH_PREFIX + "{token}.mp4", api.video, methods=["GET", "HEAD"]),
        ]
    )
    return ConnectionMiddleware(starlette)
