"""What Attio's document pins in each operation's error answers.

The document gives most error statuses of an operation one fixed `type` and `code` (create-record's
400 is always value_not_found, list-records' 400 filter_error), and two operations (create-comment,
find-or-create-meeting) name the status field `statusCode` rather than `status_code`. An error the
sandbox raises takes the documented shape for that operation and status, so every error answer
matches the schema; the message still says exactly what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from dealdesk_mcp.sandbox import documents as specs

from ..jsontypes import is_array


@dataclass(frozen=True)
class ErrorShape:
    status_key: str = "status_code"
    fixed: dict[str, str] = field(
        default_factory=dict[str, str]
    )  # type and code, where one value is documented


@cache
def pinned() -> dict[tuple[str, str, int], ErrorShape]:
    out: dict[tuple[str, str, int], ErrorShape] = {}
    for path, operations in specs.load("attio")["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.isdigit() or int(status) < 400:
                    continue
                schema: Any = answer.get("content", {}).get("application/json", {}).get("schema", {})
                props = schema.get("properties", {})
                fixed: dict[str, str] = {}
                for key in ("type", "code"):
                    enum = props.get(key, {}).get("enum")
                    if is_array(enum) and len(enum) == 1:
                        fixed[key] = enum[0]
                status_key = "statusCode" if "statusCode" in props else "status_code"
                out[(method.upper(), path, int(status))] = ErrorShape(status_key, fixed)
    return out


def conform(method: str, template: str, status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The error body in the shape the document gives this operation and status."""
    shape = pinned().get((method, template, status))
    if shape is None:
        return body
    out = {**body, **shape.fixed}
    if shape.status_key != "status_code":
        out = {shape.status_key if k == "status_code" else k: v for k, v in out.items()}
    return out
