"""Scenarios from code and from JSON, thread-safe counters, and the optional-dependency boundary."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from aimlapi_video.testing import (
    Fault,
    FaultKind,
    IdStyle,
    JobPlan,
    Outcome,
    Route,
    Scenario,
    StatusStyle,
    VideoStyle,
    main,
)
from aimlapi_video.testing._state import EmulatorState

DOCUMENTED_JSON = {
    "post_faults": [
        {"kind": "rate_limited", "retry_after": 2},
        {"kind": "http_error", "status": 503, "message": "busy"},
        {"kind": "drop", "processed": True},
        {"kind": "slow", "delay": 3},
        {"kind": "not_json"},
        {"kind": "gateway_html", "status": 504},
    ],
    "get_faults": [{"kind": "gateway_html", "status": 502}],
    "video_faults": [{"kind": "truncate", "after_bytes": 1000}, {"kind": "expired", "status": 410}],
    "default_job": {"video_bytes": 5000000, "status_style": "loose"},
    "jobs": {"0": {"outcome": "error_detail"}, "1": {"video_style": "list_of_objects", "url_ttl": 0}},
    "create_status": 200,
}


def test_the_documented_json_form_builds_the_same_scenario_as_code(tmp_path: Path) -> None:
    """Every key of the documented JSON maps onto the same objects the class methods build."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(DOCUMENTED_JSON), encoding="utf-8")

    scenario = Scenario.load(path)

    expected = Scenario(
        post_faults=(
            Fault.rate_limited(retry_after=2),
            Fault.http_error(503, message="busy"),
            Fault.drop_after_create(),
            Fault.slow(3),
            Fault.not_json(),
            Fault.gateway_html(504),
        ),
        get_faults=(Fault.gateway_html(502),),
        video_faults=(Fault.truncate(1000), Fault.expired(410)),
        default_job=JobPlan(video_bytes=5_000_000, status_style=StatusStyle.LOOSE),
        jobs={
            0: JobPlan(outcome=Outcome.ERROR_DETAIL),
            1: JobPlan(video_style=VideoStyle.LIST_OF_OBJECTS, url_ttl=0),
        },
    )
    assert expected == scenario


def test_job_plans_are_picked_by_creation_index() -> None:
    """jobs[i] applies to the i-th job created; others use default_job; with_job adds one."""
    scenario = Scenario(default_job=JobPlan(id_style=IdStyle.NANOID)).with_job(2, JobPlan(outcome=Outcome.ERROR))

    assert [IdStyle.NANOID, IdStyle.NANOID, IdStyle.UUID_MODEL] == [scenario.plan_for(i).id_style for i in range(3)]
    assert Outcome.ERROR == scenario.plan_for(2).outcome


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"post_fault": []}, "unknown Scenario keys: post_fault"),
        ({"post_faults": [{"kind": "explode"}]}, "'explode' is not a valid FaultKind"),
        ({"post_faults": [{"kind": "drop", "after": 1}]}, "unknown Fault keys: after"),
        ({"default_job": {"outcome": "maybe"}}, "'maybe' is not a valid Outcome"),
        ({"default_job": {"video_bytes": 10}}, "video_bytes must be at least"),
        ({"get_faults": [{"kind": "truncate", "after_bytes": 1}]}, "only applies to video downloads"),
        ({"post_faults": [{"kind": "slow"}]}, "needs a positive delay"),
        ({"jobs": {"0": {"queued_polls": -1}}}, "cannot be negative"),
    ],
)
def test_bad_scenarios_fail_loudly(data: dict[str, object], message: str) -> None:
    """Typos and impossible values are errors naming the problem, never silently ignored."""
    with pytest.raises(ValueError, match=message):
        Scenario.from_dict(data)


def test_a_scenario_file_must_hold_an_object(tmp_path: Path) -> None:
    """A JSON list is not a scenario."""
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")

    with pytest.raises(ValueError, match="JSON object"):
        Scenario.load(path)


