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
    def slow_crm(request: Recorded) -> Reply:
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

    started = time.monotonic()
    with anyio.fail_after(BOUND_SECONDS):
        async with anyio.create_task_group() as clients:
            for c in range(CLIENTS):
                clients.start_soon(one_client, c)
    elapsed = time.monotonic() - started

    assert failures == []
    assert len(answers) == CLIENTS * CALLS_PER_CLIENT
    assert all("Rocket fuel" in text for text in answers.values())
    deals = [r for r in crm.requests if r.path == "/api/v2/deals"]
    # Each call reached the API exactly once, with its own arguments and the token.
    assert sorted(int(r.args["limit"]) for r in deals) == list(range(100, 100 + CLIENTS * CALLS_PER_CLIENT))
    assert {r.headers["x-api-token"] for r in deals} == {TOKEN}
    # 50 calls of 200 ms each, one after another, would take 10 s: they must have overlapped.
    assert elapsed < CLIENTS * CALLS_PER_CLIENT * 0.2 / 2, elapsed
    print(f"{CLIENTS * CALLS_PER_CLIENT} calls in {elapsed:.2f} s")
    assert "Traceback" not in server.stderr()
