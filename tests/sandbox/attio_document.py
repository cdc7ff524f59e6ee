"""Attio's document (specs/attio.json) made usable as JSON Schema for checking the sandbox's answers.

Its schemas mix OpenAPI's `nullable: true` with JSON Schema type lists, and refer to
#/components/schemas; both are resolved here. Careful: the SCIM group schema has a *property* named
"$ref" (a member's URL), so only a "$ref" whose value is a string is a reference.

CORRECTIONS is the one place where the sandbox departs from the document, each with its reason.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from functools import cache
from typing import Any

import jsonschema

from dealdesk_mcp import specs

METHODS = ("get", "post", "put", "patch", "delete")

# (where, what the document says, what the sandbox does, why)
CORRECTIONS = [
    (
        "values of timestamp attributes",
        'format "date"',
        'format "date-time"',
        "a timestamp is a moment, and Attio itself answers 2024-06-11T09:30:00.000000000Z there",
    ),
    (
        "enums under a type that admits null (an attribute's config.currency, a value's currency_code)",
        "null in the type but not in the enum",
        "null admitted",
        "the type says null is allowed; Attio answers null there for attributes that are not currencies",
    ),
    (
        "the SCIM user and group paths",
        "{user_id} and {workspace_team_id} in the path, no such parameter declared",
        "declared as required string path parameters",
        "a request to those paths cannot be built without them",
    ),
]


def _resolve(node: Any, schemas: dict[str, Any], in_properties: bool = False) -> Any:
    if isinstance(node, list):
        return [_resolve(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    if not in_properties and isinstance(node.get("$ref"), str):
        return _resolve(copy.deepcopy(schemas[node["$ref"].rsplit("/", 1)[-1]]), schemas)
    out = {}
    for key, value in node.items():
        if in_properties:
            out[key] = _resolve(value, schemas)  # property names, "$ref" among them, are names
        elif key == "properties" and isinstance(value, dict):
            out[key] = _resolve(value, schemas, in_properties=True)
        else:
            out[key] = _resolve(value, schemas)
    if not in_properties and out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _correct(node: Any) -> None:
    """Apply CORRECTIONS in place."""
    if isinstance(node, list):
        for item in node:
            _correct(item)
        return
    if not isinstance(node, dict):
        return
    kind_list = node.get("type")
    if isinstance(kind_list, list) and "null" in kind_list and "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    props = node.get("properties")
    if isinstance(props, dict):
        kind = props.get("attribute_type")
        if (
            isinstance(kind, dict)
            and kind.get("enum") == ["timestamp"]
            and isinstance(props.get("value"), dict)
        ):
            props["value"]["format"] = "date-time"
    for value in node.values():
        _correct(value)


@cache
def document() -> dict[str, Any]:
    """The whole document with references resolved and corrections applied."""
    raw = specs.load("attio")
    schemas = raw["components"]["schemas"]
    resolved = _resolve(copy.deepcopy(raw), schemas)
    _correct(resolved)
    for path, operations in resolved["paths"].items():
        for name in re.findall(r"\{(\w+)\}", path):
            for operation in operations.values():
                declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
                if name not in declared:
                    param = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    operation.setdefault("parameters", []).append(param)
    return resolved


def operations() -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in the document."""
    return [(m.upper(), p) for p, ops in specs.load("attio")["paths"].items() for m in ops if m in METHODS]


def response_schema(method: str, path: str, status: int) -> dict[str, Any]:
    operation = document()["paths"][path][method.lower()]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def documented_statuses(method: str, path: str) -> set[int]:
    return {int(s) for s in document()["paths"][path][method.lower()]["responses"]}


FORMATS = jsonschema.FormatChecker(["date", "email", "uuid"])


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value[:19])
    return True


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or (":" in value and " " not in value)


def validate(body: Any, method: str, path: str, status: int) -> None:
    """Raise jsonschema.ValidationError when `body` breaks the documented schema."""
    validator = jsonschema.Draft202012Validator(response_schema(method, path, status), format_checker=FORMATS)
    validator.validate(body)