def test_rate_limited_defaults_and_fault_kinds() -> None:
    """rate_limited is a 429 http_error with Retry-After 1 unless told; truncate/expired are download kinds."""
    assert Fault(FaultKind.HTTP_ERROR, status=429, retry_after=1) == Fault.rate_limited()
    assert Fault.from_dict({"kind": "rate_limited"}) == Fault.rate_limited()
    assert (FaultKind.TRUNCATE, 5) == (Fault.truncate(5).kind, Fault.truncate(5).after_bytes)


def test_counters_and_fault_queues_are_thread_safe() -> None:
    """Eight threads creating jobs and taking faults at once lose no count and hand out each fault once."""
    state = EmulatorState(Scenario(post_faults=tuple(Fault.http_error(500 + i % 4) for i in range(400))))
    taken: list[Fault | None] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(100):
            state.count_request(Route.POST)
            fault = state.next_fault(Route.POST)
            state.create_job({"model": "m"})
            with lock:
                taken.append(fault)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counters = state.counters()

    assert (800, 800) == (counters.jobs_created, counters.post_requests)
    assert 400 == sum(fault is not None for fault in taken)
    assert list(range(800)) == sorted(record.index for record in state.records())


def test_the_core_package_does_not_import_the_testing_extra() -> None:
    """``import aimlapi_video`` must work without starlette/uvicorn installed."""
    code = "import sys, aimlapi_video; print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert "[]" == result.stdout.strip()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"post_faults": [{"kind": "drop", "processed": "no"}]}, "Fault.processed: must be bool, got 'no'"),
        ({"post_faults": [{"kind": "http_error", "status": "503"}]}, "Fault.status: must be int, got '503'"),
        ({"post_faults": [{"kind": "http_error", "status": 99}]}, "Fault.status: must be from 100 to 599, got 99"),
        ({"post_faults": [{"kind": "slow", "delay": "3"}]}, "Fault.delay: must be float, got '3'"),
        ({"post_faults": {"kind": "drop"}}, "Scenario.post_faults: must be a list of faults, got dict"),
        ({"create_status": "200"}, "Scenario.create_status: must be int, got '200'"),
        ({"create_status": 500}, "Scenario.create_status: must be from 200 to 299, got 500"),
        ({"default_job": {"queued_polls": 1.5}}, "JobPlan.queued_polls: must be int, got 1.5"),
        ({"default_job": {"url_ttl": -5}}, "JobPlan.url_ttl: must be 0 or more, got -5"),
        ({"default_job": {"expired_status": 200}}, "JobPlan.expired_status: must be from 400 to 599, got 200"),
        ({"default_job": None}, "Scenario.default_job: must be an object, got NoneType"),
        ({"jobs": {"a": {}}}, "Scenario.jobs: keys must be job indexes (0, 1, ...), got ['a']"),
        ({"jobs": [{"outcome": "error"}]}, "Scenario.jobs: must be an object, got list"),
    ],
)
def test_a_wrongly_typed_scenario_is_refused_when_built_naming_the_field(data: dict[str, Any], expected: str) -> None:
    """Not when a request arrives, where it would make a test exercise the wrong thing."""
    with pytest.raises(ValueError, match=r"^(Fault|JobPlan|Scenario)\.") as info:
        Scenario.from_dict(data)
    assert expected == str(info.value)


def test_a_plan_keyed_by_a_string_is_refused_in_code_too() -> None:
    """``jobs={"0": plan}`` would never apply (jobs are counted from 0 as integers)."""
    with pytest.raises(ValueError, match=r"^Scenario.jobs: must be a mapping of int to JobPlan"):
        Scenario(jobs={"0": JobPlan(outcome=Outcome.ERROR)})  # type: ignore[dict-item]


def test_serve_fake_refuses_a_malformed_scenario_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "jobs-list.json"
    path.write_text('{"jobs": [{"outcome": "error"}]}', encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["--scenario", str(path)])
    last = capsys.readouterr().err.splitlines()[-1]
    assert (2, True) == (
        info.value.code,
        last.endswith("error: --scenario: Scenario.jobs: must be an object, got list"),
    )
