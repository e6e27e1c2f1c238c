"""The client builds one TLS context for its API and video pools, and it verifies certificates."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video import VideoClient
from aimlapi_video.testing import FakeAIMLAPI

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_one_verifying_tls_context_serves_both_pools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Loading the CA store costs ~20 ms per context; a generate with a download creates exactly one."""
    made: list[ssl.SSLContext] = []
    original: Callable[..., ssl.SSLContext] = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = original(*args, **kwargs)
        made.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", counting)
    with FakeAIMLAPI() as fake, VideoClient(fake.api_key, base_url=fake.base_url, sleep=lambda _: None) as client:
        result = client.generate(PNG, "a sunrise", output=tmp_path / "out.mp4")
    assert tmp_path / "out.mp4" == result.path
    assert (tmp_path / "out.mp4").exists()
    assert 1 == len(made)
    assert (ssl.CERT_REQUIRED, True) == (made[0].verify_mode, made[0].check_hostname)
