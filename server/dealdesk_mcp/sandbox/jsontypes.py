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
