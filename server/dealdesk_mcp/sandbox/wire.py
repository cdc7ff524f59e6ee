"""Pipedrive's wire format: answer envelopes, pagination blocks, error shapes and time stamps."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

ERROR_INFO = "Answered by the local dealdesk-mcp sandbox, not by Pipedrive."
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class ApiError(Exception):
    """An error answer: raised anywhere in a handler, rendered by the app as Pipedrive's error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BadRequest(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


def ok(data: Any, additional_data: Any = None, *, status: int = 200) -> JSONResponse:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional_data is not None:
        body["additional_data"] = additional_data
    return JSONResponse(body, status_code=status)


def error_body(status: int, message: str) -> dict[str, Any]:
    """Pipedrive's error shape; it adds errorCode to authentication, permission and limit failures."""
    body: dict[str, Any] = {"success": False, "error": message, "error_info": ERROR_INFO}
    if status in (401, 403, 429):
        body["errorCode"] = status
    body["data"] = None
    body["additional_data"] = None
    return body


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


# -- pagination -----------------------------------------------------------------------------------


def parse_limit(raw: str | None, *, default: int = DEFAULT_LIMIT) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit must be an integer") from None
    if value < 1 or value > MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return value


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(text)
        return max(int(number), 0)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor is not valid") from None


def cursor_page(items: Sequence[Any], cursor: str | None, limit: int) -> tuple[list[Any], dict[str, Any]]:
    """Slice for v2 cursor lists; answers (page, additional_data with next_cursor)."""
    start = decode_cursor(cursor)
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, {"next_cursor": encode_cursor(start + limit) if more else None}


def parse_start(raw: str | None) -> int:
    if raw in (None, ""):
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("start must be an integer") from None
    if value < 0:
        raise BadRequest("start must not be negative")
    return value


def offset_page(
    items: Sequence[Any], start: int, limit: int, *, flat: bool
) -> tuple[list[Any], dict[str, Any]]:
    """Slice for v1 start/limit lists; flat=True gives the block without the `pagination` wrapper."""
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    block: dict[str, Any] = {"start": start, "limit": limit, "more_items_in_collection": more}
    if flat:
        return page, block
    if more:
        block["next_start"] = start + limit
    return page, {"pagination": block}


# -- time -----------------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def v2_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def lead_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_time(text: str, *, name: str = "time") -> datetime:
    """Accept RFC 3339 (with Z or offset) and Pipedrive's v1 'YYYY-MM-DD HH:MM:SS'; naive means UTC."""
    raw = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} is not a valid date-time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
