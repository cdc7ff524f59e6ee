"""The protocol beyond tools: resources (list, templates, read, subscribe), prompts, completion and
logging, as low-level handlers over the runtime. Tools are app.tool_handlers'.

Every handler works as the account of its request (Runtime.account_for) and on its connection's
state (connections.py); what it reads goes through the executor, so auth, shaping and scrubbing are
those of a tool call, and any note it makes reaches the client at the level the client chose.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server.connection import allowed_log_levels
from mcp.shared.exceptions import MCPError
from mcp_types import LoggingLevel
from mcp_types.jsonrpc import INTERNAL_ERROR, INVALID_PARAMS
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from dealdesk_mcp import completions, cursors, notes, prompts, resources, shelf, toolswitch
from dealdesk_mcp.account import Account
from dealdesk_mcp.connections import MAX_SUBSCRIPTIONS, ConnectionState
from dealdesk_mcp.errors import ApiError, InvalidArguments, ToolError

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

# The handshake protocol's "resource not found"; the 2026-07-28 protocol retired the code for invalid params.
RESOURCE_NOT_FOUND = -32002
LOGGER = notes.LOGGER_NAME


def sink_for(ctx: Any, state: ConnectionState, account: Account) -> notes.NoteSink:
    """Where the notes made while serving this request go: its client, at the level it asked for."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        # The request itself says which levels it takes (an opt-in in its _meta); none by default.
        levels = allowed_log_levels(ctx.protocol_version, ctx.meta)

        def allowed(level: LoggingLevel) -> bool:
            return level in levels
    else:

        def allowed(level: LoggingLevel) -> bool:
            return notes.at_least(level, state.log_level)

    async def send(level: LoggingLevel, text: str) -> None:
        message = types.LoggingMessageNotification(
            params=types.LoggingMessageNotificationParams(level=level, data=text, logger=LOGGER)
        )
        # On the request's own stream: a client that opened no standalone stream still hears it.
        await ctx.session.send_notification(message, related_request_id=ctx.request_id)

    return notes.NoteSink(send=send, allowed=allowed, scrub=account.scrub, window=state.notes)


def _not_found(ctx: Any, uri: str, why: str) -> MCPError:
    code = INVALID_PARAMS if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS else RESOURCE_NOT_FOUND
    return MCPError(code, f"resource not found: {uri} ({why})", data={"uri": uri})


def _resource(spec: resources.ResourceSpec) -> types.Resource:
    return types.Resource(
        uri=spec.uri, name=spec.name, title=spec.title, description=spec.description, mime_type=resources.JSON
    )


def _template(uri: str, name: str, title: str, description: str, mime: str | None) -> types.ResourceTemplate:
    return types.ResourceTemplate(
        uri_template=uri, name=name, title=title, description=description, mime_type=mime
    )


def _shelved(kept: shelf.ShelvedFile) -> types.Resource:
    what = (
        "the whole of an answer too long to show"
        if kept.kind == "answer"
        else "a file downloaded from the CRM"
    )
    return types.Resource(
        uri=kept.uri,
        name=kept.name,
        title=kept.name,
        description=f"Saved by this server: {what}.",
        mime_type=kept.content_type,
        size=kept.size,
    )


# The server's own resources besides the API-backed ones.
TOOLSETS_RESOURCE = types.Resource(
    uri=toolswitch.TOOLSETS_URI,
    name="toolsets",
    title="Toolsets",
    description="Every toolset: on or off on this connection, tools offered, how many more switching it on adds.",
    mime_type=resources.JSON,
)
OWN_TEMPLATES = (
    _template(
        toolswitch.TOOLSET_TEMPLATE,
        "toolset",
        "One toolset's tools",
        "The tools of a toolset, whether each is offered here, and a one-line summary each.",
        resources.JSON,
    ),
    _template(
        shelf.TEMPLATE,
        "saved-file",
        "A file this server saved",
        "A download or a whole answer the server kept in its downloads folder; only files it wrote.",
        None,
    ),
)


