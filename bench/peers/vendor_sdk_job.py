"""The vendor's SDK (``aimlapi-sdk-python``): ``videos.generate_with_polling`` with a tiny poll interval.

It has no image argument, so the image goes in ``extra_body``; it returns the video as bytes, written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aimlapi import AIMLAPI  # type: ignore[import-not-found]

from bench.peers._worker import MODEL, PROMPT, measure, parse_args, request_body


def main() -> None:
    args = parse_args()
    image = args.image.read_bytes()
    client = AIMLAPI(api_key=args.api_key, base_url=args.base_url)

    def job(dest: Path) -> int:
        payloads: list[Mapping[str, Any]] = []
        video = client.videos.generate_with_polling(
            model=MODEL,
            prompt=PROMPT,
            duration=5,
            extra_body={"image_url": request_body(image)["image_url"]},
            poll_interval=1e-9,  # must be > 0; effectively no sleep
            return_bytes=True,
            status_callback=payloads.append,
        )
        dest.write_bytes(video)
        return len(payloads) - 1  # the first callback is the create answer

    measure(job, args)
    client.close()


if __name__ == "__main__":
    main()
