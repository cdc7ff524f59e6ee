"""claude_desktop_config.example.json works as written: its commands, flags and variables are ours, and
each entry starts a server a host can use (the token entry once a token is filled in)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from dealdesk_mcp import cli
from dealdesk_mcp.catalog import Selection, load_catalog
from tests.conftest import ROOT, SERVER_TOOLS, TOKEN, connect, list_all_tools, make_settings, text_of
from tests.standin import StandIn
from tests.transports.conftest import SCRIPT, server_env

CONFIG = ROOT / "claude_desktop_config.example.json"


def entries() -> dict[str, dict[str, Any]]:
    return json.loads(CONFIG.read_text())["mcpServers"]


def documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return {
        line.lstrip("# ").split("=", 1)[0]
        for line in text.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    }


def test_the_example_has_a_token_entry_and_a_sandbox_entry() -> None:
    servers = entries()
    assert set(servers) == {"pipedrive", "pipedrive-sandbox"}
    for entry in servers.values():
        assert entry["command"] == "dealdesk-mcp"  # the pip-installed console script
        assert set(entry) <= {"command", "args", "env"}
        assert all(isinstance(a, str) for a in entry["args"])
        assert all(isinstance(v, str) for v in entry.get("env", {}).values())
    assert "PIPEDRIVE_API_TOKEN" in servers["pipedrive"]["env"]
    assert "--sandbox" in servers["pipedrive-sandbox"]["args"]


@pytest.mark.parametrize("name", ["pipedrive", "pipedrive-sandbox"])
def test_args_and_env_are_accepted_by_the_cli(name: str) -> None:
    entry = entries()[name]
    assert set(entry.get("env", {})) <= documented_variables()
    args = cli.parse_args(entry["args"])  # argparse exits (fails the test) on a flag we do not have
    settings = cli.settings_from(args, dict(entry.get("env", {})))
    assert args.transport is None  # stdio, what a desktop host speaks
    catalog = load_catalog()
    resolved = catalog.resolve_toolsets(settings.toolsets, apis=["pipedrive"])
    assert set(resolved) == {t for t in catalog.toolsets if catalog.api_of(t) == "pipedrive"} & set(
        catalog.resolve_toolsets(None, apis=["pipedrive"])
    )
    assert "deals" in resolved
    # "~" in the paths means the user's home, wherever the host starts us.
    assert all(not str(p).startswith("~") for p in settings.file_roots)
    if name == "pipedrive-sandbox":
        assert args.sandbox == "file"
    else:
        assert settings.pipedrive_api_token == "paste-your-pipedrive-api-token-here"


async def spawn(entry: dict[str, Any], tmp_path: Path, env: dict[str, str]) -> tuple[Any, Any]:
    params = StdioServerParameters(command=str(SCRIPT), args=entry["args"], env=env, cwd=tmp_path)
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            listed = await list_all_tools(client)
            deals = await client.call_tool("get_deals", {"limit": 3})
    return listed, deals


async def test_the_token_entry_serves_once_a_token_is_filled_in(standin: StandIn, tmp_path: Path) -> None:
    entry = entries()["pipedrive"]
    env = server_env(standin, HOME=str(tmp_path)) | entry["env"] | {"PIPEDRIVE_API_TOKEN": TOKEN}
    env = {k: v for k, v in env.items() if not k.startswith("ATTIO_")}
    listed, deals = await spawn(entry, tmp_path, env)
    catalog = load_catalog()
    everyday = set(catalog.select(Selection(), apis=["pipedrive"]))
    assert {t.name for t in listed} - SERVER_TOOLS == everyday
    assert not deals.is_error, text_of(deals)
    assert standin.requests[-1].headers["x-api-token"] == TOKEN


async def test_the_sandbox_entry_serves_demo_data(standin: StandIn, tmp_path: Path) -> None:
    entry = entries()["pipedrive-sandbox"]
    env = server_env(standin, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data")) | entry["env"]
    env = {k: v for k, v in env.items() if not k.startswith(("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_BASE_URL"))}
    listed, deals = await spawn(entry, tmp_path, env)
    assert "get_deals" in {t.name for t in listed}
    assert not deals.is_error, text_of(deals)
    assert json.loads(text_of(deals))["data"]  # seeded demo deals
    assert standin.requests == []  # nothing left the machine
    assert (tmp_path / "data" / "dealdesk-mcp" / "sandbox.sqlite3").exists()


async def test_toolsets_default_means_the_same_as_no_choice(standin: StandIn, tmp_path: Path) -> None:
    async def names(**env: str) -> set[str]:
        async with connect(make_settings(standin, tmp_path, ATTIO_API_KEY="", **env)) as client:
            return {t.name for t in await list_all_tools(client)}

    assert await names(PIPEDRIVE_TOOLSETS="default") == await names(PIPEDRIVE_TOOLSETS="")
