"""Running the sandbox: uvicorn in a background thread on a loopback port, behind a small handle."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

# On stop, requests still running get this long to finish before their connections are closed.
STOP_SECONDS = 3


class SandboxStartError(RuntimeError):
    """The sandbox server did not come up."""


def default_db_path() -> str:
    """$XDG_DATA_HOME/dealdesk-mcp/sandbox.sqlite3, falling back to ~/.local/share/..."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "dealdesk-mcp" / "sandbox.sqlite3")


@dataclass
class SandboxHandle:
    """A running sandbox: `base_url` is the origin to use as PIPEDRIVE_BASE_URL."""

    base_url: str
    db: str
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _store: Any = field(repr=False)

    def close(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._store.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def start_sandbox(
    db: str | None = None,
    *,
    reset: bool = False,
    host: str = "127.0.0.1",
    port: int = 0,
    rate_limit: Any = None,
) -> SandboxHandle:
    """Serve the sandbox in a daemon thread and return once it accepts connections."""
    import uvicorn  # imported here: the package itself stays cheap to import

    from .app import create_app

    db = db or default_db_path()
    app = create_app(db, reset=reset, rate_limit=rate_limit)
    # IPPROTO_TCP named outright: asyncio turns Nagle off only on sockets that say they are TCP, and with
    # Nagle on every answer after the first waits ~40 ms for the client's delayed acknowledgement.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=STOP_SECONDS
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="pipedrive-sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise SandboxStartError(f"the sandbox did not start on {host}:{bound_port}")
        time.sleep(0.005)
    shown = f"[{host}]" if ":" in host else host
    return SandboxHandle(f"http://{shown}:{bound_port}", db, server, thread, app.state.store)
