"""When to check a generation's status next: a pure, I/O-free schedule shared by the sync and async clients.

Defaults suit jobs of a few minutes (upstream's reference run took 4 min 24 s): a wait checks at once, then
after 2 s, each gap 1.5 times the last, capped at 7.5 s, with ±10 % jitter so many clients do not poll in step. That is
about 38 checks for a 270 s job with a mean detection lag under 4 s. The overall deadline defaults to
20 minutes. A server hint (``Retry-After`` on a 429 or 503, in seconds or as a date) replaces the next gap.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable

import attrs

from ._validate import number

DEFAULT_TIMEOUT_SECONDS = 1200.0


@attrs.frozen
class PollSchedule:
    """How status checks are spaced. Immutable; ``delay(n)`` is the gap after the n-th check (from 1)."""

    first_delay: float = 2.0
    growth: float = 1.5
    max_delay: float = 7.5
    jitter: float = 0.1
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def __attrs_post_init__(self) -> None:
        number("first_delay", self.first_delay, minimum=0, above=True)
        number("growth", self.growth, minimum=1)
        number("max_delay", self.max_delay, minimum=0, above=True)
        number("jitter", self.jitter, minimum=0, maximum=0.99)
        number("timeout", self.timeout, minimum=0, above=True)

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


def parse_retry_after(value: str | None, date: str | None = None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a ``Retry-After`` header, in seconds or as an HTTP date; ``None`` if absent or unreadable.

    A date is measured from the answer's own ``Date`` header (``date``) when it has a readable one within a
    day of ``now()``: both then come from the server's clock, so a local clock off by less than that does not
    matter (a Date further off is taken as broken). Otherwise from ``now()`` (Unix time). A date already past
    means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if _is_seconds(text):
        return float(text)
    when = _http_date(text)
    if when is None:
        return None
    local = now()
    reference = _http_date(date) if date is not None else None
    if reference is None or abs(reference - local) > _DAY:
        reference = local
    return max(0.0, when - reference)


_DAY = 86_400.0


def _is_seconds(text: str) -> bool:
    """Delta-seconds as servers send them (a fraction tolerated); not "nan", "inf", "-1" or "²". (No regular
    expression: compiling one would be paid at import.)"""
    whole, dot, fraction = text.partition(".")
    digits = whole.isascii() and whole.isdigit() and len(whole) <= 18
    return digits and (not dot or (fraction.isascii() and fraction.isdigit() and len(fraction) <= 9))


def _http_date(text: str) -> float | None:
    """An HTTP date as Unix time, or ``None`` if it is not one."""
    import email.utils  # noqa: PLC0415  (the date form is rare: loaded only when one is seen)

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=datetime.UTC)).timestamp()
