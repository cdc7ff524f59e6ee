"""Fixtures for the reliability suite: a stand-in API with a deep accept queue and quick shutdown, and a
long-lived in-memory client that synchronous (hypothesis) tests drive through an anyio portal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client

from tests.conftest import connect, list_all_tools, make_settings
from tests.standin import Recorded, StandIn

UPLOAD_FILES = ["upload.txt", "Bericht für Müller.pdf", "sub/dir/picture.png"]
CALL_SECONDS = 15.0


def make_upload_files(root: Path) -> list[str]:
    for name in UPLOAD_FILES:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"reliability suite upload " + name.encode())
    return list(UPLOAD_FILES)


@dataclass
class Live:
    """One server and one client kept open across many synchronous examples."""

    portal: BlockingPortal
    client: Client
    standin: StandIn
    root: Path
    upload_files: list[str]

    def call(self, name: str, arguments: dict[str, Any]) -> tuple[Any, list[Recorded]]:
        """Call a tool; return its result and the requests the stand-in saw for it."""
        self.standin.requests.clear()

        async def bounded() -> Any:
            with anyio.fail_after(CALL_SECONDS):
                return await self.client.call_tool(name, arguments)

        result = self.portal.call(bounded)
        return result, list(self.standin.requests)

    def list_tools(self) -> list[Any]:
        return self.portal.call(list_all_tools, self.client)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("reliability")
    server = StandIn().start()
    files = make_upload_files(root)
    settings = make_settings(server, root, PIPEDRIVE_MAX_RETRIES="1", PIPEDRIVE_MAX_RETRY_WAIT="1")
    try:
        with (
            start_blocking_portal() as portal,
            portal.wrap_async_context_manager(connect(settings)) as client,
        ):
            yield Live(portal, client, server, root, files)
    finally:
        server.stop()
