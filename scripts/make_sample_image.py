"""Draw the demo's sample image, a sunrise over the sea, as a PNG with the standard library alone.

Usage: python scripts/make_sample_image.py [OUT]   (default: examples/sunrise.png)

The project ships an image it made itself, so the demo needs no third-party media. The drawing is
deterministic: a test regenerates it and compares the bytes with the committed file.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

WIDTH, HEIGHT = 640, 360
HORIZON = 220
SUN = (430, 200, 46)  # centre x, centre y, radius
OUTPUT = Path(__file__).resolve().parent.parent / "examples" / "sunrise.png"

Pixel = tuple[int, int, int]


def _mix(a: Pixel, b: Pixel, t: float) -> Pixel:
    t = min(1.0, max(0.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def pixel(x: int, y: int) -> Pixel:
    """The colour at (x, y): sky gradient, sun with a glow, sea with the sun's reflection."""
    sx, sy, radius = SUN
    if y < HORIZON:
        sky = _mix((34, 40, 92), (250, 160, 90), y / HORIZON)
        distance = math.hypot(x - sx, y - sy)
        if distance <= radius:
            return _mix((255, 244, 200), (255, 200, 120), distance / radius)
        return _mix((255, 220, 150), sky, (distance - radius) / 140)
    depth = (y - HORIZON) / (HEIGHT - HORIZON)
    sea = _mix((60, 70, 120), (20, 30, 60), depth)
    wave = math.sin(x / 9.0 + y * 1.7) * 0.5 + 0.5
    glint = max(0.0, 1 - abs(x - sx) / (radius * (1.2 + depth * 2))) * wave
    return _mix(sea, (255, 200, 130), glint * (1 - depth * 0.6))


def png(width: int, height: int) -> bytes:
    """Encode the drawing as an 8-bit RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUTPUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png(WIDTH, HEIGHT))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
