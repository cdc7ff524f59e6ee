"""stdio: the installed console script, spawned the way an MCP host spawns it."""

from __future__ import annotations

import json
import selectors
import subprocess
import time
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.conftest import TOKEN, list_all_tools, text_of
from tests.standin import StandIn
from tests.transports.conftest import INITIALIZE, SCRIPT, expected_tool_count, server_env

PROTOCOL_VERSION = INITIALIZE["params"]["protocolVersion"]


async def test_stdio_lists_every_tool_and_calls_one(crm: StandIn, tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=str(SCRIPT), args=["--toolsets", "all"], env=server_env(crm), cwd=tmp_path
    )
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            first = await client.list_tools()
            listed = await list_all_tools(client)
            result = await client.call_tool("get_deals", {})

    names = {tool.name for tool in listed}
    assert first.next_cursor is not None  # every toolset is more than one page
    assert len(listed) == len(names) == expected_tool_count()
    assert {"get_session_info", "get_deals", "add_person"} <= names
    assert any(name.startswith("attio_") for name in names)

    assert not result.is_error, text_of(result)
    assert "Rocket fuel" in text_of(result)
    [request] = [r for r in crm.requests if r.path == "/api/v2/deals"]
    assert request.method == "GET"
    assert request.headers["x-api-token"] == TOKEN
    assert "api_token" not in dict(request.query)  # the token never travels in the URL


def _read_messages(proc: subprocess.Popen[bytes], want_ids: set[int], timeout: float) -> list[dict[str, Any]]:
    """Read stdout lines until answers to every id in want_ids arrived; each line must be JSON-RPC."""
    assert proc.stdout is not None
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        while want_ids - {m.get("id") for m in messages}:
            left = deadline - time.monotonic()
            assert left > 0, f"no answer to {want_ids} within {timeout} s; got {messages}"
            if not selector.select(left):
                continue
            line = proc.stdout.readline()
            assert line, f"server closed stdout early; got {messages}"
            message = json.loads(line)  # anything that is not JSON fails here
            assert isinstance(message, dict) and message.get("jsonrpc") == "2.0", line
            messages.append(message)
    finally:
        selector.close()
    return messages


def test_stdout_carries_nothing_but_protocol(crm: StandIn, tmp_path: Path) -> None:
    # Debug logging on, so anything that printed to stdout instead of stderr would show up.
    env = server_env(crm, PIPEDRIVE_LOG_LEVEL="DEBUG")
    stderr_path = tmp_path / "stderr.log"
    requests = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_deals", "arguments": {}}},
    ]
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(SCRIPT), "--toolsets", "deals"],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    try:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(requests[0]).encode() + b"\n")
        proc.stdin.flush()
        [init] = _read_messages(proc, {1}, timeout=20)
        assert init["result"]["protocolVersion"] == PROTOCOL_VERSION
        assert init["result"]["serverInfo"]["name"]
        for request in requests[1:]:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
        proc.stdin.flush()
        messages = _read_messages(proc, {2, 3}, timeout=20)
        by_id = {m["id"]: m for m in messages if "id" in m}
        assert any(t["name"] == "get_deals" for t in by_id[2]["result"]["tools"])
        assert not by_id[3]["result"].get("isError"), by_id[3]
        # End of input is how a host says goodbye: the server exits cleanly.
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout is not None
        rest = proc.stdout.read()
        for line in rest.splitlines():
            assert json.loads(line).get("jsonrpc") == "2.0", line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
    stderr_text = stderr_path.read_text(errors="replace")
    assert "Traceback" not in stderr_text, stderr_text
    assert TOKEN not in stderr_text  # debug logs name requests, never credentials


def test_bad_configuration_fails_fast_with_a_message(crm: StandIn, tmp_path: Path) -> None:
    run = subprocess.run(
        [str(SCRIPT), "--toolsets", "no_such_toolset"],
        env=server_env(crm),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=20,
    )
    assert run.returncode == 2
    assert run.stdout == b""  # stdout stays clean even when failing
    assert b"no_such_toolset" in run.stderr
    assert b"Traceback" not in run.stderr
