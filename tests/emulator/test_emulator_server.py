"""The emulator over real HTTP: the threaded server, faults that need a real socket, clean shutdown, the CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_video import Completed, VideoClient
from aimlapi_video.testing import (
    FakeAIMLAPI,
    Fault,
    JobPlan,
    Route,
    Scenario,
    SizedVideo,
    main,
)
from aimlapi_video.testing._cli import _announce, build_parser, scenario_from_args
from tests.cli.conftest import wait_until

API = "/v2/video/generations"


def port_is_open(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def drain(response: httpx.Response, sink: bytearray) -> None:
    """Read a streamed body into ``sink`` chunk by chunk, so what arrived before a failure is kept."""
    for chunk in response.iter_raw():
        sink += chunk


def client_for(fake: FakeAIMLAPI, **kwargs: Any) -> httpx.Client:
    return httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.api_key}"}, **kwargs)


def test_threaded_server_serves_and_shuts_down_cleanly(make_body: Any) -> None:
    """It serves on a free 127.0.0.1 port; afterwards the port is closed and no thread is left."""
    threads_before = set(threading.enumerate())
    with FakeAIMLAPI() as fake, client_for(fake) as http:
        url = fake.base_url
        created = http.post(API, json=make_body())
        serving_threads = set(threading.enumerate()) - threads_before

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert 200 == created.status_code
    assert 1 == len(serving_threads)
    assert threads_before == set(threading.enumerate())
    assert not port_is_open(url)


def test_base_url_is_only_available_while_serving() -> None:
    """Before start and after stop there is no URL to give; stop is idempotent."""
    fake = FakeAIMLAPI()
    with pytest.raises(RuntimeError, match="not serving"):
        _ = fake.base_url
    fake.start()
    fake.stop()
    fake.stop()
    with pytest.raises(RuntimeError, match="not serving"):
        _ = fake.base_url


def test_a_fixed_port_is_honoured() -> None:
    """port= binds that port (found free first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeAIMLAPI(port=port) as fake:
        assert f"http://127.0.0.1:{port}" == fake.base_url


def test_drop_before_create_closes_the_socket_without_a_response(make_body: Any) -> None:
    """Over a real socket the client sees the server disconnect without answering; nothing is created."""
    with FakeAIMLAPI(Scenario(post_faults=(Fault.drop(),))) as fake, client_for(fake) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            http.post(API, json=make_body())
        counters = fake.counters

    assert (0, 1) == (counters.jobs_created, counters.post_requests)


def test_drop_after_create_over_a_real_socket(make_body: Any) -> None:
    """The job is created and counted, then the socket closes: the retry makes a second job."""
    with FakeAIMLAPI(Scenario(post_faults=(Fault.drop_after_create(),))) as fake, client_for(fake) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(API, json=make_body())
        retried = http.post(API, json=make_body())
        counters = fake.counters

    assert 200 == retried.status_code
    assert (2, 2) == (counters.jobs_created, counters.post_requests)


def test_slow_response_exceeds_the_client_read_timeout_and_the_job_exists(make_body: Any) -> None:
    """A 5 s delay against a 0.05 s read timeout: ReadTimeout, yet the job was created; stop is prompt."""
    with FakeAIMLAPI(Scenario(post_faults=(Fault.slow(5.0),))) as fake, client_for(fake, timeout=0.05) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post(API, json=make_body())
        counters = fake.counters

    assert 1 == counters.jobs_created


def test_a_slow_unprocessed_request_abandoned_by_the_client_creates_nothing(make_body: Any) -> None:
    """Fault.slow(processed=False): the client gives up during the delay, so no job is ever created."""
    fault = Fault.slow(5.0, processed=False)
    with FakeAIMLAPI(Scenario(post_faults=(fault,))) as fake:
        with client_for(fake, timeout=0.05) as http, pytest.raises(httpx.ReadTimeout):
            http.post(API, json=make_body())
        with client_for(fake) as http:
            http.get(API, params={"generation_id": "x"})  # a round trip: the slow handler has seen the hang-up
        counters = fake.counters

    assert 0 == counters.jobs_created


def test_truncated_download_sends_exactly_the_first_bytes_then_closes(make_body: Any) -> None:
    """Full Content-Length, the first 1000 bytes, then the connection closes mid-body."""
    plan = JobPlan(video_bytes=200_000, queued_polls=0, generating_polls=0)
    scenario = Scenario(default_job=plan, video_faults=(Fault.truncate(after_bytes=1000),))
    with FakeAIMLAPI(scenario) as fake, client_for(fake) as http:
        job_id = http.post(API, json=make_body()).json()["id"]
        url = http.get(API, params={"generation_id": job_id}).json()["video"]["url"]
        received = bytearray()
        with http.stream("GET", url) as response:
            length = response.headers["content-length"]
            with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
                drain(response, received)

    assert "200000" == length
    assert SizedVideo(200_000).read(0, 1000) == bytes(received)


@pytest.mark.parametrize("size", [10_000_000, 200_000_000])
def test_large_videos_stream_over_http(make_body: Any, size: int) -> None:
    """10 MB and 200 MB downloads arrive whole and in chunks (the fake never builds them in memory)."""
    plan = JobPlan(video_bytes=size, queued_polls=0, generating_polls=0)
    with FakeAIMLAPI(Scenario(default_job=plan)) as fake, client_for(fake) as http:
        job_id = http.post(API, json=make_body()).json()["id"]
        url = http.get(API, params={"generation_id": job_id}).json()["video"]["url"]
        total = 0
        largest = 0
        with http.stream("GET", url) as response:
            for chunk in response.iter_raw():
                total += len(chunk)
                largest = max(largest, len(chunk))

    assert size == total
    assert largest <= 1_048_576


def test_scenario_file_and_video_bytes_flags(tmp_path: Path) -> None:
    """--scenario loads the JSON file and --video-bytes sizes the default job."""
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"post_faults": [{"kind": "rate_limited", "retry_after": 2}]}), encoding="utf-8")

    args = build_parser().parse_args(["--scenario", str(path), "--video-bytes", "5000000"])
    scenario = scenario_from_args(args)

    assert (Fault.rate_limited(retry_after=2),) == scenario.post_faults
    assert 5_000_000 == scenario.default_job.video_bytes


