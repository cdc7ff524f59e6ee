"""Arguments for a tool, derived from its JSON input schema alone.

Two cases per tool: the required fields only, and the required fields plus every optional field of a
simple type (strings, numbers, booleans, arrays of those). Values are plausible rather than random, so
a rejection points at how the request was built, not at the value picked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Arguments that steer our server (shaping, paging, file names) rather than the API request.
CONTROL_FIELDS = frozenset({"raw", "max_items", "file_name", "content_type", "save_as"})
SIMPLE_TYPES = frozenset({"string", "integer", "number", "boolean"})

FORMAT_VALUES = {
    "date": "2024-05-17",
    "date-time": "2024-05-17T09:30:00Z",
    "email": "ada@example.com",
    "uri": "https://example.com/hook",
    "url": "https://example.com/hook",
    "uuid": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "time": "09:30:00",
}
# Tried in turn against a `pattern`; the first match is used.
PATTERN_CANDIDATES = ("example", "https://example.com/hook", "P1D", "10", "1", "2024-05-17", "09:30")


class UnbuildableSchema(ValueError):
    """A required field has a schema this builder cannot satisfy."""


@dataclass(frozen=True)
class Case:
    """One set of arguments for one tool."""

    tool: str
    label: str  # "minimal" or "optional"
    arguments: dict[str, Any] = field(default_factory=dict)


def _alternatives(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(schema.get("anyOf") or schema.get("oneOf") or [])


def _non_null(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first non-null alternative of an anyOf/oneOf (or of a type list such as ["number", "null"]),
    merged with the keywords beside it."""
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        schema = {**schema, "type": real[0] if len(real) == 1 else real}
    options = [o for o in _alternatives(schema) if o.get("type") != "null"]
    if not options:
        return schema
    merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
    merged.update(options[0])
    return merged


def is_simple(schema: Mapping[str, Any]) -> bool:
    """A scalar, an enum or const, or an array of scalars (after dropping a null alternative)."""
    schema = _non_null(schema)
    if "const" in schema or "enum" in schema:
        return True
    kind = schema.get("type")
    if kind in SIMPLE_TYPES:
        return True
    if kind == "array":
        items = schema.get("items")
        return isinstance(items, Mapping) and bool(items) and is_simple(items)
    return False


def _string(schema: Mapping[str, Any], name: str) -> str:
    fmt = schema.get("format")
    value = FORMAT_VALUES.get(fmt, "example") if fmt else "example"
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, value):
        value = next((c for c in PATTERN_CANDIDATES if re.search(pattern, c)), value)
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None and len(value) > high:
        value = value[:high]
    return value


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    value: float = 1
    low, high = schema.get("minimum"), schema.get("maximum")
    if schema.get("exclusiveMinimum") is not None and not isinstance(schema["exclusiveMinimum"], bool):
        low = schema["exclusiveMinimum"] + 1
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return int(value) if integer else float(value)


def value_for(schema: Mapping[str, Any], name: str = "", *, optional: bool = False) -> Any:
    """A valid value for `schema`. Objects get their required members, plus simple optional ones when
    `optional` is set; a bare object (free-form, e.g. custom fields) becomes {}."""
    schema = _non_null(schema)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return _string(schema, name)
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items")
        count = max(1, schema.get("minItems", 1))
        if not isinstance(items, Mapping) or not items:
            return ["example"] * count
        return [value_for(items, name, optional=optional) for _ in range(count)]
    if kind == "object" or "properties" in schema:
        return object_for(schema, optional=optional)
    if not schema:
        return "example"  # any value is allowed
    raise UnbuildableSchema(f"no value for {name or 'a field'} with schema {dict(schema)!r}")


def object_for(schema: Mapping[str, Any], *, optional: bool = False) -> dict[str, Any]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        if name in required or (optional and is_simple(prop)):
            result[name] = value_for(prop, name, optional=optional)
    return result


def _first_branch(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A top-level anyOf/oneOf (at least one field; one of several shapes): the first branch."""
    branches = schema.get("oneOf") or schema.get("anyOf") or [{}]
    return branches[0]


def _tool_arguments(schema: Mapping[str, Any], *, optional: bool, upload: Path | None) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    properties: Mapping[str, Any] = schema.get("properties") or {}
    branch = _first_branch(schema)
    required = set(schema.get("required") or ()) | set(branch.get("required") or ())
    # With one of several shapes, only the chosen shape's fields may be set.
    allowed = set(branch.get("properties") or properties) if "oneOf" in schema else set(properties)
    for name, prop in properties.items():
        if name in CONTROL_FIELDS:
            continue
        if name == "custom_fields" and prop.get("type") == "string" and name not in required:
            continue  # takes names of the account's custom fields; a made-up one is refused by design
        if name == "path" and upload is not None:
            arguments[name] = str(upload)  # a local file to upload, not a URL path
            continue
        fixed = (branch.get("properties") or {}).get(name)
        if isinstance(fixed, Mapping) and "const" in fixed:
            arguments[name] = fixed["const"]
        elif name in required or (optional and name in allowed and is_simple(prop)):
            arguments[name] = value_for(prop, name, optional=optional)
    return arguments


def build_cases(tool: str, schema: Mapping[str, Any], *, upload: Path | None = None) -> list[Case]:
    """The minimal case, then the optional case when it adds something."""
    minimal = _tool_arguments(schema, optional=False, upload=upload)
    full = _tool_arguments(schema, optional=True, upload=upload)
    cases = [Case(tool, "minimal", minimal)]
    if full != minimal:
        cases.append(Case(tool, "optional", full))
    return cases


def takes_upload(schema: Mapping[str, Any]) -> bool:
    """Tools with a `path` property upload a local file."""
    return "path" in (schema.get("properties") or {})
