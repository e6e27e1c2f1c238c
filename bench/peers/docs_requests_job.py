"""The docs' example: module-level ``requests`` calls, a fixed sleep between checks (zero here), download."""

from __future__ import annotations

import time
from pathlib import Path

import requests  # type: ignore[import-untyped]

from bench.peers._worker import PENDING, measure, parse_args, request_body

SLEEP_SECONDS = 0.0  # the docs sleep 15 s; scaled to zero so only CPU differs


def main() -> None:
    args = parse_args()
    image = args.image.read_bytes()
    headers = {"Authorization": f"Bearer {args.api_key}", "Content-Type": "application/json"}
    url = f"{args.base_url}/v2/video/generations"

    def job(dest: Path) -> int:
        created = requests.post(url, json=request_body(image), headers=headers, timeout=60).json()
        checks = 0
        while True:
            status = requests.get(url, params={"generation_id": created["id"]}, headers=headers, timeout=60).json()
            checks += 1
            if status["status"] not in PENDING:
                break
            time.sleep(SLEEP_SECONDS)
        dest.write_bytes(requests.get(status["video"]["url"], timeout=60).content)
        return checks

    measure(job, args)


if __name__ == "__main__":
    main()
