"""Per-call overhead over raw HTTP, in process, and the text of a deals page answer.

Runs as its own process, once per side, in that side's interpreter:
  ours:    project venv,  mcp.Client(build_server(settings))  vs  httpx.AsyncClient
  generic: fastmcp venv,  fastmcp.Client(server)              vs  httpx2.AsyncClient
Both send the same two requests to the same stand-in: GET /api/v2/deals?limit=100 and
POST /api/v2/deals with a JSON body. Raw and MCP calls alternate so drift hits both alike;
the raw side reads the whole body but does not decode it. Prints one JSON object.

Ours also times a floor in the same rounds: the same in-process mcp.Client calling a no-op tool of
a bare low-level Server (a tiny fixed answer). It is what the SDK costs per call whatever the
server does, so "added" = ours - raw - floor is what our own code adds, and the floor is reported
apart (SDK costs we cannot change).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

DEAL_BODY = {"title": "Bench deal", "value": 1200, "currency": "EUR"}

# (case, our tool, generic tool, arguments, method, path)
CASES = [
    ("get_deals", "get_deals", "v2_getDeals", {"limit": 100}, "GET", "/api/v2/deals"),
    ("add_deal", "add_deal", "v2_addDeal", DEAL_BODY, "POST", "/api/v2/deals"),
]


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(pct: float) -> float:
        return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]

    return {"p50_us": pick(50) * 1e6, "p99_us": pick(99) * 1e6, "n": len(ordered)}


async def _time(fn: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await fn()
    return time.perf_counter() - started


def _text(result: Any) -> str:
    if result.is_error:
        raise SystemExit(f"tool call failed: {result.content}")
    return "".join(getattr(block, "text", "") for block in result.content)


async def run(side: str, origin: str, calls: int, warmup: int, answer_only: bool) -> dict[str, Any]:
    headers = {"x-api-token": os.environ["PIPEDRIVE_API_TOKEN"]}
    if side == "ours":
        import httpx
        import mcp

        from dealdesk_mcp import collector
        from dealdesk_mcp.app import build_server
        from dealdesk_mcp.config import Settings

        server = build_server(Settings.from_env(dict(os.environ)))
        collector.settle()  # as `dealdesk-mcp` sets up its own process once the server is built
        client_cm = mcp.Client(server, cache=None)
        raw_cm = httpx.AsyncClient(base_url=origin, headers=headers)

        async def call(name: str, args: dict[str, Any]) -> Any:
            return await client.call_tool(name, args)
    else:
        import httpx2
        from fastmcp import Client

        sys.path.insert(0, str(Path(__file__).parent))
        import generic_server

        server = generic_server.build(origin, Path(os.environ["BENCH_SPECS"]), headers["x-api-token"])
        client_cm = Client(server)
        raw_cm = httpx2.AsyncClient(base_url=origin, headers=headers)

        async def call(name: str, args: dict[str, Any]) -> Any:
            return await client.call_tool(name, args, raise_on_error=False)

    out: dict[str, Any] = {"side": side, "cases": {}}
    floor_cm = _floor_client() if side == "ours" else contextlib.nullcontext(None)
    async with client_cm as client, raw_cm as raw, floor_cm as floor:
        for case, ours_name, generic_name, args, method, path in CASES:
            name = ours_name if side == "ours" else generic_name
            first = await call(name, args)
            entry: dict[str, Any] = {"answer_text": _text(first)}
            out["cases"][case] = entry
            if answer_only:
                continue

            async def send_raw(method: str = method, path: str = path, args: dict[str, Any] = args) -> None:
                if method == "GET":
                    answer = await raw.get(path, params=args)
                else:
                    answer = await raw.post(path, json=args)
                answer.raise_for_status()

            async def send_mcp(name: str = name, args: dict[str, Any] = args) -> None:
                _text(await call(name, args))

            async def send_floor() -> None:
                await floor.call_tool("noop", {})

            for _ in range(warmup):
                await send_raw()
                await send_mcp()
                if floor is not None:
                    await send_floor()
            raw_samples: list[float] = []
            mcp_samples: list[float] = []
            floor_samples: list[float] = []
            for _ in range(calls):
                raw_samples.append(await _time(send_raw))
                if floor is not None:
                    floor_samples.append(await _time(send_floor))
                mcp_samples.append(await _time(send_mcp))
            entry["raw"] = _summary(raw_samples)
            entry["mcp"] = _summary(mcp_samples)
            if floor_samples:
                entry["floor"] = _summary(floor_samples)
    return out


def _floor_client() -> Any:
    """The SDK's in-memory client connected to a bare low-level Server with one no-op tool."""
    import mcp
    import mcp_types as types
    from mcp.server.lowlevel import Server

    async def call_noop(ctx: Any, params: Any) -> Any:
        return types.CallToolResult(content=[types.TextContent(text="ok")], structured_content={"data": []})

    async def list_noop(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=[types.Tool(name="noop", input_schema={"type": "object"})])

    return mcp.Client(Server("floor", on_list_tools=list_noop, on_call_tool=call_noop), cache=None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", choices=["ours", "generic"], required=True)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--answer-only", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.side, args.origin, args.calls, args.warmup, args.answer_only))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
