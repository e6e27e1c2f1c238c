"""End-to-end fixtures: every test runs once per client mode against the emulator on a real loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video.testing import FakeAIMLAPI, Scenario
from tests.e2e.harness import Client, Live, Recorder, Start, closed_port

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """``"sync"`` (VideoClient) or ``"async"`` (AsyncVideoClient)."""
    return str(request.param)


@pytest.fixture(scope="session")
def stopping() -> Iterator[list[threading.Thread]]:
    """Servers being stopped in the background (uvicorn takes ~0.2 s to stop); all joined at the end."""
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join()


@pytest.fixture
def start(mode: str, stopping: list[threading.Thread]) -> Iterator[Start]:
    """``start(scenario, **client_options)``: serve a fresh emulator and build a client of ``mode`` on it.

    ``api_key=`` overrides the key the client sends (the emulator keeps its own). Clients are closed and
    servers stopped after the test.
    """
    clients: list[Client] = []
    fakes: list[FakeAIMLAPI] = []

    def make(scenario: Scenario | None = None, **client_options: Any) -> Live:
        fake = FakeAIMLAPI(scenario)
        recorder = Recorder(fake.app)
        fake.app = recorder  # served instead of the bare app, so a test can see what reached the server
        fake.start()
        fakes.append(fake)
        api_key = client_options.pop("api_key", fake.api_key)
        client = Client(mode, base_url=fake.base_url, api_key=api_key, **client_options)
        clients.append(client)
        return Live(fake, recorder, client)

    yield make
    for client in clients:
        client.close()
    for fake in fakes:  # its clients are closed: nothing more reaches it
        thread = threading.Thread(target=fake.stop, name="stop-fake")
        thread.start()
        stopping.append(thread)


@pytest.fixture
def offline(mode: str) -> Iterator[Client]:
    """A client of ``mode`` whose base URL is a closed port on 127.0.0.1: every connection is refused."""
    client = Client(mode, base_url=f"http://127.0.0.1:{closed_port()}", api_key="any-key-123")
    yield client
    client.close()


@pytest.fixture
def mona_lisa() -> Path:
    """The docs page's real input image from ``../shared/data``; skipped where that folder is absent."""
    path = SHARED_DATA / "mona_lisa_extended.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data not available at {path}")
    return path
