"""search_operations: find the tool for a task among every tool of the catalog, and say for each
match whether this session can call it and, if not, what would let it.

How a query is read is discovery_query's job, how tools are ranked discovery_index's, and the words
and weights both use are in discovery_words. In short: BM25 (bm25s) over each tool's name words,
title, description with its toolset, and parameters, with Snowball stemming (PyStemmer), widened by
tables of CRM synonyms, implied words and phrases, scaled by the share of the query a tool matches,
by whether it does what the request asks (read, add, update, delete) and by the API the query names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Literal

import anyio.to_thread
from pydantic import Field

from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.catalog import Selection, ToolEntry
from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.server_tools import ServerToolInput

if TYPE_CHECKING:
    from dealdesk_mcp.account import Account
    from dealdesk_mcp.app import Runtime
    from dealdesk_mcp.discovery_index import SearchIndex

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class SearchOperationsInput(ServerToolInput):
    query: str = Field(
        default="",
        description="What you want to do, in plain words (e.g. 'move a deal to the next stage'); "
        "empty lists the toolsets.",
    )
    toolset: str | None = Field(default=None, description="Only this toolset (e.g. deals, attio_records).")
    method: Method | None = Field(default=None, description="Only this HTTP method.")
    limit: int = Field(default=10, ge=1, le=50, description="Most operations to list.")


NOT_CALLABLE_NOTE = (
    "callable false: the operation exists but this session does not offer it; to_call says what "
    "would. A toolset is enabled by naming it in --toolsets (PIPEDRIVE_TOOLSETS) when the server "
    "starts, or during the session where the server offers a tool that enables toolsets."
)


def to_call(runtime: Runtime, account: Account, entry: ToolEntry, all_writes: Collection[str]) -> str | None:
    """What would let this session call `entry`; None when it can now. `all_writes`: the tools this
    server's selection would offer with every write allowed (what the write level alone holds back)."""
    settings = runtime.settings
    needs: list[str] = []
    if not account.has(entry.api):
        needs.append(f"{entry.api} credentials")
    if entry.name not in runtime.enabled:
        if not entry.allowed_at(settings.writes):
            needs.append(
                "a server that allows writes (it runs read-only)"
                if settings.writes == "none"
                else "start the server with --writes all (it is destructive)"
            )
        if entry.name in settings.exclude_tools:
            needs.append("not excluding it (--exclude-tools)")
        elif entry.name not in all_writes or entry.allowed_at(settings.writes):
            # A toolset named in full also offers what the default leaves out (occasional, deprecated).
            needs.append(f"enable the {entry.toolset} toolset")
    return " and ".join(needs) or None


def offered_with_all_writes(runtime: Runtime, account: Account) -> set[str]:
    settings = runtime.settings
    selection = Selection(settings.toolsets, "all", settings.tools, settings.exclude_tools)
    with_credentials = [name for name in runtime.profiles if account.has(name)]
    return set(runtime.catalog.select(selection, apis=with_credentials))


def listing(
    runtime: Runtime, account: Account, entry: ToolEntry, all_writes: Collection[str]
) -> dict[str, Any]:
    """One operation as search_operations lists it."""
    how = to_call(runtime, account, entry, all_writes)
    item: dict[str, Any] = {
        "name": entry.name,
        "title": entry.title,
        "summary": entry.summary,
        "toolset": entry.toolset,
        "callable": how is None,
    }
    if how is not None:
        item["to_call"] = how
    return item


def meant_apis(runtime: Runtime, account: Account) -> frozenset[str]:
    """The APIs a query that names none is about: those with credentials, when not all have them."""
    with_credentials = frozenset(name for name in runtime.profiles if account.has(name))
    return with_credentials if with_credentials != frozenset(runtime.profiles) else frozenset()


def _toolsets(runtime: Runtime) -> dict[str, Any]:
    """The answer to an empty query: every toolset, what it covers and whether it is enabled."""
    rows: list[dict[str, Any]] = []
    for name in runtime.catalog.toolset_names():
        facts = toolset_table.BY_NAME.get(name)
        rows.append(
            {
                "toolset": name,
                "summary": facts.summary if facts else "",
                "tools": len(runtime.catalog.toolsets[name]),
                "enabled": name in runtime.toolsets,
            }
        )
    return {
        "toolsets": rows,
        "notes": ["Search with words for operations, or give toolset to list one toolset's operations."],
    }


def _check_toolset(runtime: Runtime, toolset: str) -> None:
    if toolset not in runtime.catalog.toolsets:
        names = ", ".join(runtime.catalog.toolset_names())
        raise InvalidArguments(
            f"Invalid arguments for search_operations: toolset: unknown {toolset!r}; one of {names}"
        )


def _filtered(entries: Iterable[ToolEntry], toolset: str | None, method: str | None) -> list[ToolEntry]:
    return [
        e
        for e in entries
        if (toolset is None or e.toolset == toolset) and (method is None or e.method == method)
    ]


async def search(runtime: Runtime, account: Account, args: SearchOperationsInput) -> dict[str, Any]:
    """search_operations' answer: the best matches of the whole catalog, each saying whether this
    session can call it and, if not, what would let it."""
    # Imported with the first search, not at start: only discovery sessions search.
    from dealdesk_mcp.discovery_index import built_index, index_of

    index = built_index(runtime.catalog)
    if index is None and args.query.strip():
        # The first search builds the index (a quarter of a second): off the event loop.
        index = await anyio.to_thread.run_sync(index_of, runtime.catalog)
    return _answer(runtime, account, args, index)


def _answer(
    runtime: Runtime, account: Account, args: SearchOperationsInput, index: SearchIndex | None
) -> dict[str, Any]:
    if args.toolset is not None:
        _check_toolset(runtime, args.toolset)
    if not args.query.strip():
        if args.toolset is None and args.method is None:
            return _toolsets(runtime)
        found = _filtered(runtime.catalog.tools.values(), args.toolset, args.method)
    else:
        from dealdesk_mcp.discovery_index import index_of

        ranked = (index or index_of(runtime.catalog)).rank(args.query, meant_apis(runtime, account))
        found = _filtered((h.entry for h in ranked), args.toolset, args.method)
    all_writes = offered_with_all_writes(runtime, account)
    shown = [listing(runtime, account, e, all_writes) for e in found[: args.limit]]
    answer: dict[str, Any] = {"operations": shown, "matched": len(found), "shown": len(shown)}
    notes: list[str] = []
    if not found:
        notes.append(
            "No operation matched. Try other words (what you want done, e.g. 'add a note to a deal'), "
            "or search with an empty query to list the toolsets."
        )
    if any(not item["callable"] for item in shown):
        notes.append(NOT_CALLABLE_NOTE)
    missing = sorted({e.api for e in found[: args.limit] if not account.has(e.api)})
    notes += [f"{api} credentials: {runtime.profiles[api].credential_hint}." for api in missing]
    if notes:
        answer["notes"] = notes
    return answer
