"""The streamable HTTP transport under load: the console script as a subprocess, 200 calls from 10
concurrent clients, every answer back to its own caller, memory (RSS) read before and after."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import ATTIO_KEY, TOKEN, list_all_tools, text_of
from tests.standin import Recorded, Reply, StandIn

SCRIPT = Path(sys.executable).parent / "dealdesk-mcp"
CLIENTS = 10
CALLS_PER_CLIENT = 20
BOUND_SECONDS = 60.0
BEARER = "mcp-bearer-load-2c9e7a1f4b6d8e0a3c5f7b9d1e2a4c6f"


def client(url: str) -> Client:
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {BEARER}"}, timeout=httpx2.Timeout(30))
    return Client(streamable_http_client(url, http_client=http))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def echo(request: Recorded) -> Reply:
    """Each deal answers with its own id, so a crossed answer shows."""
    match = re.fullmatch(r"/api/v2/deals/(\d+)", request.path)
    if match:
        return Reply(
            body={"success": True, "data": {"id": int(match.group(1)), "title": f"Deal {match.group(1)}"}}
        )
    if request.path == "/api/v2/deals":
        limit = int(request.args.get("limit", "1"))
        items = [{"id": i, "title": f"Deal {i}"} for i in range(limit)]
        return Reply(body={"success": True, "data": items, "additional_data": {"next_cursor": None}})
    return Reply(body={"success": True, "data": {"id": 1}})


@pytest.fixture
def http_server(standin: StandIn, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    standin.reply_with(echo)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEDRIVE_", "ATTIO_"))}
    env.update(
        {
            "PIPEDRIVE_API_TOKEN": TOKEN,
            "PIPEDRIVE_BASE_URL": standin.origin,
            "ATTIO_API_KEY": ATTIO_KEY,
            "ATTIO_BASE_URL": standin.origin,
            "PIPEDRIVE_TOOLSETS": "all",
            "PIPEDRIVE_WRITES": "all",
            "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
            "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
            "PIPEDRIVE_MCP_AUTH_TOKEN": BEARER,
        }
    )
    stderr_path = tmp_path / "server.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "--transport", "http", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, stderr_path.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not start:\n" + stderr_path.read_text()
                time.sleep(0.05)
        yield process, f"http://127.0.0.1:{port}/mcp", stderr_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def test_two_hundred_calls_from_ten_clients(
    http_server: tuple[subprocess.Popen[bytes], str, Path], standin: StandIn
) -> None:
    process, url, stderr_path = http_server
    async with client(url) as warm:
        assert len(await list_all_tools(warm)) > 390
        await warm.call_tool("get_deal", {"id": 1})
    rss_start = rss_kb(process.pid)
    cpu_start = cpu_seconds(process.pid)
    standin.requests.clear()

    answers: dict[int, str] = {}
    errors: list[str] = []
    latencies: list[float] = []

    async def one_client(c: int) -> None:
        async with client(url) as session:
            for i in range(CALLS_PER_CLIENT):
                ident = 1000 + c * CALLS_PER_CLIENT + i
                began = time.monotonic()
                if i % 5 == 4:  # a list call now and then: a bigger answer through the same pipe
                    result = await session.call_tool("get_deals", {"limit": 50})
                    text = text_of(result)
                    answers[ident] = "list" if "Deal 49" in text else text
                else:
                    result = await session.call_tool("get_deal", {"id": ident})
                    text = text_of(result)
                    answers[ident] = json.loads(text)["data"]["title"] if not result.is_error else text
                latencies.append(time.monotonic() - began)
                if result.is_error:
                    errors.append(text)

    started = time.monotonic()
    with anyio.fail_after(BOUND_SECONDS):
        async with anyio.create_task_group() as clients:
            for c in range(CLIENTS):
                clients.start_soon(one_client, c)
    elapsed = time.monotonic() - started
    rss_end = rss_kb(process.pid)
    server_cpu = cpu_seconds(process.pid) - cpu_start

    total = CLIENTS * CALLS_PER_CLIENT
    assert errors == []
    assert len(answers) == total
    for ident, answer in answers.items():
        expected = "list" if (ident - 1000) % CALLS_PER_CLIENT % 5 == 4 else f"Deal {ident}"
        assert answer == expected, (ident, answer)
    assert len(standin.requests) == total  # none lost, none sent twice
    latencies.sort()
    print(
        f"\nHTTP load: {total} calls from {CLIENTS} clients in {elapsed:.2f} s "
        f"({total / elapsed:.0f} calls/s), latency p50 {latencies[total // 2] * 1000:.0f} ms, "
        f"p95 {latencies[int(total * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms, "
        f"server CPU {server_cpu:.2f} s; "
        f"server RSS {rss_start / 1024:.1f} MB before, {rss_end / 1024:.1f} MB after "
        f"({(rss_end - rss_start) / 1024:+.1f} MB)"
    )
    assert rss_end < 2 * rss_start + 50 * 1024
    assert "Traceback" not in stderr_path.read_text()
