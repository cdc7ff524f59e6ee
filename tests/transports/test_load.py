"""Load: several clients calling at once over streamable HTTP share one server without errors."""

from __future__ import annotations

import time

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import TOKEN, text_of
from tests.standin import Recorded, Reply, StandIn
from tests.transports.conftest import StartServer, crm_handler

CLIENTS = 5
CALLS_PER_CLIENT = 10
BOUND_SECONDS = 30.0


async def test_fifty_concurrent_calls_from_five_clients(start_server: StartServer, crm: StandIn) -> None:
    arrivals: list[float] = []

    def slow_crm(request: Recorded) -> Reply:
        arrivals.append(time.monotonic())
        reply = crm_handler(request)
        reply.delay = 0.2  # long enough that the calls overlap at the API
        return reply

    crm.reply_with(slow_crm)
    server = start_server("http", "--toolsets", "deals")
    failures: list[str] = []
    answers: dict[tuple[int, int], str] = {}

    async def one_client(c: int) -> None:
        http = httpx2.AsyncClient(headers=server.headers, timeout=httpx2.Timeout(30))
        transport = streamable_http_client(server.url, http_client=http)
        async with Client(transport) as client, anyio.create_task_group() as calls:
            for i in range(CALLS_PER_CLIENT):
                calls.start_soon(one_call, client, c, i)

    async def one_call(client: Client, c: int, i: int) -> None:
        result = await client.call_tool("get_deals", {"limit": 100 + c * CALLS_PER_CLIENT + i})
        if result.is_error:
            failures.append(text_of(result))
        answers[c, i] = text_of(result)

    with anyio.fail_after(BOUND_SECONDS):
        async with anyio.create_task_group() as clients:
            for c in range(CLIENTS):
                clients.start_soon(one_client, c)

    assert failures == []
    assert len(answers) == CLIENTS * CALLS_PER_CLIENT
    assert all("Rocket fuel" in text for text in answers.values())
    deals = [r for r in crm.requests if r.path == "/api/v2/deals"]
    # Each call reached the API exactly once, with its own arguments and the token.
    assert sorted(int(r.args["limit"]) for r in deals) == list(range(100, 100 + CLIENTS * CALLS_PER_CLIENT))
    assert {r.headers["x-api-token"] for r in deals} == {TOKEN}
    # Each answer takes 200 ms: calls one after another would reach the API at least 200 ms apart.
    # They overlapped: several arrived while the first of them was still being answered.
    arrivals.sort()
    at_once = max(sum(1 for later in arrivals[i:] if later - first < 0.2) for i, first in enumerate(arrivals))
    assert at_once >= CLIENTS, at_once
    assert "Traceback" not in server.stderr()
