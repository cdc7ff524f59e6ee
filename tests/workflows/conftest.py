"""The workflow tests' fixtures: one seeded sandbox per module, our server over the real MCP client in
front of it, and the sandbox's API read directly (httpx) for independent figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from mcp import Client

from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle
from tests.conftest import connect, text_of


def settings_for(sandbox: SandboxHandle, tmp_path: Path, **env: str) -> Settings:
    base = {
        "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN,
        "PIPEDRIVE_BASE_URL": sandbox.base_url,
        "PIPEDRIVE_TOOLSETS": "default,reports",
        "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
        "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
        "PIPEDRIVE_MCP_STATE_DIR": str(tmp_path / "state"),
    }
    base.update(env)
    return Settings.from_env({k: v for k, v in base.items() if v != ""})


@asynccontextmanager
async def client_for(sandbox: SandboxHandle, tmp_path: Path, **env: str) -> AsyncIterator[Client]:
    async with connect(settings_for(sandbox, tmp_path, **env)) as client:
        yield client


async def answer(client: Client, tool: str, arguments: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments, **kwargs)
    assert not result.is_error, f"{tool}: {text_of(result)}"
    return json.loads(text_of(result))


def walk_v2(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a v2 (cursor) list."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        body = api.get(path, params=query).raise_for_status().json()
        items += body["data"]
        cursor = (body.get("additional_data") or {}).get("next_cursor")
        if not cursor:
            return items


def walk_v1(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a v1 (start) list."""
    items: list[dict[str, Any]] = []
    start = 0
    while True:
        body = api.get(path, params={**params, "start": start, "limit": 500}).raise_for_status().json()
        items += body["data"] or []
        page = (body.get("additional_data") or {}).get("pagination") or body.get("additional_data") or {}
        if not page.get("more_items_in_collection"):
            return items
        start = page.get("next_start", start + len(body["data"]))


def table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's rows as records."""
    columns = report["data"]["columns"]
    return [dict(zip(columns, row, strict=True)) for row in report["data"]["rows"]]
