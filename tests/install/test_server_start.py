"""The server takes the stored credential at start when its environment has none, and only then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from dealdesk_mcp.install import keystore
from tests.install.conftest import TOKEN, User, run
from tests.standin import Reply, StandIn

DEALS = {"success": True, "data": [{"id": 1, "title": "Rocket fuel"}], "additional_data": {}}


async def test_a_host_entry_without_a_token_works_from_the_store(
    user: User, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = StandIn().start()
    try:
        code, output = run(
            capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", api.origin, "--no-check",
            "--host", "claude-desktop",
        )  # fmt: skip
        assert code == 0, output
        entry = json.loads(user.claude_desktop.read_text())["mcpServers"]["pipedrive"]
        api.reply_with(lambda r: Reply(body=DEALS))
        # Started the way the host would: its command, args and env, with nothing else of ours.
        params = StdioServerParameters(
            command=entry["command"], args=entry["args"], env=user.env(**entry["env"]), cwd=tmp_path
        )
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                result = await client.call_tool("get_deals", {})
    finally:
        api.stop()
    assert not result.is_error
    [request] = [r for r in api.requests if r.path == "/api/v2/deals"]
    assert request.headers["x-api-token"] == TOKEN


def test_the_environment_wins_and_settings_fill_only_gaps(user: User) -> None:
    keystore.save(
        {"PIPEDRIVE_API_TOKEN": TOKEN},
        {"PIPEDRIVE_COMPANY_DOMAIN": "acme", "PIPEDRIVE_BASE_URL": "http://127.0.0.1:9"},
        kind="token",
    )
    mine = {"PIPEDRIVE_API_TOKEN": "from-the-environment-123"}
    assert keystore.fill_environment(dict(mine)) == mine  # an env credential: the store is not read
    oauth = {"PIPEDRIVE_REFRESH_TOKEN": "refresh-from-env-12345"}
    assert keystore.fill_environment(dict(oauth)) == oauth
    filled = keystore.fill_environment({"PIPEDRIVE_BASE_URL": "http://127.0.0.1:8765"})
    assert filled == {
        "PIPEDRIVE_API_TOKEN": TOKEN,
        "PIPEDRIVE_COMPANY_DOMAIN": "acme",
        "PIPEDRIVE_BASE_URL": "http://127.0.0.1:8765",  # the environment's own setting stays
    }


def test_an_unreadable_store_is_a_warning_not_a_crash(user: User, caplog: pytest.LogCaptureFixture) -> None:
    keystore.save({"PIPEDRIVE_API_TOKEN": TOKEN}, {}, kind="token")
    # The keyring lost the entry (another tool deleted it, or a different keyring is active now).
    from keyrings.alt.file import PlaintextKeyring

    PlaintextKeyring().delete_password(keystore.SERVICE, "PIPEDRIVE_API_TOKEN")
    assert keystore.fill_environment({}) == {}
    assert "run `dealdesk-mcp init` again" in caplog.text
