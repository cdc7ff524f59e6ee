"""`dealdesk-mcp status`: hosts, where the secret is (never the secret), and whether it works."""

from __future__ import annotations

import json

import pytest

from dealdesk_mcp.sandbox import SandboxHandle
from tests.install.conftest import NO_KEYRING, TOKEN, User, run
from tests.standin import Reply, StandIn


def test_nothing_stored_says_so_and_fails(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run(capsys, monkeypatch, "status")
    assert code == 1
    assert "none (run `dealdesk-mcp init`)" in output
    assert "Claude Desktop: no configuration file" in output


def test_after_init_it_names_the_hosts_the_store_and_checks_the_token(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (user.home / ".cursor").mkdir()
    code, _ = run(capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", sandbox.base_url)
    assert code == 0

    code, output = run(capsys, monkeypatch, "status")
    assert code == 0, output
    assert "Cursor: server 'pipedrive' runs" in output
    assert "Claude Code: no configuration file" in output
    assert "OS keyring (keyrings.alt.file.PlaintextKeyring" in output
    assert f"PIPEDRIVE_BASE_URL={sandbox.base_url}" in output
    assert "Check: works" in output and "Northwind Analytics" in output
    assert TOKEN not in output


def test_a_token_in_a_host_file_is_flagged_but_not_shown(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user.claude_desktop.parent.mkdir(parents=True)
    entry = {"command": "dealdesk-mcp", "args": [], "env": {"PIPEDRIVE_API_TOKEN": TOKEN}}
    other = {"command": "npx", "args": ["some-other-server"], "env": {"PIPEDRIVE_API_TOKEN": TOKEN}}
    user.claude_desktop.write_text(json.dumps({"mcpServers": {"crm": entry, "other": other}}))
    code, output = run(capsys, monkeypatch, "status", "--no-check")
    assert "server 'crm' runs `dealdesk-mcp`" in output
    assert "'other'" not in output  # not ours
    assert "holds PIPEDRIVE_API_TOKEN in plain text" in output
    assert TOKEN not in output
    assert code == 1  # and nothing stored


def test_a_token_that_stopped_working_fails_the_check(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    api = StandIn().start()
    try:
        code, _ = run(capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", api.origin, "--no-check")
        assert code == 0
        api.reply_with(lambda r: Reply(401, {"success": False, "error": "unauthorized access"}))
        code, output = run(capsys, monkeypatch, "status")
        [request] = api.requests
    finally:
        api.stop()
    assert code == 1
    assert "(mode 0600; no OS keyring was available)" in output
    assert "Check: fails" in output and "401" in output
    assert request.headers["x-api-token"] == TOKEN
    assert TOKEN not in output
