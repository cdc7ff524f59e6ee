"""Toolsets switched on and off during a session (the server tool `switch_toolsets`), the way
GitHub's MCP server offers dynamic toolsets: the agent starts small and takes what the task needs.

A switch belongs to the connection that made it (another client's tools stay as they were), obeys the
write level and the tool exclusions the server started with, and makes the request handler send
notifications/tools/list_changed. The same listing is the resource `dealdesk://toolsets`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.connections import ConnectionState, Offer
from dealdesk_mcp.errors import ConfigError, InvalidArguments, NotAllowed
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput, registered
from dealdesk_mcp.server_tools import offered as server_tools_offered
from dealdesk_mcp.tables import as_table

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

NAME = "switch_toolsets"
TOOLSETS_URI = "dealdesk://toolsets"
TOOLSET_TEMPLATE = "dealdesk://toolsets/{toolset}"


class SwitchToolsetsInput(ServerToolInput):
    enable: list[str] = Field(default_factory=list, description="Toolsets to switch on ('all': every one).")
    disable: list[str] = Field(default_factory=list, description="Toolsets to switch off.")


def _order() -> dict[str, int]:
    return {t.name: i for i, t in enumerate(toolset_table.TOOLSETS)}


def offer_for(runtime: Runtime, on: Iterable[str], off: Iterable[str]) -> Offer:
    """The server's starting offer with toolsets `on` added whole and `off` taken away, within the
    write level and exclusions the server started with."""
    on, off = set(on), set(off)
    started = runtime.started
    settings = runtime.settings
    picked: dict[str, ToolEntry] = {n: e for n, e in started.enabled.items() if e.toolset not in off}
    for toolset in on:
        for entry in runtime.catalog.toolsets.get(toolset, []):  # a server group has none of its own
            if entry.allowed_at(settings.writes) and entry.name not in settings.exclude_tools:
                picked[entry.name] = entry
    order = _order()
    toolsets = [t for t in on if t not in toolset_table.SERVER_GROUPS]
    names = [t for t in started.toolsets if t not in off] + [t for t in toolsets if t not in started.toolsets]
    return Offer(
        tuple(sorted(dict.fromkeys(names), key=lambda t: order.get(t, len(order)))),
        {n: picked[n] for n in runtime.catalog.tools if n in picked},
        (started.groups | (on & set(toolset_table.SERVER_GROUPS))) - off,
    )


def _names(runtime: Runtime, account: Account, given: list[str]) -> list[str]:
    apis = [name for name in runtime.profiles if account.has(name)]
    try:
        names = runtime.catalog.resolve_toolsets(given, apis=apis) if given else []
    except ConfigError as exc:
        raise InvalidArguments(f"{NAME}: {exc.message}") from None
    groups = sorted(toolset_table.groups_named(given))
    # 'all' names every toolset; those of an API without credentials are left out, not refused.
    everything = any(g.strip().lower() == toolset_table.ALL for g in given)
    if everything:
        return [n for n in names if runtime.catalog.api_of(n) in apis] + groups
    lacking = [n for n in names if runtime.catalog.api_of(n) not in apis]
    if lacking:
        profile = runtime.profiles[runtime.catalog.api_of(lacking[0])]
        raise NotAllowed(
            f"{', '.join(lacking)} need {profile.name} credentials, which this server has none of: "
            f"{profile.credential_hint}."
        )
    return names + groups


def switch(
    runtime: Runtime, account: Account, state: ConnectionState, enable: list[str], disable: list[str]
) -> list[str]:
    """Apply a switch to the connection's state; returns notes on what happened."""
    on_names, off_names = _names(runtime, account, enable), _names(runtime, account, disable)
    if not state.lasting:
        raise NotAllowed(
            "this connection keeps no session (each request of the 2026-07-28 protocol stands alone), so "
            "toolsets cannot be switched during it; start the server with --toolsets instead."
        )
    before = set(runtime.enabled) | set(runtime.server_tools)
    on = (state.switched_on | set(on_names)) - set(off_names)
    off = (state.switched_off | set(off_names)) - set(on_names)
    offer = offer_for(runtime, on, off)
    state.switched_on, state.switched_off = frozenset(on), frozenset(off)
    state.offer = offer if (on or off) else None
    after = set(offer.enabled) | set(server_tools_offered(runtime.settings, offer.enabled, offer.groups))
    notes: list[str] = []
    added, removed = len(after - before), len(before - after)
    if added or removed:
        notes.append(f"{added} tools added, {removed} removed; the tool list changed (tools/list again).")
        state.tools_changed = True
    else:
        notes.append("the tool list is unchanged.")
    held = [
        e.name
        for t in on_names
        for e in runtime.catalog.toolsets.get(t, [])
        if not e.allowed_at(runtime.settings.writes)
    ]
    if held:
        notes.append(
            f"{len(held)} tools of these toolsets change data beyond write level {runtime.settings.writes!r} "
            "and stay off (the server's --writes decides)."
        )
    return notes


def listing(runtime: Runtime, account: Account) -> dict[str, Any]:
    """Every toolset: on or off here, tools offered now, how many switching it on would add, and
    whether its API has credentials."""
    rows: list[dict[str, Any]] = []
    on = set(runtime.toolsets)
    for facts in toolset_table.TOOLSETS:
        tools = runtime.catalog.toolsets.get(facts.name, [])
        if not tools:
            continue
        offered = sum(1 for t in tools if t.name in runtime.enabled)
        whole = sum(
            1
            for t in tools
            if t.allowed_at(runtime.settings.writes) and t.name not in runtime.settings.exclude_tools
        )
        rows.append(
            {
                "name": facts.name,
                "on": facts.name in on,
                "offered": offered,
                "switch_on_adds": max(0, whole - offered),
                "has_credentials": account.has(tools[0].api),
                "about": facts.summary,
            }
        )
    groups = runtime.offer.groups
    for group in toolset_table.SERVER_GROUPS.values():
        members = [t for t in registered() if t.group == group.name]
        offered = sum(1 for t in members if t.name in runtime.server_tools)
        rows.append(
            {
                "name": group.name,
                "on": group.name in groups,
                "offered": offered,
                "switch_on_adds": 0 if group.name in groups else len(members),
                "has_credentials": account.has(group.api),
                "about": f"the server's own {group.summary}",
            }
        )
    return {"toolsets": as_table(rows)}


def toolset_tools(runtime: Runtime, toolset: str) -> dict[str, Any] | None:
    """One toolset's tools with whether each is offered here (None: no such toolset)."""
    tools = runtime.catalog.toolsets.get(toolset)
    if tools is None:
        return None
    rows = [
        {
            "name": t.name,
            "offered": t.name in runtime.enabled,
            "writes": t.writes,
            "summary": t.summary,
        }
        for t in tools
    ]
    return {"toolset": toolset, "on": toolset in runtime.toolsets, "tools": as_table(rows)}


async def _run(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    notes: list[str] = []
    if args.enable or args.disable:
        state = runtime.connection
        if state is None:
            raise NotAllowed(f"{NAME} switches toolsets of a client connection; this call came from none.")
        notes = switch(runtime, account, state, list(args.enable), list(args.disable))
        runtime = runtime.view(state)
    answer = listing(runtime, account)
    if runtime.settings.discovery:
        notes.append(
            "discovery mode: search_operations, describe_operation and call_operation reach the tools on."
        )
    if notes:
        answer["notes"] = notes
    return answer


TOOL = ServerTool(
    NAME,
    "List or switch toolsets",
    "Switch toolsets on or off for this session; with no arguments, list them (state, tools).",
    SwitchToolsetsInput,
    _run,
)
