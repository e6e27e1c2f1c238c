"""Run every benchmark and rewrite BENCHMARKS.md: ``python bench/run.py`` (``make bench``).

``--quick`` runs each benchmark once at a tiny size (what tests/bench does) and writes its report under
bench/.cache/ unless ``--output`` says otherwise; ``--only NAME`` runs some benchmarks; ``--no-peers`` skips
the side venvs (their rows then say so). Raw results are kept in bench/.cache/results.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/run.py` imports bench.*

from bench import download, encoding, overhead, polling, scale, startup
from bench._common import ROOT
from bench._venvs import CACHE, PEERS, ensure_all
from bench.report import render

BENCHMARKS = ("polling", "encoding", "startup", "overhead", "download", "scale")
NOTES = ROOT / "bench" / "NOTES.md"


def _machine() -> str:
    mem = ""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
        kib = next(int(line.split()[1]) for line in lines if line.startswith("MemTotal"))
        mem = f", {kib / (1 << 20):.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}){mem}, {system}, Python {platform.python_version()}"


def run_one(name: str, *, quick: bool, pythons: dict[str, Path | str]) -> dict[str, Any]:
    match name:
        case "overhead":
            return overhead.run(quick=quick, pythons=pythons)
        case "scale":
            return scale.run(quick=quick)
        case "encoding":
            return encoding.run(quick=quick)
        case "download":
            return download.run(quick=quick)
        case "startup":
            return startup.run(quick=quick, pythons=pythons)
        case "polling":
            return polling.run(quick=quick)
    raise ValueError(name)


def destinations(*, quick: bool, only: bool, output: Path | None) -> tuple[Path, Path]:
    """Where the report and the raw results go. Only a full run rewrites BENCHMARKS.md and results.json: a
    partial one (``--only``) would drop every other section from them, so it writes beside them in the cache."""
    kind = "quick" if quick else "partial" if only else ""
    if not kind:
        return output or ROOT / "BENCHMARKS.md", CACHE / "results.json"
    return output or CACHE / f"BENCHMARKS-{kind}.md", CACHE / f"results-{kind}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repetition (for tests)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    parser.add_argument("--no-peers", action="store_true", help="do not create or use the side venvs")
    parser.add_argument(
        "--output", type=Path, help="report path (default: BENCHMARKS.md; with --quick or --only: bench/.cache/)"
    )
    parser.add_argument("--render-only", action="store_true", help="rewrite the report from the last results.json")
    args = parser.parse_args(argv)
    if args.render_only:
        saved = json.loads((CACHE / "results.json").read_text(encoding="utf-8"))
        notes = NOTES.read_text(encoding="utf-8") if NOTES.exists() else ""
        (args.output or ROOT / "BENCHMARKS.md").write_text(render(saved["results"], saved["meta"], notes), "utf-8")
        return 0
    output, saved_to = destinations(quick=args.quick, only=bool(args.only), output=args.output)
    names = args.only or list(BENCHMARKS)
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    pythons: dict[str, Path | str] = {}
    if not args.no_peers and {"overhead", "startup"} & set(names):
        print("side venvs (bench/.cache/venvs):", flush=True)
        pythons = ensure_all(list(PEERS))
        for peer, python in pythons.items():
            print(f"  {peer}: {python}", flush=True)
    results: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for name in names:
        print(f"{name}...", flush=True)
        t0 = time.monotonic()
        try:
            results[name] = run_one(name, quick=args.quick, pythons=pythons)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            failed[name] = f"{type(exc).__name__}: {exc}"
        print(f"  {time.monotonic() - t0:.1f} s", flush=True)
    given = sys.argv[1:] if argv is None else argv
    meta = {
        "command": f"python bench/run.py {' '.join(given)}" if given else "make bench",
        "date": datetime.date.today().isoformat(),
        "duration_s": time.monotonic() - started,
        "machine": _machine(),
        "quick": args.quick,
        "failed": failed,
        "peers": {k: str(v) for k, v in pythons.items()},
    }
    notes = NOTES.read_text(encoding="utf-8") if NOTES.exists() else ""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(results, meta, notes), encoding="utf-8")
    saved_to.write_text(json.dumps({"meta": meta, "results": results}, indent=1), encoding="utf-8")
    print(f"wrote {output}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
