"""Issue 16, item 14: open MCP sessions are bounded per server and per client, sessions that never got
past their opening expire, and clients that use their sessions keep them.

Without a token on loopback, 10,000 session opens in 44 s took +363 MB, and then every real client got
503 for up to 30 minutes (bench/http_edges.py sessions measures it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from dealdesk_mcp import http_limits
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from tests.conftest import TOKEN, text_of
from tests.standin import StandIn
from tests.transports.conftest import INITIALIZE, MCP_POST_HEADERS, StartServer

FLOOD = 150


async def open_sessions(
    url: str, headers: dict[str, str], count: int, parallel: int = 20
) -> list[tuple[int, str]]:
    """`count` initialize requests (nothing after them); their statuses and session ids."""
    opened: list[tuple[int, str]] = []
    left = iter(range(count))
    async with httpx.AsyncClient(timeout=30, headers={**MCP_POST_HEADERS, **headers}) as http:

        async def worker() -> None:
            for _ in left:
                answer = await http.post(url, json=INITIALIZE)
                opened.append((answer.status_code, answer.headers.get("mcp-session-id", "")))

        async with anyio.create_task_group() as tasks:
            for _ in range(parallel):
                tasks.start_soon(worker)
    return opened


async def still_open(url: str, headers: dict[str, str], session_ids: list[str]) -> int:
    """How many of these sessions the server still holds (DELETE answers 200 for those, 404 otherwise)."""
    live = 0
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        for sid in session_ids:
            answer = await http.delete(url, headers={"mcp-session-id": sid})
            live += answer.status_code == 200
    return live


def legacy_client(url: str, headers: dict[str, str]) -> Client:
    """A client the way hosts connect today: the 2025 handshake, with a session."""
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30))
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


async def test_a_flood_of_session_opens_only_churns_its_own_slots(
    start_server: StartServer, crm: StandIn
) -> None:
    server = start_server("http", "--toolsets", "deals")
    async with legacy_client(server.url, server.headers) as real:
        before = await real.call_tool("get_deals", {"limit": 1})
        flood = await open_sessions(server.url, server.headers, FLOOD)
        after = await real.call_tool("get_deals", {"limit": 2})  # the same session, after the flood
    async with legacy_client(server.url, server.headers) as newcomer:
        fresh = await newcomer.call_tool("get_deals", {"limit": 3})
    for result in (before, after, fresh):
        assert not result.is_error, text_of(result)
    assert {status for status, _ in flood} == {200}  # nobody was turned away
    live = await still_open(server.url, server.headers, [sid for _, sid in flood])
    print(f"\n{FLOOD} session opens from one address: {live} still held")
    assert live <= http_limits.MAX_SESSIONS_PER_CLIENT
    assert "Traceback" not in server.stderr()


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """`app` on a loopback port in this process; yields its /mcp address."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve)
        while not server.started:
            await anyio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True


async def test_sessions_that_never_went_past_opening_expire(standin: StandIn) -> None:
    mcp_server = build_server(
        Settings.from_env({"PIPEDRIVE_API_TOKEN": TOKEN, "PIPEDRIVE_BASE_URL": standin.origin})
    )
    inner = mcp_server.streamable_http_app(streamable_http_path="/mcp")
    guard = http_limits.SessionGuard(inner, unproven_seconds=0.3, max_sessions=4, max_per_client=4)
    async with serving(guard) as url:
        [(status, first)] = await open_sessions(url, {}, 1)
        assert status == 200
        async with legacy_client(url, {}) as real:  # proven: it calls a tool
            assert not (await real.call_tool("get_deals", {})).is_error
            await anyio.sleep(0.5)
            later = await open_sessions(url, {}, 6)  # more than the bound, all let in
            assert {s for s, _ in later} == {200}
            assert not (await real.call_tool("get_deals", {})).is_error
            assert await still_open(url, {}, [first]) == 0  # expired: it only ever opened
            assert len(guard.sessions) <= 4
