"""Profile what dominates our start-up and per-call time (pyinstrument, kept in bench/.work/prof).

Not part of the figures; it produces the evidence behind the findings in bench/FINDINGS.md.
Run with the project's interpreter:  .venv/bin/python bench/profile_ours.py
Reports land in bench/.work/profile/ (text, one per scenario).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from common import BENCH, MAIN_PYTHON, OUR_SCRIPT, TOKEN, WORK, BenchError, clean_env, standin

PROF = WORK / "prof"
OUT = WORK / "profile"

PERCALL = """
import asyncio, os, sys
import mcp
from pyinstrument import Profiler
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings

CALLS = {"get_deals": {"limit": 100}, "add_deal": {"title": "Bench deal", "value": 1200, "currency": "EUR"}}

async def main(tool, out):
    server = build_server(Settings.from_env(dict(os.environ)))
    async with mcp.Client(server, cache=None) as client:
        for _ in range(20):
            await client.call_tool(tool, CALLS[tool])
        profiler = Profiler(interval=0.0002, async_mode="enabled")
        profiler.start()
        for _ in range(300):
            await client.call_tool(tool, CALLS[tool])
        profiler.stop()
    open(out, "w").write(profiler.output_text(unicode=False, color=False, show_all=False))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def ensure_pyinstrument() -> None:
    if not (PROF / "pyinstrument").exists():
        PROF.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(MAIN_PYTHON),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(PROF),
                "pyinstrument",
                "py-spy",
            ],
            check=True,
        )


def profile_startup(origin: str) -> None:
    """pyinstrument around the real console script: start, initialize, one tools/list, exit."""
    env = clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN, PIPEDRIVE_BASE_URL=origin, PIPEDRIVE_DOWNLOAD_DIR=str(WORK / "downloads")
    )
    env["PYTHONPATH"] = str(PROF)
    out = OUT / "startup.txt"
    argv = [
        str(MAIN_PYTHON), "-m", "pyinstrument", "--interval", "0.0005", "-o", str(out),
        "--from-path", str(OUR_SCRIPT), "--toolsets", "all",
    ]  # fmt: skip
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "p", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=WORK / "run")
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages).encode())
    proc.stdin.flush()
    while b'"id":2' not in proc.stdout.readline().replace(b" ", b""):
        pass
    proc.stdin.close()
    proc.wait(timeout=30)
    print(f"wrote {out}")


def profile_calls(origin: str) -> None:
    env = clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN,
        PIPEDRIVE_BASE_URL=origin,
        PIPEDRIVE_TOOLSETS="all",
        PIPEDRIVE_DOWNLOAD_DIR=str(WORK / "downloads"),
    )
    env["PYTHONPATH"] = str(PROF)
    for tool in ("get_deals", "add_deal"):
        out = OUT / f"call-{tool}.txt"
        subprocess.run(
            [str(MAIN_PYTHON), "-c", PERCALL, tool, str(out)], env=env, cwd=WORK / "run", check=True
        )
        print(f"wrote {out}")


def profile_http(origin: str) -> None:
    """py-spy on the HTTP server while 5 clients call add_deal; folded stacks for a flame graph."""
    from common import free_port, stop, wait_for_port

    port = free_port()
    env = clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN, PIPEDRIVE_BASE_URL=origin, PIPEDRIVE_DOWNLOAD_DIR=str(WORK / "downloads")
    )
    server = subprocess.Popen(
        [str(OUR_SCRIPT), "--toolsets", "all", "--transport", "http", "--port", str(port), "--no-auth"],
        env=env, cwd=WORK / "run", stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, server)
        load = subprocess.Popen(
            [str(MAIN_PYTHON), str(BENCH / "throughput.py"), "--url", f"http://127.0.0.1:{port}/mcp",
             "--tool", "add_deal", "--args", '{"title": "x"}', "--seconds", "8"],
            env=clean_env(), stdout=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(2)
        out = OUT / "http-add_deal.folded"
        spy = subprocess.run(
            [str(PROF / "bin" / "py-spy"), "record", "-p", str(server.pid), "-d", "4", "-f", "raw", "-o", str(out)],
            capture_output=True, text=True,
        )  # fmt: skip
        load.wait()
        if spy.returncode != 0:
            raise BenchError(f"py-spy failed: {spy.stderr.strip()}")
        print(f"wrote {out}")
    finally:
        stop(server)


HOOKED_SERVER = """
import os, sys, anyio
from dealdesk_mcp import transports
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
server = build_server(Settings.from_env(dict(os.environ)))
if sys.argv[2] == "hook":
    # The SDK's own hook: tools/call header checks look the schema up instead of re-listing every tool.
    server.get_tool_input_schema = {t.name: t.input_schema for t in server.runtime.listed_tools()}.get
serve = transports.serve_http
anyio.run(lambda: serve(server, transport="http", host="127.0.0.1", port=int(sys.argv[1]), auth_token=None))
"""


def hook_experiment(origin: str, seconds: float = 5.0) -> None:
    """Throughput over HTTP as built, and with Server.get_tool_input_schema set (same process otherwise)."""
    from common import free_port, stop, wait_for_port

    env = clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN,
        PIPEDRIVE_BASE_URL=origin,
        PIPEDRIVE_TOOLSETS="all",
        PIPEDRIVE_DOWNLOAD_DIR=str(WORK / "downloads"),
    )
    lines = []
    for mode in ("as-built", "hook"):
        port = free_port()
        server = subprocess.Popen(
            [str(MAIN_PYTHON), "-c", HOOKED_SERVER, str(port), mode],
            env=env, cwd=WORK / "run", stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(port, server)
            for tool, args in (("add_deal", '{"title": "x"}'), ("get_deals", '{"limit": 100}')):
                done = subprocess.run(
                    [str(MAIN_PYTHON), str(BENCH / "throughput.py"), "--url", f"http://127.0.0.1:{port}/mcp",
                     "--tool", tool, "--args", args, "--seconds", str(seconds)],
                    env=clean_env(), capture_output=True, text=True, check=True,
                )  # fmt: skip
                result = json.loads(done.stdout)
                lines.append(f"{mode:9} {tool:10} {result['calls'] / result['seconds']:7.1f} calls/s")
        finally:
            stop(server)
    (OUT / "http-hook.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> int:
    ensure_pyinstrument()
    OUT.mkdir(parents=True, exist_ok=True)
    (WORK / "run").mkdir(parents=True, exist_ok=True)
    with standin() as origin:
        profile_startup(origin)
        profile_calls(origin)
        hook_experiment(origin)
        try:
            profile_http(origin)
        except BenchError as exc:  # py-spy needs ptrace; not every machine allows it
            print(f"skipped the HTTP profile: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.chdir(BENCH)
    raise SystemExit(main())
