"""Pages of the protocol's own lists (tools, resources, templates, prompts), reached by an opaque cursor.

A page holds as many items as fit in a character budget. The cursor names where the next page starts
and which list it belongs to (a fingerprint of the item names), so a cursor from a list that has
changed since (a toolset switched on) is refused with a clear error instead of skipping or repeating.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

T = TypeVar("T")

# The most characters of items one page carries: the default tool selection's budget, so that selection
# comes as one page and `--toolsets all` as several of the same size.
PAGE_CHARS = 60_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def fingerprint(names: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(names).encode()).hexdigest()[:12]


def _encode(offset: int, print_: str) -> str:
    raw = json.dumps({"at": offset, "of": print_}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        offset, print_ = value["at"], value["of"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise MCPError(
            INVALID_PARAMS, "invalid cursor: pass the nextCursor of the previous page as it came"
        ) from None
    if not isinstance(offset, int) or offset < 0 or not isinstance(print_, str):
        raise MCPError(INVALID_PARAMS, "invalid cursor: pass the nextCursor of the previous page as it came")
    return offset, print_


def page(
    items: Sequence[T],
    cursor: str | None,
    *,
    name: Callable[[T], str],
    size: Callable[[T], int],
    budget: int = PAGE_CHARS,
) -> Page[T]:
    """The page of `items` that `cursor` names (None: the first), holding at least one item."""
    names = [name(item) for item in items]
    print_ = fingerprint(names)
    start = 0
    if cursor is not None:
        start, given = _decode(cursor)
        if given != print_ or start > len(items):
            raise MCPError(
                INVALID_PARAMS,
                "stale cursor: the list changed since that page was served; list again without a cursor",
            )
    used = 0
    end = start
    while end < len(items):
        used += size(items[end]) + 1
        if used > budget and end > start:
            break
        end += 1
    return Page(list(items[start:end]), _encode(end, print_) if end < len(items) else None)
