"""How workflows read: complete walks of list tools and single reads, through the engine's own stages
(validate -> resolve -> fetch per page, every request through the session) within one time and
API-token budget, with a progress notification per page and a record of what was read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

from dealdesk_mcp import fetching, names, pagination, validation
from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Call, Progress
from dealdesk_mcp.errors import MissingCredentials
from dealdesk_mcp.jsonvalues import as_object, is_array
from dealdesk_mcp.pagination import Page

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

# What one report may spend: the API's own token units (Pipedrive prices each call; a page of a v2
# list is 10) and wall time. 2,000 tokens is 200 pages of 500 (100,000 records), under a tenth of the
# smallest plan's daily budget; 45 s stays inside the minute many hosts wait for a tool call.
TOKEN_BUDGET = 2_000
SECONDS = 45.0
# The most items one walk gathers (max_items' own ceiling).
WALK_CAP = 10_000
# Single reads of one report run at most this many at a time (the session handles 429s).
CONCURRENT = 4


@dataclass
class Source:
    """One read a report made: the tool, its arguments, what came back, whether it was all of it."""

    tool: str
    arguments: dict[str, Any]
    items: int
    pages: int
    complete: bool


def summarized(sources: list[Source]) -> dict[str, Any]:
    """The reads by tool: items and pages, the arguments of a tool read once, the count of calls of
    one read several times, and whether every read of it was whole."""
    by_tool: dict[str, dict[str, Any]] = {}
    for source in sources:
        entry = by_tool.setdefault(source.tool, {"items": 0, "pages": 0, "calls": 0, "complete": True})
        entry["items"] += source.items
        entry["pages"] += source.pages
        entry["calls"] += 1
        entry["complete"] = entry["complete"] and source.complete
        entry["arguments"] = source.arguments
    for entry in by_tool.values():
        if entry["calls"] > 1 or not entry["arguments"]:
            del entry["arguments"]
        if entry["calls"] == 1:
            del entry["calls"]
    return by_tool


class Reader:
    """The reads of one workflow call, on behalf of `account`."""

    def __init__(
        self,
        runtime: Runtime,
        account: Account,
        progress: Progress | None,
        *,
        tokens: int | None = None,
        seconds: float | None = None,
    ) -> None:
        self.runtime = runtime
        self.account = account
        self.progress = progress
        self.tokens = TOKEN_BUDGET if tokens is None else tokens
        self.tokens_left = self.tokens
        self.seconds = SECONDS if seconds is None else seconds
        self.deadline = anyio.current_time() + self.seconds
        self.sources: list[Source] = []
        self.items_read = 0
        self.as_of = datetime.now(UTC).replace(microsecond=0)
        self._limit = anyio.CapacityLimiter(CONCURRENT)

    @property
    def complete(self) -> bool:
        return all(source.complete for source in self.sources)

    def _call(self, tool: str, arguments: dict[str, Any]) -> Call:
        entry = self.runtime.catalog.tools[tool]
        call = self.runtime.new_call(entry, arguments, self.account)
        if not self.account.has(call.profile.name):
            raise MissingCredentials(
                f"{tool} needs {call.profile.name} credentials: {call.profile.credential_hint}."
            )
        return call

    def _affordable(self, call: Call) -> bool:
        return anyio.current_time() < self.deadline and self.tokens_left >= (call.route.token_cost or 0)

    async def walk(self, tool: str, arguments: dict[str, Any] | None = None) -> list[Any]:
        """Every item of list tool `tool` (the API's own records, unshaped), page by page, until the
        list ends or the budget does; the Source it leaves says which."""
        arguments = dict(arguments or {})
        call = self._call(tool, arguments)
        await validation.validate(call)
        await names.resolve(call)
        page_size = call.route.page_size_max or call.profile.page_size_max
        before = self.items_read

        async def fetch(args: dict[str, Any]) -> tuple[Any, Page | None]:
            if not self._affordable(call):
                return None, None  # the walk ends here; the source says it is not complete
            self.tokens_left -= call.route.token_cost or 0
            return await fetching.fetch_page(call, args)

        async def report(done: float, total: float | None, message: str | None) -> None:
            self.items_read = before + int(done)
            if self.progress is not None:
                await self.progress(self.items_read, None, message)

        walked = await pagination.walk(
            fetch, wanted=WALK_CAP, page_size=page_size, start={}, progress=report, label=tool
        )
        last = walked.last
        complete = last is not None and last.more is False
        self.sources.append(Source(tool, arguments, len(walked.items), len(walked.pages), complete))
        return list(walked.items)

    async def one(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        """The `data` of one answer of `tool` (unshaped); None where the budget is spent."""
        arguments = dict(arguments or {})
        call = self._call(tool, arguments)
        await validation.validate(call)
        await names.resolve(call)
        async with self._limit:
            if not self._affordable(call):
                # Not read: the budget is spent. The source says so, and the report's walk is incomplete.
                self.sources.append(Source(tool, arguments, 0, 0, False))
                return None
            self.tokens_left -= call.route.token_cost or 0
            answer, _ = await fetching.fetch_page(call, {})
        body = as_object(answer)
        data = body.get("data") if body is not None else None
        count = len(data) if is_array(data) else 1
        self.sources.append(Source(tool, arguments, count, 1, True))
        return data

    def described(self) -> dict[str, Any]:
        """Where a report's rows came from and whether every walk reached the end of its list."""
        return {
            "complete": self.complete,
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "read": summarized(self.sources),
        }
