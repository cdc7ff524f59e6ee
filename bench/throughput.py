"""Tool calls per second over streamable HTTP from concurrent clients.

Runs as its own process in the project's interpreter (the same MCP client for both servers):
N clients, each with its own session, call one tool back to back for a fixed time.
Prints one JSON object: {"calls": n, "seconds": s, "errors": e}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import mcp


async def worker(
    url: str, tool: str, args: dict[str, Any], start: asyncio.Event, ready: list[int], stop_at: list[float]
) -> tuple[int, int]:
    calls = errors = 0
    async with mcp.Client(url, cache=None) as client:
        await client.call_tool(tool, args)  # warm the session before the clock starts
        ready[0] += 1
        await start.wait()
        while time.perf_counter() < stop_at[0]:
            result = await client.call_tool(tool, args)
            calls += 1
            errors += bool(result.is_error)
    return calls, errors


async def run(url: str, tool: str, args: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    start = asyncio.Event()
    ready = [0]
    stop_at = [float("inf")]
    tasks = [asyncio.create_task(worker(url, tool, args, start, ready, stop_at)) for _ in range(clients)]
    # Every client connects and warms up first; then the gate opens for all at once.
    while ready[0] < clients and not any(t.done() for t in tasks):
        await asyncio.sleep(0.01)
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.set()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    return {
        "calls": sum(c for c, _ in results),
        "errors": sum(e for _, e in results),
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--args", default="{}")
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.tool, json.loads(args.args), args.clients, args.seconds))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
