"""Small, pure transforms that turn upstream's published OpenAPI fragments into a spec a generator accepts.

Each transform is a function ``spec -> spec`` that never mutates its argument, and each docstring's first line
names the upstream defect it repairs. Transforms that need a name or a table take it as arguments and return
the ``spec -> spec`` function, so ``build_spec.PIPELINE`` reads as a list of what is done, in order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

Spec = dict[str, Any]
Transform = Callable[[Spec], Spec]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCHEMA_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
}


class TransformError(Exception):
    """A transform met input it cannot repair; the message names where."""


def operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield ``(path, method, operation)`` for every operation, in document order."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def ref(name: str) -> dict[str, str]:
    """A JSON reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def pascal(text: str) -> str:
    """``meta_usage`` / ``shot-type`` -> ``MetaUsage`` / ``ShotType``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _schemas(spec: Spec) -> dict[str, Any]:
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    return schemas


def strip_docs_only(spec: Spec) -> Spec:
    """Raw upstream files carry docs-only ``x-*`` extensions and examples that are not API content."""

    def clean(node: Any, in_properties: bool = False) -> Any:
        if isinstance(node, list):
            return [clean(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if not in_properties and (key.startswith("x-") or key in ("example", "examples")):
                continue
            out[key] = clean(value, in_properties=(key == "properties" and not in_properties))
        return out

    return clean(copy.deepcopy(spec))  # type: ignore[no-any-return]


def drop_servers(spec: Spec) -> Spec:
    """Upstream's ``servers`` lists differ by page (some name staging hosts); the base URL is the caller's."""
    out = copy.deepcopy(spec)
    out.pop("servers", None)
    for item in out.get("paths", {}).values():
        item.pop("servers", None)
        for method in HTTP_METHODS:
            if method in item:
                item[method].pop("servers", None)
    return out


def set_operation_ids(names: Mapping[tuple[str, str], str]) -> Transform:
    """Build a transform that names operations by ``(method, path)``, since upstream gives all one operationId."""

    def set_operation_ids(spec: Spec) -> Spec:
        """Every operation on the endpoint shares operationId ``_v2_video_generations``; name each one."""
        out = copy.deepcopy(spec)
        for path, method, op in operations(out):
            key = (method, path)
            if key in names:
                op["operationId"] = names[key]
        ids = [op.get("operationId") for _, _, op in operations(out)]
        duplicates = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        if duplicates:
            raise TransformError(f"operationIds still not unique after renaming: {', '.join(duplicates)}")
        return out

    return set_operation_ids


def add_response_descriptions(spec: Spec) -> Spec:
    """Responses have no ``description`` (required by OpenAPI 3.0); use the HTTP reason phrase."""
    out = copy.deepcopy(spec)
    for _, _, op in operations(out):
        for code, response in op.get("responses", {}).items():
            if "description" not in response:
                try:
                    response["description"] = HTTPStatus(int(code)).phrase
                except ValueError:
                    response["description"] = "Response"
    return out


def _walk_schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every dict in the tree that could be a schema (a superset; callers check the keys they need)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_schemas(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_schemas(item)


def _coerce(value: Any, schema_type: str) -> Any:
    """Convert ``value`` to the schema's type when it converts exactly (``"10"`` -> ``10``), else return it."""
    if schema_type == "integer" and isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    if schema_type == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if schema_type == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if schema_type == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _has_type(value: Any, schema_type: str) -> bool:
    """True when ``value`` is of the JSON schema type (bool is not an integer here, unlike in Python)."""
    expected = _SCHEMA_TYPES.get(schema_type)
    if expected is None:
        return True
    return isinstance(value, expected) and (isinstance(value, bool) == (schema_type == "boolean"))


def coerce_enum_defaults(spec: Spec) -> Spec:
    """Enum defaults have the wrong type (integer enum [5, 10, 15] with default ``"10"``): coerce or drop."""
    out = copy.deepcopy(spec)
    for schema in _walk_schemas(out):
        if "enum" not in schema or "default" not in schema or not isinstance(schema.get("type"), str):
            continue
        value = _coerce(schema["default"], schema["type"])
        if _has_type(value, schema["type"]) and value in schema["enum"]:
            schema["default"] = value
            continue
        del schema["default"]
    return out


