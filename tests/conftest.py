"""Shared fixtures: a loopback stand-in for the APIs and an in-memory MCP client to our server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp_types import Tool

from dealdesk_mcp import server_tools
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle, start_sandbox
from tests.standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
# The facts-only vendor documents (scripts/strip_specs.py); the originals sit in ../shared/specs.
SPECS = ROOT / "specs"
SHARED_SPECS = ROOT.parent / "shared" / "specs"
TOKEN = "tok-3f9a1c77e2b54d0c9aa1d2e3f4b5c6d7"
# Discovery mode's own tools, listed only there.
DISCOVERY_TOOLS = frozenset({"search_operations", "describe_operation", "call_operation"})
# The server's own tools beside the API's (session info, toolset switching, workflows), all listed with
# --toolsets all --writes all.
SERVER_TOOLS = frozenset(t.name for t in server_tools.registered()) - DISCOVERY_TOOLS
ATTIO_KEY = "attio-key-8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    """One in-memory sandbox (both CRMs, seeded) for a module's tests."""
    with start_sandbox(":memory:") as handle:
        yield handle


@pytest.fixture
def api(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """The sandbox's API itself, as a test reads it to compute what a tool should answer."""
    with httpx.Client(
        base_url=sandbox.base_url, headers={"x-api-token": SANDBOX_TOKEN}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn().start()
    yield server
    server.stop()


def make_settings(standin: StandIn, tmp_path: Path, **env: str) -> Settings:
    base = {
        "PIPEDRIVE_API_TOKEN": TOKEN,
        "PIPEDRIVE_BASE_URL": standin.origin,
        "ATTIO_API_KEY": ATTIO_KEY,
        "ATTIO_BASE_URL": standin.origin,
        "PIPEDRIVE_TOOLSETS": "all",
        "PIPEDRIVE_WRITES": "all",
        # Requests as sent: confirmation has tests of its own (tests/test_safe_writes.py).
        "PIPEDRIVE_CONFIRM": "never",
        "PIPEDRIVE_MCP_STATE_DIR": str(tmp_path / "state"),
        "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
        "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
        "PIPEDRIVE_MAX_RETRY_WAIT": "5",
    }
    base.update(env)
    return Settings.from_env({k: v for k, v in base.items() if v != ""})


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[Client]:
    async with Client(build_server(settings)) as client:
        yield client


async def list_all_tools(client: Client) -> list[Tool]:
    """Every listed tool, page by page: tools/list comes in pages (dealdesk_mcp.cursors.PAGE_CHARS)."""
    tools: list[Tool] = []
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)
        tools += page.tools
        cursor = page.next_cursor
        if cursor is None:
            return tools


def assert_fits_output_schema(tool: Tool, result: Any) -> None:
    """A successful answer's structured content validates against the output schema the tool lists
    (checked here whether or not the client saw the tool's page of tools/list)."""
    from jsonschema import validators

    if result.is_error or tool.output_schema is None:
        return
    validator = validators.validator_for(tool.output_schema)(tool.output_schema)
    errors = sorted(validator.iter_errors(result.structured_content), key=str)
    assert not errors, f"{tool.name}: {errors[0].message} at {list(errors[0].absolute_path)}"


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


def records(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a shaped list answer, whether it came as a table or as a plain list."""
    data = answer["data"]
    if isinstance(data, dict) and "columns" in data:
        return [
            {
                **data.get("same", {}),
                **{k: v for k, v in zip(data["columns"], row, strict=True) if v is not None},
            }
            for row in data["rows"]
        ]
    return data
