"""Start-up time, tools/list size and peak memory of a stdio MCP server, measured from outside.

A raw JSON-RPC driver (no SDK on the measuring side) starts the process, sends
initialize, notifications/initialized and tools/list at once, and times process start
to the first tools/list answer. Peak RSS is the kernel's VmHWM read right after that
answer, so it covers start-up plus one full listing.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import BenchError, stop

HANDSHAKE_VERSION = "2025-11-25"


@dataclass
class Listing:
    seconds: float  # process start -> first tools/list answer
    peak_rss_kb: int
    tools: list[dict[str, Any]] = field(repr=False)

    @property
    def chars(self) -> int:
        return len(json.dumps(self.tools, separators=(",", ":"), ensure_ascii=False))


def _message(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload) + "\n").encode()


def _read_answer(proc: subprocess.Popen[bytes], wanted_id: int) -> dict[str, Any]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise BenchError(f"{proc.args!r} closed stdout before answering request {wanted_id}")
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue  # a stray print on stdout is the server's problem, not the driver's
        if message.get("id") == wanted_id:
            if "error" in message:
                raise BenchError(f"{proc.args!r} answered {wanted_id} with {message['error']}")
            return message["result"]


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise BenchError("no VmHWM in /proc (not Linux?)")


def list_tools(argv: Sequence[str], env: dict[str, str], cwd: Path) -> Listing:
    """One cold start of a stdio server: time to the first tools/list answer, peak RSS, all tools."""
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": HANDSHAKE_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "pipedrive-mcp-bench", "version": "0"},
        },
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    try:
        assert proc.stdin is not None
        # All three written up front: the pipe holds them until the server reads.
        proc.stdin.write(_message(init))
        proc.stdin.write(_message({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        proc.stdin.write(_message({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        proc.stdin.flush()
        _read_answer(proc, 1)
        result = _read_answer(proc, 2)
        seconds = time.perf_counter() - started
        tools = list(result["tools"])
        next_id = 3
        while result.get("nextCursor"):
            request = {"jsonrpc": "2.0", "id": next_id, "method": "tools/list"}
            request["params"] = {"cursor": result["nextCursor"]}
            proc.stdin.write(_message(request))
            proc.stdin.flush()
            result = _read_answer(proc, next_id)
            tools += result["tools"]
            next_id += 1
        rss = peak_rss_kb(proc.pid)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        stop(proc)
    return Listing(seconds=seconds, peak_rss_kb=rss, tools=tools)


def floor(python: Path, env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """The floor: a process that imports the SDK's low-level server and stdio transport, then exits.

    Returns (seconds from start to "imports done", seconds from start to exit, peak RSS in kB).
    The first is the one comparable with a server's time to its first answer: interpreter
    teardown after the imports (~0.1 s of freeing pydantic models) is not start-up.
    """
    code = (
        "import mcp.server.lowlevel, mcp.server.stdio, sys; sys.stdout.write('ready\\n'); sys.stdout.flush()"
    )
    started = time.perf_counter()
    proc = subprocess.Popen([str(python), "-c", code], env=env, cwd=cwd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    ready = time.perf_counter() - started
    _, status, usage = os.wait4(proc.pid, 0)
    exited = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode != 0 or line.strip() != b"ready":
        raise BenchError(f"the floor process failed with {proc.returncode}")
    return ready, exited, int(usage.ru_maxrss)