def _request_schemas(spec: Spec) -> Iterator[dict[str, Any]]:
    for _, _, op in operations(spec):
        for media in op.get("requestBody", {}).get("content", {}).values():
            if "schema" in media:
                yield media["schema"]


def unmaterialize_request_defaults(spec: Spec) -> Spec:
    """Request defaults would be sent on every call (a generator materializes them): keep them as prose only.

    A client that sends upstream's published default asks for whatever the spec says, even when the server's
    own default is cheaper or the spec is wrong (it was: ``"10"`` for an integer). With the default moved into
    the description, an unset field is omitted and the server applies its own default.
    """
    out = copy.deepcopy(spec)
    for schema in _request_schemas(out):
        for prop in schema.get("properties", {}).values():
            if "default" in prop:
                default = prop.pop("default")
                note = (
                    f"Server default: {default!r}."
                    if not isinstance(default, bool)
                    else (f"Server default: {str(default).lower()}.")
                )
                prop["description"] = f"{prop['description']}\n\n{note}" if prop.get("description") else note
    return out


def bearer_security(scheme_name: str = "access-token") -> Transform:
    """Build a transform that declares one valid bearer scheme and applies it to every operation."""

    def bearer_security(spec: Spec) -> Spec:
        """The GET's bearer scheme carries ``"in": "header"`` (invalid for http) and the POST declares none."""
        out = copy.deepcopy(spec)
        schemes = out.setdefault("components", {}).setdefault("securitySchemes", {})
        bearers = [n for n, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "bearer"]
        name = bearers[0] if bearers else scheme_name
        for scheme in schemes.values():
            if scheme.get("type") == "http":
                scheme.pop("in", None)
                scheme.pop("name", None)
        schemes[name] = {
            "type": "http",
            "scheme": "bearer",
            "description": schemes.get(name, {}).get("description", "API key as a bearer token"),
        }
        out["security"] = [{name: []}]
        for _, _, op in operations(out):
            op.pop("security", None)  # the document-level requirement now covers every operation
        return out

    return bearer_security


def hoist_request_bodies(names: Mapping[str, str]) -> Transform:
    """Build a transform that moves each named operation's inline JSON request schema into components."""

    def hoist_request_bodies(spec: Spec) -> Spec:
        """Inline request schemas get generated names from their upstream ``title`` (a model id)."""
        out = copy.deepcopy(spec)
        for _, _, op in operations(out):
            name = names.get(op.get("operationId", ""))
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if name is None or media is None or "$ref" in media.get("schema", {"$ref": ""}):
                continue
            _store(out, name, media["schema"])
            media["schema"] = ref(name)
        return out

    return hoist_request_bodies


def hoist_responses(name: str, operation_ids: tuple[str, ...]) -> Transform:
    """Build a transform that makes the listed operations' 200 JSON responses one shared component."""

    def hoist_responses(spec: Spec) -> Spec:
        """POST and GET repeat the same inline response schema, so a generator makes two unrelated classes."""
        out = copy.deepcopy(spec)
        for _, _, op in operations(out):
            if op.get("operationId") not in operation_ids:
                continue
            media = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
            if media is None or "$ref" in media.get("schema", {"$ref": ""}):
                continue
            _store(out, name, media["schema"])
            media["schema"] = ref(name)
        return out

    return hoist_responses


