"""The library logs and never prints: with no logging configured, nothing reaches stderr."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_program_that_configures_no_logging_sees_no_warning_on_stderr() -> None:
    """A rate-limited submit logs a warning (a retry); without a handler of the application's, Python's
    last-resort handler would print it. The package's NullHandler keeps stderr clean."""
    program = textwrap.dedent(
        """
        import httpx
        from aimlapi_video import VideoClient

        answers = iter([
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(200, json={"id": "g", "status": "queued"}),
        ])
        transport = httpx.MockTransport(lambda request: next(answers))
        client = VideoClient("k" * 20, transport=transport, sleep=lambda s: None)
        print(client.submit(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64), "a cat").id)
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert (0, "g\n", "") == (result.returncode, result.stdout, result.stderr)
