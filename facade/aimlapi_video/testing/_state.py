"""The emulator's shared, thread-safe state: jobs, their progress, fault queues and request counters."""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ._scenario import Fault, IdStyle, JobPlan, Route, Scenario, check_route_faults

__all__ = ["Counters", "EmulatorState", "Job", "JobRecord", "ManualClock", "Stage"]

_NANOID_ALPHABET = string.ascii_letters + string.digits + "_-"
_QUEUED_SHARE = 0.2  # in real-time mode, the first fifth of a job is spent queued


class ManualClock:
    """A clock that only moves when told: pass it as ``clock=`` and call :meth:`advance` in tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class Counters:
    """How many requests each route received (faulted ones included) and how many jobs exist."""

    jobs_created: int = 0
    post_requests: int = 0
    get_requests: int = 0
    video_requests: int = 0


class Stage(Enum):
    """Where a job is; rendered as status words by the job's :class:`StatusStyle`."""

    QUEUED = "queued"
    GENERATING = "generating"
    DONE = "done"


@dataclass
class Job:
    """One generation. Mutated only under :class:`EmulatorState`'s lock."""

    id: str
    index: int
    plan: JobPlan
    request: Mapping[str, Any]
    created_at: float
    video_token: str
    job_seconds: float | None
    polls: int = 0
    completed_at: float | None = None
    url_issued_at: float | None = None  # when the current URL's ttl started (None: at completion)
    get_faults: deque[Fault] = field(default_factory=deque)
    video_faults: deque[Fault] = field(default_factory=deque)


@dataclass(frozen=True)
class JobRecord:
    """A read-only view of a job, for tests: its id, creation index, request body and status checks."""

    id: str
    index: int
    request: Mapping[str, Any]
    polls: int


class EmulatorState:
    """Everything the routes share. Every method takes the lock, so uvicorn and test threads can mix."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        clock: Callable[[], float] = time.monotonic,
        job_seconds: float | None = None,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.job_seconds = job_seconds
        self._lock = threading.Lock()
        self._faults = {
            Route.POST: deque(scenario.post_faults),
            Route.GET: deque(scenario.get_faults),
            Route.VIDEO: deque(scenario.video_faults),
        }
        self._requests = dict.fromkeys(Route, 0)
        self._jobs: dict[str, Job] = {}
        self._by_token: dict[str, Job] = {}
        self._dead_tokens: set[str] = set()  # URLs expired by expire_videos or replaced after their ttl

    def count_request(self, route: Route) -> None:
        with self._lock:
            self._requests[route] += 1

    def counters(self) -> Counters:
        with self._lock:
            return Counters(
                jobs_created=len(self._jobs),
                post_requests=self._requests[Route.POST],
                get_requests=self._requests[Route.GET],
                video_requests=self._requests[Route.VIDEO],
            )

    def add_faults(self, route: Route | str, *faults: Fault) -> None:
        """Queue more one-shot faults on ``route`` (a Route, or its name: "post", "get", "video"), after those
        already waiting."""
        route = Route(route)
        check_route_faults(route, faults)
        with self._lock:
            self._faults[route].extend(faults)

    def next_fault(self, route: Route, job: Job | None = None) -> Fault | None:
        """Take the route's next fault, else the job's next fault for that route, else None."""
        with self._lock:
            if self._faults[route]:
                return self._faults[route].popleft()
            if job is not None:
                queue = job.get_faults if route is Route.GET else job.video_faults
                if route is not Route.POST and queue:
                    return queue.popleft()
            return None

    def create_job(self, request: Mapping[str, Any]) -> Job:
        with self._lock:
            index = len(self._jobs)
            plan = self.scenario.plan_for(index)
            job = Job(
                id=_new_id(plan.id_style, str(request.get("model", ""))),
                index=index,
                plan=plan,
                request=dict(request),
                created_at=self.clock(),
                video_token=secrets.token_urlsafe(16),
                job_seconds=plan.job_seconds if plan.job_seconds is not None else self.job_seconds,
                get_faults=deque(plan.get_faults),
                video_faults=deque(plan.video_faults),
            )
            self._jobs[job.id] = job
            self._by_token[job.video_token] = job
            return job

    def job(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def job_by_token(self, token: str) -> Job | None:
        with self._lock:
            return self._by_token.get(token)

    def records(self) -> list[JobRecord]:
        with self._lock:
            return [JobRecord(j.id, j.index, j.request, j.polls) for j in self._jobs.values()]

    def check_status(self, job: Job) -> Stage:
        """Count one status check of ``job`` and return its stage (by checks, or by the clock). A finished job
        whose URL has expired gets a fresh one, as a signed link is issued again with each answer."""
        with self._lock:
            job.polls += 1
            stage = self._stage(job, self.clock())
            if stage is Stage.DONE:
                self._reissue_if_expired(job)
            return stage

    def _stage(self, job: Job, now: float) -> Stage:
        if job.job_seconds is not None:
            elapsed = now - job.created_at
            if elapsed >= job.job_seconds:
                job.completed_at = job.created_at + job.job_seconds
                return Stage.DONE
            return Stage.QUEUED if elapsed < job.job_seconds * _QUEUED_SHARE else Stage.GENERATING
        if job.polls <= job.plan.queued_polls:
            return Stage.QUEUED
        if job.polls <= job.plan.queued_polls + job.plan.generating_polls:
            return Stage.GENERATING
        if job.completed_at is None:
            job.completed_at = now
        return Stage.DONE

    def _reissue_if_expired(self, job: Job) -> None:
        """A new token for a finished job whose current URL outlived its ttl (``url_ttl=0`` stays dead: every
        URL it hands out is already expired)."""
        ttl = job.plan.url_ttl
        if not ttl or not self._ttl_over(job):
            return
        self._rotate(job)
        job.url_issued_at = self.clock()

    def _ttl_over(self, job: Job) -> bool:
        ttl = job.plan.url_ttl
        if ttl is None:
            return False
        start = job.url_issued_at if job.url_issued_at is not None else job.completed_at
        return start is None or self.clock() >= start + ttl

    def _rotate(self, job: Job) -> None:
        self._dead_tokens.add(job.video_token)
        job.video_token = secrets.token_urlsafe(16)
        self._by_token[job.video_token] = job

    def url_expired(self, job: Job, token: str) -> bool:
        """Whether ``token``, one of ``job``'s signed video URLs, no longer works."""
        with self._lock:
            return token in self._dead_tokens or self._ttl_over(job)

    def expire_videos(self) -> None:
        """Expire every video URL handed out so far, now: each answers as expired from then on, and the next
        status check of a finished job hands out a fresh URL (as the live API signs a new link per answer)."""
        with self._lock:
            for job in self._jobs.values():
                self._rotate(job)


def _new_id(style: IdStyle, model: str) -> str:
    if style is IdStyle.NANOID:
        return "".join(secrets.choice(_NANOID_ALPHABET) for _ in range(21))
    if style is IdStyle.UUID:
        return str(uuid.uuid4())
    if style is IdStyle.NUMBER:
        return str(10**18 + secrets.randbelow(9 * 10**18))
    return f"{uuid.uuid4()}:{model}"
