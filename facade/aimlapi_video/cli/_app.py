"""The ``aimlapi-video`` command: generate, submit, status, wait, download, resume, jobs, serve-fake.

Every created generation is journalled before waiting starts; Ctrl-C prints the id and the exact ``resume``
command. Errors are one line on stderr (``--debug`` shows the traceback) with the exit codes of ``EXIT``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import attrs
import click

from .._request import DURATIONS, RESOLUTIONS, SHOT_TYPES

if TYPE_CHECKING:
    from .. import VideoClient
    from ._journal import Journal
    from ._render import Renderer

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes, documented in the README.
EXIT = {"done": 0, "failed": 1, "usage": 2, "api": 3, "timeout": 4, "uncertain": 5, "interrupted": 130}


def exit_code_for(exc: BaseException) -> int:  # noqa: PLR0911  (one return per documented code)
    """The one mapping from an exception to the process exit code."""
    from .. import (  # noqa: PLC0415
        AIMLAPIError,
        GenerationFailedError,
        InvalidInputError,
        SubmitUncertainError,
        WaitTimeoutError,
    )

    match exc:
        case KeyboardInterrupt() | Interrupted() | NothingSent():
            return EXIT["interrupted"]
        case InvalidInputError() | click.UsageError():
            return EXIT["usage"]
        case GenerationFailedError():
            return EXIT["failed"]
        case WaitTimeoutError():
            return EXIT["timeout"]
        case SubmitUncertainError():
            return EXIT["uncertain"]
        case AIMLAPIError() | OSError() | sqlite3.Error():
            return EXIT["api"]  # the API, the network, or a local file (journal, output) failed
        case _:
            return EXIT["failed"]


class NothingSent(Exception):
    """Ctrl-C before the paid request left: nothing was created."""

    def __init__(self) -> None:
        super().__init__("interrupted before the request was sent; nothing was created")


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) after a generation was created: it runs on, and can be resumed."""

    def __init__(self, generation_id: str) -> None:
        self.generation_id = generation_id
        super().__init__(
            f"interrupted; generation {generation_id} is still running and will be billed if it completes. "
            f"Resume with: aimlapi-video resume {generation_id}"
        )


@attrs.define
class Options:
    """What every command shares: output mode, server, key source."""

    as_json: bool
    quiet: bool
    debug: bool
    base_url: str | None
    api_key_file: Path | None
    poll_interval: float | None = None
    started: float = attrs.field(factory=time.monotonic)
    #: Set once a generation id is known, so every later error report (and --json) carries it.
    generation_id: str | None = None

    def api_key(self) -> str | None:
        """The key from ``--api-key-file``; ``None`` lets the client read the environment."""
        if self.api_key_file is None:
            return None
        from .. import InvalidInputError  # noqa: PLC0415

        try:
            text = self.api_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError("--api-key-file", f"cannot read {self.api_key_file}: {exc}") from None
        if self.api_key_file.stat().st_mode & 0o077:
            logging.getLogger("aimlapi_video.cli").warning("%s is readable by other users", self.api_key_file)
        return text.strip()

    def client(self, base_url: str | None = None) -> VideoClient:
        from .. import PollSchedule, VideoClient  # noqa: PLC0415

        schedule = None
        if self.poll_interval is not None:
            gap = self.poll_interval
            schedule = PollSchedule(first_delay=gap, growth=1.0, max_delay=gap, jitter=0.0)
        return VideoClient(self.api_key(), base_url=base_url or self.base_url, poll_schedule=schedule)

    def journal(self) -> Journal:
        from ._journal import Journal  # noqa: PLC0415

        return Journal.default()

    def renderer(self) -> Renderer:
        from ._render import make_renderer  # noqa: PLC0415

        return make_renderer(quiet=self.quiet)

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)


