"""The floor: a minimal httpx script making exactly the requests ``generate`` makes, with no sleep.

``--durable`` adds what the facade does on top of the bytes: fsync, rename into place, fsync the directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from bench.peers._worker import PENDING, measure, parse_args, request_body

PATH = "/v2/video/generations"


def main() -> None:
    args = parse_args()
    image = args.image.read_bytes()
    headers = {"Authorization": f"Bearer {args.api_key}"}
    with httpx.Client(base_url=args.base_url, headers=headers) as api, httpx.Client() as cdn:

        def job(dest: Path) -> int:
            created = api.post(PATH, json=request_body(image))
            created.raise_for_status()
            checks = 0
            while True:
                status = api.get(PATH, params={"generation_id": created.json()["id"]}).json()
                checks += 1
                if status["status"] not in PENDING:
                    break
            part = dest.with_name(f".{dest.name}.part") if args.durable else dest
            with cdn.stream("GET", status["video"]["url"]) as response, part.open("wb") as f:
                response.raise_for_status()
                for chunk in response.iter_bytes(1 << 20):
                    f.write(chunk)
                if args.durable:  # what the facade adds for an atomic, durable save
                    f.flush()
                    os.fsync(f.fileno())
            if args.durable:
                os.replace(part, dest)
                directory = os.open(dest.parent, os.O_RDONLY)
                os.fsync(directory)
                os.close(directory)
            return checks

        measure(job, args)


if __name__ == "__main__":
    main()
