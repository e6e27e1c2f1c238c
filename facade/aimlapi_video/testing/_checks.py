"""Type and range checks for the scenario's frozen data: a wrong value is refused when the scenario is built,
naming its field, not when a request arrives (where it would make a test exercise the wrong thing)."""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Union, get_args, get_origin, get_type_hints


def _number(value: object, hint: Any) -> bool:
    """int and float as JSON means them: a bool is neither, a float must be finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) if hint is int else math.isfinite(value)


def conforms(value: object, hint: Any) -> bool:
    """Whether ``value`` is of the annotated type ``hint`` (the few forms the scenario uses)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(conforms(value, arg) for arg in get_args(hint))
    if hint is type(None):
        return value is None
    if hint in (int, float):
        return _number(value, hint)
    if origin is tuple:
        return isinstance(value, tuple) and all(conforms(item, get_args(hint)[0]) for item in value)
    if origin is Mapping:
        key, item = get_args(hint)
        return isinstance(value, Mapping) and all(conforms(k, key) and conforms(v, item) for k, v in value.items())
    return isinstance(value, hint)  # bool, str, the enums, Fault, JobPlan


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in get_args(hint))
    if hint is type(None):
        return "null"
    if origin is tuple:
        return f"a list of {_describe(get_args(hint)[0])}"
    if origin is Mapping:
        key, item = get_args(hint)
        return f"a mapping of {_describe(key)} to {_describe(item)}"
    return getattr(hint, "__name__", str(hint))


def check_fields(obj: object) -> None:
    """Refuse a field of ``obj`` (a dataclass instance) whose value does not match its annotation."""
    hints = get_type_hints(type(obj))
    for spec in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, spec.name)
        if not conforms(value, hints[spec.name]):
            raise ValueError(
                f"{type(obj).__name__}.{spec.name}: must be {_describe(hints[spec.name])}, got {value!r:.60}"
            )


def check_range(obj: object, name: str, low: float, high: float | None = None) -> None:
    """Refuse ``obj.name`` (a number, or None for "not set") outside ``low``..``high``."""
    value = getattr(obj, name)
    if value is not None and not (low <= value and (high is None or value <= high)):
        bound = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ValueError(f"{type(obj).__name__}.{name}: must be {bound}, got {value!r}")
