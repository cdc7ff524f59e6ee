"""Typed reads of request bodies and query strings; a wrong type is a 400 naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .jsontypes import is_array, is_object
from .wire import BadRequest


class _Missing:
    """The body did not mention a key (distinct from an explicit null); falsy so `or` defaults work."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def text(body: Mapping[str, Any], key: str, *, required: bool = False, nullable: bool = True) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING:
        if required:
            raise BadRequest(f"{key} is required")
        return MISSING
    if value is None and nullable and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"{key} must be a non-empty string" if required else f"{key} must be a string")
    return value


def integer(body: Mapping[str, Any], key: str, *, nullable: bool = True) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING or (value is None and nullable):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)  # form-encoded v1 bodies carry numbers as text
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{key} must be an integer")
    return value


def number(body: Mapping[str, Any], key: str, *, nullable: bool = True) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING or (value is None and nullable):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{key} must be a number")
    return value


def boolean(body: Mapping[str, Any], key: str) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING:
        return value
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise BadRequest(f"{key} must be a boolean")


def int_list(body: Mapping[str, Any], key: str) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING:
        return value
    if value is None:
        return []
    if not is_array(value) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise BadRequest(f"{key} must be an array of integers")
    return value


def date(body: Mapping[str, Any], key: str) -> Any:
    value = text(body, key)
    if isinstance(value, str) and not _DATE.match(value):
        raise BadRequest(f"{key} must be a date as YYYY-MM-DD")
    return value


def clock(body: Mapping[str, Any], key: str) -> Any:
    value = text(body, key)
    if isinstance(value, str) and not _TIME.match(value):
        raise BadRequest(f"{key} must be a time as HH:MM")
    return value


def obj(body: Mapping[str, Any], key: str) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING or value is None:
        return value
    if not is_object(value):
        raise BadRequest(f"{key} must be an object")
    return value


def choice(body: Mapping[str, Any], key: str, allowed: tuple[Any, ...]) -> Any:
    value = body.get(key, MISSING)
    if value is MISSING:
        return value
    if value not in allowed:
        raise BadRequest(f"{key} must be one of {', '.join(str(a) for a in allowed)}")
    return value


def assign(record: dict[str, Any], key: str, value: Any) -> None:
    """Copy a read value into a record unless the body did not mention it."""
    if value is not MISSING:
        record[key] = value


# -- query strings --------------------------------------------------------------------------------


def q_int(query: Mapping[str, str], key: str) -> int | None:
    raw = query.get(key)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"{key} must be an integer") from None


def q_bool(query: Mapping[str, str], key: str) -> bool | None:
    raw = query.get(key)
    if raw in (None, ""):
        return None
    if raw.lower() in ("1", "true"):
        return True
    if raw.lower() in ("0", "false"):
        return False
    raise BadRequest(f"{key} must be a boolean")


def q_ids(query: Mapping[str, str], key: str = "ids") -> set[int] | None:
    raw = query.get(key)
    if raw in (None, ""):
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError:
        raise BadRequest(f"{key} must be a comma-separated list of integers") from None


def q_choice(query: Mapping[str, str], key: str, allowed: tuple[str, ...], default: str) -> str:
    raw = query.get(key) or default
    if raw not in allowed:
        raise BadRequest(f"{key} must be one of {', '.join(allowed)}")
    return raw
