"""Issue 16, item 15: slow clients (slowloris) cannot hold the HTTP server, and its log cannot be flooded.

1,100 partial requests made an authorised client time out; they were never closed, and stderr grew by
120 MB in 20 s (bench/http_edges.py slowloris measures it).
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx
import uvicorn

from dealdesk_mcp import http_limits, logs
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from dealdesk_mcp.transports import http_app
from tests.conftest import TOKEN, text_of
from tests.standin import StandIn
from tests.transports.conftest import INITIALIZE, StartServer
from tests.transports.test_http import connect


class Quick(http_limits.GuardedH11Protocol):
    header_seconds = 0.5
    body_seconds = 0.5
    max_connections = 8


@asynccontextmanager
async def serving(standin: StandIn) -> AsyncIterator[int]:
    """Our HTTP app behind the guarded protocol (short deadlines, 8 connections), in this process."""
    server = build_server(
        Settings.from_env({"PIPEDRIVE_API_TOKEN": TOKEN, "PIPEDRIVE_BASE_URL": standin.origin})
    )
    app = http_app(server, host="127.0.0.1", port=0, auth_token=None)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, http=Quick, log_config=None, lifespan="on")
    web = uvicorn.Server(config)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(web.serve)
        while not web.started:
            await anyio.sleep(0.02)
        try:
            yield web.servers[0].sockets[0].getsockname()[1]
        finally:
            web.should_exit = True


def partial(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(data)
    sock.setblocking(False)
    return sock


def closed(sock: socket.socket) -> bytes | None:
    """What the server sent before closing, or None while it still holds the connection."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except BlockingIOError:
        return None
    except OSError:
        pass
    return received


def headers_only(port: int) -> bytes:
    return (
        f"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        "accept: application/json, text/event-stream\r\ncontent-length: 5000\r\n\r\n{"
    ).encode()


async def test_requests_that_arrive_too_slowly_are_closed(standin: StandIn) -> None:
    async with serving(standin) as port:
        slow_line = partial(port, b"POST /mc")
        slow_body = partial(port, headers_only(port))
        silent = partial(port, b"")
        await anyio.sleep(0.2)
        assert [closed(s) for s in (slow_line, slow_body, silent)] == [None, None, None]
        await anyio.sleep(1.0)
        answers = [closed(s) for s in (slow_line, slow_body, silent)]
    assert all(a is not None and a.startswith(b"HTTP/1.1 408") for a in answers), answers


async def test_at_the_connection_bound_slow_ones_make_way_for_a_real_request(standin: StandIn) -> None:
    async with serving(standin) as port:
        slow = [partial(port, b"POST /mcp HTTP/1.1\r\n") for _ in range(3 * Quick.max_connections)]
        await anyio.sleep(0.2)
        assert sum(closed(s) is None for s in slow) <= Quick.max_connections
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.post(
                f"http://127.0.0.1:{port}/mcp",
                json=INITIALIZE,
                headers={"content-type": "application/json", "accept": "application/json, text/event-stream"},
            )
        assert answer.status_code == 200
        for sock in slow:
            sock.close()


@contextmanager
def slow_connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    socks = [partial(port, b"POST /mcp HTTP/1.1\r\nhost: x\r\n") for _ in range(count)]
    try:
        yield socks
    finally:
        for sock in socks:
            sock.close()


async def test_the_console_script_sheds_slow_connections_and_keeps_serving(
    start_server: StartServer, crm: StandIn
) -> None:
    server = start_server("http", "--toolsets", "deals")
    extra = 60
    with slow_connections(server.port, http_limits.MAX_CONNECTIONS + extra) as socks:
        deadline = time.monotonic() + 5
        while sum(closed(s) is not None for s in socks) < extra and time.monotonic() < deadline:
            await anyio.sleep(0.1)
        let_go = sum(closed(s) is not None for s in socks)
        async with connect(server) as client:
            result = await client.call_tool("get_deals", {"limit": 1})
    assert let_go >= extra, let_go
    assert not result.is_error, text_of(result)


async def test_a_flood_of_bad_requests_cannot_flood_the_log(start_server: StartServer) -> None:
    server = start_server("http")
    async with httpx.AsyncClient(timeout=10, headers=server.headers) as http:
        for i in range(300):  # each names a different host: the library logs every one differently
            await http.post(server.url, json=INITIALIZE, headers={"host": f"evil-{i}.example"})
    time.sleep(0.2)
    text = server.stderr()
    assert text.count("Invalid Host header") <= logs.BUDGET, text.count("Invalid Host header")
    assert len(text) < 20_000, len(text)


def test_the_flood_filter_holds_back_repeats_and_says_so() -> None:
    now = [0.0]
    flood = logs.FloodFilter(repeats=3, budget=10, window=60.0, clock=lambda: now[0])

    def record(message: str, *args: Any) -> logging.LogRecord:
        return logging.LogRecord("lib", logging.WARNING, __file__, 1, message, args, None)

    passed = [flood.filter(r) for r in (record("bad host %s", i) for i in range(8))]
    assert passed == [True, True, True, False, False, False, False, False]
    distinct = [flood.filter(record(f"line {i}")) for i in range(12)]
    assert distinct.count(True) == 7  # 10 in all per window
    now[0] = 61.0
    after = record("bad host %s", 99)
    assert flood.filter(after)
    assert "log lines were held back" in after.getMessage()
