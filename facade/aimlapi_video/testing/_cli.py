"""``python -m aimlapi_video.testing``: serve the emulator from the command line."""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import sys
from dataclasses import replace
from urllib.parse import urlsplit

from ._scenario import Scenario
from ._server import DEFAULT_API_KEY, serve

__all__ = ["build_parser", "main", "scenario_from_args"]


def _seconds(text: str) -> float | None:
    """``--job-seconds``: a finite number of seconds, 0 or more; or ``polls``: progress by status checks, as
    each job plan's ``queued_polls`` and ``generating_polls`` say (``None``)."""
    if text == "polls":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more, or 'polls', not {text!r}")
    return value


def _port(text: str) -> int:
    """``--port``: 0 (any free port) to 65535."""
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, not {text!r}")
    return int(text)


def build_parser(prog: str = "python -m aimlapi_video.testing") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a fake AI/ML API video endpoint (with optional fault injection) on 127.0.0.1.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=0, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument(
        "--job-seconds",
        type=_seconds,
        default=6.0,
        help=(
            "how long each job takes in real seconds, or 'polls' for progress by status checks as the scenario's "
            "job plans say (queued_polls, generating_polls); a plan's own job_seconds wins (default: %(default)s)"
        ),
    )
    parser.add_argument("--scenario", metavar="FILE.json", help="faults and job plans (see the package docs)")
    parser.add_argument("--video-bytes", type=int, help="size of every result video (default: ~19 kB)")
    parser.add_argument(
        "--api-key",
        default=DEFAULT_API_KEY,
        help="the key clients must send as a Bearer token (default: %(default)s)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario the flags describe: the file's, with ``--video-bytes`` applied to the default job.

    Raises ValueError naming the flag at fault (``--scenario: ...`` or ``--video-bytes: ...``)."""
    try:
        scenario = Scenario.load(args.scenario) if args.scenario else Scenario()
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"--scenario: {exc}") from exc
    if args.video_bytes is not None:
        try:
            scenario = replace(scenario, default_job=replace(scenario.default_job, video_bytes=args.video_bytes))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"--video-bytes: {str(exc).removeprefix('video_bytes ')}") from exc
    return scenario


#: Addresses that mean "every interface", and the loopback address a client on this machine uses instead.
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}  # noqa: S104 - names compared, nothing bound here


def _announce(base_url: str, api_key: str) -> None:
    """How to point the CLI or a program at the emulator, ready to paste: the command's output (stdout), the
    log going to stderr."""
    if sys.stdout is None:  # started with stdout closed: the log line on stderr still names the URL
        return
    url = urlsplit(base_url)
    if url.hostname in _ANY_ADDRESS:  # bound to every address: clients reach it on loopback (http is for that)
        base_url = url._replace(netloc=f"{_ANY_ADDRESS[url.hostname]}:{url.port}").geturl()
    with contextlib.suppress(OSError):
        sys.stdout.write(f"export AIMLAPI_BASE_URL={base_url} AIMLAPI_API_KEY={shlex.quote(api_key)}\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """Parse ``argv`` and serve until interrupted; returns the exit status (0 once stopped). A bad flag raises
    ``SystemExit(2)`` and a port it cannot listen on ``SystemExit(3)``, as argparse does. ``prog`` names the command in
    messages (``aimlapi-video serve-fake`` when run from the CLI)."""
    parser = build_parser(prog) if prog is not None else build_parser()
    args = parser.parse_args(argv)
    try:
        scenario = scenario_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    if not logging.getLogger().handlers:
        logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("aimlapi_video.testing").setLevel(args.log_level.upper())
    try:
        serve(
            scenario,
            host=args.host,
            port=args.port,
            job_seconds=args.job_seconds,
            api_key=args.api_key,
            log_level=args.log_level,
            ready=lambda url: _announce(url, args.api_key),
        )
    except OSError as exc:  # the port is taken, the address is not this machine's... (exit 3, as the CLI's)
        parser.exit(3, f"{parser.prog}: error: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}\n")
    return 0
