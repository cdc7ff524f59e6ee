"""Fixtures for the protocol tests: one in-memory sandbox per module, settings pointing both APIs at
it, and the SDK's in-memory client in either era (the 2026-07-28 per-request protocol by default,
the handshake protocol with `legacy=True`), with every notification it receives kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp import Client
from mcp.server.lowlevel import Server

from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle


def sandbox_settings(sandbox: SandboxHandle, tmp_path: Path, **env: str) -> Settings:
    base = {
        "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN,
        "PIPEDRIVE_BASE_URL": sandbox.base_url,
        "ATTIO_API_KEY": SANDBOX_TOKEN,
        "ATTIO_BASE_URL": sandbox.base_url,
        "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
        "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
        "PIPEDRIVE_MCP_STATE_DIR": str(tmp_path / "state"),
        "PIPEDRIVE_MAX_RETRY_WAIT": "5",
    }
    base.update(env)
    return Settings.from_env({k: v for k, v in base.items() if v != ""})


@dataclass
class Heard:
    """What the server sent the client unasked: notifications by method, log messages in order."""

    notifications: list[types.ServerNotification] = field(default_factory=list[types.ServerNotification])
    logs: list[types.LoggingMessageNotificationParams] = field(
        default_factory=list[types.LoggingMessageNotificationParams]
    )

    def methods(self) -> list[str]:
        return [n.method for n in self.notifications]

    def clear(self) -> None:
        self.notifications.clear()
        self.logs.clear()


@asynccontextmanager
async def client_of(
    server: Server[Any], *, legacy: bool = False, **options: Any
) -> AsyncIterator[tuple[Client, Heard]]:
    heard = Heard()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ServerNotification):  # pyright: ignore[reportUnnecessaryIsInstance]
            heard.notifications.append(message)

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        heard.logs.append(params)

    mode = "legacy" if legacy else "auto"
    async with Client(
        server, mode=mode, message_handler=on_message, logging_callback=on_log, **options
    ) as client:
        yield client, heard


def server_for(sandbox: SandboxHandle, tmp_path: Path, **env: str) -> Server[Any]:
    return build_server(sandbox_settings(sandbox, tmp_path, **env))
