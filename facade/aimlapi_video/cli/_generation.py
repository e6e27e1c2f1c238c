"""Create, journal, wait and download: the steps that must never lose a paid generation's id.

The journal is opened before the paid request; the first Ctrl-C while the request is out is held until the id
is journalled; every error after that names the id and the ``resume`` command.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .. import Job, VideoClient
    from ._journal import Journal


from ._messages import follow_command
from ._runtime import Caps, Interrupted, NothingSent, Options, interrupts_deferred, summary


def describe(value: str | None) -> str | None:
    """What the journal and ``--dry-run`` show for a media argument: never a Base64 payload."""
    if value is None or not value.startswith("data:"):
        return value
    from .._media import describe_data_uri  # noqa: PLC0415

    return describe_data_uri(value)


def dry_run_body(image: str, prompt: str, options: dict[str, Any], caps: Caps) -> dict[str, Any]:
    from .._request import build_request  # noqa: PLC0415

    body = build_request(image, prompt, **options, **caps).to_dict()
    return {key: describe(value) if isinstance(value, str) else value for key, value in body.items()}


def check_unclaimed(opts: Options, dest: Path | None) -> None:
    """Refuse an output that a journalled generation, not finished yet, is already headed for: running the same
    command again while the first still waits (in another terminal) would pay twice for one file. ``resume``
    finishes the first; ``--overwrite`` says a second generation is wanted all the same."""
    if dest is None:
        return
    from .. import InvalidInputError  # noqa: PLC0415
    from .._config import resolve_base_url  # noqa: PLC0415

    try:
        server = resolve_base_url(opts.base_url)
        entries = opts.journal().unfinished()
    except (OSError, ValueError, sqlite3.Error):  # an unreadable journal is reported by its own check, next
        return
    # The same file however it is spelled (relative, "..", a symlinked folder), on this server: a generation
    # journalled on another (an emulator, say) cannot be resumed from here, so it blocks nothing here either.
    target = _real(dest)
    entry = next((e for e in entries if e.base_url == server and _real(Path(e.output_path or "")) == target), None)
    if entry is not None:
        follow = follow_command("resume", entry.id, opts.base_url)
        raise InvalidInputError(
            "--output",
            f"{dest} is where generation {entry.id} (not finished yet) will be saved: finish it with {follow},"
            " or pass --overwrite to make another",
        )


def _real(path: Path) -> Path:
    """The file ``path`` names, however it is spelled: its folder's real path, and its name."""
    return Path(os.path.realpath(path.absolute().parent)) / path.name


def journalled_submit(
    opts: Options,
    *,
    client: VideoClient,
    image: str,
    prompt: str,
    options: dict[str, Any],
    output: Path | None,
    name_by_id: bool = False,
    announce: Callable[[str], None] | None = None,
) -> tuple[Job, Path | None]:
    """Create the generation and journal it before anything else happens; the journal is checked first.

    With ``name_by_id`` the output is ``<id>.mp4`` in the current directory, known only once the id is: two
    runs started in the same second never race for one default name. ``announce`` gets the id should the
    journalling fail (``submit`` prints it, its output being the id). Returns the job (id and the status the
    API answered) and the output."""
    from .. import InvalidInputError, SubmitUncertainError  # noqa: PLC0415
    from .._choices import MODEL  # noqa: PLC0415
    from .._engine import interrupted_generation_id, interrupted_request_id  # noqa: PLC0415

    params = {k: v for k, v in options.items() if v is not None}
    params.update(image=describe(image), prompt=prompt, audio=describe(options.get("audio")))
    if isinstance(params.get("extra"), dict):  # --extra tail_image_url=data:... is an image too
        params["extra"] = {k: describe(v) if isinstance(v, str) else v for k, v in params["extra"].items()}
    journal = opts.journal()
    try:
        journal.ensure()
    except (OSError, ValueError, sqlite3.Error) as exc:
        detail = str(exc).removeprefix(f"the journal {journal.path}: ")  # named once, here
        raise InvalidInputError("AIMLAPI_VIDEO_HOME", f"cannot write the journal {journal.path}: {detail}") from None
    job = None
    journalled = False
    try:
        with interrupts_deferred() as guard:
            job = client.submit(image, prompt, **options)
            guard.answered = True
            opts.generation_id = job.id
            try:
                if name_by_id:
                    output = free_name(output_for(job.id).absolute())
                journal.record(
                    job.id,
                    model=MODEL.value,
                    params=params,
                    base_url=client.base_url,
                    status=job.status,
                    output_path=str(output) if output else None,
                )
                journalled = True
            except (OSError, ValueError, sqlite3.Error) as exc:
                follow = follow_command("wait", job.id, opts.base_url)
                exc.add_note(f"generation id: {job.id} (created but not journalled; follow it with: {follow})")
                if announce is not None:  # a command whose output is the id still gives it where it is read
                    with contextlib.suppress(Exception, SystemExit):
                        announce(job.id)
                raise
    except KeyboardInterrupt as interrupt:
        if job is not None:  # the id arrived; a second interrupt cut the journalling short: still show it
            raise Interrupted(job.id, base_url=opts.base_url, journalled=journalled) from None
        if guard.interrupt == "before-send":
            raise NothingSent from None
        answered = interrupted_generation_id(interrupt)
        if answered is not None:  # the answer's head named the generation before its body was cut short
            opts.generation_id = answered
            if name_by_id:
                output = free_name(output_for(answered).absolute())
            saved = _best_effort(
                journal.record,
                answered,
                model=MODEL.value,
                params=params,
                base_url=client.base_url,
                status="queued",
                output_path=str(output) if output else None,
            )
            raise Interrupted(answered, base_url=opts.base_url, journalled=saved) from None
        # Interrupted twice while the request was out: its answer, and so the id, may never have arrived.
        request_id = interrupted_request_id(interrupt)
        raise SubmitUncertainError("interrupted before the API answered", client_request_id=request_id) from None
    if guard.interrupt is not None:
        raise Interrupted(job.id, base_url=opts.base_url)
    return job, output


