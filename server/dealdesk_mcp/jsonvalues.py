"""Narrowing decoded JSON: an API answer is `Any` until a check says what part of it is."""

from __future__ import annotations

from typing import Any, TypeGuard, cast

JsonObject = dict[str, Any]


def is_object(value: Any) -> TypeGuard[JsonObject]:
    return isinstance(value, dict)


def is_array(value: Any) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


def as_object(value: Any) -> JsonObject | None:
    """`value` if it is a JSON object, else None."""
    return cast(JsonObject, value) if isinstance(value, dict) else None
