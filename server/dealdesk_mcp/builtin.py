"""The server's own basic tools: session info, and the discovery trio that reaches the whole catalog."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dealdesk_mcp import __version__, discovery, executor, policy
from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import NotAllowed, ToolError
from dealdesk_mcp.jsonvalues import is_object
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime


class SessionInfoInput(ServerToolInput):
    pass


class DescribeOperationInput(ServerToolInput):
    name: str = Field(description="A tool name from search_operations.")


class CallOperationInput(ServerToolInput):
    name: str = Field(description="A tool name from search_operations.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Arguments per describe_operation.")


SESSION_INFO = "get_session_info"
SEARCH = "search_operations"
DESCRIBE = "describe_operation"
CALL = "call_operation"


def _discovery(settings: Settings) -> bool:
    return settings.discovery


async def _session_info(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    return await session_info(runtime, account)


async def _search(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    return await discovery.search(runtime, account, args)


async def _describe(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    entry = runtime.reachable(args.name)
    return {
        "name": entry.name,
        "title": entry.title,
        "description": entry.description,
        "toolset": entry.toolset,
        "method": entry.method,
        "input_schema": entry.input_schema,
    }


async def _call(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    answer = await runtime.call(args.name, args.arguments, progress, account, peer)
    return answer.value


TOOLS = (
    ServerTool(
        SESSION_INFO,
        "Show this server's session",
        "This server's mode, toolsets, APIs with credentials, the signed-in user, and this session's calls, "
        "token cost and rate-limit headroom.",
        SessionInfoInput,
        _session_info,
    ),
    ServerTool(
        SEARCH,
        "Search the API's operations",
        "Find the operation for a task among all of the API's operations: say what you want done. Answers "
        "the best matches with name, title, summary, toolset and whether this session can call it (if not, "
        "what would enable it). Then describe_operation for its arguments, call_operation to run it.",
        discovery.SearchOperationsInput,
        _search,
        offered=_discovery,
    ),
    ServerTool(
        DESCRIBE,
        "Describe one operation",
        "Show one operation's full description and input JSON Schema, before calling it with call_operation.",
        DescribeOperationInput,
        _describe,
        offered=_discovery,
    ),
    ServerTool(
        CALL,
        "Call an operation",
        "Run an operation by name with its arguments, validated exactly like the direct tool. "
        "Arguments follow the schema from describe_operation.",
        CallOperationInput,
        _call,
        read_only=False,
        offered=_discovery,
    ),
)


def find_hint(runtime: Runtime, name: str) -> str:
    close = difflib.get_close_matches(name, list(runtime.catalog.tools), n=3, cutoff=0.6)
    if close:
        return f"Did you mean: {', '.join(close)}?"
    return (
        "search_operations finds tools by words." if runtime.settings.discovery else "tools/list shows them."
    )


def not_offered(runtime: Runtime, entry: ToolEntry) -> ToolError:
    refusal = policy.write_refusal(entry, runtime.settings.writes)
    if refusal is not None:
        return refusal
    if entry.name in runtime.settings.exclude_tools:
        return NotAllowed(f"{entry.name} is excluded by this server's settings (--exclude-tools).")
    if entry.toolset in runtime.toolsets:
        # The default selection leaves a toolset's occasional and deprecated tools out; naming it offers them.
        return NotAllowed(
            f"{entry.name} is left out of the default selection of the {entry.toolset!r} toolset. "
            f"Start the server with --toolsets default,{entry.toolset} to offer all of it."
        )
    return NotAllowed(
        f"{entry.name} is in the {entry.toolset!r} toolset, which is not enabled; enabled: {', '.join(runtime.toolsets)}. "
        f"Call switch_toolsets with enable [{entry.toolset!r}] to offer it on this connection, or start the "
        f"server with --toolsets {entry.toolset} (or all)."
    )


async def session_info(runtime: Runtime, account: Account) -> dict[str, Any]:
    tally = account.tally
    info: dict[str, Any] = {
        "version": __version__,
        "mode": "discovery" if runtime.settings.discovery else "tools",
        "writes": runtime.settings.writes,
        "confirm": runtime.settings.confirm,
        "audit_log": runtime.settings.audit_log is not None,
        "read_only": runtime.settings.read_only,
        "toolsets": runtime.toolsets,
        "tools_enabled": len(runtime.enabled),
        "apis": {
            name: {"origin": account.origin(profile), "credentials": account.has(name)}
            for name, profile in runtime.profiles.items()
        },
        "calls": tally.calls,
        "api_token_cost": tally.token_cost,
        "retries": tally.retries,
        "rate_limit_last_seen": tally.rate_limit,
        "tools_by_api": {
            api: sum(1 for e in runtime.enabled.values() if e.api == api) for api in runtime.profiles
        },
    }
    identities = {
        name: await identity(runtime, account, name) for name in runtime.profiles if account.has(name)
    }
    identities = {name: who for name, who in identities.items() if who is not None}
    if identities:
        # The first API's identity is "the user"; the others are listed by API.
        info["user"] = next(iter(identities.values()))
        info["identities"] = identities
    return info


async def identity(runtime: Runtime, account: Account, api: str) -> Any:
    """Who `account` is at `api` (asked once), or None where the API has no way to say."""
    profile = runtime.profiles[api]
    if profile.identity_tool is None:
        return None
    known = account.identities.get(api)
    if known is None:
        try:
            answer = await executor.run(
                runtime.new_call(runtime.catalog.tools[profile.identity_tool], {}, account)
            )
        except ToolError as exc:
            return {"error": exc.message}
        data = answer.value.get("data")
        if not is_object(data):
            return None
        known = {k: data[k] for k in profile.identity_keys if k in data}
        account.identities[api] = known
    return known
