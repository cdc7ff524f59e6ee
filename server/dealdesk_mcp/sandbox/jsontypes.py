"""JSON as the sandbox reads it: parsed bodies and stored records are `Any` until a check narrows them.

`is_object` and `is_array` are that check, typed: after `if is_object(value)` the checker knows
`value` is a `dict[str, Any]` (JSON object keys are strings), where a bare isinstance would leave its
keys and values unknown.
"""

from __future__ import annotations

from typing import Any, TypeGuard

JsonObject = dict[str, Any]
JsonArray = list[Any]


def is_object(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


def is_array(value: object) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


def as_object(value: object) -> dict[str, Any]:
    """The value when it is a JSON object, else a new empty one (for `.get(key) or {}` on documents)."""
    return value if is_object(value) else {}


def as_array(value: object) -> list[Any]:
    """The value when it is a JSON array, else a new empty one."""
    return value if is_array(value) else []


def is_sequence(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    """A JSON array as parsed, or a tuple a handler built in its place."""
    return isinstance(value, list | tuple)
