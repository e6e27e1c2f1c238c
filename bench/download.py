"""4. Download: 10 MB and 200 MB videos from the emulator on loopback, the facade versus ``curl -o``.

Each facade run is a fresh process (``VideoClient.download`` of a finished job's URL, as curl gets it: the
streamed, fsync'd, atomic save) timing its first download and a second one, and reporting the first one's
ru_maxrss growth. curl fetches the same URL, timed by its own ``%{time_total}``, once as is (``curl -o``, the
target's baseline: nothing made durable) and once followed by an fsync of its file and directory (the same
guarantee as ours). Runs alternate, side by side; a ratio is facade throughput over curl's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ._common import BENCH, MAIN_PYTHON, ratios, run_json, spread
from ._emulator import Emulator
from ._tls_serve import self_signed

MB = 1 << 20


def _curl(url: str, out: Path, *options: str) -> tuple[float, float]:
    """Seconds curl reports for fetching ``url`` to ``out``, in all and until the first byte of the body
    (``options``: more curl arguments, e.g. a CA)."""
    proc = subprocess.run(
        ["curl", "-s", "-S", "-f", *options, "-o", str(out), "-w", "%{time_total} %{time_starttransfer}", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    total, first_byte = proc.stdout.split()
    return float(total), float(first_byte)


def _fsync_file_and_dir(path: Path) -> float:
    """Seconds to make curl's file as durable as ours: fsync the file, then its directory."""
    start = time.perf_counter()
    for target, flags in ((path, os.O_RDONLY), (path.parent, os.O_RDONLY)):
        fd = os.open(target, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return time.perf_counter() - start


#: The facade runs of each round: the library as shipped, then two attribution-only variants.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "ours": (),
    "no_fsync": ("--no-fsync",),  # what the durability guarantee itself costs
    "plain": ("--no-fsync", "--no-writeback"),  # a plain write, as curl -o does: what the early writeback brings
}