def test_a_bad_scenario_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown key in the scenario file exits with status 2 and says which key."""
    path = tmp_path / "bad.json"
    path.write_text('{"post_fault": []}', encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        main(["--scenario", str(path)])

    assert 2 == exit_info.value.code
    assert "post_fault" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--video-bytes", "10"], "error: --video-bytes: must be at least "),
        (
            ["--job-seconds", "-1"],
            "error: argument --job-seconds: must be a finite number of seconds, 0 or more, or 'polls'",
        ),
        (
            ["--job-seconds", "inf"],
            "error: argument --job-seconds: must be a finite number of seconds, 0 or more, or 'polls'",
        ),
        (
            ["--job-seconds", "abc"],
            "error: argument --job-seconds: must be a finite number of seconds, 0 or more, or 'polls'",
        ),
        (["--port", "70000"], "error: argument --port: must be a port number from 0 to 65535, not '70000'"),
        (["--port", "-5"], "error: argument --port: must be a port number from 0 to 65535, not '-5'"),
    ],
)
def test_a_bad_flag_is_a_usage_error_naming_it(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each flag answers for itself: a too-small --video-bytes is not blamed on --scenario."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv, prog="aimlapi-video serve-fake")
    last = capsys.readouterr().err.splitlines()[-1]
    assert (2, True) == (exit_info.value.code, last.startswith(f"aimlapi-video serve-fake: {expected}"))


def test_a_port_in_use_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit_info:
            main(["--port", str(port)])
    err = capsys.readouterr().err
    assert 3 == exit_info.value.code
    assert err.endswith(f"error: cannot serve on 127.0.0.1:{port}: Address already in use\n")
    assert "Traceback" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery to a child differs on Windows")
def test_python_m_serves_until_interrupted(make_body: Any) -> None:
    """``python -m aimlapi_video.testing`` logs its URL, prints the two variables to export (on stdout, ready
    to paste), serves the API with them, and exits 0 on Ctrl+C."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "aimlapi_video.testing", "--port", "0", "--job-seconds", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stderr is not None
            assert process.stdout is not None
            line = process.stderr.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            assert match, line
            exported = process.stdout.readline().split()
            assert [
                "export",
                f"AIMLAPI_BASE_URL={match.group(0)}",
                "AIMLAPI_API_KEY=fake-key-aimlapi-video-emulator",
            ] == exported
            key = exported[2].partition("=")[2]
            with httpx.Client(base_url=match.group(0), headers={"Authorization": f"Bearer {key}"}) as http:
                job_id = http.post(API, json=make_body()).json()["id"]
                status = http.get(API, params={"generation_id": job_id}).json()["status"]
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)

    assert "completed" == status
    assert 0 == process.returncode


