"""Read where a list answer stops and what to pass for the next page, in every style our APIs use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dealdesk_mcp.route import Route


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    more: bool | None  # None: the API does not say
    next_args: dict[str, Any] | None  # exactly what to pass to get the next page


def list_items(answer: Any) -> list[Any] | None:
    """The items of a list answer: data as a list, or data.items (search answers)."""
    if not isinstance(answer, dict):
        return None
    data = answer.get("data")
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_page(route: Route, answer: Any, sent: dict[str, Any]) -> Page | None:
    """The page facts of `answer`, given the wire arguments `sent`; None where the tool does not page."""
    items = list_items(answer)
    if route.pagination == "none" or items is None:
        return None
    assert isinstance(answer, dict)
    if route.pagination == "cursor":
        extra = answer.get("additional_data") or answer.get("pagination") or {}
        cursor = extra.get("next_cursor") if isinstance(extra, dict) else None
        return Page(items, bool(cursor), {"cursor": cursor} if cursor else None)

    if route.api == "pipedrive":
        extra = answer.get("additional_data") or {}
        block = extra.get("pagination") if isinstance(extra.get("pagination"), dict) else extra
        more = block.get("more_items_in_collection")
        if more is None:
            return Page(items, None, None)
        start = _int(block.get("start")) or _int(sent.get("start")) or 0
        next_start = _int(block.get("next_start"))
        if next_start is None:
            next_start = start + len(items)
        return Page(items, bool(more), {"start": next_start} if more else None)

    # Attio offset lists (query or body) say nothing about more pages: a full page suggests more.
    offset = _int(sent.get("offset")) or 0
    limit = _int(sent.get("limit"))
    more = None if limit is None else len(items) >= limit > 0
    return Page(items, more, {"offset": offset + len(items)} if more or (more is None and items) else None)
