"""The ``aimlapi-video`` command: generate, submit, status, wait, download, resume, jobs, serve-fake.

Every created generation is journalled before waiting starts; Ctrl-C prints the id and the exact ``resume``
command. How a command runs (errors, exit codes, output) is in ``_runtime``, the wording of its messages in
``_messages``; the journalled submit, wait and download in ``_generation``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

from .._choices import DURATIONS, RESOLUTIONS, SHOT_TYPES
from .._media import DEFAULT_MAX_AUDIO_BYTES, DEFAULT_MAX_IMAGE_BYTES
from ._generation import (
    check_output,
    check_unclaimed,
    dry_run_body,
    finish,
    journalled_submit,
    output_for,
    update_journal,
)
from ._journal import one_line
from ._runtime import EXIT, Caps, Interrupted, Options, common, emit, summary, usage_error

F = TypeVar("F", bound=Callable[..., Any])
_MB = 1 << 20  # as the library counts a megabyte in its messages
_MAX_CAP_MB = 1 << 20  # a terabyte: far above any image, and a size that still counts in whole bytes


def _parse_extra(pairs: tuple[str, ...]) -> dict[str, Any] | None:
    extra: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--extra {pair!r}: expected KEY=VALUE")
        try:
            extra[key] = json.loads(raw)
        except ValueError:
            extra[key] = raw  # a bare string, e.g. a URL
    return extra or None


def _cap_option(name: str, default_bytes: int, help_text: str) -> Callable[[F], F]:
    """A size cap in megabytes (the client's ``max_*_bytes``), checked as the command line is read."""
    return click.option(
        name, type=float, callback=_megabytes, default=default_bytes / _MB, show_default=True, help=help_text
    )


def request_options(f: F) -> F:
    """The request fields shared by ``generate`` and ``submit``; allowed values come from the generated enums."""
    for decorator in reversed(
        [
            click.argument("image"),
            click.option("--prompt", "-p", required=True, help="What should happen in the video."),
            click.option(
                "--duration",
                type=click.Choice([str(d) for d in DURATIONS]),
                default="5",
                show_default=True,
                help="Seconds of video (longer costs more).",
            ),
            click.option("--resolution", type=click.Choice(list(RESOLUTIONS)), help="Default: the server's (720p)."),
            click.option("--negative-prompt", help="What to avoid."),
            click.option(
                "--shot-type", type=click.Choice(list(SHOT_TYPES)), help="Takes effect with prompt enhancement."
            ),
            click.option("--seed", type=int, help="Same seed, same inputs: similar result."),
            click.option("--no-audio", is_flag=True, help="Do not add generated audio."),
            click.option("--audio", help="An audio file or URL to use as the soundtrack."),
            click.option("--no-enhance-prompt", is_flag=True, help="Send the prompt as written."),
            click.option(
                "--extra", multiple=True, metavar="KEY=VALUE", help="A field the spec lacks (VALUE as JSON or text)."
            ),
            _cap_option("--max-image-mb", DEFAULT_MAX_IMAGE_BYTES, "Refuse a larger local image (URLs unchecked)."),
            _cap_option("--max-audio-mb", DEFAULT_MAX_AUDIO_BYTES, "The same for --audio."),
            click.option("--dry-run", is_flag=True, help="Print the request (Base64 elided) and send nothing."),
        ]
    ):
        f = decorator(f)
    return f


def _megabytes(_: click.Context, param: click.Parameter, value: float) -> float:
    """``--max-image-mb`` and ``--max-audio-mb``: checked when the command line is read, as ``--timeout`` is."""
    if not 1 <= value * _MB <= _MAX_CAP_MB * _MB:  # also refuses nan
        raise click.BadParameter(f"must be a number of megabytes, from one byte to {_MAX_CAP_MB:,} MB, got {value}")
    return value


def _caps(fields: dict[str, Any]) -> Caps:
    """The client's size caps from ``--max-image-mb`` and ``--max-audio-mb`` (taken out of ``fields``)."""
    return {
        "max_image_bytes": int(fields.pop("max_image_mb") * _MB),
        "max_audio_bytes": int(fields.pop("max_audio_mb") * _MB),
    }


def _options(
    *,
    duration: str,
    resolution: str | None,
    negative_prompt: str | None,
    shot_type: str | None,
    seed: int | None,
    no_audio: bool,
    audio: str | None,
    no_enhance_prompt: bool,
    extra: tuple[str, ...],
) -> dict[str, Any]:
    if no_audio and audio is not None:
        raise click.UsageError("--audio and --no-audio cannot be combined")
    return {
        "duration": int(duration),
        "resolution": resolution,
        "negative_prompt": negative_prompt,
        "shot_type": shot_type,
        "seed": seed,
        "generate_audio": False if no_audio else None,
        "audio": audio,
        "enhance_prompt": False if no_enhance_prompt else None,
        "extra": _parse_extra(extra),
    }


def _positive_seconds(_: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """``--timeout``: checked when the command line is read, long before anything is paid for."""
    if value is not None and not 0 < value < math.inf:
        raise click.BadParameter(f"must be a positive, finite number of seconds, got {value}", param=param)
    return value


def _dry_run(opts: Options, image: str, prompt: str, options: dict[str, Any], caps: Caps) -> None:
    """``--dry-run``: the checks a real run makes before its request (the output path before this; the key
    and the server here; then every request field), except the journal's, as a dry run writes nothing; then
    the request is printed, its image elided."""
    opts.client(**caps).close()
    emit(json.dumps(dry_run_body(image, prompt, options, caps), indent=2), None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aimlapi-video")
def cli() -> None:
    """Turn a still image and a prompt into a short MP4 with the AI/ML API.

    The key comes from AIMLAPI_API_KEY (or AIML_API_KEY, AIMLAPI_KEY) or --api-key-file, never from the command line.
    """


@cli.command()
@request_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to save the MP4.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option(
    "--timeout", type=float, callback=_positive_seconds, help="Give up waiting after this many seconds (default 1200)."
)
@common
def generate(
    opts: Options,
    *,
    image: str,
    prompt: str,
    output: Path | None,
    overwrite: bool,
    timeout: float | None,
    dry_run: bool,
    **fields: Any,
) -> dict[str, Any] | None:
    """Submit IMAGE with a prompt, wait for the video, and download it."""
    caps = _caps(fields)
    options = _options(**fields)
    # Without -o the video goes to <id>.mp4 here, a name known only after the submit; the directory is checked now.
    dest = check_output(output, overwrite) if output is not None else None
    if output is None:
        check_output(Path("video.mp4"), overwrite=True)
    elif not overwrite:
        check_unclaimed(opts, dest)
    if dry_run:
        _dry_run(opts, image, prompt, options, caps)
        return None
    with opts.client(**caps) as client:
        job, dest = journalled_submit(
            opts, client=client, image=image, prompt=prompt, options=options, output=dest, name_by_id=output is None
        )
        generation_id = job.id
        try:
            opts.renderer().note(f"submitted {generation_id}")
            return finish(opts, client, generation_id, dest, overwrite=overwrite, timeout=timeout)
        except KeyboardInterrupt:
            raise Interrupted(generation_id, base_url=opts.base_url) from None


@cli.command()
@request_options
@common
def submit(opts: Options, *, image: str, prompt: str, dry_run: bool, **fields: Any) -> dict[str, Any] | None:
    """Submit IMAGE with a prompt; print the generation id and exit."""
    caps = _caps(fields)
    options = _options(**fields)
    if dry_run:
        _dry_run(opts, image, prompt, options, caps)
        return None
    with opts.client(**caps) as client:
        job, _ = journalled_submit(
            opts,
            client=client,
            image=image,
            prompt=prompt,
            options=options,
            output=None,
            announce=None if opts.as_json else lambda created: emit(created, created),  # ID=$(...) still gets it
        )
    if not opts.as_json:
        emit(job.id, job.id)  # the id alone, so that ID=$(aimlapi-video submit ...) works
        return None
    return summary(opts, job.id, job.status)  # as the API answered it (the live API may say "waiting")


@cli.command()
@click.argument("generation_id")
@common
def status(opts: Options, generation_id: str) -> dict[str, Any]:
    """Check a generation's status once (exit 1 if it failed, as wait does)."""
    from .. import Completed, Failed, GenerationFailedError  # noqa: PLC0415

    opts.generation_id = generation_id  # named in a --json error too
    with opts.client() as client:
        state = client.get(generation_id)
    # no-op for an id it does not know; a failure is journalled as "error" whatever the API called it
    update_journal(opts.journal(), generation_id, status="error" if isinstance(state, Failed) else state.status)
    result = summary(opts, state.id, state.status)
    if isinstance(state, Completed):
        usage = state.usage
        result.update(video_url=state.video_url, credits_used=usage.credits_used, usd_spent=usage.usd_spent)
    if isinstance(state, Failed):  # a job that ended in error is the command's failure, with its exit code
        raise GenerationFailedError(state.id, state.error_name, state.error_message, details=state.details)
    return result


@cli.command()
@click.argument("generation_id")
@click.option(
    "--timeout", type=float, callback=_positive_seconds, help="Give up after this many seconds (default 1200)."
)
@common
def wait(opts: Options, generation_id: str, timeout: float | None) -> dict[str, Any]:
    """Wait until a generation finishes (no download)."""
    with opts.client() as client:
        return finish(opts, client, generation_id, None, overwrite=False, timeout=timeout)


@cli.command()
@click.argument("generation_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to save the MP4.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@common
def download(opts: Options, generation_id: str, output: Path | None, overwrite: bool) -> dict[str, Any]:
    """Download a finished generation's video (a fresh URL is fetched first)."""
    opts.generation_id = generation_id  # named in a --json error too
    dest = check_output(output or output_for(generation_id), overwrite)
    assert dest is not None
    from .. import Completed, Failed, GenerationFailedError, InvalidInputError  # noqa: PLC0415

    with opts.client() as client:
        state = client.get(generation_id)
        if isinstance(state, Failed):  # exit 1, as for any failed generation: nothing to download, ever
            raise GenerationFailedError(state.id, state.error_name, state.error_message, details=state.details)
        if not isinstance(state, Completed):
            raise InvalidInputError("generation_id", f"{generation_id} is {state.status!r}, not completed")
        path = client.download(state, dest, overwrite=overwrite)
    fields = {"status": state.status, "video_url": state.video_url, "output_path": str(path), "saved": 1}
    update_journal(opts.journal(), generation_id, **fields)
    return summary(
        opts,
        generation_id,
        state.status,
        video_url=state.video_url,
        output=str(path),
        credits_used=state.usage.credits_used,
        usd_spent=state.usage.usd_spent,
    )


@cli.command()
@click.argument("generation_id", required=False)
@click.option("--last", is_flag=True, help="Resume the most recently created generation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Override the saved path.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option(
    "--timeout", type=float, callback=_positive_seconds, help="Give up waiting after this many seconds (default 1200)."
)
@common
def resume(
    opts: Options,
    *,
    generation_id: str | None,
    last: bool,
    output: Path | None,
    overwrite: bool,
    timeout: float | None,
) -> dict[str, Any]:
    """Finish an interrupted generation from the journal: wait, then download (to its output, else one named
    after the id)."""
    from .._config import resolve_base_url  # noqa: PLC0415

    if (generation_id is None) == (not last):
        raise click.UsageError("give a generation id or --last (not both)")
    journal = opts.journal()
    entry = journal.last() if last else journal.get(generation_id or "")
    if entry is None:
        raise click.UsageError(f"no journalled generation {generation_id or '(journal is empty)'}")
    configured = resolve_base_url(opts.base_url)
    if configured != entry.base_url:
        # The key of the configured server must not be sent to another one just because the journal names it.
        raise click.UsageError(
            f"generation {entry.id} was created on {entry.base_url}, but the configured server is {configured}; "
            f"to resume it there, pass --base-url {entry.base_url}"
        )
    saved = Path(entry.output_path) if entry.output_path else None
    dest = (output or saved or output_for(entry.id)).absolute()
    if entry.saved and dest == saved and dest.exists() and not overwrite:  # already done: nothing to fetch
        return summary(
            opts,
            entry.id,
            entry.status,
            video_url=entry.video_url,
            output=str(dest),
            credits_used=entry.credits_used,
            usd_spent=entry.usd_spent,
        )
    checked = check_output(dest, overwrite)
    with opts.client() as client:
        return finish(opts, client, entry.id, checked, overwrite=overwrite, timeout=timeout)


@cli.command()
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@common
def jobs(opts: Options, limit: int) -> dict[str, Any] | None:
    """List journalled generations, newest first."""
    entries = opts.journal().entries(limit)
    if opts.as_json:
        return {"jobs": [attrs.asdict(e) for e in entries]}
    lines = [
        "\t".join([e.id, e.created_at, e.status, e.prompt_summary, one_line(e.output_path) if e.saved else "-"])
        for e in entries
    ]
    if lines:
        emit("\n".join(lines), None)
    return None


@cli.command(
    "serve-fake",
    # every argument, --help included, goes to the emulator's own parser, which lists its options
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.pass_context
def serve_fake(ctx: click.Context) -> None:
    """Serve the local AI/ML API emulator (--port, --job-seconds, --scenario...: see serve-fake --help)."""
    try:
        from ..testing import main as emulator_main  # noqa: PLC0415
    except ImportError as exc:
        raise click.UsageError(
            f"the emulator needs the testing extra: pip install 'aimlapi-video[testing]' ({exc})"
        ) from None
    args = ["--help" if arg == "--help-emulator" else arg for arg in ctx.args]
    sys.exit(emulator_main(args, prog="aimlapi-video serve-fake"))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aimlapi-video`` script."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = cli.main(args=args, prog_name="aimlapi-video", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # a bare ``aimlapi-video``: click's help
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        usage_error(exc, args)
    except click.Abort:  # Ctrl-C while the command line was being read
        click.echo("error: interrupted", err=True)
        sys.exit(EXIT["interrupted"])
    sys.exit(code if isinstance(code, int) else EXIT["done"])
