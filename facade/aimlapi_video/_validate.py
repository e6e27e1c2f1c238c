"""Checks shared by several arguments, so each fails the same way: one line naming the argument."""

from __future__ import annotations

import math

from ._errors import InvalidInputError


def number(
    name: str,
    value: object,
    *,
    minimum: float,
    maximum: float = math.inf,
    above: bool = False,
    integer: bool = False,
) -> float:
    """``value`` if it is a real number (an ``int`` when ``integer``) within range, else InvalidInputError.

    ``above`` makes the minimum exclusive. Booleans, strings, NaN and infinities are refused.
    """
    kinds = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        raise InvalidInputError(name, f"must be {kinds}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value > maximum or value < minimum or (above and value == minimum):
        bound = f"> {minimum:g}" if above else f">= {minimum:g}"
        upper = f" and <= {maximum:g}" if maximum != math.inf else ""
        raise InvalidInputError(name, f"must be {kinds} {bound}{upper}, got {value!r}")
    return value


def sendable(name: str, text: str) -> str:
    """``text`` if it can be sent as UTF-8; a lone surrogate (from a mis-decoded file name or terminal) cannot,
    and would otherwise fail only while the paid request is being sent."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise InvalidInputError(
            name, f"contains {bad!r} at position {exc.start}, which cannot be sent (it is not valid Unicode text)"
        ) from None
    return text
