"""What the emulator should do: one-shot faults per route and per-job plans (outcome and response style).

Everything here is plain frozen data, buildable in code or from JSON (:meth:`Scenario.from_dict`,
:meth:`Scenario.load`), so the same scenario drives unit tests, end-to-end tests and the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ._checks import check_fields, check_range
from ._mp4 import smallest_video_size

__all__ = [
    "Fault",
    "FaultKind",
    "IdStyle",
    "JobPlan",
    "Outcome",
    "Route",
    "Scenario",
    "StatusStyle",
    "UsageStyle",
    "VideoStyle",
    "check_route_faults",
]


class Route(StrEnum):
    """The emulator's routes, each with its own fault queue and request counter."""

    POST = "post"  # POST /v2/video/generations
    GET = "get"  # GET /v2/video/generations?generation_id=ID
    VIDEO = "video"  # GET of a result video URL


class FaultKind(StrEnum):
    """What a one-shot fault does to the request that consumes it."""

    HTTP_ERROR = "http_error"  # an error status with the documented JSON body (429 adds Retry-After)
    GATEWAY_HTML = "gateway_html"  # an error status with a proxy's HTML page
    DROP = "drop"  # the connection is closed with no response at all
    SLOW = "slow"  # the normal response, sent only after ``delay`` seconds
    NOT_JSON = "not_json"  # a response whose body is not JSON (200 by default)
    TRUNCATE = "truncate"  # video only: headers and ``after_bytes`` bytes, then the connection closes
    EXPIRED = "expired"  # video only: the signed URL is refused (403 by default, or 410)
    ANSWER = "answer"  # exactly the answer given: a status, a JSON body ("{id}" is the job's id), headers


_VIDEO_ONLY = {FaultKind.TRUNCATE, FaultKind.EXPIRED}
# The class methods' defaults, which the JSON form shares.
_DEFAULT_STATUS = {FaultKind.GATEWAY_HTML: 502, FaultKind.NOT_JSON: 200, FaultKind.EXPIRED: 403}


