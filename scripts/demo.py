"""``make demo``: generate a video from the project's sample image, offline, against the local emulator.

Starts the emulator on a free loopback port (a job takes about 6 s), runs the real ``aimlapi-video generate``
command against it with its live progress, and prints where the MP4 was written. Nothing leaves this
machine; your own API key, if set, is not used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aimlapi_video.testing import FakeAIMLAPI

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sunrise.png"
OUT_DIR = ROOT / "demo-output"
PROMPT = "The sun rises slowly over a calm sea; gentle waves, warm light spreading across the water."


def main() -> int:
    OUT_DIR.mkdir(exist_ok=True)
    output = OUT_DIR / "sunrise.mp4"
    with FakeAIMLAPI(job_seconds=6.0) as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIMLAPI_", "AIML_"))}
        env.update(
            AIMLAPI_BASE_URL=fake.base_url,
            AIMLAPI_API_KEY=fake.api_key,
            AIMLAPI_VIDEO_HOME=str(OUT_DIR / "home"),
        )
        print(f"emulator serving at {fake.base_url} (a stand-in for https://api.aimlapi.com)\n")
        command = [
            sys.executable,
            "-m",
            "aimlapi_video",
            "generate",
            str(SAMPLE),
            "--prompt",
            PROMPT,
            "--duration",
            "5",
            "--output",
            str(output),
            "--overwrite",
        ]
        print("$ aimlapi-video generate examples/sunrise.png --prompt '...' --duration 5 -o demo-output/sunrise.mp4\n")
        code = subprocess.run(command, env=env, check=False).returncode
    if code == 0:
        print(f"\nYour video: {output} ({output.stat().st_size:,} bytes)")
    return code


if __name__ == "__main__":
    sys.exit(main())
