"""Projection: a handler's data made to fit the operation's documented response schema.

Handlers answer with stored records and computed values; this walks the schema beside the data and
keeps what the schema declares, in the types it declares (an integer id where an object is documented
is expanded into that object, a v1 time gets v1's format, a number documented as a string becomes
text). Anything undocumented is dropped, so every answer validates against the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .jsontypes import as_array, as_object, is_array, is_object, is_sequence
from .known_nulls import KNOWN_NULLS

MISSING: Any = object()
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]00:00)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# (property name, id) -> the related record's served view, or None when there is none.
Expander = Callable[[str, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Context:
    version: str
    expand: Expander


def merged(schema: dict[str, Any]) -> dict[str, Any]:
    """allOf folded into one schema (properties and required lists joined)."""
    if "allOf" not in schema:
        return schema
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    props: dict[str, Any] = dict(out.get("properties") or {})
    required: list[str] = list(out.get("required") or [])
    for part in schema["allOf"]:
        part = merged(part)
        for name, sub in as_object(part.get("properties")).items():
            props[name] = _join(props[name], sub) if name in props else sub
        required += part.get("required") or []
        for key in ("type", "nullable", "additionalProperties", "items", "format", "enum"):
            if key == "enum" and "enum" in part and "enum" in out:
                out["enum"] = [value for value in as_array(out["enum"]) if value in part["enum"]]
            elif key in part and key not in out:
                out[key] = part[key]
    if props:
        out["properties"] = props
        out.setdefault("type", "object")
    if required:
        out["required"] = required
    return out


def _join(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One property documented in two allOf parts: both parts' constraints hold."""
    a, b = merged(first), merged(second)
    out = {**a, **b}
    if a.get("enum") and b.get("enum"):
        out["enum"] = [value for value in a["enum"] if value in b["enum"]]
    if a.get("properties") and b.get("properties"):
        out["properties"] = {**a["properties"], **b["properties"]}
    return out


