"""Every facade test runs in both modes: ``mode`` is "sync" or "async"."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.unit.harness import Runner, runners


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(mode: str) -> Iterator[Callable[..., Runner]]:
    """``make(api, clock, **client_options)`` builds a client of the current mode over a FakeAPI."""
    yield from runners(mode)