def _facade(
    args: list[str], flags: tuple[str, ...], out: Path, size: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One download of ``size`` bytes in a fresh worker process; the file is removed afterwards."""
    result = run_json(MAIN_PYTHON, BENCH / "_download_worker.py", *args, *flags, env=env)
    out.unlink()
    if result["bytes"] != size:
        raise RuntimeError(f"downloaded {result['bytes']} bytes, expected {size}")
    return result


def _curl_seconds(url: str, out: Path, *options: str, durable: bool = False) -> tuple[float, float]:
    """curl -o, optionally followed by the same fsyncs as ours: seconds in all and until the first byte of the
    body; the file is removed afterwards."""
    total, first_byte = _curl(url, out, *options)
    if durable:
        total += _fsync_file_and_dir(out)
    out.unlink()
    return total, first_byte


def _phase_medians(results: list[dict[str, Any]], prefix: str) -> dict[str, float]:
    """Median milliseconds of each phase (and of the whole) of the first (``prefix=""``) or second download."""
    keys = ("first_piece", "body", "durable", "wall")
    return {key: spread([1000 * r[f"{prefix}{key}_s"] for r in results])["median"] for key in keys}


def run(*, quick: bool) -> dict[str, Any]:
    # 10 MB takes 5 to 15 ms and swings with the machine: more rounds for it
    plan = [(MB, 1)] if quick else [(10 * MB, 9), (200 * MB, 5)]
    curl = shutil.which("curl")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-download-", dir=BENCH / ".cache" if not quick else None) as tmp:
        out, curl_out = Path(tmp) / "facade.mp4", Path(tmp) / "curl.mp4"
        for size, reps in plan:
            walls: dict[str, list[float]] = {name: [] for name in _VARIANTS}
            ours: list[dict[str, Any]] = []
            curl_s: list[float] = []
            curl_first_byte_s: list[float] = []
            durable_curl_s: list[float] = []
            with Emulator(video_bytes=size) as emu:
                args = ["--base-url", emu.base_url, "--api-key", emu.api_key, "--out", str(out)]
                # untimed: the emulator builds its MP4 at the first video request (about 12 ms), which would
                # otherwise land on the first facade run only
                _facade(args, (), out, size)
                for _ in range(reps):
                    for name, flags in _VARIANTS.items():
                        result = _facade(args, flags, out, size)
                        walls[name].append(result["wall_s"])
                        if name == "ours":
                            ours.append(result)
                    if curl:
                        total, first_byte = _curl_seconds(ours[-1]["url"], curl_out)
                        curl_s.append(total)
                        curl_first_byte_s.append(first_byte)
                        durable_curl_s.append(_curl_seconds(ours[-1]["url"], curl_out, durable=True)[0])
            row: dict[str, Any] = {
                "size_mb": size / MB,
                "reps": reps,
                "mb_per_s": spread([size / MB / r["wall_s"] for r in ours]),
                "cpu_s": spread([r["cpu_s"] for r in ours]),
                "rss_growth_mb": spread([r["rss_growth_mb"] for r in ours]),
                # where each download's time went (medians, ms), see _download_worker
                "phases_ms": _phase_medians(ours, ""),
                "later_phases_ms": _phase_medians(ours, "later_"),
            }
            if curl_s:
                row["curl_mb_per_s"] = spread([size / MB / s for s in curl_s])
                first_byte_ms = spread([1000 * s for s in curl_first_byte_s])["median"]
                row["curl_phases_ms"] = {"first_byte": first_byte_ms, "total": spread(curl_s)["median"] * 1000}
                row["ratio"] = ratios(curl_s, walls["ours"])
                row["ratio_later"] = ratios(curl_s, [r["later_wall_s"] for r in ours])
                row["durable_curl_mb_per_s"] = spread([size / MB / s for s in durable_curl_s])
                row["ratio_durable"] = ratios(durable_curl_s, walls["ours"])
                row["ratio_no_fsync"] = ratios(curl_s, walls["no_fsync"])
                row["ratio_plain"] = ratios(curl_s, walls["plain"])
            else:
                row["curl_error"] = "curl not found on PATH"
            rows.append(row)
        tls = _over_tls(MB if quick else 200 * MB, 1 if quick else 9, Path(tmp), curl)
    return {"rows": rows, "tls": tls}


def _over_tls(size: int, reps: int, tmp: Path, curl: str | None) -> dict[str, Any]:
    """The same download from an https server on loopback (the real video host is https): ours, the same
    ``VideoClient.download`` through httpx's own transport, and ``curl -o``; each facade run a fresh process."""
    if not curl or not shutil.which("openssl"):
        return {"size_mb": size / MB, "error": "curl or openssl not found on PATH"}
    cert, key = self_signed(tmp)
    out, curl_out = tmp / "facade-tls.mp4", tmp / "curl-tls.mp4"
    server = subprocess.Popen(
        [str(MAIN_PYTHON), str(BENCH / "_tls_serve.py"), "--cert", str(cert), "--key", str(key), "--bytes", str(size)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = f"https://localhost:{server.stdout.readline().split()[1]}/video.mp4"
        env = {"SSL_CERT_FILE": str(cert)}  # the client's TLS context (httpx.create_ssl_context) trusts it
        walls: dict[str, list[float]] = {"ours": [], "httpx": []}
        curl_s: list[float] = []
        for _ in range(reps):
            for name, flags in (("ours", ()), ("httpx", ("--httpx-transport",))):
                result = _facade(["--video-url", url, "--out", str(out)], flags, out, size, env)
                walls[name].append(result["wall_s"])
            curl_s.append(_curl_seconds(url, curl_out, "--cacert", str(cert))[0])
    finally:
        server.terminate()
        server.wait(30)
        if server.stdout is not None:
            server.stdout.close()
    return {
        "size_mb": size / MB,
        "reps": reps,
        "mb_per_s": spread([size / MB / s for s in walls["ours"]]),
        "httpx_mb_per_s": spread([size / MB / s for s in walls["httpx"]]),
        "curl_mb_per_s": spread([size / MB / s for s in curl_s]),
        "ratio": ratios(curl_s, walls["ours"]),
        "ratio_vs_httpx": ratios(walls["httpx"], walls["ours"]),
    }
