"""Checks for the parts of a request: each failure is a 400 that names the field and what it takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..jsontypes import is_array, is_object
from .errors import BadRequest
from .wire import is_uuid

MISSING = object()


def q_bool(query: Mapping[str, str], name: str, default: bool | None = None) -> bool | None:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false, got {raw!r}")


def q_uuid(query: Mapping[str, str], name: str) -> str | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    if not is_uuid(raw):
        raise BadRequest(f"{name} must be a UUID, got {raw!r}")
    return raw


def q_choice(
    query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    if raw not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def text(body: Mapping[str, Any], name: str, *, required: bool = True, empty: bool = False) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise BadRequest(f"{name} must be {'a' if empty else 'a non-empty'} string")
    return value


def nullable_text(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    if body.get(name, MISSING) is None:
        return None
    return text(body, name, required=required, empty=True)


def flag(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def uuid_field(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if not is_uuid(value):
        raise BadRequest(f"{name} must be a UUID")
    return value


def items(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if not is_array(value):
        raise BadRequest(f"{name} must be a list")
    return value


def obj(body: Mapping[str, Any], name: str, *, required: bool = True) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if not is_object(value):
        raise BadRequest(f"{name} must be an object")
    return value


def choice(body: Mapping[str, Any], name: str, allowed: tuple[Any, ...], *, required: bool = True) -> Any:
    value = body.get(name, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{name} is required")
        return MISSING
    if value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(map(str, allowed))}")
    return value


def slug(value: Any, name: str) -> str:
    if (
        not isinstance(value, str)
        or not value
        or not all(c.isalnum() or c == "_" for c in value)
        or not value[0].isalpha()
    ):
        raise BadRequest(f"{name} must be a slug: letters, digits and underscores, starting with a letter")
    return value
