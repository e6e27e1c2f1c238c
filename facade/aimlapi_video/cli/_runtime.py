"""How every command runs: shared options, one-line errors, the documented exit codes, and the result printed.

Errors are one line on stderr (``--debug`` shows the traceback) with the exit codes of ``EXIT``; with ``--json``
stdout carries exactly one JSON object, on success or failure.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict, TypeVar, Unpack

import attrs
import click

from ._messages import cli_wording, follow_command

if TYPE_CHECKING:
    from .. import VideoClient
    from ._journal import Journal
    from ._render import Renderer


F = TypeVar("F", bound=Callable[..., Any])


class Caps(TypedDict, total=False):
    """The client's size caps, from ``--max-image-mb`` and ``--max-audio-mb``."""

    max_image_bytes: int
    max_audio_bytes: int


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
            return EXIT["api"]  # not one we expected (a bug): not "the generation failed"; --debug shows it


class NothingSent(Exception):
    """Ctrl-C before the paid request left: nothing was created."""

    def __init__(self) -> None:
        super().__init__("interrupted before the request was sent; nothing was created")


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) after a generation was created: it is not lost, and can be resumed (or followed)."""

    def __init__(self, generation_id: str, *, base_url: str | None, journalled: bool = True) -> None:
        self.generation_id = generation_id
        verb = "resume" if journalled else "wait"
        follow = follow_command(verb, generation_id, base_url) + ("" if journalled else " (it was not journalled)")
        billed = "was created and is billed if it completes"
        super().__init__(f"interrupted; generation {generation_id} {billed}. Finish it with: {follow}")


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
        except FileNotFoundError:  # the path is not shown: it may be the key itself, given by mistake
            raise InvalidInputError(
                "--api-key-file", "no such file (the option takes the path of a file holding the key, not the key)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError("--api-key-file", f"cannot read {self.api_key_file}: {exc}") from None
        if self.api_key_file.stat().st_mode & 0o077:  # shown whatever the log level: it is about the secret
            click.echo(f"warning: {self.api_key_file} is readable by other users (chmod 600 it)", err=True)
        return text.strip()

    def client(self, base_url: str | None = None, **caps: Unpack[Caps]) -> VideoClient:
        """The client for a command, with the size caps of ``--max-image-mb`` and ``--max-audio-mb`` if given."""
        from .. import PollSchedule, VideoClient  # noqa: PLC0415

        schedule = None
        if self.poll_interval is not None:
            gap = self.poll_interval
            schedule = PollSchedule(first_delay=gap, growth=1.0, max_delay=gap, jitter=0.0)
        return VideoClient(
            self.api_key(), base_url=base_url or self.base_url, poll_schedule=schedule, sleep=pausing, **caps
        )

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
        type=click.FloatRange(min=0, min_open=True, max=3600),
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
        run_command(opts, lambda: command(opts, **kwargs))

    return wrapper  # type: ignore[return-value]


def stop_signals() -> tuple[signal.Signals, ...]:
    """Signals that end a run as Ctrl-C does: SIGTERM (a kill) and, where it exists, SIGHUP (the terminal or the
    ssh session closed), unless it is ignored (``nohup``: the run is meant to outlive the terminal). Each is an
    interruption, so a generation's id is journalled and printed, not lost."""
    if not hasattr(signal, "SIGHUP") or signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        return (signal.SIGTERM,)
    return (signal.SIGTERM, signal.SIGHUP)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class NoQueryStrings(logging.Filter):
    """httpx logs every request's full URL at INFO, which ``--debug`` shows; a signed video URL's query string
    is a credential, so URLs are logged without it. The API's own URLs (``api``: scheme, host and port) keep
    theirs: it carries no secret (the key goes in a header) and names the generation polled."""

    def __init__(self, api: tuple[str, str, int | None] | None) -> None:
        super().__init__()
        self.api = api

    def filter(self, record: logging.LogRecord) -> bool:
        import httpx  # noqa: PLC0415  (loaded by the client already)

        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.copy_with(query=None)
                if isinstance(arg, httpx.URL) and arg.query and (arg.scheme, arg.host, arg.port) != self.api
                else arg
                for arg in record.args
            )
        return True


def configure_logging(*, debug: bool, base_url: str | None) -> None:
    """Log lines on stderr: everything with ``--debug`` (video URLs without their query), else errors only."""
    import httpx  # noqa: PLC0415

    from .._config import resolve_base_url  # noqa: PLC0415
    from .._errors import InvalidInputError  # noqa: PLC0415

    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR, format="%(name)s: %(message)s")
    try:
        url = httpx.URL(resolve_base_url(base_url))
        api: tuple[str, str, int | None] | None = (url.scheme, url.host, url.port)
    except (InvalidInputError, httpx.InvalidURL):  # the command reports a bad base URL itself
        api = None
    httpx_log = logging.getLogger("httpx")
    for stale in [f for f in httpx_log.filters if isinstance(f, NoQueryStrings)]:
        httpx_log.removeFilter(stale)
    httpx_log.addFilter(NoQueryStrings(api))


