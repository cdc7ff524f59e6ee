"""Fixtures for the transport tests: the installed console script run as a real subprocess, on a free
loopback port, against the `standin` API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ATTIO_KEY, ROOT, TOKEN
from tests.standin import Recorded, Reply, StandIn

SCRIPT = Path(sys.executable).parent / "dealdesk-mcp"
INSPECTOR = ROOT / ".tools" / "inspector" / "node_modules" / ".bin" / "mcp-inspector"
AUTH_TOKEN = "mcp-bearer-5b7e0c2a9d4f4e1b8c3a6d2f0e9b7a51"
STARTUP_SECONDS = 20.0
# A client's first message, for tests that speak the protocol below the SDK's client (raw HTTP, a pty).
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
# The headers streamable HTTP wants on every POST.
MCP_POST_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}

# One page of deals, the way Pipedrive v2 answers a list.
DEALS = {
    "success": True,
    "data": [
        {"id": 1, "title": "Rocket fuel", "value": 1200},
        {"id": 2, "title": "Launch pad", "value": 900},
    ],
    "additional_data": {"next_cursor": None},
}


def crm_handler(request: Recorded) -> Reply:
    """A stand-in that answers the deals list and a generic success for anything else."""
    if request.method == "GET" and request.path == "/api/v2/deals":
        return Reply(body=DEALS)
    return Reply(body={"success": True, "data": {"id": 1}})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(standin: StandIn, **extra: str) -> dict[str, str]:
    """The environment for a server subprocess: ours only, none of the host's Pipedrive settings."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PIPEDRIVE_", "ATTIO_")) and k not in ("CI",)
    }
    env.update(
        {
            "PIPEDRIVE_API_TOKEN": TOKEN,
            "PIPEDRIVE_BASE_URL": standin.origin,
            "ATTIO_API_KEY": ATTIO_KEY,
            "ATTIO_BASE_URL": standin.origin,
            "PIPEDRIVE_MAX_RETRY_WAIT": "5",
            "PIPEDRIVE_WRITES": "all",
        }
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


def expected_tool_count() -> int:
    """Every generated operation (all toolsets) plus the server's own tools offered with all toolsets."""
    from dealdesk_mcp.catalog import load_catalog
    from dealdesk_mcp.config import Settings
    from dealdesk_mcp.server_tools import registered

    settings = Settings.from_env({"PIPEDRIVE_TOOLSETS": "all", "PIPEDRIVE_WRITES": "all"})
    return len(load_catalog().tools) + len({t.name for t in registered() if t.offered(settings)})


@dataclass
class ServerProcess:
    """A `dealdesk-mcp --transport sse|http` subprocess listening on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    transport: str
    stderr_path: Path
    host: str = "127.0.0.1"
    args: list[str] = field(default_factory=list)
    token: str | None = None  # the bearer token it was started with (None: --no-auth)

    @property
    def headers(self) -> dict[str, str]:
        """What a client must send: the bearer token, when there is one."""
        return {"authorization": f"Bearer {self.token}"} if self.token else {}

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/mcp" if self.transport == "http" else f"{self.origin}/sse"

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def wait_for_port(proc: ServerProcess, timeout: float = STARTUP_SECONDS) -> None:
    """Poll until the server accepts connections (or fail with its stderr if it died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise AssertionError(f"server exited with {proc.process.returncode}:\n{proc.stderr()}")
        try:
            with socket.create_connection(("127.0.0.1", proc.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"server did not listen on port {proc.port} within {timeout} s:\n{proc.stderr()}")


StartServer = Callable[..., ServerProcess]


@pytest.fixture
def crm(standin: StandIn) -> StandIn:
    standin.reply_with(crm_handler)
    return standin


@pytest.fixture
def start_server(crm: StandIn, tmp_path: Path) -> Iterator[StartServer]:
    """Start `dealdesk-mcp --transport T --port P` as a subprocess; stopped after the test. It gets
    PIPEDRIVE_MCP_AUTH_TOKEN=AUTH_TOKEN unless the test gives its own (or --no-auth)."""
    started: list[ServerProcess] = []

    def start(transport: str = "http", *args: str, wait: bool = True, **env: str) -> ServerProcess:
        if "--no-auth" not in args:
            env.setdefault("PIPEDRIVE_MCP_AUTH_TOKEN", AUTH_TOKEN)
        port = free_port()
        stderr_path = tmp_path / f"server-{len(started)}.stderr"
        argv = [str(SCRIPT), "--transport", transport, "--port", str(port), *args]
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                argv,
                env=server_env(crm, **env),
                cwd=tmp_path,  # no stray .env from the repository or the host
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        token = env.get("PIPEDRIVE_MCP_AUTH_TOKEN") or None
        proc = ServerProcess(process, port, transport, stderr_path, args=argv, token=token)
        started.append(proc)
        if wait:
            wait_for_port(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
