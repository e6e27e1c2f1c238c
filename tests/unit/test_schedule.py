"""The pure polling schedule: delays, jitter, the deadline, Retry-After, and what the defaults cost in practice.

Nothing here sleeps or does I/O: the schedule is arithmetic, and the simulations drive the engine's own
polling loop with a simulated clock and a seeded random source.
"""

from __future__ import annotations

import math
import random
import statistics
from http import HTTPStatus
from typing import Any

import attrs
import pytest

from aiml_api_client.models import VideoGeneration
from aiml_api_client.types import Response
from aimlapi_video import InvalidInputError, PollSchedule
from aimlapi_video._engine import Emit, Fetch, Settings, Sleep, poll
from aimlapi_video._polling import DEFAULT_TIMEOUT_SECONDS, PollClock, parse_retry_after

NO_JITTER = PollSchedule(jitter=0.0)
ALMOST_ONE = math.nextafter(1.0, 0.0)


def test_defaults() -> None:
    """First check after 2 s, growth 1.5, cap 7.5 s, ±10 % jitter, a 20-minute deadline."""
    assert (2.0, 1.5, 7.5, 0.1, 1200.0) == attrs.astuple(PollSchedule())
    assert 1200.0 == DEFAULT_TIMEOUT_SECONDS


def test_base_delays_grow_then_cap() -> None:
    """2, 3, 4.5, 6.75, then 7.5 for ever."""
    assert [2.0, 3.0, 4.5, 6.75, 7.5, 7.5, 7.5] == [PollSchedule().base_delay(n) for n in range(1, 8)]


@pytest.mark.parametrize("growth", [1.5, 10.0])
def test_a_long_wait_never_overflows(growth: float) -> None:
    """After thousands of checks (a day-long wait at 7.5 s is 11 520) the gap stays at the cap."""
    schedule = PollSchedule(growth=growth)
    assert [7.5, 7.5, 7.5] == [schedule.base_delay(n) for n in (2_000, 11_520, 10**9)]
    assert 7.5 * 1.1 >= schedule.delay(11_520)


def test_before_the_first_check_the_delay_is_the_first_one() -> None:
    """``checks`` of 0 (a failed first check) does not shrink the gap below first_delay."""
    assert 2.0 == PollSchedule().base_delay(0)


def test_a_custom_schedule() -> None:
    """Every knob is honoured."""
    schedule = PollSchedule(first_delay=1.0, growth=2.0, max_delay=10.0, jitter=0.0)
    assert [1.0, 2.0, 4.0, 8.0, 10.0, 10.0] == [schedule.delay(n) for n in range(1, 7)]


def test_growth_of_one_is_a_constant_interval() -> None:
    """growth=1 polls at a fixed rate."""
    schedule = PollSchedule(first_delay=5.0, growth=1.0, jitter=0.0)
    assert [5.0] * 5 == [schedule.delay(n) for n in range(1, 6)]


@pytest.mark.parametrize("checks", range(1, 8))
def test_jitter_bounds(checks: int) -> None:
    """rand=0 gives -10 %, rand=0.5 the base delay, rand just under 1 just under +10 %."""
    schedule = PollSchedule()
    base = schedule.base_delay(checks)
    assert base * 0.9 == pytest.approx(schedule.delay(checks, rand=lambda: 0.0))
    assert base == pytest.approx(schedule.delay(checks, rand=lambda: 0.5))
    high = schedule.delay(checks, rand=lambda: ALMOST_ONE)
    assert base * 1.1 == pytest.approx(high)
    assert high <= base * 1.1


def test_jitter_stays_within_bounds_and_actually_varies() -> None:
    """Drawn with the default random source: every delay within ±10 %, and not all alike."""
    schedule = PollSchedule()
    delays = [schedule.delay(6) for _ in range(500)]
    assert all(7.5 * 0.9 <= d <= 7.5 * 1.1 for d in delays)
    assert len(set(delays)) > 400
    assert 7.5 == pytest.approx(statistics.mean(delays), abs=0.1)


