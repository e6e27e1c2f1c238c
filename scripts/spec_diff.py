"""Compare two normalized OpenAPI specs in API terms and classify each change for client users.

Usage: python scripts/spec_diff.py OLD NEW [--json]

Reports operations added or removed; request fields (body properties and parameters) added or removed, becoming
required or optional; enum values added or removed; type and default changes; response fields and response
status codes added or removed. ``$ref``, ``allOf`` and ``anyOf``/``oneOf`` are resolved and nested objects and
arrays are walked, so a change deep in ``meta.usage`` is reported by its field path.

A change is *breaking* when code written against the old client can fail against the new one: a removed
request field or enum value, a new required request field, a type change, a removed response field or status
code, a response field becoming optional. Everything else is *additive*. Defaults are read from ``default`` or,
for request fields, from the ``Server default: ...`` note that ``unmaterialize_request_defaults`` leaves.

Exit status: 0 when nothing is breaking, 1 when something is, 2 for bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Formats that change the generated Python type (others, like ``uri``, stay ``str``).
_TYPED_FORMATS = frozenset({"date", "date-time", "uuid", "binary"})
#: Constraints on a value, and which way each one tightens: a larger lower bound, a smaller upper bound.
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_OTHER = ("pattern", "format", "multipleOf")  # any change may refuse what was accepted
_SERVER_DEFAULT = re.compile(r"(?:^|\n)Server default: (.+)\.\Z", re.DOTALL)
_MISSING: Any = object()

Severity = Literal["breaking", "additive"]
BREAKING: Severity = "breaking"
ADDITIVE: Severity = "additive"


@dataclass(frozen=True)
class Change:
    """One API-level difference: what changed, where, and whether it can break existing client code."""

    severity: Severity
    kind: str  # e.g. "request-field-removed", "enum-value-added"
    operation: str  # "POST /v2/video/generations"
    location: str  # "request body field resolution", "response 200 field meta.usage.usd_spent"
    detail: str  # human text: "added (optional, integer)", "value removed: '1080p'"

    def text(self) -> str:
        """One line for people: ``BREAKING  POST /path  request body field x: detail``."""
        label = "BREAKING" if self.severity == BREAKING else "additive"
        where = f"{self.operation}  {self.location}" if self.location else self.operation
        return f"{label:<8}  {where}: {self.detail}"


class SpecDiffError(Exception):
    """An input is not readable as an OpenAPI document, or a ``$ref`` cannot be resolved."""


@dataclass
class _Shape:
    """A schema with references and combinators resolved: the facts a client's code depends on."""

    types: set[str] = field(default_factory=set)
    enum: list[Any] | None = None
    default: Any = _MISSING
    properties: dict[str, _Shape] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: _Shape | None = None
    constraints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Field:
    """A field flattened out of a shape: its path's facts, with ``required`` relative to its parent."""

    type: str
    enum: tuple[Any, ...] | None
    default: Any
    required: bool
    constraints: tuple[tuple[str, Any], ...] = ()


