"""Each benchmark runs once at a tiny size so bench/ cannot rot; results are checked for shape, not speed."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from bench import overhead, polling, run
from bench._common import ROOT
from bench._venvs import CACHE
from bench.report import render, targets


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    output = tmp_path_factory.mktemp("bench") / "BENCHMARKS.md"
    assert run.main(["--quick", "--no-peers", "--output", str(output)]) == 0
    saved = json.loads((CACHE / "results-quick.json").read_text(encoding="utf-8"))
    return saved["results"], output.read_text(encoding="utf-8")


def test_every_benchmark_produced_finite_results(quick: tuple[dict[str, Any], str]) -> None:
    results, _ = quick
    assert set(run.BENCHMARKS) == set(results)
    for name, result in results.items():
        assert result["rows"], name
        assert all(math.isfinite(n) and n >= 0 for n in _numbers(result)), name


def test_overhead_compares_equal_work(quick: tuple[dict[str, Any], str]) -> None:
    rows = {row["name"]: row for row in quick[0]["overhead"]["rows"]}
    ours, floor = rows["aimlapi-video VideoClient.generate"], rows[overhead.FLOOR]
    durable = rows["raw httpx + fsync and atomic rename"]
    assert ours["status_checks"] == floor["status_checks"] == 3
    assert ours["ratio"]["n"] == floor["ratio"]["n"] >= 1
    assert durable["status_checks"] == 3
    peers = [row for row in rows.values() if row not in (ours, floor, durable)]
    assert peers
    assert all("not requested" in row["error"] for row in peers)  # --no-peers: reported, not dropped


def test_scale_and_download_completed_without_errors(quick: tuple[dict[str, Any], str]) -> None:
    results = quick[0]
    assert all(row["errors"] == 0 and row["raw_errors"] == 0 for row in results["scale"]["rows"])
    assert all(row["rss_growth_mb"]["max"] >= 0 for row in results["download"]["rows"])


def test_download_is_compared_with_plain_and_durable_curl(quick: tuple[dict[str, Any], str]) -> None:
    """Each size has its five ratios (curl -o for a first and a second download, curl -o + fsync; ours without
    fsync, and without writeback too), or says why not."""
    for row in quick[0]["download"]["rows"]:
        compared = {"ratio", "ratio_later", "ratio_durable", "ratio_no_fsync", "ratio_plain"} <= row.keys()
        assert compared or row["curl_error"] == "curl not found on PATH"


def test_download_splits_the_first_download_into_phases(quick: tuple[dict[str, Any], str]) -> None:
    """Each size says where its first and second downloads' time went (every phase took some time, and none
    longer than the whole), beside curl's first byte, and the report shows it."""
    results, text = quick
    for row in results["download"]["rows"]:
        for phases in (row["phases_ms"], row["later_phases_ms"]):
            assert {"first_piece", "body", "durable", "wall"} == phases.keys()
            assert all(0 < phases[key] <= phases["wall"] for key in ("first_piece", "body", "durable"))
        curl = row.get("curl_phases_ms")
        assert curl is None or 0 < curl["first_byte"] < curl["total"]
    assert "ours: until the first piece is written" in text


def test_download_over_tls_compares_with_curl_and_httpx(quick: tuple[dict[str, Any], str]) -> None:
    """The https run has both ratios (or says why not), and its table is in the report."""
    tls = quick[0]["download"]["tls"]
    assert {"ratio", "ratio_vs_httpx"} <= tls.keys() or tls["error"] == "curl or openssl not found on PATH"
    assert "Over TLS (1 MB" in quick[1]


def test_report_has_every_section_and_target(quick: tuple[dict[str, Any], str]) -> None:
    results, text = quick
    for heading in ("## Targets", "## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text
    assert "could not run: not requested" in text
    assert len(targets(results)) >= 10
    judged = [line for line in text.splitlines() if line.endswith(("| met |", "| **missed** |"))]
    assert [] == judged  # a quick run's tiny sizes judge nothing
    assert len(targets(results)) == text.count("| not judged (--quick: tiny sizes, one repetition) |")


def test_polling_simulation_counts_checks_and_lag() -> None:
    checks, lag = polling.simulate(polling._fixed(10.0), 25.0, random.Random(1))
    assert (checks, lag) == (4, 5.0)  # checks at 0, 10, 20, 30


def test_render_reports_a_failed_benchmark() -> None:
    meta = {"command": "make bench", "date": "today", "duration_s": 1.0, "machine": "m", "failed": {"scale": "boom"}}
    assert "Failed: boom" in render({}, meta, "")


def test_only_a_full_run_rewrites_the_committed_report() -> None:
    """``--only`` and ``--quick`` write to the cache, so a partial run cannot drop sections from BENCHMARKS.md."""
    full = run.destinations(quick=False, only=False, output=None)
    partial = run.destinations(quick=False, only=True, output=None)
    quick = run.destinations(quick=True, only=True, output=None)
    assert (ROOT / "BENCHMARKS.md", CACHE / "results.json") == full
    assert (CACHE / "BENCHMARKS-partial.md", CACHE / "results-partial.json") == partial
    assert (CACHE / "BENCHMARKS-quick.md", CACHE / "results-quick.json") == quick