@pytest.mark.parametrize("rand", [0.0, 0.3, ALMOST_ONE])
def test_zero_jitter_gives_exact_delays(rand: float) -> None:
    """jitter=0: the random draw has no effect."""
    assert [2.0, 3.0, 4.5, 6.75, 7.5] == [NO_JITTER.delay(n, rand=lambda: rand) for n in range(1, 6)]


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"first_delay": 0}, "first_delay"),
        ({"first_delay": -1.0}, "first_delay"),
        ({"first_delay": float("nan")}, "first_delay"),
        ({"max_delay": 0}, "max_delay"),
        ({"growth": 0.5}, "growth"),
        ({"growth": 0}, "growth"),
        ({"jitter": 1}, "jitter"),
        ({"jitter": 1.5}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": float("nan")}, "jitter"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_invalid_values_are_refused(options: dict[str, float], name: str) -> None:
    """Each bad knob raises InvalidInputError naming it, in one line."""
    with pytest.raises(InvalidInputError) as info:
        PollSchedule(**options)
    assert name == info.value.name
    assert str(info.value).startswith(f"{name}: ")
    assert "\n" not in str(info.value)


def test_the_schedule_is_immutable() -> None:
    """A shared schedule cannot be changed under another client."""
    schedule = PollSchedule()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        schedule.first_delay = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------- PollClock


def clock(timeout: float = 100.0, started: float = 1000.0, checks: int = 0) -> PollClock:
    """A clock over the jitter-free default schedule."""
    return PollClock(NO_JITTER, started=started, timeout=timeout, checks=checks)


def test_next_gap_follows_the_schedule() -> None:
    """Without a hint, the gap is the scheduled delay for the checks made so far."""
    assert [2.0, 2.0, 3.0, 4.5] == [clock(checks=n).next_gap(1000.0) for n in range(4)]


def test_next_gap_honours_a_server_hint() -> None:
    """Retry-After replaces the scheduled gap, shorter or longer."""
    assert 30.0 == clock(checks=1).next_gap(1010.0, hint=30.0)
    assert 0.5 == clock(checks=5).next_gap(1010.0, hint=0.5)
    assert 0.0 == clock(checks=5).next_gap(1010.0, hint=0.0)


def test_a_negative_hint_is_ignored() -> None:
    """A nonsensical hint falls back to the schedule."""
    assert 7.5 == clock(checks=5).next_gap(1010.0, hint=-3.0)


def test_next_gap_is_clipped_to_the_deadline() -> None:
    """The last check happens at the deadline itself, whether the gap came from the schedule or a hint."""
    assert 5.0 == clock(timeout=20.0, checks=5).next_gap(1015.0)
    assert 5.0 == clock(timeout=20.0, checks=5).next_gap(1015.0, hint=600.0)
    assert 0.25 == clock(timeout=20.0, checks=1).next_gap(1019.75)


@pytest.mark.parametrize("now", [1020.0, 1020.001, 1500.0])
def test_next_gap_is_none_once_the_deadline_has_passed(now: float) -> None:
    """At or after the deadline there is no next check, hint or not."""
    assert clock(timeout=20.0).next_gap(now) is None
    assert clock(timeout=20.0).next_gap(now, hint=1.0) is None


def test_elapsed_never_goes_negative() -> None:
    """A clock read before the start (it cannot happen with a monotonic clock, but) counts as zero."""
    assert (0.0, 0.0, 12.5) == (clock().elapsed(990.0), clock().elapsed(1000.0), clock().elapsed(1012.5))


def test_the_clock_draws_jitter_from_its_random_source() -> None:
    """The injected ``rand`` is what jitters the gap."""
    low = PollClock(PollSchedule(), started=0.0, timeout=100.0, rand=lambda: 0.0, checks=5)
    high = PollClock(PollSchedule(), started=0.0, timeout=100.0, rand=lambda: ALMOST_ONE, checks=5)
    assert 7.5 * 0.9 == pytest.approx(low.next_gap(10.0))
    assert 7.5 * 1.1 == pytest.approx(high.next_gap(10.0))


# ------------------------------------------------------------------------------------------ Retry-After


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("-1", None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("\u00b2", None),
        (None, None),
    ],
)
def test_parse_retry_after_in_seconds(value: str | None, expected: float | None) -> None:
    """Delta-seconds (a fraction tolerated); negatives, non-numbers and junk give None."""
    assert expected == parse_retry_after(value)


NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("Tue, 14 Nov 2023 22:13:50 GMT", None, 30.0),  # from the local clock
        ("Tue, 14 Nov 2023 22:13:50 GMT", "Tue, 14 Nov 2023 22:13:45 GMT", 5.0),  # from the server's Date
        ("Tue, 14 Nov 2023 22:13:50 GMT", "not a date", 30.0),  # an unreadable Date: the local clock
        ("Tue, 14 Nov 2023 22:13:50 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", 30.0),  # a broken Date: local clock
        ("Tue, 14 Nov 2023 22:13:00 GMT", None, 0.0),  # already past
        ("Tuesday soon", None, None),
    ],
)
def test_parse_retry_after_as_an_http_date(value: str, date: str | None, expected: float | None) -> None:
    """An HTTP date counts from the answer's Date header when readable (the server's own clock), else from now."""
    assert expected == parse_retry_after(value, date, now=lambda: NOW)


# ---------------------------------------------------------------------------------------------- simulation

PENDING = VideoGeneration.from_dict({"id": "sim", "status": "generating"})
COMPLETED = VideoGeneration.from_dict({"id": "sim", "status": "completed", "video": {"url": "https://cdn/v.mp4"}})


def _answer(parsed: VideoGeneration) -> Response[VideoGeneration]:
    return Response(status_code=HTTPStatus.OK, content=b"", headers={}, parsed=parsed)


def simulate(completes_after: float, rng: random.Random, schedule: PollSchedule | None = None) -> tuple[int, float]:
    """Run the engine's real polling loop against a job finishing ``completes_after`` s into the wait.

    Returns the number of status checks and the detection lag (from completion to the check that saw it).
    """
    now = [0.0]
    settings = Settings(schedule=schedule or PollSchedule(), clock=lambda: now[0], rand=rng.random)
    steps = poll("sim", settings)
    checks, result, lag = 0, None, math.nan
    try:
        while True:
            action: Any = steps.send(result)
            result = None
            if isinstance(action, Fetch):
                checks += 1
                done = now[0] >= completes_after
                lag = now[0] - completes_after if done else math.nan
                result = _answer(COMPLETED if done else PENDING)
            elif isinstance(action, Sleep):
                now[0] += action.seconds
            else:
                assert isinstance(action, Emit)
    except StopIteration:
        pass
    return checks, lag


#: The default schedule's shortest possible gaps: the jitter of the default, always at its low end.
_ALWAYS_SHORT = PollSchedule(first_delay=2.0 * 0.9, max_delay=7.5 * 0.9, jitter=0.0)


def test_the_simulation_sees_the_fixed_schedule() -> None:
    """Sanity check of the simulator: without jitter, checks at 0, 2, 5, 9.5, 16.25, 23.75, 31.25 s."""
    assert (7, 31.25 - 30.0) == simulate(30.0, random.Random(0), NO_JITTER)
    assert (1, 0.0) == simulate(0.0, random.Random(0), NO_JITTER)


def test_a_typical_job_costs_few_checks_and_is_noticed_quickly() -> None:
    """Jobs of 270 s (upstream's reference run): 40 checks or fewer, detected within 5 s on average.

    Jitter makes the count vary: 99 % of jobs need at most 40 checks, and none can need more than 43 (every
    gap 10 % short: checks at 0, 1.8, 4.5, 8.55, 14.625 s, then every 6.75 s up to 270 s).
    """
    rng = random.Random(20261125)
    runs = [simulate(270.0, rng) for _ in range(1000)]
    checks = [c for c, _ in runs]
    lags = [lag for _, lag in runs]
    assert statistics.quantiles(checks, n=100)[98] <= 40
    assert statistics.mean(checks) <= 40
    assert max(checks) <= 43
    assert 43 == simulate(270.0, random.Random(0), _ALWAYS_SHORT)[0]
    assert statistics.mean(lags) <= 5.0
    assert max(lags) <= 7.5 * 1.1
    assert min(lags) >= 0.0


def test_a_short_job_is_noticed_within_four_seconds_on_average() -> None:
    """Jobs of 30 s: the early, short gaps keep the mean lag at most 4 s."""
    rng = random.Random(7)
    runs = [simulate(30.0, rng) for _ in range(1000)]
    assert statistics.mean(lag for _, lag in runs) <= 4.0
    assert max(c for c, _ in runs) <= 9


def test_jitter_spreads_clients_apart() -> None:
    """Two clients started together drift apart: by the tenth check their times differ."""
    rng = random.Random(3)
    times = []
    for _ in range(2):
        clock_ = PollClock(PollSchedule(), started=0.0, timeout=1200.0, rand=rng.random)
        now = 0.0
        for _ in range(10):
            clock_.checks += 1
            gap = clock_.next_gap(now)
            assert gap is not None
            now += gap
        times.append(now)
    assert times[0] != pytest.approx(times[1], abs=0.5)
