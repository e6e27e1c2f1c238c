"""The submit guard in-process: how a held interrupt meets the client's back-off."""

from __future__ import annotations

import pytest

from aimlapi_video.cli._runtime import interrupts_deferred, pausing


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