def _refuse_key(_: click.Context, __: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.UsageError(
            "--api-key is not accepted: any user on this machine can read command lines. "
            "Set AIMLAPI_API_KEY, or use --api-key-file PATH."
        )


def common(command: F) -> F:
    """Add the shared options to a command and run it under the CLI's error handling."""

    @click.option("--api-key", hidden=True, expose_value=False, callback=_refuse_key, is_eager=True)
    @click.option(
        "--api-key-file", type=click.Path(dir_okay=False, path_type=Path), help="Read the API key from this file."
    )
    @click.option("--base-url", help="API server (default: AIMLAPI_BASE_URL, else https://api.aimlapi.com).")
    @click.option(
        "--poll-interval",
        type=click.FloatRange(min=0, min_open=True),
        envvar="AIMLAPI_VIDEO_POLL_INTERVAL",
        help="Fixed seconds between status checks (default: adaptive, 2 s growing to 7.5 s).",
    )
    @click.option("--debug", is_flag=True, help="Show debug logs and tracebacks.")
    @click.option("-q", "--quiet", is_flag=True, help="No progress output.")
    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
    @functools.wraps(command)
    def wrapper(
        *,
        as_json: bool,
        quiet: bool,
        debug: bool,
        poll_interval: float | None,
        base_url: str | None,
        api_key_file: Path | None,
        **kwargs: Any,
    ) -> None:
        opts = Options(
            as_json=as_json,
            quiet=quiet,
            debug=debug,
            base_url=base_url,
            api_key_file=api_key_file,
            poll_interval=poll_interval,
        )
        _run(opts, lambda: command(opts, **kwargs))

    return wrapper  # type: ignore[return-value]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(opts: Options, body: Callable[[], dict[str, Any] | None]) -> NoReturn:
    """Run a command body; print its result (or one error line) and exit with the documented code."""
    logging.basicConfig(level=logging.DEBUG if opts.debug else logging.ERROR, format="%(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        result = body()
    except (click.ClickException, click.exceptions.Exit):
        raise
    except (Exception, KeyboardInterrupt) as exc:  # one line, the documented exit code
        if opts.debug:
            import traceback  # noqa: PLC0415

            traceback.print_exc()
        code = exit_code_for(exc)
        message = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        notes = [n for n in getattr(exc, "__notes__", []) if "generation id" in n]
        click.echo(f"error: {message}" + (f" [{notes[-1]}]" if notes else ""), err=True)  # the CLI's own note is last
        if opts.as_json:
            generation_id = getattr(exc, "generation_id", None) or opts.generation_id
            click.echo(json.dumps({"id": generation_id, "status": "error", "error": message, "exit_code": code}))
        sys.exit(code)
    if result is not None:
        if opts.as_json:
            click.echo(json.dumps(result, sort_keys=True))
        else:
            click.echo("\n".join(f"{k}: {v}" for k, v in result.items() if v is not None))
    sys.exit(EXIT["done"])


def _result(
    opts: Options,
    generation_id: str,
    status: str,
    *,
    video_url: str | None = None,
    output: str | None = None,
    credits_used: float | None = None,
) -> dict[str, Any]:
    return {
        "id": generation_id,
        "status": status,
        "video_url": video_url,
        "output": output,
        "credits_used": credits_used,
        "elapsed_seconds": opts.elapsed(),
    }


def _describe(value: str | None) -> str | None:
    """What the journal and ``--dry-run`` show for a media argument: never a Base64 payload."""
    if value is None or not value.startswith("data:"):
        return value
    from .._media import describe_data_uri  # noqa: PLC0415

    return describe_data_uri(value)


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
            click.option("--dry-run", is_flag=True, help="Print the request (Base64 elided) and send nothing."),
        ]
    ):
        f = decorator(f)
    return f


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


def _dry_run(image: str, prompt: str, options: dict[str, Any]) -> dict[str, Any]:
    from .._request import build_request  # noqa: PLC0415

    body = build_request(image, prompt, **options).to_dict()
    for key in ("image_url", "audio_url"):
        if key in body:
            body[key] = _describe(body[key])
    return body


