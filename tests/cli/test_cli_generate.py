"""End-to-end: ``aimlapi-video`` generate/submit/status/download/jobs succeeding against the emulator."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from aimlapi_video.testing import Counters, FakeAIMLAPI

from .conftest import TINY_PNG, Cli, counters_delta, data_uri_bytes, is_mp4

MODEL = "alibaba/wan-2-6-image-to-video-flash"
PROMPT = "The lady smiles and waves"
RESULT_KEYS = {"id", "status", "video_url", "output", "credits_used", "usd_spent", "elapsed_seconds"}


def fields_of(stdout: str) -> dict[str, str]:
    """The ``key: value`` lines a command prints as its result."""
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def test_generate_downloads_the_video(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """generate IMAGE -p PROMPT -o out.mp4: exit 0, an MP4 on disk, the result on stdout, one job created."""
    out = cli.workdir / "out.mp4"
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))

    delta = counters_delta(before, fake.counters)
    assert 0 == result.returncode, result.stderr
    assert True is is_mp4(out)
    job = fake.jobs[-1]
    printed = fields_of(result.stdout)
    expected = {"id": job.id, "status": "completed", "output": str(out), "credits_used": "210000.0"}
    assert expected == {key: printed[key] for key in expected}
    assert printed["video_url"].startswith(f"{fake.base_url}/cdn/videos/")
    # One creation, three status checks (queued, generating, completed), one download.
    assert Counters(jobs_created=1, post_requests=1, get_requests=3, video_requests=1) == delta
    # The image went up as a data: URI holding exactly the file's bytes, with the prompt as given.
    assert TINY_PNG == data_uri_bytes(str(job.request["image_url"]))
    assert (PROMPT, MODEL, 5) == (job.request["prompt"], job.request["model"], job.request["duration"])


def test_generate_progress_is_plain_lines_on_stderr(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """Without a terminal, progress is plain ``submitted``/``status:``/``download:`` lines, no ANSI codes."""
    out = cli.workdir / "out.mp4"

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out))

    assert 0 == result.returncode, result.stderr
    lines = result.stderr.splitlines()
    assert f"submitted {fake.jobs[-1].id}" == lines[0]
    statuses = [line.split(" after ")[0] for line in lines if line.startswith("status: ")]
    assert ["status: queued", "status: generating", "status: completed"] == statuses
    assert lines[-1].startswith("download: ")
    assert [] == [line for line in lines if not line.startswith(("submitted ", "status: ", "download: "))]
    assert "\x1b[" not in result.stderr + result.stdout


def test_generate_with_the_shared_jpeg(cli: Cli, fake: FakeAIMLAPI, jpeg: Path) -> None:
    """A real 225 kB JPEG goes up byte for byte as ``data:image/jpeg;base64,...`` and a video comes back."""
    out = cli.workdir / "mona.mp4"

    result = cli.run(fake, "generate", str(jpeg), "-p", PROMPT, "-o", str(out), "-q")

    assert 0 == result.returncode, result.stderr
    assert True is is_mp4(out)
    sent = str(fake.jobs[-1].request["image_url"])
    assert sent.startswith("data:image/jpeg;base64,")
    assert jpeg.read_bytes() == data_uri_bytes(sent)


def test_generate_json_prints_exactly_one_object(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """--json: stdout is one JSON object with exactly the documented keys and sensible values."""
    out = cli.workdir / "out.mp4"

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "--json")

    assert 0 == result.returncode, result.stderr
    document = json.loads(result.stdout)
    assert RESULT_KEYS == set(document)
    expected = {"id": fake.jobs[-1].id, "status": "completed", "output": str(out), "credits_used": 210000.0}
    assert expected == {key: document[key] for key in expected}
    assert document["video_url"].startswith(f"{fake.base_url}/cdn/videos/")
    assert isinstance(document["elapsed_seconds"], float)
    assert 0 <= document["elapsed_seconds"] < 60
    assert True is is_mp4(out)


def test_quiet_prints_no_progress(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """-q: nothing on stderr; the result still goes to stdout."""
    out = cli.workdir / "out.mp4"

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "-q")

    assert (0, "") == (result.returncode, result.stderr)
    assert "completed" == fields_of(result.stdout)["status"]


def test_api_key_file_is_used(cli: Cli, fake: FakeAIMLAPI, png: Path, tmp_path: Path) -> None:
    """--api-key-file PATH supplies the key when no key is in the environment."""
    key_file = tmp_path / "key.txt"
    key_file.write_text(fake.api_key + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    out = cli.workdir / "out.mp4"

    result = cli.run(
        fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "--api-key-file", str(key_file), api_key=None
    )

    assert (0, "completed") == (result.returncode, fields_of(result.stdout).get("status")), result.stderr
    assert True is is_mp4(out)


def test_submit_json_then_status_wait_download_jobs(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """submit prints the id; wait, status, download, jobs and jobs --json then work on that generation."""
    before = fake.counters
    submitted = cli.run(fake, "submit", str(png), "-p", PROMPT, "--json")
    assert 0 == submitted.returncode, submitted.stderr
    document = json.loads(submitted.stdout)
    generation_id = fake.jobs[-1].id
    assert (RESULT_KEYS, generation_id, "queued") == (set(document), document["id"], document["status"])

    waited = cli.run(fake, "wait", generation_id, "--json")
    assert 0 == waited.returncode, waited.stderr
    assert ("completed", None) == (json.loads(waited.stdout)["status"], json.loads(waited.stdout)["output"])

    status = cli.run(fake, "status", generation_id)
    assert 0 == status.returncode, status.stderr
    printed = fields_of(status.stdout)
    assert (generation_id, "completed", "210000.0") == (printed["id"], printed["status"], printed["credits_used"])
    assert printed["video_url"].startswith(f"{fake.base_url}/cdn/videos/")

    saved = cli.workdir / "f.mp4"
    downloaded = cli.run(fake, "download", generation_id, "-o", str(saved))
    assert 0 == downloaded.returncode, downloaded.stderr
    assert str(saved) == fields_of(downloaded.stdout)["output"]
    assert True is is_mp4(saved)
    assert 1 == counters_delta(before, fake.counters).jobs_created

    listed = cli.run(fake, "jobs")
    assert 0 == listed.returncode, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(generation_id, "completed", PROMPT, str(saved))] == [(r[0], r[2], r[3], r[4]) for r in rows]

    as_json = cli.run(fake, "jobs", "--json")
    assert 0 == as_json.returncode, as_json.stderr
    jobs = json.loads(as_json.stdout)
    assert ["jobs"] == list(jobs)
    assert [(generation_id, "completed", PROMPT, True, fake.base_url)] == [
        (j["id"], j["status"], j["params"]["prompt"], j["saved"], j["base_url"]) for j in jobs["jobs"]
    ]


def test_jobs_lists_a_saved_generation(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """After generate, ``jobs`` shows the generation with its saved path; the image is described, not stored."""
    out = cli.workdir / "out.mp4"
    assert 0 == cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "-q").returncode

    listed = cli.run(fake, "jobs", "--json")

    assert 0 == listed.returncode, listed.stderr
    (entry,) = json.loads(listed.stdout)["jobs"]
    expected = {"id": fake.jobs[-1].id, "status": "completed", "saved": True, "output_path": str(out)}
    assert expected == {key: entry[key] for key in expected}
    assert str(png) == entry["params"]["image"]
    assert base64.b64encode(TINY_PNG).decode() not in listed.stdout


def test_download_matches_the_generated_file(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """download ID -o f.mp4 of a completed generation saves the same video that generate saved."""
    out = cli.workdir / "out.mp4"
    assert 0 == cli.run(fake, "generate", str(png), "-p", PROMPT, "-o", str(out), "-q").returncode
    again = cli.workdir / "again.mp4"

    result = cli.run(fake, "download", fake.jobs[-1].id, "-o", str(again))

    assert 0 == result.returncode, result.stderr
    assert out.read_bytes() == again.read_bytes()


def dry_run_body(image: str, size: int) -> dict[str, object]:
    """The request ``--dry-run`` prints for ``image`` and the options the dry-run tests pass."""
    return {
        "image_url": f"data:image/{image};base64 ({size:,} bytes)",
        "model": MODEL,
        "prompt": PROMPT,
        "duration": 10,
        "seed": 7,
        "generate_audio": False,
        "negative_prompt": "blur",
        "resolution": "1080p",
    }


OPTIONS = ("--duration", "10", "--seed", "7", "--no-audio", "--negative-prompt", "blur", "--resolution", "1080p")


def test_generate_dry_run_sends_nothing(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """generate --dry-run prints the request with the image described, sends nothing and writes nothing."""
    before = fake.counters

    result = cli.run(fake, "generate", str(png), "-p", PROMPT, *OPTIONS, "--dry-run", "-o", "out.mp4")

    assert (0, "") == (result.returncode, result.stderr)
    assert Counters() == counters_delta(before, fake.counters)
    assert dry_run_body("png", len(TINY_PNG)) == json.loads(result.stdout)
    assert "base64," not in result.stdout
    assert [] == list(cli.workdir.iterdir())
    assert False is cli.journal.exists()


def test_submit_dry_run_matches_what_submit_sends(cli: Cli, fake: FakeAIMLAPI, png: Path) -> None:
    """submit --dry-run sends nothing; the real submit then sends that very body, with the full image."""
    before = fake.counters
    dry = cli.run(fake, "submit", str(png), "-p", PROMPT, *OPTIONS, "--dry-run")
    assert Counters() == counters_delta(before, fake.counters)
    assert (0, "") == (dry.returncode, dry.stderr)
    printed = json.loads(dry.stdout)
    assert dry_run_body("png", len(TINY_PNG)) == printed

    real = cli.run(fake, "submit", str(png), "-p", PROMPT, *OPTIONS)

    assert 0 == real.returncode, real.stderr
    assert f"{fake.jobs[-1].id}\n" == real.stdout  # the id alone, for ID=$(aimlapi-video submit ...)
    sent = dict(fake.jobs[-1].request)
    assert TINY_PNG == data_uri_bytes(str(sent.pop("image_url")))
    printed.pop("image_url")
    assert printed == sent


def test_dry_run_elides_the_shared_jpeg(cli: Cli, fake: FakeAIMLAPI, jpeg: Path) -> None:
    """The 225,752-byte JPEG is shown as ``data:image/jpeg;base64 (225,752 bytes)``, never as Base64."""
    before = fake.counters

    result = cli.run(fake, "generate", str(jpeg), "-p", PROMPT, *OPTIONS, "--dry-run")

    assert (0, "") == (result.returncode, result.stderr)
    assert Counters() == counters_delta(before, fake.counters)
    assert dry_run_body("jpeg", jpeg.stat().st_size) == json.loads(result.stdout)
    assert base64.b64encode(jpeg.read_bytes()[:300]).decode() not in result.stdout
    assert "base64," not in result.stdout


@pytest.mark.parametrize("flag", ["--help", "-h", "--help-emulator"])
def test_serve_fake_help_lists_the_emulators_options(cli: Cli, fake: FakeAIMLAPI, flag: str) -> None:
    """serve-fake --help (and the older --help-emulator) shows the emulator's own options, the ones the README
    shows, and exits 0."""
    result = cli.run(fake, "serve-fake", flag)

    assert (0, "") == (result.returncode, result.stderr)
    assert "usage: aimlapi-video serve-fake" in result.stdout
    options = ("--port", "--job-seconds", "--scenario")
    assert list(options) == [opt for opt in options if opt in result.stdout]