@dataclass(frozen=True)
class Fault:
    """One fault, consumed by exactly one request. Build it with the class methods.

    ``processed``: the request's real work (create the job, count the status check) happens first and the
    fault then replaces the response. ``Fault.drop(processed=True)`` is "the job was created, then the socket
    dropped": the client cannot know whether it was billed.
    """

    kind: FaultKind
    status: int = 500
    retry_after: int | str | None = None
    delay: float = 0.0
    after_bytes: int = 0
    body: str | None = None
    processed: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        check_fields(self)
        if self.kind is FaultKind.ANSWER and self.body is None:
            raise ValueError("an answer fault needs a body")
        check_range(self, "status", 100, 599)
        check_range(self, "delay", 0)
        if isinstance(self.retry_after, int):
            check_range(self, "retry_after", 0)
        if self.kind is FaultKind.SLOW and self.delay <= 0:
            raise ValueError("a slow fault needs a positive delay")
        if self.after_bytes < 0:
            raise ValueError("after_bytes cannot be negative")

    @classmethod
    def http_error(
        cls,
        status: int = 500,
        *,
        message: str | None = None,
        retry_after: int | str | None = None,
        processed: bool = False,
    ) -> Fault:
        """``status`` with the documented error body; ``message`` overrides the default reason."""
        return cls(FaultKind.HTTP_ERROR, status=status, body=message, retry_after=retry_after, processed=processed)

    @classmethod
    def rate_limited(cls, retry_after: int | str | None = 1) -> Fault:
        """429 Too Many Requests with ``Retry-After`` (seconds or an HTTP date; None omits the header)."""
        return cls.http_error(429, retry_after=retry_after)

    @classmethod
    def gateway_html(cls, status: int = 502, *, processed: bool = False) -> Fault:
        """A load balancer's HTML error page (502/503/504) instead of JSON."""
        return cls(FaultKind.GATEWAY_HTML, status=status, processed=processed)

    @classmethod
    def drop(cls, *, processed: bool = False) -> Fault:
        """Close the connection without a response; with ``processed`` the work was done first."""
        return cls(FaultKind.DROP, processed=processed)

    @classmethod
    def drop_after_create(cls) -> Fault:
        """POST: create (and count) the job, then drop the connection without answering."""
        return cls.drop(processed=True)

    @classmethod
    def slow(cls, delay: float, *, processed: bool = True) -> Fault:
        """Answer normally after ``delay`` seconds; with ``processed`` (default) the work is done before."""
        return cls(FaultKind.SLOW, delay=delay, processed=processed)

    @classmethod
    def not_json(cls, status: int = 200, *, body: str | None = None, processed: bool = False) -> Fault:
        """A response that is not JSON (an HTML page by default), with status 200 unless told."""
        return cls(FaultKind.NOT_JSON, status=status, body=body, processed=processed)

    @classmethod
    def truncate(cls, after_bytes: int) -> Fault:
        """Video: announce the full Content-Length, send ``after_bytes`` bytes, then close the connection."""
        return cls(FaultKind.TRUNCATE, after_bytes=after_bytes)

    @classmethod
    def expired(cls, status: int = 403) -> Fault:
        """Video: refuse the signed URL as expired (403, or 410 Gone)."""
        return cls(FaultKind.EXPIRED, status=status)

    @classmethod
    def answer(
        cls, body: Any, status: int = 200, *, headers: Mapping[str, str] | None = None, processed: bool = False
    ) -> Fault:
        """Answer exactly this: ``body`` (any JSON value) as JSON with ``status`` and ``headers`` added, for
        the shapes the live API may send that no plan produces (``{"status": "Completed", ...}``, an error
        with a null message, an id as a number). Every ``"{id}"`` in the body becomes the job's id (the one
        asked about; on a POST with ``processed``, the one created)."""
        pairs = tuple((str(k), str(v)) for k, v in (headers or {}).items())
        return cls(FaultKind.ANSWER, status=status, body=json.dumps(body), headers=pairs, processed=processed)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build from JSON: ``{"kind": "http_error", "status": 503}``; ``"rate_limited"`` is a 429 alias."""
        values = dict(_object(data, "Fault"))
        kind = values.pop("kind", None)
        if kind == "rate_limited":
            values.setdefault("status", 429)
            values.setdefault("retry_after", 1)
            kind = FaultKind.HTTP_ERROR
        if kind in _DEFAULT_STATUS:
            values.setdefault("status", _DEFAULT_STATUS[kind])
        if kind == FaultKind.SLOW:
            values.setdefault("processed", True)  # as Fault.slow: the work happens before the delay
        if "message" in values:
            values["body"] = values.pop("message")
        if kind == FaultKind.ANSWER:  # {"kind": "answer", "body": {...}, "headers": {...}}: as Fault.answer
            if "body" not in values:
                raise ValueError("an answer fault needs a body")
            headers = _object(values.pop("headers", {}), "Fault.headers")
            return cls.answer(values.pop("body"), headers=headers, **_known(cls, values))
        return cls(kind=FaultKind(kind), **_known(cls, values))


class Outcome(StrEnum):
    """How a job ends."""

    COMPLETED = "completed"
    ERROR = "error"  # error: {name, message}
    ERROR_DETAIL = "error_detail"  # error: {detail: [{loc, msg, type, input}]}


class StatusStyle(StrEnum):
    """Which status words the job reports."""

    CANONICAL = "canonical"  # queued, generating, completed, error (the schema)
    LOOSE = "loose"  # waiting, active, succeeded, error (other models on the live endpoint)


class VideoStyle(StrEnum):
    """The shape of ``video`` in a completed job."""

    OBJECT = "object"  # {url}
    OBJECT_FULL = "object_full"  # {url, content_type, file_name, file_size}
    LIST_OF_OBJECTS = "list_of_objects"  # [{url, content_type, file_name, file_size}]
    LIST_OF_STRINGS = "list_of_strings"  # [url]


class UsageStyle(StrEnum):
    """Which key ``meta.usage`` reports the cost under."""

    CREDITS = "credits"  # credits_used
    TOKENS = "tokens"  # tokens_used (older pages)
    USD = "usd"  # usd_spent (newer models)


class IdStyle(StrEnum):
    """The format of generation ids, all seen on the live endpoint."""

    UUID_MODEL = "uuid_model"  # 8f0c...-...:alibaba/wan-2-6-image-to-video-flash (needs URL-escaping)
    NANOID = "nanoid"  # ZHit78epXWA0ElX4Cz3nX
    UUID = "uuid"
    NUMBER = "number"  # a long decimal number


@dataclass(frozen=True)
class JobPlan:
    """How one job behaves. Progress is by status checks unless ``job_seconds`` (or the emulator's) is set.

    ``queued_polls``/``generating_polls``: how many status checks report each pending stage before the
    outcome shows. ``url_ttl``: seconds a video URL works, from completion (a status check after that hands
    out a fresh URL with the same lifetime); 0: every URL handed out is already expired.
    ``get_faults``/``video_faults``: one-shot faults for this job's requests, used after the route's queue.
    """

    outcome: Outcome = Outcome.COMPLETED
    status_style: StatusStyle = StatusStyle.CANONICAL
    video_style: VideoStyle = VideoStyle.OBJECT
    usage_style: UsageStyle = UsageStyle.CREDITS
    id_style: IdStyle = IdStyle.UUID_MODEL
    queued_polls: int = 1
    generating_polls: int = 1
    job_seconds: float | None = None
    video_bytes: int | None = None
    url_ttl: float | None = None
    expired_status: int = 403
    credits_used: int = 210_000
    error_message: str = "The content could not be generated."
    get_faults: tuple[Fault, ...] = ()
    video_faults: tuple[Fault, ...] = ()

    def __post_init__(self) -> None:
        check_fields(self)
        check_range(self, "url_ttl", 0)
        check_range(self, "expired_status", 400, 599)
        check_range(self, "credits_used", 0)
        if self.queued_polls < 0 or self.generating_polls < 0:
            raise ValueError("poll counts cannot be negative")
        if self.job_seconds is not None and self.job_seconds < 0:
            raise ValueError("job_seconds cannot be negative")
        if self.video_bytes is not None and self.video_bytes < smallest_video_size():
            raise ValueError(f"video_bytes must be at least {smallest_video_size()}")
        check_route_faults(Route.GET, self.get_faults)
        check_route_faults(Route.VIDEO, self.video_faults)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobPlan:
        """Build from JSON; enum fields take their string values, fault lists take fault objects."""
        values = _known(cls, data)
        for name in ("get_faults", "video_faults"):
            if name in values:
                values[name] = tuple(Fault.from_dict(f) for f in _objects(values[name], f"JobPlan.{name}"))
        for name, enum in _PLAN_ENUMS.items():
            if name in values:
                values[name] = enum(values[name])
        return cls(**values)


_PLAN_ENUMS: dict[str, type[StrEnum]] = {
    "outcome": Outcome,
    "status_style": StatusStyle,
    "video_style": VideoStyle,
    "usage_style": UsageStyle,
    "id_style": IdStyle,
}


@dataclass(frozen=True)
class Scenario:
    """Faults per route (consumed in order, one per request) and job plans (``jobs`` keyed by 0-based index).

    ``create_status`` is the status of a successful POST (the spec says 200).
    """

    post_faults: tuple[Fault, ...] = ()
    get_faults: tuple[Fault, ...] = ()
    video_faults: tuple[Fault, ...] = ()
    default_job: JobPlan = field(default_factory=JobPlan)
    jobs: Mapping[int, JobPlan] = field(default_factory=dict)
    create_status: int = 200

    def __post_init__(self) -> None:
        check_fields(self)
        check_range(self, "create_status", 200, 299)
        check_route_faults(Route.POST, self.post_faults)
        check_route_faults(Route.GET, self.get_faults)
        check_route_faults(Route.VIDEO, self.video_faults)

    def plan_for(self, index: int) -> JobPlan:
        """The plan of the ``index``-th job created (0-based)."""
        return self.jobs.get(index, self.default_job)

    def with_job(self, index: int, plan: JobPlan) -> Scenario:
        """A copy where job ``index`` follows ``plan``."""
        return replace(self, jobs={**self.jobs, index: plan})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build from the JSON form documented in :mod:`aimlapi_video.testing`."""
        values = _known(cls, data)
        for name in ("post_faults", "get_faults", "video_faults"):
            if name in values:
                values[name] = tuple(Fault.from_dict(f) for f in _objects(values[name], f"Scenario.{name}"))
        if "default_job" in values:
            values["default_job"] = JobPlan.from_dict(_object(values["default_job"], "Scenario.default_job"))
        if "jobs" in values:
            jobs = _object(values["jobs"], "Scenario.jobs")
            if not all(isinstance(k, str | int) and str(k).isdigit() for k in jobs):
                raise ValueError(f"Scenario.jobs: keys must be job indexes (0, 1, ...), got {sorted(map(str, jobs))}")
            values["jobs"] = {int(k): JobPlan.from_dict(_object(v, f"Scenario.jobs[{k}]")) for k, v in jobs.items()}
        return cls(**values)

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario JSON file."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a scenario is a JSON object")
        return cls.from_dict(data)


def check_route_faults(route: Route, faults: tuple[Fault, ...]) -> None:
    """Refuse faults that cannot happen on ``route`` (truncation and expiry are for downloads only)."""
    for fault in faults:
        if not isinstance(fault, Fault):
            raise TypeError(f"{route.value} faults must be Fault objects, not {type(fault).__name__}")
        if route is not Route.VIDEO and fault.kind in _VIDEO_ONLY:
            raise ValueError(f"a {fault.kind.value} fault only applies to video downloads")


def _object(value: Any, where: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else a ValueError naming ``where``."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: must be an object, got {type(value).__name__}")
    return value


def _objects(value: Any, where: str) -> list[Any]:
    """``value`` if it is a JSON list, else a ValueError naming ``where``."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"{where}: must be a list of faults, got {type(value).__name__}")
    return list(value)


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` restricted to ``cls``'s fields; an unknown key is an error, not silently ignored."""
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {', '.join(sorted(unknown))}")
    return {k: v for k, v in data.items() if k in names}