@attrs.define
class _SubmitGuard:
    """What an interrupt during submit found: ``None`` (none came), ``before-send`` or ``deferred``."""

    interrupt: str | None = None
    answered: bool = False


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[_SubmitGuard]:
    """Hold back the first Ctrl-C (or SIGTERM) while the paid request is out, until its id is journalled.

    An interrupt then would leave a generation that may exist but whose id nobody knows. Before the request
    leaves (reading the image, waiting out a 429) nothing was created, so the interrupt acts at once; a second
    interrupt always does.
    """
    from .._client import create_in_flight  # noqa: PLC0415

    guard = _SubmitGuard()

    def hold(signum: int, frame: FrameType | None) -> None:
        if guard.interrupt is not None:
            raise KeyboardInterrupt
        if not guard.answered and not create_in_flight():
            guard.interrupt = "before-send"
            raise KeyboardInterrupt
        guard.interrupt = "deferred"
        click.echo("interrupt: finishing the submit so its id is not lost (interrupt again to abort)", err=True)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield guard
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _submit(
    opts: Options, *, client: VideoClient, image: str, prompt: str, options: dict[str, Any], output: Path | None
) -> str:
    """Create the generation and journal it before anything else happens; the journal is checked first."""
    from .. import InvalidInputError, SubmitUncertainError  # noqa: PLC0415
    from .._request import MODEL  # noqa: PLC0415

    params = {k: v for k, v in options.items() if v is not None}
    params.update(image=_describe(image), prompt=prompt, audio=_describe(options.get("audio")))
    journal = opts.journal()
    try:
        journal.ensure()
    except (OSError, sqlite3.Error) as exc:
        raise InvalidInputError("AIMLAPI_VIDEO_HOME", f"cannot write the journal {journal.path}: {exc}") from None
    try:
        with _interrupts_deferred() as guard:
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
            except (OSError, sqlite3.Error) as exc:
                exc.add_note(
                    f"generation id: {job.id} (created but not journalled; follow it with: aimlapi-video wait {job.id})"
                )
                raise
    except KeyboardInterrupt:
        if guard.interrupt == "before-send":
            raise NothingSent from None
        # Interrupted twice while the request was out: its answer, and so the id, may never have arrived.
        raise SubmitUncertainError("interrupted before the API answered") from None
    if guard.interrupt is not None:
        raise Interrupted(job.id)
    return job.id