def protocol_handlers(runtime: Runtime) -> dict[str, Any]:
    """Handlers for resources, prompts and completion (constructor arguments of the SDK's Server)."""
    completer = completions.Completer(runtime)

    def enter(ctx: Any) -> tuple[Runtime, Account, ConnectionState]:
        account = runtime.account_for(ctx)
        state = runtime.audience.join(account.key, ctx)
        return runtime.view(state), account, state

    def apis_of(account: Account) -> set[str]:
        return {name for name in runtime.profiles if account.has(name)}

    # -- resources ----------------------------------------------------------------------------------
    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        view, account, _ = enter(ctx)
        listed = [_resource(s) for s in resources.offered(view, account) if not s.is_template]
        listed += [TOOLSETS_RESOURCE, *(_shelved(f) for f in runtime.shelf.listed(account))]
        page = cursors.page(listed, params.cursor if params else None, name=_uri, size=_size)
        return types.ListResourcesResult(resources=page.items, next_cursor=page.next_cursor)

    async def list_templates(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        view, account, _ = enter(ctx)
        listed = [
            _template(s.uri, s.name, s.title, s.description, resources.JSON)
            for s in resources.offered(view, account)
            if s.is_template
        ]
        listed += OWN_TEMPLATES
        page = cursors.page(listed, params.cursor if params else None, name=_template_uri, size=_size)
        return types.ListResourceTemplatesResult(resource_templates=page.items, next_cursor=page.next_cursor)

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        view, account, state = enter(ctx)
        uri = str(params.uri)
        with notes.attached(sink_for(ctx, state, account)):
            contents = await _read(view, account, ctx, uri)
        return types.ReadResourceResult(contents=contents)

    async def _read(view: Runtime, account: Account, ctx: Any, uri: str) -> list[Any]:
        if uri == toolswitch.TOOLSETS_URI:
            return [_json(uri, account, toolswitch.listing(view, account))]
        toolset = resources.template_of(toolswitch.TOOLSET_TEMPLATE).match(uri)
        if toolset is not None:
            found = toolswitch.toolset_tools(view, str(toolset["toolset"]))
            if found is None:
                raise _not_found(ctx, uri, "no such toolset; see dealdesk://toolsets")
            return [_json(uri, account, found)]
        name = shelf.name_of(uri)
        if name is not None:
            return [_file(ctx, view, account, uri, name)]
        matched = resources.match(resources.offered(view, account), uri)
        if matched is None:
            raise _not_found(ctx, uri, "resources/list and resources/templates/list name what there is")
        spec, values = matched
        before = len(runtime.shelf.listed(account))
        try:
            value = await resources.read(view, account, spec, values)
        except InvalidArguments as exc:
            raise MCPError(INVALID_PARAMS, account.scrub(exc.message)) from None
        except ApiError as exc:
            if exc.status == 404:
                raise _not_found(ctx, uri, account.scrub(exc.message)) from None
            raise MCPError(INTERNAL_ERROR, account.scrub(exc.message)) from None
        except ToolError as exc:
            raise MCPError(INTERNAL_ERROR, account.scrub(exc.message)) from None
        if len(runtime.shelf.listed(account)) != before:
            await runtime.audience.resource_list_changed(account.key)
        return [
            types.TextResourceContents(
                uri=uri, mime_type=resources.JSON, text=resources.text_of(account, value)
            )
        ]

    def _file(ctx: Any, view: Runtime, account: Account, uri: str, name: str) -> Any:
        kept = runtime.shelf.get(account, name)
        if kept is None:
            raise _not_found(ctx, uri, "only files this server saved for you can be read")
        try:
            data = runtime.shelf.read(kept)
        except ToolError as exc:
            raise MCPError(INTERNAL_ERROR, account.scrub(exc.message)) from None
        if kept.is_text:
            text = account.scrub(data.decode("utf-8", errors="replace"))
            return types.TextResourceContents(uri=uri, mime_type=kept.content_type, text=text)
        return types.BlobResourceContents(
            uri=uri, mime_type=kept.content_type, blob=base64.b64encode(data).decode("ascii")
        )

    async def subscribe(ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
        _, _, state = enter(ctx)
        # Any URI may be watched (an item can appear later); the server announces those it changes itself.
        if len(state.subscriptions) >= MAX_SUBSCRIPTIONS and str(params.uri) not in state.subscriptions:
            raise MCPError(INVALID_PARAMS, f"at most {MAX_SUBSCRIPTIONS} resources can be watched at once")
        state.subscriptions.add(str(params.uri))
        return types.EmptyResult()

    async def unsubscribe(ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        _, _, state = enter(ctx)
        state.subscriptions.discard(str(params.uri))
        return types.EmptyResult()

    # -- prompts ------------------------------------------------------------------------------------
    async def list_prompts(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        view, account, _ = enter(ctx)
        listed = [prompts.listed(p) for p in prompts.offered(view, apis_of(account))]
        page = cursors.page(listed, params.cursor if params else None, name=_name, size=_size)
        return types.ListPromptsResult(prompts=page.items, next_cursor=page.next_cursor)

    async def get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        view, account, _ = enter(ctx)
        try:
            return prompts.get(view, params.name, params.arguments, apis_of(account))
        except (prompts.UnknownPrompt, prompts.MissingArgument) as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None

    # -- completion ---------------------------------------------------------------------------------
    async def complete(ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
        _, account, state = enter(ctx)
        context = dict(params.context.arguments or {}) if params.context else {}
        with notes.attached(sink_for(ctx, state, account)):
            try:
                found = await completer.complete(
                    account, params.ref, params.argument.name, params.argument.value, context
                )
            except completions.UnknownReference as exc:
                raise MCPError(INVALID_PARAMS, str(exc)) from None
        return types.CompleteResult(completion=found)

    async def listen(
        ctx: Any, params: types.SubscriptionsListenRequestParams
    ) -> types.SubscriptionsListenResult:
        # One bus per account: one user's changes are never announced to another's streams.
        return await runtime.audience.listener(runtime.account_for(ctx).key)(ctx, params)

    return {
        "on_subscriptions_listen": listen,
        "on_list_resources": list_resources,
        "on_list_resource_templates": list_templates,
        "on_read_resource": read_resource,
        "on_subscribe_resource": subscribe,
        "on_unsubscribe_resource": unsubscribe,
        "on_list_prompts": list_prompts,
        "on_get_prompt": get_prompt,
        "on_completion": complete,
    }


def set_level_handler(runtime: Runtime) -> Any:
    """logging/setLevel: which notes this connection receives from now on."""

    async def set_level(ctx: Any, params: types.SetLevelRequestParams) -> types.EmptyResult:
        account = runtime.account_for(ctx)
        state = runtime.audience.join(account.key, ctx)
        state.log_level = params.level
        return types.EmptyResult()

    return set_level


def _json(uri: str, account: Account, value: Any) -> types.TextResourceContents:
    return types.TextResourceContents(
        uri=uri, mime_type=resources.JSON, text=resources.text_of(account, value)
    )


def _uri(item: types.Resource) -> str:
    return item.uri


def _template_uri(item: types.ResourceTemplate) -> str:
    return item.uri_template


def _name(item: types.Prompt) -> str:
    return item.name


def _size(item: Any) -> int:
    return len(item.model_dump_json(by_alias=True, exclude_none=True))
