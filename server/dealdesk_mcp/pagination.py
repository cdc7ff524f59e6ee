"""Pages: where a list answer stops, what to pass for the next page, and one walk over many pages.

The paging style is each tool's route data (`start`, `offset`, `body_offset`, `cursor`, from the
generator); where a cursor list names its next cursor is its API's profile data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.jsonvalues import as_object, is_array
from dealdesk_mcp.route import Route


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    more: bool | None  # None: the API does not say
    next_args: dict[str, Any] | None  # exactly what to pass to get the next page
    # The paging arguments this page was fetched with, to resume inside it (after a cut).
    sent: dict[str, Any] = field(default_factory=dict[str, Any])


def list_items(answer: Any) -> list[Any] | None:
    """The items of a list answer: data as a list, or data.items (search answers)."""
    body = as_object(answer)
    if body is None:
        return None
    data = body.get("data")
    if is_array(data):
        return data
    found = as_object(data)
    if found is not None and is_array(items := found.get("items")):
        return items
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_page(route: Route, profile: ApiProfile, answer: Any, sent: dict[str, Any]) -> Page | None:
    """The page facts of `answer`, given the paging arguments `sent`; None where the tool does not page."""
    items = list_items(answer)
    body = as_object(answer)
    if route.pagination == "none" or items is None or body is None:
        return None
    skip = _int(sent.get("skip")) or 0
    shown = items[skip:]
    if route.pagination == "cursor":
        cursor: Any = None
        for container, key in profile.cursor_at:
            block = as_object(body.get(container))
            if block is not None and block.get(key):
                cursor = block[key]
                break
        return Page(shown, bool(cursor), {"cursor": cursor} if cursor else None, sent)

    if route.pagination == "start":
        extra = as_object(body.get("additional_data")) or {}
        block = as_object(extra.get("pagination")) or extra
        more = block.get("more_items_in_collection")
        if more is None:
            return Page(shown, None, None, sent)
        start = _int(block.get("start")) or _int(sent.get("start")) or 0
        next_start = _int(block.get("next_start"))
        if next_start is None:
            next_start = start + len(items)
        return Page(shown, bool(more), {"start": next_start} if more else None, sent)

    # Offset lists (query or body) say nothing about more pages: a full page suggests more.
    offset = _int(sent.get("offset")) or 0
    limit = _int(sent.get("limit"))
    more = None if limit is None else len(items) >= limit > 0
    following = {"offset": offset + len(items)} if more or (more is None and items) else None
    return Page(shown, more, following, sent)


def resume_at(route: Route, page: Page, index: int) -> dict[str, Any]:
    """Arguments that continue a list at item `index` of `page` (the first item an answer had to cut).
    Offset styles say it with their own argument; a cursor cannot point inside a page, so its page is
    asked for again, leaving out what was shown."""
    skip = (_int(page.sent.get("skip")) or 0) + index
    if route.pagination == "start":
        return {"start": (_int(page.sent.get("start")) or 0) + skip}
    if route.pagination in ("offset", "body_offset"):
        return {"offset": (_int(page.sent.get("offset")) or 0) + skip}
    args = {k: page.sent[k] for k in ("cursor", "limit") if page.sent.get(k) is not None}
    return {**args, "skip": skip} if skip else args


FetchPage = Callable[[dict[str, Any]], Awaitable[tuple[Any, Page | None]]]
Progress = Callable[[float, float | None, str | None], Awaitable[None]]
# Each page's items replaced as the page arrives (the shape stage's), so a long walk never holds all
# its raw records at once.
Arrange = Callable[[list[Any]], Awaitable[list[Any]]]


@dataclass
class Walk:
    """Pages gathered by one walk: every item once, in order, with the page each came from."""

    first: Any = None
    pages: list[Page] = field(default_factory=list[Page])
    items: list[Any] = field(default_factory=list[Any])

    def page_of(self, index: int) -> tuple[Page, int]:
        """The page holding item `index` of the walk, and the item's place in that page."""
        for page in self.pages:
            if index < len(page.items):
                return page, index
            index -= len(page.items)
        raise IndexError(index)

    @property
    def last(self) -> Page | None:
        return self.pages[-1] if self.pages else None

    def map_items(self, change: Callable[[Any], Any]) -> list[Any]:
        """Every item replaced by `change(item)`, page by page: the walk's own lists then hold only
        the changed items, and each page's originals are freed once that page is done (a walk of
        thousands never holds all its records twice)."""
        if sum(len(page.items) for page in self.pages) != len(self.items):
            self.items = [change(item) for item in self.items]  # not a walk's own pages: no sharing
            return self.items
        self.items = []
        for page in self.pages:
            page.items[:] = [change(item) for item in page.items]
            self.items.extend(page.items)
        return self.items


async def walk(
    fetch: FetchPage,
    *,
    wanted: int,
    page_size: int,
    start: dict[str, Any],
    progress: Progress | None = None,
    label: str = "",
    max_pages: int | None = None,
    arrange: Arrange | None = None,
) -> Walk:
    """Fetch pages until `wanted` items, the end of the list, a page that does not page, `max_pages`,
    or a next page that would be this one again (an API answering the same cursor forever).
    `arrange` replaces each page's items as it arrives (one for one)."""
    result = Walk()
    args = dict(start)
    while len(result.items) < wanted and (max_pages is None or len(result.pages) < max_pages):
        args["limit"] = min(page_size, wanted - len(result.items) + (_int(args.get("skip")) or 0))
        answer, page = await fetch(args)
        if result.first is None:
            result.first = answer
        if page is None:
            break
        take = page.items[: wanted - len(result.items)]
        whole = len(take) == len(page.items)
        if arrange is not None:
            take = await arrange(take)
        result.pages.append(Page(take, page.more if whole else True, page.next_args, page.sent))
        result.items.extend(take)
        if progress is not None:
            await progress(
                len(result.items), wanted, f"{label}: page {len(result.pages)}, {len(result.items)} items"
            )
        following = {k: v for k, v in args.items() if k != "skip"} | (page.next_args or {})
        if not page.next_args or not page.items or following == args:
            break
        args = following
    return result
