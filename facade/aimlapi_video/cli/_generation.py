"""Create, journal, wait and download: the steps that must never lose a paid generation's id.

The journal is opened before the paid request; the first Ctrl-C while the request is out is held until the id
is journalled; every error after that names the id and the ``resume`` command.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .. import VideoClient


from ._runtime import Interrupted, NothingSent, Options, interrupts_deferred, summary


def describe(value: str | None) -> str | None:
    """What the journal and ``--dry-run`` show for a media argument: never a Base64 payload."""
    if value is None or not value.startswith("data:"):
        return value
    from .._media import describe_data_uri  # noqa: PLC0415

    return describe_data_uri(value)


def dry_run_body(image: str, prompt: str, options: dict[str, Any]) -> dict[str, Any]:
    from .._request import build_request  # noqa: PLC0415

    body = build_request(image, prompt, **options).to_dict()
    for key in ("image_url", "audio_url"):
        if key in body:
            body[key] = describe(body[key])
    return body


def journalled_submit(
    opts: Options, *, client: VideoClient, image: str, prompt: str, options: dict[str, Any], output: Path | None
) -> str:
    """Create the generation and journal it before anything else happens; the journal is checked first."""
    from .. import InvalidInputError, SubmitUncertainError  # noqa: PLC0415
    from .._choices import MODEL  # noqa: PLC0415

    params = {k: v for k, v in options.items() if v is not None}
    params.update(image=describe(image), prompt=prompt, audio=describe(options.get("audio")))
    journal = opts.journal()
    try:
        journal.ensure()
    except (OSError, sqlite3.Error) as exc:
        raise InvalidInputError("AIMLAPI_VIDEO_HOME", f"cannot write the journal {journal.path}: {exc}") from None
    job = None
    journalled = False
    try:
        with interrupts_deferred() as guard:
            job = client.submit(image, prompt, **options)
            guard.answered = True
            opts.generation_id = job.id
            try:
                journal.record(
                    job.id,
                    model=MODEL.value,
                    params=params,
                    base_url=client.base_url,
                    status=job.status,
                    output_path=str(output) if output else None,
                )
                journalled = True
            except (OSError, sqlite3.Error) as exc:
                exc.add_note(
                    f"generation id: {job.id} (created but not journalled; follow it with: aimlapi-video wait {job.id})"
                )
                raise
    except KeyboardInterrupt:
        if job is not None:  # the id arrived; a second interrupt cut the journalling short: still show it
            raise Interrupted(job.id, journalled=journalled) from None
        if guard.interrupt == "before-send":
            raise NothingSent from None
        # Interrupted twice while the request was out: its answer, and so the id, may never have arrived.
        raise SubmitUncertainError("interrupted before the API answered") from None
    if guard.interrupt is not None:
        raise Interrupted(job.id)
    return job.id


def finish(
    opts: Options,
    client: VideoClient,
    generation_id: str,
    output: Path | None,
    *,
    overwrite: bool,
    timeout: float | None,
) -> dict[str, Any]:
    """Wait, then download; the journal follows every step, and every error carries the id.

    An id the journal does not know yet (``wait ID`` on a generation made elsewhere) is recorded first, so the
    ``resume`` command an interrupt prints works for it too.
    """
    from .. import DownloadProgress, GenerationFailedError, ProgressEvent  # noqa: PLC0415
    from .._choices import MODEL  # noqa: PLC0415

    opts.generation_id = generation_id
    journal, renderer = opts.journal(), opts.renderer()

    def progress(event: ProgressEvent | DownloadProgress) -> None:
        if isinstance(event, ProgressEvent):
            renderer.waiting(event)
        else:
            renderer.downloading(event)

    try:
        if journal.get(generation_id) is None:
            journal.record(
                generation_id,
                model=MODEL.value,
                params={},
                base_url=client.base_url,
                status="unknown",
                output_path=str(output) if output else None,
            )
        try:
            done = client.wait(generation_id, timeout=timeout, on_progress=progress)
        except GenerationFailedError as exc:
            journal.update(generation_id, status="error", error=str(exc))
            raise
        credits = done.usage.credits_used
        journal.update(generation_id, status=done.status, video_url=done.video_url, credits_used=credits)
        path = None
        if output is not None:
            path = client.download(done, output, overwrite=overwrite, on_progress=progress)
            journal.update(generation_id, output_path=str(path), saved=1)
    except KeyboardInterrupt:
        raise Interrupted(generation_id) from None
    except Exception as exc:
        if not any("aimlapi-video resume" in note for note in getattr(exc, "__notes__", [])):
            exc.add_note(f"generation id: {generation_id} (resume with: aimlapi-video resume {generation_id})")
        raise
    finally:
        renderer.close()
    return summary(
        opts,
        generation_id,
        done.status,
        video_url=done.video_url,
        output=str(path) if path else None,
        credits_used=credits,
    )


def default_output() -> Path:
    return Path(f"video-{datetime.now().strftime('%Y%m%d-%H%M%S')}.mp4")


def check_output(output: Path | None, overwrite: bool) -> Path | None:
    """The library's destination checks, then an absolute path, so ``resume`` works from any directory."""
    from .._common import check_output as check  # noqa: PLC0415

    checked = check(output, overwrite)
    return checked.absolute() if checked is not None else None


def output_for(generation_id: str) -> Path:
    """The default file name for a generation saved without ``-o``: its id, made safe as a file name."""
    return Path(re.sub(r"[^A-Za-z0-9._-]", "_", generation_id) + ".mp4")
