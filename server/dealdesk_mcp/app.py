"""Wire the catalog, the session and the executor into an MCP server (the SDK's low-level Server)."""

from __future__ import annotations

import difflib
import logging
import re
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import mcp_types as types
from mcp.server.lowlevel import Server
from pydantic import ValidationError

from dealdesk_mcp import __version__, builtin
from dealdesk_mcp.catalog import Catalog, ToolEntry, load_catalog
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ApiError, InvalidArguments, NotAllowed, ToolError, UnknownTool
from dealdesk_mcp.executor import Answer, Executor, Progress, describe_validation_error
from dealdesk_mcp.session import Session
from dealdesk_mcp.shaping import dumps

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Tools for the Pipedrive CRM (and Attio where enabled). Every tool takes raw=true for the API's unshaped "
    "answer. List tools answer one page with page.next (the exact argument for the next page) and take "
    "max_items to gather several pages at once. Custom fields are shown and written by field name. "
    "File tools read and write local paths."
)


class Runtime:
    """Everything one server instance shares between its connections."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.catalog: Catalog = load_catalog()
        self.toolsets = self.catalog.resolve_toolsets(
            settings.toolsets, attio_enabled=bool(settings.attio_api_key)
        )
        # The default set leaves deprecated operations out; naming their toolset (or all) brings them in.
        named = {t.strip().lower() for t in settings.toolsets or ()}
        self.enabled: dict[str, ToolEntry] = {
            t.name: t
            for t in self.catalog.select(self.toolsets, read_only=settings.read_only)
            if not t.deprecated or "all" in named or t.toolset in named
        }
        self.session = Session(settings, transport=transport)
        self.executor = Executor(settings, self.catalog, self.session)
        self._connections = 0
        self._me: Any = None

    # -- listing --------------------------------------------------------------------------------
    def listed_tools(self) -> list[types.Tool]:
        tools = [self._builtin_tool(builtin.SESSION_INFO)]
        if self.settings.discovery:
            tools += [self._builtin_tool(n) for n in (builtin.SEARCH, builtin.DESCRIBE, builtin.CALL)]
            return tools
        for entry in self.enabled.values():
            tools.append(
                types.Tool(
                    name=entry.name,
                    description=entry.description,
                    input_schema=entry.input_schema,
                    annotations=_annotations(entry.annotations),
                )
            )
        return tools

    def _builtin_tool(self, name: str) -> types.Tool:
        read_only = name != builtin.CALL
        return types.Tool(
            name=name,
            description=builtin.DESCRIPTIONS[name],
            input_schema=builtin.input_schema(builtin.MODELS[name]),
            annotations=types.ToolAnnotations(read_only_hint=read_only, open_world_hint=name == builtin.CALL),
        )

    # -- calling --------------------------------------------------------------------------------
    async def call(self, name: str, arguments: dict[str, Any] | None, progress: Progress | None) -> Answer:
        if name in builtin.MODELS and (name == builtin.SESSION_INFO or self.settings.discovery):
            return await self._call_builtin(name, arguments or {}, progress)
        entry = self.enabled.get(name)
        if entry is None:
            raise self._unavailable(name)
        return await self.executor.run(entry, arguments, progress)

    def _unavailable(self, name: str) -> ToolError:
        entry = self.catalog.tools.get(name)
        if entry is None:
            return UnknownTool(f"Unknown tool {name!r}. {self._find_hint(name)}")
        if self.settings.read_only and entry.writes:
            return NotAllowed(f"{name} changes data, and this server runs read-only (PIPEDRIVE_READ_ONLY).")
        return NotAllowed(
            f"{name} is in the {entry.toolset!r} toolset, which is not enabled; enabled: {', '.join(self.toolsets)}. "
            f"Start the server with --toolsets {entry.toolset} (or all)."
        )

    def _find_hint(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.catalog.tools), n=3, cutoff=0.6)
        if close:
            return f"Did you mean: {', '.join(close)}?"
        return (
            "search_operations finds tools by words." if self.settings.discovery else "tools/list shows them."
        )

    async def _call_builtin(self, name: str, arguments: dict[str, Any], progress: Progress | None) -> Answer:
        model_cls = builtin.MODELS[name]
        try:
            args = model_cls.model_validate(arguments)
        except ValidationError as exc:
            raise InvalidArguments(describe_validation_error(name, exc, model_cls)) from None
        if isinstance(args, builtin.SearchOperationsInput):
            return Answer(self._search(args))
        if isinstance(args, builtin.DescribeOperationInput):
            entry = self._reachable(args.name)
            return Answer(
                {
                    "name": entry.name,
                    "description": entry.description,
                    "toolset": entry.toolset,
                    "method": entry.method,
                    "input_schema": entry.input_schema,
                }
            )
        if isinstance(args, builtin.CallOperationInput):
            entry = self._reachable(args.name)
            return await self.executor.run(entry, args.arguments, progress)
        return Answer(await self._session_info())

    def _reachable(self, name: str) -> ToolEntry:
        entry = self.enabled.get(name)
        if entry is None:
            raise self._unavailable(name)
        return entry

    def _search(self, args: builtin.SearchOperationsInput) -> dict[str, Any]:
        words = [w for w in re.split(r"\W+", args.query.lower()) if w]
        scored = []
        for entry in self.enabled.values():
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

    async def _session_info(self) -> dict[str, Any]:
        stats = self.session.stats
        info: dict[str, Any] = {
            "version": __version__,
            "mode": "discovery" if self.settings.discovery else "tools",
            "read_only": self.settings.read_only,
            "toolsets": self.toolsets,
            "tools_enabled": len(self.enabled),
            "apis": {
                api: {"origin": self.session.origin(api), "credentials": self.session.credentials.has(api)}
                for api in self.session.profiles
            },
            "calls": stats.calls,
            "api_token_cost": stats.token_cost,
            "retries": stats.retries,
            "rate_limit_last_seen": stats.rate_limit,
            "api_versions_used": sorted(
                {e.path.split("/")[2] for e in self.enabled.values() if e.api == "pipedrive"}
            ),
        }
        if self.session.credentials.has("pipedrive"):
            info["user"] = await self._current_user()
        return info

    async def _current_user(self) -> Any:
        if self._me is None:
            entry = self.catalog.tools.get("get_current_user")
            try:
                answer = await self.executor.run(entry, {}) if entry else None
            except ToolError as exc:
                return {"error": exc.message}
            data = answer.value.get("data") if answer and isinstance(answer.value, dict) else None
            if isinstance(data, dict):
                self._me = {
                    k: data[k] for k in ("id", "name", "email", "company_id", "company_name") if k in data
                }
        return self._me

    # -- lifetime ----------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self, _server: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        # Several connections (HTTP sessions) share one HTTP client; the last one out closes it.
        self._connections += 1
        try:
            yield {}
        finally:
            self._connections -= 1
            if self._connections == 0:
                await self.session.aclose()

    def scrub(self, text: str) -> str:
        for secret in self.session.credentials.secrets():
            text = text.replace(secret, "[redacted]")
        return text


def _annotations(hints: dict[str, bool]) -> types.ToolAnnotations:
    return types.ToolAnnotations(
        read_only_hint=hints.get("readOnlyHint"),
        destructive_hint=hints.get("destructiveHint"),
        idempotent_hint=hints.get("idempotentHint"),
        open_world_hint=hints.get("openWorldHint"),
    )


def _result(runtime: Runtime, answer: Answer) -> types.CallToolResult:
    text = answer.text if answer.text is not None else dumps(answer.value)
    scrubbed = runtime.scrub(text)
    # Structured content only where nothing had to be scrubbed from the text.
    structured = answer.value if isinstance(answer.value, dict) and scrubbed == text else None
    return types.CallToolResult(content=[types.TextContent(text=scrubbed)], structured_content=structured)


def _error(runtime: Runtime, message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=runtime.scrub(message))], is_error=True)


def build_server(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Server[Any]:
    """The MCP server for `settings`. `transport` replaces the network (tests use it)."""
    runtime = Runtime(settings, transport=transport)
    tools = runtime.listed_tools()
    schemas = {tool.name: tool.input_schema for tool in tools}

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        async def progress(done: float, total: float | None, message: str | None) -> None:
            await ctx.session.report_progress(done, total, message)

        try:
            answer = await runtime.call(params.name, params.arguments, progress)
        except ToolError as exc:
            if isinstance(exc, ApiError):
                log.info("%s failed: %s", params.name, runtime.scrub(exc.message))
            return _error(runtime, exc.message)
        except Exception as exc:  # a bug of ours must not take the connection down
            # The traceback is scrubbed like any answer: an exception's text may quote a header value.
            log.error("tool %s failed unexpectedly:\n%s", params.name, runtime.scrub(traceback.format_exc()))
            return _error(
                runtime, f"{params.name} failed inside the server ({type(exc).__name__}); see the server log."
            )
        return _result(runtime, answer)

    server: Server[Any] = Server(
        "dealdesk-mcp",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=runtime.lifespan,
        # The HTTP transport checks a call's tool against its schema; a lookup spares it listing all tools.
        get_tool_input_schema=schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    server.runtime = runtime  # type: ignore[attr-defined]  # for the CLI and tests
    return server