def _store(spec: Spec, name: str, schema: dict[str, Any]) -> None:
    """Add ``schema`` as component ``name``; an existing component must be identical (no silent merge)."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    schemas = _schemas(spec)
    if name in schemas and schemas[name] != schema:
        raise TransformError(f"component {name} already exists with a different schema")
    schemas[name] = schema


def hoist_nested(root: str) -> Transform:
    """Build a transform that names every inline object and enum below component ``root``."""

    def hoist_nested(spec: Spec) -> Spec:
        """Inline object and enum schemas get generated names like ``FieldV2VideoGenerationsResponse200...``."""
        out = copy.deepcopy(spec)
        schemas = _schemas(out)
        if root not in schemas:
            raise TransformError(f"no component named {root}")
        pending = [(root, schemas[root])]
        while pending:
            owner, schema = pending.pop(0)
            for prop_name, prop in list(schema.get("properties", {}).items()):
                if not (prop.get("type") == "object" and "properties" in prop) and "enum" not in prop:
                    continue
                candidate = root + pascal(prop_name)
                name = candidate if candidate not in schemas else owner + pascal(prop_name)
                # Keywords that belong to the use, not the type, stay beside the reference.
                local = {k: prop[k] for k in ("nullable", "description", "default") if k in prop}
                body = {k: v for k, v in prop.items() if k not in local}
                _store(out, name, body)
                replacement = {"allOf": [ref(name)], **local} if local else ref(name)
                schema["properties"][prop_name] = replacement
                if body.get("type") == "object":
                    pending.append((name, schemas[name]))
        return out

    return hoist_nested


def open_enum(component: str, prop: str) -> Transform:
    """Build a transform that lets ``component.prop`` carry any string besides its enum's values."""

    def open_enum(spec: Spec) -> Spec:
        """``status`` is a closed enum but the live API answers other values: an unknown one must not raise."""
        out = copy.deepcopy(spec)
        schema = _schemas(out).get(component, {}).get("properties", {}).get(prop)
        if schema is None:
            raise TransformError(f"{component}.{prop} not found")
        target = schema.get("allOf", [schema])[0]
        if "$ref" not in target:
            raise TransformError(f"{component}.{prop} is not a named enum; run hoist_nested first")
        extra = {k: v for k, v in schema.items() if k not in ("allOf", "$ref")}
        _schemas(out)[component]["properties"][prop] = {"anyOf": [dict(target), {"type": "string"}], **extra}
        return out

    return open_enum


def widen_video_generation(root: str) -> Transform:
    """Build a transform that admits the live API's looser ``VideoGeneration`` forms (see NOTES.md)."""

    def widen_video_generation(spec: Spec) -> Spec:
        """The live API answers forms the schema lacks: video lists, ``{detail: [...]}`` errors, other usage keys."""
        out = copy.deepcopy(spec)
        schemas = _schemas(out)
        props = schemas.get(root, {}).get("properties", {})
        video, error = props.get("video"), props.get("error")
        usage = schemas.get(f"{root}Usage")
        if video is None or error is None or usage is None:
            raise TransformError(f"{root} lacks video, error or {root}Usage")
        video_ref = video["allOf"][0]
        one_video: dict[str, Any] = {"anyOf": [video_ref, {"type": "string", "format": "uri"}]}
        video.pop("allOf")
        video["anyOf"] = [video_ref, {"type": "array", "items": one_video}]
        detail = f"{root}ErrorDetail"
        schemas[detail] = {
            "type": "object",
            "description": "A validation failure reported by the model vendor.",
            "properties": {
                "detail": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": True},
                }
            },
            "required": ["detail"],
        }
        error_ref = error.pop("allOf")[0]
        error["anyOf"] = [error_ref, ref(detail)]
        usage["properties"].setdefault(
            "tokens_used", {"type": "number", "description": "Usage reported by older models."}
        )
        usage["properties"].setdefault(
            "usd_spent", {"type": "number", "description": "Cost in USD reported by newer models."}
        )
        usage.pop("required", None)
        return out

    return widen_video_generation


def merge_response_schemas(operation_ids: tuple[str, ...]) -> Transform:
    """Build a transform that gives the listed operations' 200 JSON responses their loosest common schema."""

    def merge_response_schemas(spec: Spec) -> Spec:
        """A model's POST can document a response field the shared GET lacks (wan2.7: ``meta.usage.usd_spent``).

        Properties are united and ``required`` keeps only names every version requires, so the shared class
        accepts what either operation answers. Any other disagreement is a conflict, not silently merged.
        Identical schemas are left untouched.
        """
        out = copy.deepcopy(spec)
        medias = [
            media
            for _, _, op in operations(out)
            if op.get("operationId") in operation_ids
            and (media := op.get("responses", {}).get("200", {}).get("content", {}).get("application/json"))
            and "schema" in media
            and "$ref" not in media["schema"]
        ]
        schemas = [media["schema"] for media in medias]
        if all(schema == schemas[0] for schema in schemas[1:]):
            return out
        merged = schemas[0]
        for schema in schemas[1:]:
            merged = _loosest(merged, schema, "response")
        for media in medias:
            media["schema"] = copy.deepcopy(merged)
        return out

    return merge_response_schemas


