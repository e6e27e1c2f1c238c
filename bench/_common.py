"""Small helpers every benchmark shares: statistics, ratios, a tiny PNG, JSON from subprocesses."""

from __future__ import annotations

import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
MAIN_PYTHON = Path(sys.executable)
#: Bytecode for the benchmark's processes, kept out of the source tree (bench/.cache is git-ignored).
PYCACHE = BENCH / ".cache" / "pycache"


def python_env(**extra: str) -> dict[str, str]:
    """The environment of a measured process: bytecode cached, as an installed wheel has it.

    The Makefile exports ``PYTHONDONTWRITEBYTECODE=1``; kept, every worker would compile each module changed
    since the last cached build from source again, timing the compiler (about 4 ms for three modules) instead of
    the code. The cache goes under bench/.cache (``PYTHONPYCACHEPREFIX``), so nothing is written beside the
    sources. ``PYTHONPATH`` is dropped unless passed in ``extra``.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra)
    return env


def spread(values: Sequence[float]) -> dict[str, float]:
    """``{"min", "median", "max", "n"}`` of ``values`` (which must not be empty)."""
    if not values:
        raise ValueError("no values")
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> dict[str, float]:
    """The spread of paired ratios ``numerators[i] / denominators[i]`` (same repetition, side by side)."""
    return spread([n / d for n, d in zip(numerators, denominators, strict=True)])


def tiny_png(side: int = 16) -> bytes:
    """A valid ``side`` x ``side`` grey PNG, built in memory (a few hundred bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes([(x * 16) % 256 for x in range(side)]) for _ in range(side))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def png_of_size(size: int) -> bytes:
    """A PNG signature followed by incompressible filler: ``size`` bytes that sniff as PNG (for encoding)."""
    head = tiny_png()
    return head + os.urandom(max(0, size - len(head)))


def run_json(
    python: Path | str, script: Path, *args: str, timeout: float = 600.0, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``python script args`` (``env``: variables to add) and parse the one JSON object it prints last."""
    env = python_env(PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.run(
        [str(python), str(script), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{script.name} failed (exit {proc.returncode}): {' | '.join(tail)}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{script.name} printed no JSON: {proc.stdout[-300:]!r}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def emit(result: dict[str, Any]) -> None:
    """Print a worker's result as one JSON line (what ``run_json`` reads)."""
    print(json.dumps(result), flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB.

    On Linux this is ``VmHWM``: ``ru_maxrss`` of a child started by ``subprocess`` carries over the parent's
    high-water mark across fork and exec, so a worker launched by a large parent would report the parent's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB elsewhere
