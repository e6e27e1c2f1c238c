"""Serve the emulator in this process for a benchmark; prints ``URL <base_url>`` once listening.

Unlike ``python -m aimlapi_video.testing`` (whose jobs take 6 s by default), progress here is by poll count
unless ``--job-seconds`` is given, so a benchmark can fix exactly how many status checks a job takes.
"""

from __future__ import annotations

import argparse

from aimlapi_video.testing import JobPlan, Scenario, serve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--job-seconds", type=float, default=None)
    parser.add_argument("--video-bytes", type=int, default=None)
    parser.add_argument("--queued-polls", type=int, default=1)
    parser.add_argument("--generating-polls", type=int, default=1)
    args = parser.parse_args()
    plan = JobPlan(video_bytes=args.video_bytes, queued_polls=args.queued_polls, generating_polls=args.generating_polls)
    serve(
        Scenario(default_job=plan),
        port=0,
        job_seconds=args.job_seconds,
        log_level="warning",
        ready=lambda url: print(f"URL {url}", flush=True),
    )


if __name__ == "__main__":
    main()