def _finish(
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
    from .._request import MODEL  # noqa: PLC0415

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
    return _result(
        opts,
        generation_id,
        done.status,
        video_url=done.video_url,
        output=str(path) if path else None,
        credits_used=credits,
    )


def _default_output() -> Path:
    return Path(f"video-{datetime.now().strftime('%Y%m%d-%H%M%S')}.mp4")


def _check_output(output: Path | None, overwrite: bool) -> Path | None:
    """The library's destination checks, then an absolute path, so ``resume`` works from any directory."""
    from .._client import _check_output as check  # noqa: PLC0415

    checked = check(output, overwrite)
    return checked.absolute() if checked is not None else None


def _output_for(generation_id: str) -> Path:
    """The default file name for a generation saved without ``-o``: its id, made safe as a file name."""
    return Path(re.sub(r"[^A-Za-z0-9._-]", "_", generation_id) + ".mp4")


def _positive_seconds(_: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """``--timeout``: checked when the command line is read, long before anything is paid for."""
    if value is not None and not 0 < value < math.inf:
        raise click.BadParameter(f"must be a positive, finite number of seconds, got {value}", param=param)
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aimlapi-video")
def cli() -> None:
    """Turn a still image and a prompt into a short MP4 with the AI/ML API.

    The key comes from AIMLAPI_API_KEY (or AIML_API_KEY) or --api-key-file, never from the command line.
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
    options = _options(**fields)
    if dry_run:
        click.echo(json.dumps(_dry_run(image, prompt, options), indent=2))
        return None
    dest = _check_output(output or _default_output(), overwrite)
    with opts.client() as client:
        generation_id = _submit(opts, client=client, image=image, prompt=prompt, options=options, output=dest)
        try:
            opts.renderer().note(f"submitted {generation_id}")
            return _finish(opts, client, generation_id, dest, overwrite=overwrite, timeout=timeout)
        except KeyboardInterrupt:
            raise Interrupted(generation_id) from None


@cli.command()
@request_options
@common
def submit(opts: Options, *, image: str, prompt: str, dry_run: bool, **fields: Any) -> dict[str, Any] | None:
    """Submit IMAGE with a prompt; print the generation id and exit."""
    options = _options(**fields)
    if dry_run:
        click.echo(json.dumps(_dry_run(image, prompt, options), indent=2))
        return None
    with opts.client() as client:
        generation_id = _submit(opts, client=client, image=image, prompt=prompt, options=options, output=None)
    if not opts.as_json:
        click.echo(generation_id)  # the id alone, so that ID=$(aimlapi-video submit ...) works
        return None
    return _result(opts, generation_id, "queued")


@cli.command()
@click.argument("generation_id")
@common
def status(opts: Options, generation_id: str) -> dict[str, Any]:
    """Check a generation's status once."""
    from .. import Completed, Failed  # noqa: PLC0415

    with opts.client() as client:
        state = client.get(generation_id)
    opts.journal().update(generation_id, status=state.status)  # no-op for an id the journal does not know
    result = _result(opts, state.id, state.status)
    if isinstance(state, Completed):
        result.update(video_url=state.video_url, credits_used=state.usage.credits_used)
    if isinstance(state, Failed):
        result["error"] = f"{state.error_name}: {state.error_message}"
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
        return _finish(opts, client, generation_id, None, overwrite=False, timeout=timeout)


@cli.command()
@click.argument("generation_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to save the MP4.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@common
def download(opts: Options, generation_id: str, output: Path | None, overwrite: bool) -> dict[str, Any]:
    """Download a finished generation's video (a fresh URL is fetched first)."""
    dest = _check_output(output or _output_for(generation_id), overwrite)
    assert dest is not None
    from .. import Completed, InvalidInputError  # noqa: PLC0415

    with opts.client() as client:
        state = client.get(generation_id)
        if not isinstance(state, Completed):
            raise InvalidInputError("generation_id", f"{generation_id} is {state.status!r}, not completed")
        path = client.download(state, dest, overwrite=overwrite)
    opts.journal().update(generation_id, status=state.status, video_url=state.video_url, output_path=str(path), saved=1)
    return _result(
        opts,
        generation_id,
        state.status,
        video_url=state.video_url,
        output=str(path),
        credits_used=state.usage.credits_used,
    )


@cli.command()
@click.argument("generation_id", required=False)
@click.option("--last", is_flag=True, help="Resume the most recently created generation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Override the saved path.")
@click.option(
    "--timeout", type=float, callback=_positive_seconds, help="Give up waiting after this many seconds (default 1200)."
)
@common
def resume(
    opts: Options, *, generation_id: str | None, last: bool, output: Path | None, timeout: float | None
) -> dict[str, Any]:
    """Finish an interrupted generation from the journal: wait, then download (to ``<id>.mp4`` if none was set)."""
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
    dest = output or (Path(entry.output_path) if entry.output_path else _output_for(entry.id))
    if entry.saved and dest.exists():
        return _result(
            opts, entry.id, entry.status, video_url=entry.video_url, output=str(dest), credits_used=entry.credits_used
        )
    checked = _check_output(dest, overwrite=False)
    with opts.client() as client:
        return _finish(opts, client, entry.id, checked, overwrite=False, timeout=timeout)


@cli.command()
@click.option("--limit", type=int, default=20, show_default=True)
@common
def jobs(opts: Options, limit: int) -> dict[str, Any] | None:
    """List journalled generations, newest first."""
    entries = opts.journal().entries(limit)
    if opts.as_json:
        return {"jobs": [attrs.asdict(e) for e in entries]}
    for e in entries:
        saved = e.output_path if e.saved else "-"
        click.echo(f"{e.id}\t{e.created_at}\t{e.status}\t{e.prompt_summary}\t{saved}")
    return None


@cli.command("serve-fake", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def serve_fake(ctx: click.Context) -> None:
    """Serve the local AI/ML API emulator (options: see serve-fake --help-emulator)."""
    try:
        from ..testing import main as emulator_main  # noqa: PLC0415
    except ImportError as exc:
        raise click.UsageError(
            f"the emulator needs the testing extra: pip install 'aimlapi-video[testing]' ({exc})"
        ) from None
    sys.exit(emulator_main(["--help" if arg == "--help-emulator" else arg for arg in ctx.args]))


def _usage_error(exc: click.ClickException, args: list[str]) -> NoReturn:
    """A usage error like every other error: one ``error:`` line, and one JSON object with ``--json``."""
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = exc.format_message()
    click.echo(f"error: {message}{hint}", err=True)
    if "--json" in args:
        click.echo(json.dumps({"id": None, "status": "error", "error": message, "exit_code": exc.exit_code}))
    sys.exit(exc.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aimlapi-video`` script."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = cli.main(args=args, prog_name="aimlapi-video", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # a bare ``aimlapi-video``: click's help
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _usage_error(exc, args)
    except click.Abort:  # Ctrl-C while the command line was being read
        click.echo("error: interrupted", err=True)
        sys.exit(EXIT["interrupted"])
    sys.exit(code if isinstance(code, int) else EXIT["done"])