def kind_of(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if is_array(kind):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind


def is_nullable(schema: dict[str, Any]) -> bool:
    if schema.get("nullable"):
        return True
    kind = schema.get("type")
    return kind == "null" or (is_array(kind) and "null" in kind)


def project(schema: dict[str, Any] | None, value: Any, ctx: Context) -> Any:
    """`value` shaped by `schema`; MISSING when it cannot be represented."""
    if schema is None or value is MISSING:
        return value
    schema = merged(schema)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return _project_branches(schema, branches, value, ctx)
    if value is None:
        return None if is_nullable(schema) else MISSING
    kind = kind_of(schema)
    if kind == "object":
        return _object(schema, value, ctx)
    if kind == "array":
        if not is_sequence(value):
            return MISSING
        items = as_object(schema.get("items"))
        projected = [project(items, item, ctx) for item in value]
        return [item for item in projected if item is not MISSING]
    if kind is None:
        return value
    result = _scalar(kind, schema, value, ctx)
    if result is not MISSING and schema.get("enum") and result not in schema["enum"]:
        return MISSING
    return result


def _score(schema: dict[str, Any], value: Any) -> int:
    schema = merged(schema)
    kind = kind_of(schema)
    if is_object(value):
        if kind != "object":
            return -1
        props = as_object(schema.get("properties"))
        score = 1 if not props else 0
        for key, item in value.items():
            if key not in props:
                continue
            enum = merged(as_object(props[key])).get("enum")
            if is_array(enum) and not isinstance(item, dict | list):
                if item not in enum:
                    return -1  # a discriminator (recents' "item": "deal") rules the branch out
                score += 2
            score += 1
        return score
    if is_array(value):
        return 1 if kind == "array" else -1
    if isinstance(value, bool):
        return 2 if kind == "boolean" else -1
    if isinstance(value, int | float):
        return 2 if kind in ("integer", "number") else (0 if kind == "string" else -1)
    if isinstance(value, str):
        return 2 if kind == "string" else -1
    return 0


def _project_branches(
    schema: dict[str, Any], branches: list[dict[str, Any]], value: Any, ctx: Context
) -> Any:
    if value is None:
        nullable = is_nullable(schema) or any(is_nullable(merged(b)) for b in branches)
        return None if nullable else MISSING
    best = max(branches, key=lambda branch: _score(branch, value))
    return project(best, value, ctx)


def _expects_object(schema: dict[str, Any]) -> bool:
    schema = merged(schema)
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return all(_expects_object(b) for b in branches if kind_of(merged(b)) not in (None, "null"))
    return kind_of(schema) == "object"


def _object(schema: dict[str, Any], value: Any, ctx: Context) -> Any:
    if not is_object(value):
        return MISSING
    props: dict[str, Any] = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if not props:
        if is_object(extra) and extra:
            out = {str(k): project(extra, v, ctx) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not MISSING}
        return _plain(value)
    out: dict[str, Any] = {}
    for name, sub in props.items():
        if name not in value:
            continue
        item = value[name]
        if item is None:
            sub_m = merged(sub)
            if is_nullable(sub_m) or name in KNOWN_NULLS:
                out[name] = None
            continue
        if _expects_object(sub) and not isinstance(item, dict | list):
            item = ctx.expand(name, item)
            if item is None:
                if is_nullable(merged(sub)) or name in KNOWN_NULLS:
                    out[name] = None
                continue
        projected = project(sub, item, ctx)
        if projected is not MISSING:
            out[name] = projected
    if is_object(extra) and extra:
        for name, item in value.items():
            if name not in props:
                projected = project(extra, item, ctx)
                if projected is not MISSING:
                    out[str(name)] = projected
    return out


def _plain(value: Any) -> Any:
    """A free-form value made JSON-safe (no MISSING, tuples as lists)."""
    if is_object(value):
        return {str(k): _plain(v) for k, v in value.items() if v is not MISSING}
    if is_sequence(value):
        return [_plain(v) for v in value if v is not MISSING]
    return value


def _unwrap(value: Any) -> Any:
    """A scalar documented where we hold an object: its id or value."""
    if is_object(value):
        for key in ("id", "value", "name"):
            if key in value and not isinstance(value[key], dict | list):
                return value[key]
        return MISSING
    return value


def _scalar(kind: str, schema: dict[str, Any], value: Any, ctx: Context) -> Any:
    value = _unwrap(value)
    if value is MISSING or value is None:
        return MISSING
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        return MISSING
    if kind == "number":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float):
            return value
        try:
            return float(value) if isinstance(value, str) else MISSING
        except ValueError:
            return MISSING
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1", "true", "false"):
            return value in (1, "1", "true")
        return MISSING
    if kind == "string":
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            return MISSING
        return _string(schema, value, ctx)
    return value


def _string(schema: dict[str, Any], value: str, ctx: Context) -> Any:
    fmt = schema.get("format")
    stamp = _STAMP.match(value)
    if fmt == "date-time":
        if stamp:
            clock = stamp.group(2) if len(stamp.group(2)) == 8 else stamp.group(2) + ":00"
            return f"{stamp.group(1)}T{clock}Z"
        if _OFFSET_STAMP.match(value):
            return value  # already RFC 3339, with an offset of its own (a client's time, echoed)
        return f"{value}T00:00:00Z" if _DATE.match(value) else MISSING
    if fmt == "date":
        if stamp:
            return stamp.group(1)
        return value if _DATE.match(value) else MISSING
    if fmt == "uuid":
        return value if _UUID.match(value) else MISSING
    if stamp and ctx.version == "v1" and stamp.group(3) is None and len(stamp.group(2)) == 8:
        return f"{stamp.group(1)} {stamp.group(2)}"  # v1's own time format where no format is documented
    return value


def conform_error(schema: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any]:
    """An error body without the null members the operation's documented error schema does not allow
    to be null (three channel operations document `additional_data` as an object, never null)."""
    if schema is None:
        return body
    props: dict[str, Any] = merged(schema).get("properties") or {}
    return {
        key: value
        for key, value in body.items()
        if value is not None or key not in props or is_nullable(merged(props[key]))
    }
