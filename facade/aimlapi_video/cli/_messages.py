"""The command line's words for what the library says: its argument names become the options a user typed,
its advice for a Python caller becomes what to type, and a follow-up is a command ready to paste."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from .._config import KEY_ENV_HINT

if TYPE_CHECKING:
    from ._runtime import Options


def follow_command(verb: str, generation_id: str, base_url: str | None = None) -> str:
    """The command that follows a generation up, ready to paste: with the server given by ``--base-url``
    (``base_url``; one from the environment is seen by the next run too), and ``--`` before an id starting
    with ``-`` (ids may), so it is not read as an option."""
    words = ["aimlapi-video", verb]
    if base_url is not None:
        words += ["--base-url", shlex.quote(base_url)]
    if generation_id.startswith("-"):
        words.append("--")
    return " ".join([*words, shlex.quote(generation_id)])


#: The library names its arguments; here each is the command-line option or argument that sets it. (The API
#: key and the server are named by where they came from: see ``_named``.)
_ARGUMENTS = {
    "prompt": "--prompt",
    "duration": "--duration",
    "resolution": "--resolution",
    "negative_prompt": "--negative-prompt",
    "shot_type": "--shot-type",
    "seed": "--seed",
    "image": "IMAGE",
    "audio": "--audio",
    "extra": "--extra",
    "generation": "ID",
    "generation_id": "ID",
    "timeout": "--timeout",
}
#: And its refusals end with advice for a Python caller; here, what to type instead. Only the library's own
#: reasons are reworded (never a server's text, nor a name the user typed), and only at their end.
_ADVICE = {
    f"pass api_key= or set {KEY_ENV_HINT}": f"use --api-key-file or set {KEY_ENV_HINT}",
    "has its own argument; pass it by name instead": "is set by the command's own options and arguments, not --extra",
    "the client's max_image_bytes= raises it, or pass an https URL instead": (
        "--max-image-mb raises it, or pass an https URL instead"
    ),
    "the client's max_audio_bytes= raises it, or pass an https URL instead": (
        "--max-audio-mb raises it, or pass an https URL instead"
    ),
}


def _named(name: str, opts: Options) -> str | None:
    """What to call the library's argument ``name`` on this command line, if it is one the user set."""
    if name == "api_key":
        return f"--api-key-file {opts.api_key_file}" if opts.api_key_file is not None else None
    if name == "base_url":
        return "--base-url" if opts.base_url is not None else "AIMLAPI_BASE_URL"
    return _ARGUMENTS.get(name)


def cli_wording(exc: BaseException, opts: Options) -> str:
    """``exc``'s message on one line, in the command line's words: the option for a library argument, what to
    type for the library's advice, the command for a call to make."""
    from .. import APIConnectionError, InvalidInputError, VideoUrlExpiredError  # noqa: PLC0415

    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    message = str(exc)
    if isinstance(exc, InvalidInputError):  # names the CLI gave itself (--output, AIMLAPI_VIDEO_HOME) stay
        reason = exc.reason
        for advice, typed in _ADVICE.items():
            if reason.endswith(advice):
                reason = reason.removesuffix(advice) + typed
        name = _named(exc.name, opts)
        message = reason if name is None and exc.name == "api_key" else f"{name or exc.name}: {reason}"
    if isinstance(exc, VideoUrlExpiredError) and exc.generation_id is not None:
        # after a wait, the CLI's note names the command that finishes the job (to the output it was given)
        followed = any("aimlapi-video" in note for note in getattr(exc, "__notes__", []))
        fresh = "finishing it" if followed else follow_command("download", exc.generation_id, opts.base_url)
        message = message.replace(f"call get({exc.generation_id!r}) for a fresh URL", f"{fresh} fetches a fresh one")
    if isinstance(exc, APIConnectionError):  # which server could not be reached: the env's, the flag's, the default?
        message += f" (server {_server(opts)})"
    return " ".join(message.split())


def _server(opts: Options) -> str:
    """The API server this run talks to: ``--base-url``, else ``AIMLAPI_BASE_URL``, else the default."""
    from .._config import resolve_base_url  # noqa: PLC0415

    try:
        return resolve_base_url(opts.base_url)
    except ValueError:  # not usable: the run stopped before any connection, with its own message
        return opts.base_url or "?"