def _loosest(a: Any, b: Any, where: str) -> Any:
    """The schema admitting both ``a`` and ``b``: union of properties and of enum values, intersection of
    ``required``, nullable if either is; any other difference (a type, a format) is a conflict to resolve."""
    if a == b:
        return copy.deepcopy(a)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        raise TransformError(f"{where} differs between operations")
    out: dict[str, Any] = {}
    for key in [*a, *(k for k in b if k not in a)]:
        if key == "properties":
            props_a, props_b = a.get(key, {}), b.get(key, {})
            out[key] = {
                name: _loosest(props_a[name], props_b[name], f"{where}.{name}")
                if name in props_a and name in props_b
                else copy.deepcopy(props_a.get(name, props_b.get(name)))
                for name in [*props_a, *(n for n in props_b if n not in props_a)]
            }
        elif key == "required":
            common = [name for name in a.get(key, []) if name in b.get(key, [])]
            if common:
                out[key] = common
        elif key in ("description", "title"):
            out[key] = a.get(key, b.get(key))
        elif key == "enum" and isinstance(a.get(key), list) and isinstance(b.get(key), list):
            out[key] = [*a[key], *(value for value in b[key] if value not in a[key])]  # either may be answered
        elif key == "nullable" and isinstance(a.get(key, False), bool) and isinstance(b.get(key, False), bool):
            out[key] = a.get(key, False) or b.get(key, False)
        elif a.get(key) != b.get(key):
            raise TransformError(
                f"{where}: '{key}' differs between operations ({a.get(key)!r:.80} and {b.get(key)!r:.80})"
            )
        else:
            out[key] = copy.deepcopy(a[key])
    return out


def _null_admitting(schema: dict[str, Any]) -> dict[str, Any]:
    """The 3.1 form of a schema that carried ``nullable: true``."""
    rest = {k: v for k, v in schema.items() if k != "nullable"}
    null: dict[str, Any] = {"type": "null"}
    if isinstance(rest.get("type"), str) and not {"allOf", "anyOf", "oneOf", "$ref"} & rest.keys():
        rest["type"] = [rest["type"], "null"]
        if "enum" in rest and None not in rest["enum"]:
            rest["enum"] = [*rest["enum"], None]
        return rest
    if "anyOf" in rest:
        return {**rest, "anyOf": [*rest["anyOf"], null]}
    if "$ref" in rest:
        target = {"$ref": rest.pop("$ref")}
        return {**rest, "anyOf": [target, null]}
    if "allOf" in rest and len(rest["allOf"]) == 1:
        return {**{k: v for k, v in rest.items() if k != "allOf"}, "anyOf": [rest["allOf"][0], null]}
    if {"allOf", "oneOf"} & rest.keys():
        return {"anyOf": [rest, null]}
    return rest  # no type constraint at all: null is already allowed


def upgrade_to_openapi_3_1(spec: Spec) -> Spec:
    """In OpenAPI 3.0, ``nullable`` beside ``allOf``/``anyOf``/``$ref`` admits no ``null`` for validators.

    Hoisting a nullable inline object leaves exactly that shape, so a strict validator (openapi-core) rejects
    the ``video: null`` that upstream declares valid. OpenAPI 3.1 says it precisely: ``anyOf [..., {type: null}]``.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: convert(value) for key, value in node.items()}
        if out.get("nullable") is True:
            return _null_admitting(out)
        out.pop("nullable", None)
        return out

    out = convert(copy.deepcopy(spec))
    out["openapi"] = "3.1.0"
    return out  # type: ignore[no-any-return]
