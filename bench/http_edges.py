"""The HTTP server under abuse: a flood of session opens and a crowd of slow (slowloris) clients,
with a real client calling tools all along. Figures, not assertions: memory, the real client's
success rate, how many slow connections the server still holds, and how much stderr grew.

Run (from the repository):
  .venv/bin/python bench/http_edges.py sessions [--opens 10000] [--no-auth]
  .venv/bin/python bench/http_edges.py slowloris [--connections 1100] [--seconds 20]

BENCH_SERVER_SOURCE=/path/to/old/server measures an older source tree instead.
The server is the installed console script on a loopback port against the bench stand-in. Both
the flood and the real client carry the server's bearer token (an authorised client gone wrong, the
case a token cannot help with) unless --no-auth serves without one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import httpx2
from common import OUR_SCRIPT, TOKEN, clean_env, free_port, standin, stop, wait_for_port
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

BEARER = "bench-mcp-bearer-6f1d2c3b4a5e6f708192a3b4c5d6e7f8"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "flood", "version": "0"},
    },
}


# A source tree of an older version (its server/ folder) to measure instead of the installed one.
BEFORE = os.environ.get("BENCH_SERVER_SOURCE", "")


def server_command() -> list[str]:
    if not BEFORE:
        return [str(OUR_SCRIPT)]
    return [sys.executable, "-c", "import sys; from dealdesk_mcp.cli import main; sys.exit(main())"]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else 0.0


# The server's open-file limit (0: inherit). 1024 is a common default soft limit.
FD_LIMIT = [0]


def limit_files() -> None:
    if FD_LIMIT[0]:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT[0], FD_LIMIT[0]))


def start_server(origin: str, work: Path, no_auth: bool) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    env = clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN,
        PIPEDRIVE_BASE_URL=origin,
        PIPEDRIVE_FILE_ROOTS=str(work),
        PIPEDRIVE_DOWNLOAD_DIR=str(work / "downloads"),
    )
    argv = [*server_command(), "--toolsets", "deals", "--transport", "http", "--port", str(port)]
    if no_auth:
        argv.append("--no-auth")
    else:
        env["PIPEDRIVE_MCP_AUTH_TOKEN"] = BEARER
    if BEFORE:
        env["PYTHONPATH"] = BEFORE
    stderr_path = work / "server.stderr"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            argv, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=limit_files
        )
    wait_for_port(port, proc)
    return proc, port, stderr_path


def headers(no_auth: bool) -> dict[str, str]:
    return {} if no_auth else {"authorization": f"Bearer {BEARER}"}


async def real_call(url: str, no_auth: bool, timeout: float = 10.0) -> bool:
    """One real client: open a session, list tools, call one; True when all of it worked in time."""
    try:
        with anyio_timeout(timeout):
            http = httpx2.AsyncClient(headers=headers(no_auth), timeout=httpx2.Timeout(timeout))
            # The 2025 handshake, with a session, the way hosts connect today.
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                await client.list_tools()
                result = await client.call_tool("get_deals", {"limit": 2})
                return not result.is_error
    except BaseException as exc:  # any failure of the real client counts as one
        if isinstance(exc, KeyboardInterrupt):
            raise
        FAILURES.append(describe(exc))
        return False


FAILURES: list[str] = []


def describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {str(exc)[:120]}"


def anyio_timeout(seconds: float) -> Any:
    import anyio

    return anyio.fail_after(seconds)


async def real_client_loop(url: str, no_auth: bool, until: list[float], outcomes: list[bool]) -> None:
    while time.monotonic() < until[0]:
        outcomes.append(await real_call(url, no_auth))
        await asyncio.sleep(0.3)


async def flood_sessions(url: str, no_auth: bool, opens: int, concurrency: int = 50) -> dict[str, int]:
    statuses: dict[str, int] = {}
    queue = iter(range(opens))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def worker() -> None:
            for _ in queue:
                try:
                    answer = await http.post(
                        url,
                        json=INITIALIZE,
                        headers={
                            "accept": "application/json, text/event-stream",
                            "content-type": "application/json",
                            **headers(no_auth),
                        },
                    )
                    key = str(answer.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                statuses[key] = statuses.get(key, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


async def sessions(opens: int, no_auth: bool) -> dict[str, Any]:
    with standin() as origin, tempfile.TemporaryDirectory() as tmp:
        proc, port, stderr_path = start_server(origin, Path(tmp), no_auth)
        url = f"http://127.0.0.1:{port}/mcp"
        try:
            assert await real_call(url, no_auth, timeout=30), "the server does not serve a real client"
            rss_before = rss_mb(proc.pid)
            until = [float("inf")]
            during: list[bool] = []
            loop = asyncio.create_task(real_client_loop(url, no_auth, until, during))
            began = time.monotonic()
            statuses = await flood_sessions(url, no_auth, opens)
            flood_seconds = time.monotonic() - began
            until[0] = 0
            await loop
            rss_after = rss_mb(proc.pid)
            after = [await real_call(url, no_auth) for _ in range(10)]
            return {
                "opens": opens,
                "flood_seconds": round(flood_seconds, 1),
                "statuses": statuses,
                "rss_before_mb": round(rss_before, 1),
                "rss_after_mb": round(rss_after, 1),
                "real_client_during": f"{sum(during)}/{len(during)}",
                "real_client_after": f"{sum(after)}/{len(after)}",
                "real_client_failures": FAILURES[:5],
                "stderr_kb": round(stderr_path.stat().st_size / 1024, 1),
            }
        finally:
            stop(proc)


def slow_socket(port: int, body: bool) -> socket.socket | None:
    sock = socket.socket()
    sock.setblocking(True)
    sock.settimeout(5)
    try:
        sock.connect(("127.0.0.1", port))
        if body:  # whole headers, then a body that never comes
            sock.sendall(
                f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
                "accept: application/json, text/event-stream\r\n"
                f"authorization: Bearer {BEARER}\r\ncontent-length: 100000\r\n\r\n{{".encode()
            )
        else:  # headers a few bytes at a time
            sock.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
    except OSError:
        sock.close()
        return None
    sock.setblocking(False)
    return sock


def still_open(sock: socket.socket) -> bool:
    """Whether the server still holds the connection (a 408 it sent before closing is read past)."""
    try:
        while sock.recv(65536):
            pass
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False


async def slowloris(connections: int, seconds: float, no_auth: bool) -> dict[str, Any]:
    with standin() as origin, tempfile.TemporaryDirectory() as tmp:
        proc, port, stderr_path = start_server(origin, Path(tmp), no_auth)
        url = f"http://127.0.0.1:{port}/mcp"
        socks: list[socket.socket] = []
        try:
            assert await real_call(url, no_auth, timeout=30), "the server does not serve a real client"
            stderr_before = stderr_path.stat().st_size
            for i in range(connections):
                sock = await asyncio.to_thread(slow_socket, port, i % 2 == 1)
                if sock is not None:
                    socks.append(sock)
            opened = len(socks)
            began = time.monotonic()
            until = [began + seconds]
            outcomes: list[bool] = []
            loop = asyncio.create_task(real_client_loop(url, no_auth, until, outcomes))
            alive = set(socks)
            held: dict[str, int] = {}
            while time.monotonic() < until[0]:
                for sock in list(alive):  # keep each one trickling, the way slowloris does
                    if not still_open(sock):
                        alive.discard(sock)
                        continue
                    with contextlib.suppress(OSError):
                        sock.send(b"x")
                held[f"{time.monotonic() - began:.0f}s"] = len(alive)
                await asyncio.sleep(2)
            await loop
            return {
                "slow_connections": connections,
                "opened": opened,
                "held_by_server_over_time": held,
                "real_client": f"{sum(outcomes)}/{len(outcomes)}",
                "real_client_failures": FAILURES,
                "stderr_growth_kb": round((stderr_path.stat().st_size - stderr_before) / 1024, 1),
                "rss_mb": round(rss_mb(proc.pid), 1),
            }
        finally:
            for sock in socks:
                sock.close()
            stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("case", choices=["sessions", "slowloris"])
    parser.add_argument("--opens", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-auth", action="store_true", help="serve without a bearer token")
    parser.add_argument("--fd-limit", type=int, default=0, help="the server's open-file limit (0: inherit)")
    args = parser.parse_args()
    FD_LIMIT[0] = args.fd_limit
    if args.case == "sessions":
        result = asyncio.run(sessions(args.opens, args.no_auth))
    else:
        result = asyncio.run(slowloris(args.connections, args.seconds, args.no_auth))
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
