"""The small frozen types the client returns: one per job state, plus progress events and results.

A status check answers one of :class:`Pending`, :class:`Completed` or :class:`Failed` (together
:data:`GenerationState`), so callers can ``match`` on the type instead of comparing strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeAlias

import attrs

#: Every status the API is known to answer (matched whatever its case). Any other is kept as its string and
#: judged by the answer: an error means failed, a video URL completed, neither still pending.
KnownStatus: TypeAlias = Literal["queued", "generating", "waiting", "active", "completed", "succeeded", "error"]

#: The values the API accepts for ``duration``, ``resolution`` and ``shot_type``: the spec's enums, as types, so a
#: type checker catches ``duration=7`` before anything runs (a test pins them to the generated client's enums).
Duration: TypeAlias = Literal[5, 10, 15]
Resolution: TypeAlias = Literal["720p", "1080p"]
ShotType: TypeAlias = Literal["single", "multi"]


@attrs.frozen
class Job:
    """A generation that the API accepted: its id, and the status the create call answered."""

    id: str
    status: str


@attrs.frozen
class Usage:
    """What the generation cost, in whichever units the API reported (any may be ``None``)."""

    credits_used: float | None = None
    tokens_used: float | None = None
    usd_spent: float | None = None


@attrs.frozen
class Pending:
    """Still running. ``known`` is False for a status this client does not know (it keeps waiting)."""

    id: str
    status: str
    known: bool = True


def _without_query(url: str) -> str:
    """A URL as a repr shows it: its query string (a signed URL's signature) elided."""
    base, mark, _ = url.partition("?")
    return repr(base + ("?…" if mark else ""))


@attrs.frozen
class Completed:
    """Done: ``video_url`` is a signed link that expires (about a day in upstream's examples). The link is a
    credential while it lasts, so the repr (and with it a log line or a traceback) shows it without its query."""

    id: str
    status: str
    video_url: str = attrs.field(repr=_without_query)
    usage: Usage = Usage()


@attrs.frozen
class Failed:
    """The generation ended with status ``error``; ``details`` holds the ``{detail: [...]}`` items, if any."""

    id: str
    status: str
    error_name: str
    error_message: str
    #: Compared, not hashed (its items are dicts): a Failed can be a set member or a dict key.
    details: tuple[Mapping[str, Any], ...] = attrs.field(default=(), hash=False)


GenerationState: TypeAlias = Pending | Completed | Failed


@attrs.frozen
class ProgressEvent:
    """Reported after each status check while waiting. Times are in seconds."""

    generation_id: str
    status: str
    elapsed: float
    checks: int
    next_check_in: float | None

    def __str__(self) -> str:
        nxt = f", next check in {self.next_check_in:.1f}s" if self.next_check_in is not None else ""
        return f"{self.generation_id}: {self.status} after {self.elapsed:.0f}s ({self.checks} checks{nxt})"


@attrs.frozen
class DownloadProgress:
    """Bytes saved so far and the size, if the host declared it.

    ``bytes_done`` goes back to 0 when a host ignores a resume request and the download restarts.
    """

    bytes_done: int
    bytes_total: int | None


@attrs.frozen
class GenerationResult:
    """What :meth:`VideoClient.generate` returns: the finished generation and where it was saved."""

    generation: Completed
    path: Path | None

    @property
    def id(self) -> str:
        """The generation id."""
        return self.generation.id

    @property
    def video_url(self) -> str:
        """The signed video URL."""
        return self.generation.video_url
