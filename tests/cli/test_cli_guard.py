"""The submit guard in-process: how a held interrupt meets the client's back-off."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video import VideoClient
from aimlapi_video.cli._generation import journalled_submit
from aimlapi_video.cli._runtime import Interrupted, Options, interrupts_deferred, pausing
from tests.cli.conftest import TINY_PNG


def test_a_back_off_during_submit_acts_on_a_held_interrupt() -> None:
    """An interrupt held while a request was out acts at the next back-off: that attempt created nothing."""
    with interrupts_deferred() as guard:
        guard.interrupt = "deferred"
        with pytest.raises(KeyboardInterrupt):
            pausing(0)
        assert "before-send" == guard.interrupt


def test_a_back_off_without_a_held_interrupt_just_waits() -> None:
    """No interrupt held, or no submit in progress: pausing is an ordinary sleep."""
    with interrupts_deferred() as guard:
        pausing(0)
        assert guard.interrupt is None
    pausing(0)


def answering_client() -> VideoClient:
    """A client whose API accepts every POST with generation gen-1."""
    api = httpx.MockTransport(lambda _: httpx.Response(200, json={"id": "gen-1", "status": "queued"}))
    return VideoClient("sk-test-guard", base_url="https://api.example.com", transport=api)


def test_an_interrupt_after_the_post_came_back_is_held_until_the_id_is_kept() -> None:
    """Between the answer's arrival and the CLI marking it answered, the request is no longer "in flight";
    an interrupt there must still be held, or the id of a created generation is dropped."""
    with answering_client() as client, interrupts_deferred() as guard:
        client.submit(TINY_PNG, "a prompt")
        signal.raise_signal(signal.SIGINT)
        assert "deferred" == guard.interrupt


class FailingJournal:
    """A journal whose write is cut short by a second Ctrl-C (as SQLite's busy wait would be)."""

    path = Path("journal.sqlite3")

    def ensure(self) -> None:
        pass

    def record(self, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt


class JournalOptions(Options):
    def journal(self) -> Any:
        return FailingJournal()


def test_a_second_interrupt_during_journalling_still_reports_the_id(tmp_path: Path) -> None:
    """The id arrived but could not be journalled: the error names it (and says to follow it with wait)."""
    image = tmp_path / "tiny.png"
    image.write_bytes(TINY_PNG)
    opts = JournalOptions(as_json=False, quiet=True, debug=False, base_url=None, api_key_file=None)
    with answering_client() as client, pytest.raises(Interrupted) as info:
        journalled_submit(opts, client=client, image=str(image), prompt="a prompt", options={}, output=None)
    assert "gen-1" == info.value.generation_id
    assert "aimlapi-video wait gen-1" in str(info.value)


def test_an_interrupt_during_a_back_off_acts_at_once_even_after_a_post() -> None:
    """While the client waits out a 429 (or a request that never left), nothing is out: stop now."""
    with answering_client() as client, interrupts_deferred() as guard:
        client.submit(TINY_PNG, "a prompt")  # a create went out earlier in this submit
        guard.backing_off = True  # what pausing sets while it sleeps
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        assert "before-send" == guard.interrupt