def _best_effort(write: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    """A journal write whose failure is a warning, not an error; whether it succeeded."""
    try:
        write(*args, **kwargs)
    except (OSError, ValueError, sqlite3.Error) as exc:
        named = str(exc) if str(exc).startswith("the journal ") else f"the journal: {exc}"
        click.echo(f"warning: could not update {named}", err=True)
        return False
    return True


def update_journal(journal: Journal, generation_id: str, **fields: Any) -> None:
    """Update an entry after its id is safely recorded. A failure only warns: the generation (and a saved
    video) are fine, and turning success into an error would only mislead."""
    _best_effort(journal.update, generation_id, **fields)


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

    An id the journal does not know yet (``wait ID`` on a generation made elsewhere) is recorded after the
    first status check confirms it, so a mistyped id never becomes ``resume --last``. After the video is
    saved, a journal that cannot be updated is a warning: the work is done.
    """
    from .. import DownloadProgress, GenerationFailedError, NotFoundError, ProgressEvent  # noqa: PLC0415
    from .._choices import MODEL  # noqa: PLC0415

    opts.generation_id = generation_id
    journal, renderer = opts.journal(), opts.renderer()
    known = journal.get(generation_id) is not None

    def keep(**fields: Any) -> None:
        update_journal(journal, generation_id, **fields)

    def progress(event: ProgressEvent | DownloadProgress) -> None:
        nonlocal known
        if isinstance(event, ProgressEvent):
            if not known:  # an id given on the command line is journalled once the API has confirmed it exists
                known = _best_effort(
                    journal.record,
                    generation_id,
                    model=MODEL.value,
                    params={},
                    base_url=client.base_url,
                    status=event.status,
                    output_path=str(output) if output else None,
                )
            renderer.waiting(event)
        else:
            renderer.downloading(event)

    try:
        try:
            done = client.wait(generation_id, timeout=timeout, on_progress=progress)
        except GenerationFailedError as exc:
            keep(status="error", error=str(exc))
            raise
        credits = done.usage.credits_used
        keep(status=done.status, video_url=done.video_url, credits_used=credits, usd_spent=done.usage.usd_spent)
        path = None
        if output is not None:
            path = client.download(done, output, overwrite=overwrite, on_progress=progress)
            keep(output_path=str(path), saved=1)
    except KeyboardInterrupt:
        raise Interrupted(generation_id, base_url=opts.base_url, journalled=known) from None
    except NotFoundError as exc:  # no such generation: nothing to resume
        exc.add_note(f"generation id: {generation_id}")
        raise
    except GenerationFailedError as exc:  # it ended: there is nothing to finish
        exc.add_note(f"generation id: {generation_id}")
        raise
    except Exception as exc:
        if not any("aimlapi-video" in note for note in getattr(exc, "__notes__", [])):
            follow = follow_command("resume" if known else "wait", generation_id, opts.base_url)
            exc.add_note(f"generation id: {generation_id} (finish it with: {follow})")
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
        usd_spent=done.usage.usd_spent,
    )


def free_name(path: Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ``-3``... if taken: a default name never replaces a file."""
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def check_output(output: Path | None, overwrite: bool) -> Path | None:
    """The library's destination checks in the CLI's words, then an absolute path, so ``resume`` works from
    any directory."""
    from .. import InvalidInputError  # noqa: PLC0415
    from .._common import check_output as check  # noqa: PLC0415

    try:
        checked = check(output, overwrite)
    except InvalidInputError as exc:
        raise InvalidInputError("--output", exc.reason.replace("pass overwrite=True", "pass --overwrite")) from None
    if checked is None:
        return None
    absolute = checked.absolute()
    try:  # the journal stores the path as text; a name that is not UTF-8 could not be recorded after paying
        str(absolute).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError("--output", f"{absolute!s:.200} is not a UTF-8 path; choose another name") from None
    return absolute


#: Longest default file stem: well under the 255 bytes most filesystems allow, with room for "-N.mp4".
_MAX_STEM = 120


def output_for(generation_id: str) -> Path:
    """The default file name for a generation saved without ``-o``: its id, made safe as a file name.

    An id too long for a file name keeps its start and gets a short hash of the whole id, so the name stays
    unique and can never fail to be created (which would happen after the generation was paid for)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", generation_id)
    if len(stem) > _MAX_STEM:
        digest = hashlib.sha256(generation_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        stem = f"{stem[: _MAX_STEM - 13]}-{digest}"
    return Path(stem + ".mp4")