class _Resolver:
    """Resolves local ``$ref``s against one document, guarding against reference cycles."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec

    def lookup(self, reference: str) -> Mapping[str, Any]:
        if not reference.startswith("#/"):
            raise SpecDiffError(f"only local $refs are supported: {reference}")
        node: Any = self.spec
        for raw in reference[2:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise SpecDiffError(f"unresolvable $ref: {reference}")
            node = node[part]
        if not isinstance(node, Mapping):
            raise SpecDiffError(f"$ref does not point to a schema: {reference}")
        return node

    def shape(self, schema: Any, seen: frozenset[str] = frozenset()) -> _Shape:
        """Resolve ``schema`` into a ``_Shape`` (a recursive ``$ref`` stops at the second visit)."""
        if not isinstance(schema, Mapping):
            return _Shape()
        if "$ref" in schema:
            reference = schema["$ref"]
            if reference in seen:
                return _Shape(types={"object"})
            base = self.shape(self.lookup(reference), seen | {reference})
            local = {k: v for k, v in schema.items() if k != "$ref"}
            return _merge_all([base, self.shape(local, seen)]) if local else base
        parts: list[_Shape] = [self._own(schema, seen)]
        parts += [self.shape(member, seen) for member in schema.get("allOf", [])]
        shape = _merge_all(parts)
        alternatives = [self.shape(member, seen) for member in schema.get("anyOf", []) + schema.get("oneOf", [])]
        if alternatives:
            shape = _merge_all([shape, _union(alternatives)])
        if schema.get("nullable") is True:
            shape.types.add("null")
        return shape

    def _own(self, schema: Mapping[str, Any], seen: frozenset[str]) -> _Shape:
        shape = _Shape()
        kind = schema.get("type")
        if isinstance(kind, str):
            fmt = schema.get("format")
            shape.types.add(f"{kind}({fmt})" if fmt in _TYPED_FORMATS else kind)
        elif isinstance(kind, list):
            shape.types.update(str(k) for k in kind)
        if isinstance(schema.get("enum"), list):
            shape.enum = list(schema["enum"])
        if "default" in schema:
            shape.default = schema["default"]
        else:
            shape.default = _documented_default(schema.get("description"))
        for name, prop in schema.get("properties", {}).items():
            shape.properties[name] = self.shape(prop, seen)
        if isinstance(schema.get("required"), list):
            shape.required = set(schema["required"])
        if "items" in schema:
            shape.items = self.shape(schema["items"], seen)
        shape.constraints = {
            key: schema[key]
            for key in (*_LOWER, *_UPPER, *_OTHER)
            if key in schema and not (key == "format" and schema[key] in _TYPED_FORMATS)
        }
        if shape.properties and not shape.types:
            shape.types.add("object")
        return shape


def _documented_default(description: Any) -> Any:
    """The default that ``unmaterialize_request_defaults`` moved into prose, or ``_MISSING``."""
    if not isinstance(description, str):
        return _MISSING
    match = _SERVER_DEFAULT.search(description)
    if match is None:
        return _MISSING
    text = match.group(1)
    if text in ("true", "false"):
        return text == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _merge_all(shapes: list[_Shape]) -> _Shape:
    """``allOf``: every constraint applies, so properties and required names accumulate."""
    out = _Shape()
    for shape in shapes:
        out.types |= shape.types
        if shape.enum is not None:
            out.enum = shape.enum if out.enum is None else [v for v in out.enum if v in shape.enum]
        if shape.default is not _MISSING:
            out.default = shape.default
        for name, prop in shape.properties.items():
            out.properties[name] = _merge_all([out.properties[name], prop]) if name in out.properties else prop
        out.required |= shape.required
        if shape.items is not None:
            out.items = shape.items if out.items is None else _merge_all([out.items, shape.items])
        out.constraints.update(shape.constraints)
    return out


def _union(shapes: list[_Shape]) -> _Shape:
    """``anyOf``: any alternative may arrive, so types, enum values and properties are the union of all.

    A property is required when every alternative that declares it requires it.
    """
    out = _Shape()
    declared: dict[str, list[bool]] = {}
    for shape in shapes:
        out.types |= shape.types
        if shape.enum is not None:
            out.enum = list(shape.enum) if out.enum is None else out.enum + [v for v in shape.enum if v not in out.enum]
        if out.default is _MISSING:
            out.default = shape.default
        for name, prop in shape.properties.items():
            out.properties[name] = _union([out.properties[name], prop]) if name in out.properties else prop
            declared.setdefault(name, []).append(name in shape.required)
        if shape.items is not None:
            out.items = shape.items if out.items is None else _union([out.items, shape.items])
    out.required = {name for name, flags in declared.items() if all(flags)}
    return out


def _flatten(shape: _Shape, prefix: str = "") -> Iterator[tuple[str, _Field]]:
    """Yield ``(path, field)`` for every property below ``shape``: ``meta.usage.credits_used``, ``video[].url``."""
    for name, prop in shape.properties.items():
        path = f"{prefix}{name}"
        yield path, _field(prop, required=name in shape.required)
        yield from _flatten(prop, path + ".")
        yield from _flatten_items(prop, path)
    if not prefix and shape.items is not None:
        yield from _flatten_items(shape, "")


def _flatten_items(shape: _Shape, path: str) -> Iterator[tuple[str, _Field]]:
    if shape.items is None:
        return
    item_path = f"{path}[]"
    yield item_path, _field(shape.items, required=True)
    yield from _flatten(shape.items, item_path + ".")
    yield from _flatten_items(shape.items, item_path)


def _field(shape: _Shape, required: bool) -> _Field:
    enum = tuple(shape.enum) if shape.enum is not None else None
    constraints = tuple(sorted(shape.constraints.items()))
    return _Field("|".join(sorted(shape.types)) or "any", enum, shape.default, required, constraints)


def _tightened(key: str, old: Any, new: Any) -> bool:
    """Whether constraint ``key`` going from ``old`` to ``new`` (``_MISSING`` for absent) can refuse a value
    the old one accepted."""
    if new is _MISSING:
        return False
    if old is _MISSING or key in _OTHER:
        return True
    try:
        return bool(new > old) if key in _LOWER else bool(new < old)
    except TypeError:
        return True


def _compare_constraints(operation: str, where: str, old: _Field, new: _Field, *, request: bool) -> Iterator[Change]:
    """A constraint added, removed or changed. For a request, one that can refuse what was sent before
    breaks callers; for a response it only narrows what the server sends (the client does not enforce them)."""
    before, after = dict(old.constraints), dict(new.constraints)
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key, _MISSING), after.get(key, _MISSING)
        if was == now:
            continue
        severity = BREAKING if request and _tightened(key, was, now) else ADDITIVE
        detail = f"{key} changed from {_shown(was)} to {_shown(now)}"
        yield Change(severity, "constraint-changed", operation, where, detail)


def _shown(value: Any) -> str:
    return "none" if value is _MISSING else repr(value)


def _operations(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Operations keyed ``"POST /v2/video/generations"``, with path-level parameters folded in."""
    out: dict[str, Mapping[str, Any]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                op = dict(item[method])
                op["parameters"] = list(item.get("parameters", [])) + list(op.get("parameters", []))
                out[f"{method.upper()} {path}"] = op
    return out


def _request_fields(resolver: _Resolver, op: Mapping[str, Any]) -> dict[str, _Field]:
    """Request fields keyed by location: ``body field resolution``, ``query parameter generation_id``."""
    fields: dict[str, _Field] = {}
    for declared in op.get("parameters", []):
        param = resolver.lookup(declared["$ref"]) if "$ref" in declared else declared
        shape = resolver.shape(param.get("schema", {}))
        key = f"{param.get('in', '?')} parameter {param.get('name', '?')}"
        fields[key] = _field(shape, required=bool(param.get("required", False)))
    body = op.get("requestBody")
    if isinstance(body, Mapping) and "$ref" in body:
        body = resolver.lookup(body["$ref"])
    if isinstance(body, Mapping):
        for media, content in sorted(body.get("content", {}).items()):
            label = "body" if media == "application/json" else f"body ({media})"
            for path, info in _flatten(resolver.shape(content.get("schema", {}))):
                fields[f"{label} field {path}"] = info
    return fields


def _responses(resolver: _Resolver, op: Mapping[str, Any]) -> dict[str, dict[str, _Field]]:
    """Response fields per status code: ``{"200": {"meta.usage.credits_used": field}}``."""
    out: dict[str, dict[str, _Field]] = {}
    for code, declared in op.get("responses", {}).items():
        response = resolver.lookup(declared["$ref"]) if "$ref" in declared else declared
        fields: dict[str, _Field] = {}
        for media, content in sorted(response.get("content", {}).items()):
            prefix = "" if media == "application/json" else f"({media}) "
            for path, info in _flatten(resolver.shape(content.get("schema", {}))):
                fields[prefix + path] = info
        out[str(code)] = fields
    return out


def _describe(info: _Field) -> str:
    parts = ["required" if info.required else "optional", info.type]
    if info.enum is not None:
        parts.append("one of " + ", ".join(repr(v) for v in info.enum))
    return ", ".join(parts)


def _accepted(types: set[str]) -> set[str]:
    """The types a field of ``types`` accepts: a number field accepts integers too."""
    return types | {"integer"} if "number" in types else types


def _compare_field(operation: str, where: str, old: _Field, new: _Field, *, request: bool) -> Iterator[Change]:
    """Changes between two versions of one field; ``request`` decides which direction breaks clients."""
    if old.type != new.type:
        old_types, new_types = set(old.type.split("|")), set(new.type.split("|"))
        # A request field may start accepting more (e.g. null, or number for integer): old callers still send
        # valid values. A response field may only narrow: a client reading it must not meet a type it never saw.
        widened_request = request and old_types <= _accepted(new_types)
        narrowed_response = not request and new_types <= _accepted(old_types)
        severity = ADDITIVE if widened_request or narrowed_response else BREAKING
        yield Change(severity, "type-changed", operation, where, f"type changed from {old.type} to {new.type}")
    if old.required != new.required:
        if new.required:
            severity = BREAKING if request else ADDITIVE
            yield Change(severity, "field-required", operation, where, "became required")
        else:
            severity = ADDITIVE if request else BREAKING
            yield Change(severity, "field-optional", operation, where, "became optional")
    old_enum, new_enum = old.enum or (), new.enum or ()
    for value in old_enum:
        if value not in new_enum:
            yield Change(BREAKING, "enum-value-removed", operation, where, f"enum value removed: {value!r}")
    for value in new_enum:
        if value not in old_enum:
            yield Change(ADDITIVE, "enum-value-added", operation, where, f"enum value added: {value!r}")
    yield from _compare_constraints(operation, where, old, new, request=request)
    if old.default is not _MISSING or new.default is not _MISSING:
        if old.default is _MISSING:
            yield Change(ADDITIVE, "default-changed", operation, where, f"default added: {new.default!r}")
        elif new.default is _MISSING:
            yield Change(ADDITIVE, "default-changed", operation, where, f"default removed (was {old.default!r})")
        elif old.default != new.default or type(old.default) is not type(new.default):
            yield Change(
                ADDITIVE,
                "default-changed",
                operation,
                where,
                f"default changed from {old.default!r} to {new.default!r}",
            )


def _compare_fields(
    operation: str, scope: str, old: dict[str, _Field], new: dict[str, _Field], *, request: bool
) -> Iterator[Change]:
    side = "request" if request else "response"
    for key in old:
        if key not in new:
            yield Change(BREAKING, f"{side}-field-removed", operation, f"{scope}{key}", "removed")
    for key, info in new.items():
        if key not in old:
            severity = BREAKING if request and info.required else ADDITIVE
            yield Change(severity, f"{side}-field-added", operation, f"{scope}{key}", f"added ({_describe(info)})")
    for key in old.keys() & new.keys():
        yield from _compare_field(operation, f"{scope}{key}", old[key], new[key], request=request)


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every API-level change from ``old`` to ``new`` (two normalized OpenAPI documents), in a stable order."""
    old_resolver, new_resolver = _Resolver(old), _Resolver(new)
    old_ops, new_ops = _operations(old), _operations(new)
    changes: list[Change] = []
    for name in old_ops.keys() - new_ops.keys():
        changes.append(Change(BREAKING, "operation-removed", name, "", "operation removed"))
    for name in new_ops.keys() - old_ops.keys():
        changes.append(Change(ADDITIVE, "operation-added", name, "", "operation added"))
    for name in old_ops.keys() & new_ops.keys():
        old_op, new_op = old_ops[name], new_ops[name]
        changes += _compare_fields(
            name,
            "request ",
            _request_fields(old_resolver, old_op),
            _request_fields(new_resolver, new_op),
            request=True,
        )
        old_responses, new_responses = _responses(old_resolver, old_op), _responses(new_resolver, new_op)
        for code in old_responses.keys() - new_responses.keys():
            changes.append(Change(BREAKING, "response-removed", name, f"response {code}", "status code removed"))
        for code in new_responses.keys() - old_responses.keys():
            changes.append(Change(ADDITIVE, "response-added", name, f"response {code}", "status code added"))
        for code in old_responses.keys() & new_responses.keys():
            changes += _compare_fields(
                name, f"response {code} field ", old_responses[code], new_responses[code], request=False
            )
    # Stable sort: values within one field keep their document order.
    return sorted(changes, key=lambda c: (c.severity != BREAKING, c.operation, c.location, c.kind))


def is_breaking(changes: list[Change]) -> bool:
    """True when any change can break code written against the old client."""
    return any(change.severity == BREAKING for change in changes)


def verdict(changes: list[Change]) -> str:
    """``"breaking"``, ``"additive"`` or ``"no API change"``: the one word a reviewer reads first."""
    if not changes:
        return "no API change"
    return BREAKING if is_breaking(changes) else ADDITIVE


def format_text(changes: list[Change]) -> str:
    """Plain text for people: a verdict line, then one line per change, breaking ones first."""
    if not changes:
        return "No API changes.\n"
    breaking = sum(1 for c in changes if c.severity == BREAKING)
    head = f"{verdict(changes).upper()}: {len(changes)} API change(s), {breaking} breaking, "
    head += f"{len(changes) - breaking} additive"
    return "\n".join([head, *(change.text() for change in changes)]) + "\n"


def format_json(changes: list[Change]) -> str:
    """JSON for machines: ``{"verdict", "breaking", "changes": [{severity, kind, operation, location, detail}]}``."""
    document = {
        "verdict": verdict(changes),
        "breaking": is_breaking(changes),
        "changes": [asdict(change) for change in changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_spec(path: Path) -> dict[str, Any]:
    """Read a JSON OpenAPI document; ``SpecDiffError`` with a one-line reason otherwise."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecDiffError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise SpecDiffError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(doc, dict) or "openapi" not in doc or not isinstance(doc.get("paths"), dict):
        raise SpecDiffError(f"{path}: not an OpenAPI document (needs 'openapi' and 'paths')")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the normalized spec before the change")
    parser.add_argument("new", type=Path, help="the normalized spec after the change")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)  # exits 2 on bad usage
    try:
        changes = diff_specs(load_spec(args.old), load_spec(args.new))
    except SpecDiffError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_json(changes) if args.json else format_text(changes))
    return 1 if is_breaking(changes) else 0


if __name__ == "__main__":
    sys.exit(main())
