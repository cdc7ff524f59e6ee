"""Issue 16, item 17: the safe choice is the default, and the server says at start what it exposes.

Files: started in / (as some hosts do), every readable file became uploadable and downloads went to
/downloads. HTTP: on loopback without a bearer token any local user could act with the owner's
credentials, and nothing said so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from dealdesk_mcp.config import Settings, app_data_dir
from dealdesk_mcp.errors import ConfigError
from tests.conftest import text_of
from tests.standin import StandIn
from tests.transports.conftest import (
    INITIALIZE,
    MCP_POST_HEADERS,
    SCRIPT,
    ServerProcess,
    StartServer,
    free_port,
    server_env,
    wait_for_port,
)
from tests.transports.test_http import connect


# -- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("start", ["/", "home", "home/Documents", "/etc", "/tmp"])
def test_an_unsafe_working_folder_gives_the_apps_own_folders(
    start: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(start if start.startswith("/") else tmp_path / start)
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(home)}
    settings = Settings.from_env(env)
    own = app_data_dir(env)
    assert sys.platform != "linux" or own == tmp_path / "data" / "dealdesk-mcp"
    assert settings.upload_roots == (own / "files",)
    assert settings.download_dir == own / "downloads"
    assert settings.unsafe_start == Path.cwd().resolve()


def test_a_project_folder_stays_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path / "data")})
    assert settings.upload_roots == (project,)
    assert settings.download_dir == project / "downloads"
    assert settings.unsafe_start is None


async def test_started_in_the_root_folder_nothing_outside_the_apps_folder_is_readable(
    standin: StandIn, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in server_env(standin, XDG_DATA_HOME=str(data), HOME=str(tmp_path)).items()}
    params = StdioServerParameters(command=str(SCRIPT), args=["--toolsets", "files"], env=env, cwd="/")
    errlog_path = tmp_path / "stderr.log"
    with errlog_path.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            system = await client.call_tool("add_file", {"path": "/etc/hostname", "deal_id": 1})
            relative = await client.call_tool("add_file", {"path": "etc/hostname", "deal_id": 1})
            (data / "dealdesk-mcp" / "files" / "offer.txt").write_text("meant to be sent")
            own = await client.call_tool("add_file", {"path": "offer.txt", "deal_id": 1})
    assert system.is_error and "outside the allowed folders" in text_of(system)
    assert relative.is_error and "no file at" in text_of(relative)
    assert not own.is_error, text_of(own)
    [line] = [x for x in errlog_path.read_text().splitlines() if "uploads may read" in x]
    assert f"{data}/dealdesk-mcp/files" in line and f"{data}/dealdesk-mcp/downloads" in line
    assert "started in /" in line


# -- HTTP -------------------------------------------------------------------------------------------
def printed_token(server: ServerProcess, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"Authorization: Bearer (\S+)", server.stderr())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(server.stderr())


async def test_http_without_a_token_setting_makes_one_and_prints_how_to_connect(
    crm: StandIn, tmp_path: Path
) -> None:
    port = free_port()
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(SCRIPT), "--transport", "http", "--port", str(port), "--toolsets", "deals"],
            env=server_env(crm, PIPEDRIVE_LOG_LEVEL="DEBUG"),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    server = ServerProcess(proc, port, "http", err)
    try:
        wait_for_port(server)
        token = printed_token(server)
        assert len(token) >= 32
        with httpx.Client(timeout=10) as http:
            assert http.post(server.url, json=INITIALIZE, headers=MCP_POST_HEADERS).status_code == 401
        server.token = token
        async with connect(server) as client:
            result = await client.call_tool("get_deals", {"limit": 1})
    finally:
        server.stop()
    assert not result.is_error, text_of(result)
    text = server.stderr()
    url = f"http://127.0.0.1:{port}/mcp"
    assert f"MCP (streamable HTTP) at {url}" in text
    assert f'claude mcp add --transport http dealdesk {url} --header "Authorization: Bearer {token}"' in text
    assert "uploads may read files in" in text
    # Printed for the person who started the server: on stderr, never on stdout, never logged (DEBUG is on).
    assert out.read_bytes() == b""
    assert all(line.startswith("dealdesk-mcp: ") for line in text.splitlines() if token in line)


def test_no_auth_is_an_explicit_choice_with_a_one_line_warning(start_server: StartServer) -> None:
    server = start_server("http", "--no-auth")
    with httpx.Client(timeout=10) as http:
        assert http.post(server.url, json=INITIALIZE, headers=MCP_POST_HEADERS).status_code == 200
    warnings = [line for line in server.stderr().splitlines() if "--no-auth" in line]
    assert len(warnings) == 1
    assert "no bearer token" in warnings[0] and "every program and user on this machine" in warnings[0]
    assert f"http://127.0.0.1:{server.port}/mcp" in warnings[0]


def test_a_token_from_the_environment_is_used_and_not_printed(start_server: StartServer) -> None:
    server = start_server("sse")
    text = server.stderr()
    assert "guarded by the bearer token in PIPEDRIVE_MCP_AUTH_TOKEN" in text
    assert f"MCP (SSE) at http://127.0.0.1:{server.port}/sse" in text
    assert server.token and server.token not in text


def test_no_auth_and_a_token_together_are_refused() -> None:
    from dealdesk_mcp import cli

    with pytest.raises(ConfigError, match="--no-auth"):
        cli.settings_from(cli.parse_args(["--no-auth"]), {"PIPEDRIVE_MCP_AUTH_TOKEN": "x" * 32})


def test_the_uploaded_secret_list_includes_a_token_made_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from dealdesk_mcp import cli

    settings, made = cli.with_bearer_token(Settings.from_env({"PIPEDRIVE_MCP_TRANSPORT": "http"}))
    assert made and settings.mcp_auth_token in settings.secrets()
    assert os.environ.get("PIPEDRIVE_MCP_AUTH_TOKEN") != settings.mcp_auth_token  # not put into the env
