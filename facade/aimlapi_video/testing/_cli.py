"""``python -m aimlapi_video.testing``: serve the emulator from the command line."""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace

from ._scenario import Scenario
from ._server import DEFAULT_API_KEY, serve

__all__ = ["build_parser", "main", "scenario_from_args"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aimlapi_video.testing",
        description="Serve a fake AI/ML API video endpoint (with optional fault injection) on 127.0.0.1.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=6.0,
        help="how long each job takes in real seconds (default: %(default)s)",
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
    """The scenario the flags describe: the file's, with ``--video-bytes`` applied to the default job."""
    scenario = Scenario.load(args.scenario) if args.scenario else Scenario()
    if args.video_bytes is not None:
        scenario = replace(scenario, default_job=replace(scenario.default_job, video_bytes=args.video_bytes))
    return scenario


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and serve until interrupted; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        scenario = scenario_from_args(args)
    except (OSError, ValueError, TypeError) as exc:
        parser.error(f"--scenario: {exc}")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("aimlapi_video.testing").setLevel(args.log_level.upper())
    serve(
        scenario,
        host=args.host,
        port=args.port,
        job_seconds=args.job_seconds,
        api_key=args.api_key,
        log_level=args.log_level,
    )
    return 0