def run_command(opts: Options, body: Callable[[], dict[str, Any] | None]) -> NoReturn:
    """Run a command body; print its result (or one error line) and exit with the documented code."""
    configure_logging(debug=opts.debug, base_url=opts.base_url)
    for stop in stop_signals():
        signal.signal(stop, _on_sigterm)
    try:
        result = body()
    except (click.ClickException, click.exceptions.Exit):
        raise
    except (Exception, KeyboardInterrupt) as exc:  # one line, the documented exit code
        if opts.debug and sys.stderr is not None:  # with stderr closed, print_exc would write to stdout
            import traceback  # noqa: PLC0415

            traceback.print_exc()
        code = exit_code_for(exc)
        message = cli_wording(exc, opts)
        notes = [n for n in getattr(exc, "__notes__", []) if "generation id" in n]
        click.echo(f"error: {message}" + (f" [{notes[-1]}]" if notes else ""), err=True)  # the CLI's own note is last
        if opts.as_json:
            generation_id = getattr(exc, "generation_id", None) or opts.generation_id
            with contextlib.suppress(OSError):  # stdout full or closed: the error line above is what remains
                click.echo(json.dumps({"id": generation_id, "status": "error", "error": message, "exit_code": code}))
        sys.exit(code)
    if result is not None:
        if opts.as_json:
            emit(json.dumps(result, sort_keys=True), result.get("id"))
        else:
            emit("\n".join(f"{k}: {v}" for k, v in result.items() if v is not None), result.get("id"))
    sys.exit(EXIT["done"])


def emit(text: str, generation_id: str | None) -> None:
    """Print a command's result on stdout. If stdout cannot take it (full, closed), the work is done but its
    report is lost: say so on stderr, with the generation id, and exit 3."""
    try:
        if sys.stdout is None:  # started with stdout closed (>&-): click.echo would drop the text silently
            raise OSError("standard output is closed")
        click.echo(text)
    except OSError as exc:
        with contextlib.suppress(OSError):
            named = f": {generation_id}" if generation_id else ""
            click.echo(f"error: could not print the result ({exc.strerror or exc}){named}", err=True)
        sys.exit(EXIT["api"])


def summary(
    opts: Options,
    generation_id: str,
    status: str,
    *,
    video_url: str | None = None,
    output: str | None = None,
    credits_used: float | None = None,
    usd_spent: float | None = None,
) -> dict[str, Any]:
    """A command's result; the cost in credits and in USD where the API reported it (else null)."""
    return {
        "id": generation_id,
        "status": status,
        "video_url": video_url,
        "output": output,
        "credits_used": credits_used,
        "usd_spent": usd_spent,
        "elapsed_seconds": opts.elapsed(),
    }


def usage_error(exc: click.ClickException, args: list[str]) -> NoReturn:
    """A usage error like every other error: one ``error:`` line, and one JSON object with ``--json``."""
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = exc.format_message()
    click.echo(f"error: {message}{hint}", err=True)
    if "--json" in args:
        click.echo(json.dumps({"id": None, "status": "error", "error": message, "exit_code": exc.exit_code}))
    sys.exit(exc.exit_code)


#: The guard of the submit in progress, if any (read by ``pausing``).
_ACTIVE: list[SubmitGuard] = []


@attrs.define
class SubmitGuard:
    """What an interrupt during submit found: ``None`` (none came), ``before-send`` or ``deferred``.

    ``sent_before`` is the process's count of create requests when the guard started: once it has grown, a
    request may have reached the server, and an interrupt waits for its id even after the call returned.
    """

    interrupt: str | None = None
    answered: bool = False
    sent_before: int = 0
    #: True while the client waits before another attempt: the last one created nothing (429, never sent).
    backing_off: bool = False


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[SubmitGuard]:
    """Hold back the first Ctrl-C (or SIGTERM, SIGHUP) while the paid request is out, until its id is journalled.

    An interrupt then would leave a generation that may exist but whose id nobody knows. Before the request
    leaves (reading the image, waiting out a 429) nothing was created, so the interrupt acts at once; a second
    interrupt always does.
    """
    from .._drivers import creates_sent  # noqa: PLC0415

    guard = SubmitGuard(sent_before=creates_sent())

    def hold(signum: int, frame: FrameType | None) -> None:
        if guard.interrupt is not None:
            raise KeyboardInterrupt
        # Nothing is out before a create request is handed to httpx, or while waiting to retry one that
        # created nothing (a 429, or a request that never left).
        nothing_out = creates_sent() == guard.sent_before or guard.backing_off
        if not guard.answered and nothing_out:
            guard.interrupt = "before-send"
            raise KeyboardInterrupt
        guard.interrupt = "deferred"
        with contextlib.suppress(OSError):  # after a hang-up the terminal may refuse writes: hold on all the same
            click.echo("interrupt: finishing the submit so its id is not lost (interrupt again to abort)", err=True)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, *stop_signals())}
    _ACTIVE.append(guard)
    try:
        yield guard
    finally:
        _ACTIVE.remove(guard)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def pausing(seconds: float) -> None:
    """The CLI client's sleep. A back-off during a submit means no generation was created yet (a 429, or a
    request that never left), so an interrupt held while that request was out takes effect now."""
    if not _ACTIVE:
        time.sleep(seconds)
        return
    guard = _ACTIVE[-1]
    if guard.interrupt == "deferred":
        guard.interrupt = "before-send"
        raise KeyboardInterrupt
    guard.backing_off = True
    try:
        time.sleep(seconds)
    finally:
        guard.backing_off = False
