"""The server's own basic tools: session info, and the discovery trio that reaches the whole catalog."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from dealdesk_mcp import __version__, executor
from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Progress
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import NotAllowed, ToolError
from dealdesk_mcp.jsonvalues import is_object
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime


class SessionInfoInput(ServerToolInput):
    pass


class SearchOperationsInput(ServerToolInput):
    query: str = Field(default="", description="Words to match in tool names and descriptions.")
    toolset: str | None = Field(
        default=None, description="Only this toolset (e.g. deals, persons, attio_records)."
    )
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = Field(
        default=None, description="Only this HTTP method."
    )
    limit: int = Field(default=15, ge=1, le=100, description="Most operations to list.")


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
    runtime: Runtime, account: Account, args: Any, progress: Progress | None
) -> dict[str, Any]:
    return await session_info(runtime, account)


async def _search(runtime: Runtime, account: Account, args: Any, progress: Progress | None) -> dict[str, Any]:
    return search(runtime, args)


async def _describe(
    runtime: Runtime, account: Account, args: Any, progress: Progress | None
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


async def _call(runtime: Runtime, account: Account, args: Any, progress: Progress | None) -> dict[str, Any]:
    answer = await runtime.call(args.name, args.arguments, progress, account)
    return answer.value


TOOLS = (
    ServerTool(
        SESSION_INFO,
        "Show this server's session",
        "Show this server's mode, enabled toolsets, which APIs have credentials, the signed-in Pipedrive user, "
        "and this session's calls, API token cost and rate-limit headroom.",
        SessionInfoInput,
        _session_info,
    ),
    ServerTool(
        SEARCH,
        "Search the API's operations",
        "Find API operations by words, toolset or HTTP method; answers tool names with one-line summaries. "
        "Then use describe_operation for the arguments and call_operation to run it.",
        SearchOperationsInput,
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


def search(runtime: Runtime, args: SearchOperationsInput) -> dict[str, Any]:
    words = [w for w in re.split(r"\W+", args.query.lower()) if w]
    scored: list[tuple[int, bool, str, ToolEntry]] = []
    for entry in runtime.enabled.values():
        if args.toolset and entry.toolset != args.toolset:
            continue
        if args.method and entry.method != args.method:
            continue
        name_text = entry.name.replace("_", " ")
        text = f"{name_text} {entry.toolset} {entry.description}".lower()
        score = sum(3 if w in name_text else 1 for w in words if w in text)
        if words and score == 0:
            continue
        scored.append((-score, entry.deprecated, entry.name, entry))
    scored.sort(key=lambda s: s[:3])
    hits = [{"name": e.name, "summary": e.summary} for *_, e in scored[: args.limit]]
    return {"operations": hits, "matched": len(scored), "shown": len(hits)}


def find_hint(runtime: Runtime, name: str) -> str:
    close = difflib.get_close_matches(name, list(runtime.catalog.tools), n=3, cutoff=0.6)
    if close:
        return f"Did you mean: {', '.join(close)}?"
    return (
        "search_operations finds tools by words." if runtime.settings.discovery else "tools/list shows them."
    )


def not_offered(runtime: Runtime, entry: ToolEntry) -> ToolError:
    level = runtime.settings.writes
    if not entry.allowed_at(level):
        if level == "none":
            return NotAllowed(
                f"{entry.name} changes data, and this server runs read-only (PIPEDRIVE_WRITES=none)."
            )
        return NotAllowed(
            f"{entry.name} is destructive (it cannot be undone), and this server's write level is 'safe' "
            "(PIPEDRIVE_WRITES); start it with --writes all to allow it."
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
        "api_versions_used": sorted(
            {e.path.split("/")[2] for e in runtime.enabled.values() if e.api == "pipedrive"}
        ),
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
