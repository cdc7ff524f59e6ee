"""The MCP Inspector's CLI (a second, independent client implementation) against our server over
stdio and streamable HTTP. Installed by scripts/install_inspector.sh; skipped without it, except under
CI=true, where a missing Inspector fails."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN
from tests.standin import StandIn
from tests.transports.conftest import (
    AUTH_TOKEN,
    INSPECTOR,
    SCRIPT,
    StartServer,
    expected_tool_count,
    server_env,
)


@pytest.fixture
def inspector() -> Path:
    if not INSPECTOR.exists():
        reason = f"MCP Inspector not installed at {INSPECTOR}; run scripts/install_inspector.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return INSPECTOR


def run_inspector(inspector: Path, target: list[str], method: list[str], cwd: Path, **env: str) -> Any:
    """Run `mcp-inspector --cli TARGET --method ...` and return its JSON answer."""
    run = subprocess.run(
        [str(inspector), "--cli", *target, *method],
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=40,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    return json.loads(run.stdout)


def stdio_target(crm: StandIn, *args: str) -> list[str]:
    """Our console script as the Inspector should launch it, with its environment passed by -e."""
    env = server_env(crm)
    pairs = [
        item
        for key in (
            "PIPEDRIVE_API_TOKEN",
            "PIPEDRIVE_BASE_URL",
            "ATTIO_API_KEY",
            "ATTIO_BASE_URL",
            "PIPEDRIVE_WRITES",
        )
        for item in ("-e", f"{key}={env[key]}")
    ]
    return [*pairs, str(SCRIPT), *args]


def assert_deals_answer(answer: dict[str, Any], crm: StandIn) -> None:
    assert answer.get("isError") is not True, answer
    text = "".join(block.get("text", "") for block in answer["content"])
    assert "Rocket fuel" in text
    [request] = [r for r in crm.requests if r.path == "/api/v2/deals"]
    assert request.headers["x-api-token"] == TOKEN


def test_inspector_lists_tools_over_stdio(inspector: Path, crm: StandIn, tmp_path: Path) -> None:
    answer = run_inspector(
        inspector, stdio_target(crm, "--toolsets", "all"), ["--method", "tools/list"], tmp_path
    )
    # The Inspector's CLI asks for one page; every toolset is several, the everyday ones first.
    names = [tool["name"] for tool in answer["tools"]]
    assert answer["nextCursor"] and len(names) == len(set(names)) < expected_tool_count()
    assert {"get_session_info", "switch_toolsets", "get_deals", "add_person"} <= set(names)
    deals = next(tool for tool in answer["tools"] if tool["name"] == "get_deals")
    assert deals["inputSchema"]["type"] == "object"
    assert deals["annotations"]["readOnlyHint"] is True


def test_inspector_calls_a_tool_over_stdio(inspector: Path, crm: StandIn, tmp_path: Path) -> None:
    answer = run_inspector(
        inspector,
        stdio_target(crm, "--toolsets", "deals"),
        ["--method", "tools/call", "--tool-name", "get_deals", "--tool-arg", "limit=2"],
        tmp_path,
    )
    assert_deals_answer(answer, crm)
    assert crm.requests[-1].args["limit"] == "2"


def test_inspector_lists_and_calls_over_http(
    inspector: Path, start_server: StartServer, crm: StandIn, tmp_path: Path
) -> None:
    server = start_server("http", "--toolsets", "all", PIPEDRIVE_MCP_AUTH_TOKEN=AUTH_TOKEN)
    target = [server.url, "--transport", "http", "--header", f"Authorization: Bearer {AUTH_TOKEN}"]
    listed = run_inspector(inspector, target, ["--method", "tools/list"], tmp_path)
    assert listed["nextCursor"] and "get_deals" in {tool["name"] for tool in listed["tools"]}
    answer = run_inspector(
        inspector, target, ["--method", "tools/call", "--tool-name", "get_deals"], tmp_path
    )
    assert_deals_answer(answer, crm)
