"""Attio's wire conventions: ids, time stamps, actors, and the two pagination styles."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from .errors import BadRequest

# Seeded ids are name-based UUIDs under this namespace, so every fresh sandbox has the same ids.
NAMESPACE = uuid.UUID("6a1f3c52-9d7e-4b1a-8c3e-2f5d7a9b0c14")
WORKSPACE_ID = str(uuid.uuid5(NAMESPACE, "workspace"))
WORKSPACE_NAME = "Northwind Analytics"
WORKSPACE_SLUG = "northwind-analytics"
# The sandbox's API token is itself an actor in Attio's data (created_by_actor).
API_TOKEN_ACTOR_ID = str(uuid.uuid5(NAMESPACE, "api-token"))
APP_CLIENT_ID = str(uuid.uuid5(NAMESPACE, "client"))


def seeded_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def new_id() -> str:
    return str(uuid.uuid4())


def is_uuid(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def stamp(moment: datetime) -> str:
    """Attio writes nanosecond time stamps: 2024-06-11T09:30:00.000000000Z."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}000Z"


def parse_moment(text: Any, name: str) -> datetime:
    """An ISO 8601 date-time (Z or offset; a bare date means midnight UTC)."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(f"{name} must be an ISO 8601 date-time string")
    raw = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = raw.partition(".")
    if dot:  # fromisoformat takes at most 6 fraction digits; Attio sends 9
        digits = "".join(ch for ch in rest if ch.isdigit())
        raw = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise BadRequest(f"{name} is not an ISO 8601 date-time: {text!r}") from None
        moment = datetime(day.year, day.month, day.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_day(text: Any, name: str) -> str:
    """A calendar date as YYYY-MM-DD; a full date-time keeps its date part."""
    if not isinstance(text, str):
        raise BadRequest(f"{name} must be a date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        raise BadRequest(f"{name} is not a date (YYYY-MM-DD): {text!r}") from None


def api_actor() -> dict[str, Any]:
    return {"type": "api-token", "id": API_TOKEN_ACTOR_ID}


def member_actor(member_id: str) -> dict[str, Any]:
    return {"type": "workspace-member", "id": member_id}


# -- pagination -----------------------------------------------------------------------------------


def number(value: Any, name: str, *, default: int, low: int = 0, high: int | None = None) -> int:
    """A whole number from a query string or a JSON body (Attio's body limits are JSON numbers)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRequest(f"{name} must be a number, got {value!r}") from None
    if not isinstance(value, int | float) or value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"{name} must be a number")
    if int(value) != value:
        raise BadRequest(f"{name} must be a whole number")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name} must be {bound}, got {value}")
    return value


def offset_page(items: Sequence[Any], limit: int, offset: int) -> list[Any]:
    return list(items[offset : offset + limit])


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"attio:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, position = text.partition(":")
        if prefix != "attio" or not position.isdigit():
            raise ValueError(text)
        return int(position)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor is not one this API handed out") from None


def cursor_page(
    items: Sequence[Any], query: Mapping[str, str], *, default: int = 50, high: int = 200
) -> dict[str, Any]:
    """One page of a cursor list: {"data": [...], "pagination": {"next_cursor": ...}}."""
    limit = number(query.get("limit"), "limit", default=default, low=1, high=high)
    start = decode_cursor(query.get("cursor"))
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return {"data": page, "pagination": {"next_cursor": encode_cursor(start + limit) if more else None}}
