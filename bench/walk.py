"""A walk of many deals with `max_items`: its peak memory over the server at rest, and its time
against fetching the same pages with raw httpx.

Runs as its own fresh process in the project's interpreter, against a stand-in started with
`--deals N` (cursor-paged). Memory first, while nothing else has run in this process:

  1. the server is built and connected (the SDK's in-memory client) and answers one small call
     (get_deals limit 1: the custom-field directory is read), then the garbage collector runs;
     "at rest" is this process's VmRSS then;
  2. the kernel's peak (VmHWM) is reset to the current RSS (`5` written to /proc/self/clear_refs);
  3. get_deals with max_items N; the growth is VmHWM right after it (before the answer's file is read
     back to count its items) minus the RSS at rest.

Then time: raw and ours alternate `repeats` times. Raw is what any client walking the list must
do: GET each page, read the body, decode its JSON (the next cursor is inside), follow the cursor.
Ours is the same walk as one tool call (pages of 500, shaped, tabled, cut to the answer cap, the
whole answer written to its file). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

PAGE = 500  # the page size our walk asks for (Pipedrive v2's largest)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status (not Linux?)")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def run(origin: str, items: int, repeats: int) -> dict[str, Any]:
    import httpx
    import mcp
    import pydantic_core

    from dealdesk_mcp import collector
    from dealdesk_mcp.app import build_server
    from dealdesk_mcp.config import Settings

    token = os.environ["PIPEDRIVE_API_TOKEN"]
    server = build_server(Settings.from_env(dict(os.environ)))
    collector.settle()  # as `dealdesk-mcp` sets up its own process once the server is built
    out: dict[str, Any] = {"items": items, "page": PAGE}

    async def ours_walk(client: Any) -> tuple[float, int, int]:
        """Seconds, items gathered, and VmHWM right after the call: the walk's own peak, before this
        process reads the 6 MB file back to count its items (parsing it would set a peak of its own)."""
        started = time.perf_counter()
        result = await client.call_tool("get_deals", {"max_items": items})
        seconds = time.perf_counter() - started
        peak = _status_kb("VmHWM")
        if result.is_error:
            raise SystemExit(f"the walk failed: {result.content}")
        answer = result.structured_content or {}
        kept = answer.get("cut", {}).get("full_answer_file")
        count = len(json.loads(Path(kept).read_text())["data"]) if kept else answer["page"]["count"]
        if kept:
            os.remove(kept)  # 6 MB a walk: not kept between repeats
        return seconds, count, peak

    async def raw_walk(raw: httpx.AsyncClient) -> tuple[float, int]:
        started = time.perf_counter()
        cursor: str | None = None
        count = 0
        while count < items:
            params: dict[str, Any] = {"limit": min(PAGE, items - count)}
            if cursor:
                params["cursor"] = cursor
            response = await raw.get("/api/v2/deals", params=params)
            response.raise_for_status()
            body = pydantic_core.from_json(response.content)
            count += len(body["data"])
            cursor = (body.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                break
        return time.perf_counter() - started, count

    async with (
        mcp.Client(server, cache=None) as client,
        httpx.AsyncClient(base_url=origin, headers={"x-api-token": token}) as raw,
    ):
        warm = await client.call_tool("get_deals", {"limit": 1})
        if warm.is_error:
            raise SystemExit(f"the warm-up call failed: {warm.content}")
        gc.collect()
        rest = _status_kb("VmRSS")
        out["peak_reset"] = _reset_peak()
        seconds, count, peak = await ours_walk(client)
        out.update(rest_kb=rest, peak_kb=peak, growth_kb=peak - rest, first_walk_s=seconds, ours_items=count)
        raw_s: list[float] = []
        ours_s: list[float] = []
        for _ in range(repeats):
            seconds, count = await raw_walk(raw)
            raw_s.append(seconds)
            out["raw_items"] = count
            seconds, count, _ = await ours_walk(client)
            ours_s.append(seconds)
    out.update(raw_s=statistics.median(raw_s), ours_s=statistics.median(ours_s), repeats=repeats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--origin", required=True)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    json.dump(asyncio.run(run(args.origin, args.items, args.repeats)), sys.stdout)


if __name__ == "__main__":
    main()