def test_faults_added_at_runtime_reach_the_threaded_server(make_body: Any) -> None:
    """add_faults works across threads: the server thread consumes what the test thread queued."""
    with FakeAIMLAPI() as fake, client_for(fake) as http:
        fake.add_faults(Route.POST, Fault.gateway_html(503))
        response = http.post(API, json=make_body())

    assert 503 == response.status_code


def _finished(fake: FakeAIMLAPI) -> Completed:
    """A job of ``fake``'s, created and waited for through the library (no sleeping)."""
    with VideoClient(fake.api_key, base_url=fake.base_url, sleep=lambda _: None) as client:
        return client.wait(client.submit("https://example.com/a.png", "p").id)


def test_a_route_can_be_named_by_its_string(tmp_path: Path) -> None:
    """``add_faults("video", ...)`` is ``add_faults(Route.VIDEO, ...)``: the truncation applies to the download,
    which resumes it (two requests)."""
    with FakeAIMLAPI() as fake:
        done = _finished(fake)
        before = fake.counters.video_requests
        fake.add_faults("video", Fault.truncate(after_bytes=10))
        with VideoClient(fake.api_key, base_url=fake.base_url, sleep=lambda _: None) as client:
            client.download(done, tmp_path / "v.mp4")
        assert 2 == fake.counters.video_requests - before


def test_a_download_the_client_abandons_is_not_a_flood_of_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """A client that closes its connection after the first piece of a 20 MB video: the emulator stops sending
    (asyncio logs a warning for each write to the dead socket from the fifth on: about 300 lines before)."""
    with FakeAIMLAPI(Scenario(default_job=JobPlan(video_bytes=20_000_000))) as fake:
        url = _finished(fake).video_url
        with httpx.stream("GET", url) as response:
            next(response.iter_raw())
    floods = [r for r in caplog.records if r.name == "asyncio" and "socket.send() raised" in r.getMessage()]
    assert len(floods) <= 16


def test_job_seconds_polls_lets_the_plans_poll_counts_drive_progress() -> None:
    """``--job-seconds polls``: no clock, so a scenario's queued_polls is what the jobs follow."""
    args = build_parser().parse_args(["--job-seconds", "polls"])
    assert args.job_seconds is None
    scenario = Scenario(default_job=JobPlan(queued_polls=3))
    with (
        FakeAIMLAPI(scenario, job_seconds=args.job_seconds) as fake,
        VideoClient(fake.api_key, base_url=fake.base_url, sleep=lambda _: None) as client,
    ):
        job = client.submit("https://example.com/a.png", "p")
        statuses = [client.get(job.id).status for _ in range(4)]
    assert ["queued", "queued", "queued", "generating"] == statuses


def test_stop_during_a_slow_answer_closes_the_connection_without_a_500(make_body: Any) -> None:
    """A request still held by Fault.slow when the server stops is cut off, like a server going away: the
    client sees no response at all, never an invented 500 (which a client could take as the API's word)."""
    fake = FakeAIMLAPI(Scenario(get_faults=(Fault.slow(60),))).start()
    outcome: list[object] = []
    with client_for(fake) as http:
        job_id = http.post(API, json=make_body()).json()["id"]

        def check() -> None:
            try:
                outcome.append(http.get(API, params={"generation_id": job_id}).status_code)
            except httpx.TransportError as exc:
                outcome.append(type(exc))

        checking = threading.Thread(target=check)
        checking.start()
        wait_until(lambda: fake.counters.get_requests == 1, "the status check to arrive")
        fake.stop()
        checking.join(30)

    assert [httpx.RemoteProtocolError] == outcome


@pytest.mark.parametrize(
    ("bound", "shown"),
    [("http://0.0.0.0:8123", "http://127.0.0.1:8123"), ("http://[::]:8123", "http://[::1]:8123")],
)
def test_the_export_line_of_a_server_on_every_address_names_loopback(
    bound: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bound to every address (--host 0.0.0.0), the line to paste names loopback: a client refuses plain http to
    0.0.0.0, and on this machine loopback reaches it."""
    _announce(bound, "k")
    assert f"export AIMLAPI_BASE_URL={shown} AIMLAPI_API_KEY=k\n" == capsys.readouterr().out
