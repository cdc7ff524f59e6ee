"""Toolsets switched in one streamable-HTTP session stay in that session: another client of the same
server keeps its own tools, and the switching client hears tools/list_changed on its own stream."""

from __future__ import annotations

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import list_all_tools
from tests.transports.conftest import ServerProcess, StartServer


def session(server: ServerProcess, heard: list[str]) -> Client:
    async def on_message(message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            heard.append(message.method)

    http = httpx2.AsyncClient(headers=server.headers, timeout=httpx2.Timeout(30))
    # The handshake protocol: a session (Mcp-Session-Id) that lasts across requests.
    return Client(
        streamable_http_client(server.url, http_client=http), mode="legacy", message_handler=on_message
    )


async def test_a_switch_changes_only_its_own_session(start_server: StartServer) -> None:
    server = start_server("http")
    heard_one: list[str] = []
    heard_two: list[str] = []
    async with session(server, heard_one) as one, session(server, heard_two) as two:
        before = {t.name for t in await list_all_tools(two)}
        switched = await one.call_tool("switch_toolsets", {"enable": ["webhooks"], "disable": ["notes"]})
        mine = {t.name for t in await list_all_tools(one)}
        theirs = {t.name for t in await list_all_tools(two)}
        hooks = await one.call_tool("get_webhooks", {})
        not_theirs = await two.call_tool("get_webhooks", {})
    assert not switched.is_error
    assert heard_one == ["notifications/tools/list_changed"] and heard_two == []
    assert "get_webhooks" in mine and "add_note" not in mine
    assert theirs == before and "add_note" in theirs and "get_webhooks" not in theirs
    assert not hooks.is_error and not_theirs.is_error
