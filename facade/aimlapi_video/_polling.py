"""When to check a generation's status next: a pure, I/O-free schedule shared by the sync and async clients.

Defaults suit jobs of a few minutes (upstream's reference run took 4 min 24 s): the first check after 2 s,
each gap 1.5 times the last, capped at 7.5 s, with ±10 % jitter so many clients do not poll in step. That is
about 38 checks for a 270 s job with a mean detection lag under 4 s. The overall deadline defaults to
20 minutes. A server hint (``Retry-After`` on a 429 or 503) replaces the next gap.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from ._errors import InvalidInputError

DEFAULT_TIMEOUT_SECONDS = 1200.0


def _positive(name: str) -> Callable[[object, attrs.Attribute[float], float], None]:
    def check(_: object, __: attrs.Attribute[float], value: float) -> None:
        if not value > 0:
            raise InvalidInputError(name, f"must be a positive number of seconds, got {value!r}")

    return check


@attrs.frozen
class PollSchedule:
    """How status checks are spaced. Immutable; ``delay(n)`` is the gap after the n-th check (from 1)."""

    first_delay: float = attrs.field(default=2.0, validator=_positive("first_delay"))
    growth: float = 1.5
    max_delay: float = attrs.field(default=7.5, validator=_positive("max_delay"))
    jitter: float = 0.1
    timeout: float = attrs.field(default=DEFAULT_TIMEOUT_SECONDS, validator=_positive("timeout"))

    def __attrs_post_init__(self) -> None:
        if self.growth < 1:
            raise InvalidInputError("growth", f"must be >= 1, got {self.growth!r}")
        if not 0 <= self.jitter < 1:
            raise InvalidInputError("jitter", f"must be in [0, 1), got {self.jitter!r}")

    def base_delay(self, checks: int) -> float:
        """The gap after ``checks`` checks, before jitter."""
        try:
            grown = self.first_delay * self.growth ** max(0, checks - 1)
        except OverflowError:  # growth ** n overflows a float after enough checks (hours into a long wait)
            return self.max_delay
        return min(self.max_delay, grown)

    def delay(self, checks: int, *, rand: Callable[[], float] = random.random) -> float:
        """The gap after ``checks`` checks, with jitter drawn from ``rand`` (uniform in [0, 1))."""
        spread = self.jitter * (2 * rand() - 1)
        return self.base_delay(checks) * (1 + spread)


@attrs.define
class PollClock:
    """One wait's progress: checks made, elapsed time, and the next gap within the hard deadline."""

    schedule: PollSchedule
    started: float
    timeout: float
    rand: Callable[[], float] = random.random
    checks: int = 0

    def elapsed(self, now: float) -> float:
        """Seconds since the wait started."""
        return max(0.0, now - self.started)

    def next_gap(self, now: float, hint: float | None = None) -> float | None:
        """Seconds until the next check, or ``None`` once the deadline has passed.

        A server hint replaces the scheduled gap. The gap never runs past the deadline, so the last check
        happens at the deadline itself rather than being skipped.
        """
        remaining = self.timeout - self.elapsed(now)
        if remaining <= 0:
            return None
        gap = hint if hint is not None and hint >= 0 else self.schedule.delay(self.checks, rand=self.rand)
        return min(gap, remaining)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; ``None`` if absent or unparseable.

    The HTTP-date form is not used by this API; it is ignored rather than guessed at.
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
