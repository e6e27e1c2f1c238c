"""aimlapi-video: ``VideoClient.generate`` (submit, status checks with a zero sleep, download)."""

from __future__ import annotations

from pathlib import Path

from aimlapi_video import DownloadProgress, ProgressEvent, VideoClient
from bench.peers._worker import PROMPT, measure, parse_args


def main() -> None:
    args = parse_args()
    image = args.image.read_bytes()
    with VideoClient(args.api_key, base_url=args.base_url, sleep=lambda _: None) as client:

        def job(dest: Path) -> int:
            checks = 0

            def count(event: ProgressEvent | DownloadProgress) -> None:
                nonlocal checks
                if isinstance(event, ProgressEvent):
                    checks = event.checks

            client.generate(image, PROMPT, output=dest, overwrite=True, on_progress=count)
            return checks

        measure(job, args)


if __name__ == "__main__":
    main()
