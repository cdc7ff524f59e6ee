"""`dealdesk-mcp init`: the credential is checked, kept out of every host file, and the hosts' files
are merged with a backup; scripted runs never wait for input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dealdesk_mcp import cli
from dealdesk_mcp.sandbox import SandboxHandle
from tests.install.conftest import NO_KEYRING, SCRIPT, TOKEN, User, read_json, run
from tests.standin import Reply, StandIn

ME = {
    "success": True,
    "data": {"id": 7, "name": "Ada Lovelace", "email": "ada@acme.example", "company_name": "Acme",
             "company_domain": "acme"},
}  # fmt: skip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_token_goes_to_the_keyring_and_detected_hosts_get_an_entry_without_it(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (user.home / ".cursor").mkdir()
    user.claude_desktop.parent.mkdir(parents=True)  # Claude Desktop installed, never configured
    monkeypatch.setenv("PIPEDRIVE_API_TOKEN", TOKEN)

    code, output = run(capsys, monkeypatch, "init", "--base-url", sandbox.base_url, "--toolsets", "deals")

    assert code == 0, output
    assert "Alex Morgan" in output and "Northwind Analytics" in output  # who and which company
    assert user.keyring_value("PIPEDRIVE_API_TOKEN") == TOKEN
    assert TOKEN not in output
    assert TOKEN not in user.credentials.read_text()
    assert mode(user.credentials) == 0o600
    for path in (user.cursor, user.claude_desktop):
        assert TOKEN not in path.read_text()
        entry = read_json(path)["mcpServers"]["pipedrive"]
        assert entry["env"]["PIPEDRIVE_BASE_URL"] == sandbox.base_url
        assert "--toolsets" in entry["args"]
        assert Path(entry["command"]).exists()
        cli.parse_args(entry["args"])  # flags the server has
    # Hosts that are not installed are left alone.
    assert not user.claude_code.exists() and not user.vscode.exists()


def test_merge_keeps_other_servers_backs_up_and_drops_the_plain_token(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user.claude_desktop.parent.mkdir(parents=True)
    original = (
        '{"globalShortcut": "Ctrl+Space", "mcpServers": {'
        '"files": {"command": "npx", "args": ["-y", "some-fs-server"]}, '
        f'"pipedrive": {{"command": "pipedrive-mcp", "env": {{"PIPEDRIVE_API_TOKEN": "{TOKEN}"}}}}}}}}'
    )
    user.claude_desktop.write_text(original)

    args = ("init", "--token", TOKEN, "--base-url", sandbox.base_url, "--host", "claude-desktop")
    code, output = run(capsys, monkeypatch, *args)

    assert code == 0, output
    config = read_json(user.claude_desktop)
    assert config["globalShortcut"] == "Ctrl+Space"
    assert config["mcpServers"]["files"] == {"command": "npx", "args": ["-y", "some-fs-server"]}
    assert "PIPEDRIVE_API_TOKEN" not in config["mcpServers"]["pipedrive"]["env"]
    assert TOKEN not in user.claude_desktop.read_text()
    [backup] = user.claude_desktop.parent.glob("claude_desktop_config.json.bak-*")
    assert backup.read_text() == original
    assert mode(backup) == 0o600  # it still holds the old token
    assert "plain text" in output and str(backup) in output

    code, output = run(capsys, monkeypatch, *args)  # the same again: nothing to change
    assert code == 0 and "unchanged" in output
    assert len(list(user.claude_desktop.parent.glob("*.bak-*"))) == 1


def test_each_host_gets_its_own_format(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user.claude_code.write_text('{"numStartups": 3, "projects": {}}')
    args = ["init", "--token", TOKEN, "--base-url", sandbox.base_url, "--read-only"]
    for host in ("claude-code", "vscode", "cursor", "claude-desktop"):
        args += ["--host", host]
    code, output = run(capsys, monkeypatch, *args)

    assert code == 0, output
    code_config = read_json(user.claude_code)
    assert code_config["numStartups"] == 3
    assert code_config["mcpServers"]["pipedrive"]["type"] == "stdio"
    vscode = read_json(user.vscode)["servers"]["pipedrive"]
    assert vscode["type"] == "stdio" and vscode["args"] == ["--read-only"]
    assert "type" not in read_json(user.cursor)["mcpServers"]["pipedrive"]
    assert "type" not in read_json(user.claude_desktop)["mcpServers"]["pipedrive"]


def test_without_a_keyring_the_secret_is_a_0600_file(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    code, output = run(
        capsys, monkeypatch, "init", "--token-stdin", "--base-url", sandbox.base_url, stdin=TOKEN
    )

    assert code == 0, output
    assert str(user.credentials) in output and "0600" in output
    assert mode(user.credentials) == 0o600
    assert read_json(user.credentials)["secrets"] == {"PIPEDRIVE_API_TOKEN": TOKEN}
    assert TOKEN not in output


def test_a_refused_token_stores_nothing(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = StandIn().start()
    try:
        api.reply_with(lambda r: Reply(401, {"success": False, "error": "unauthorized access"}))
        (user.home / ".cursor").mkdir()
        code, output = run(capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", api.origin)
    finally:
        api.stop()
    assert code == 1
    assert "refused" in output and "nothing was stored" in output
    assert TOKEN not in output
    assert not user.credentials.exists() and not user.cursor.exists()
    assert user.keyring_value("PIPEDRIVE_API_TOKEN") is None


def test_oauth_tokens_are_checked_with_bearer_and_stored_together(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = StandIn().start()
    try:
        api.reply_with(lambda r: Reply(body=ME))
        code, output = run(
            capsys, monkeypatch, "init", "--oauth", "--base-url", api.origin, "--host", "cursor",
            "--access-token", "access-51c0ffee51c0ffee", "--refresh-token", "refresh-9d8c7b6a5f4e",
            "--client-id", "client-123", "--client-secret", "secret-0a1b2c3d4e5f",
        )  # fmt: skip
        [request] = api.requests
    finally:
        api.stop()
    assert code == 0, output
    assert request.path == "/api/v1/users/me"
    assert request.headers["authorization"] == "Bearer access-51c0ffee51c0ffee"
    assert "x-api-token" not in request.headers
    assert user.keyring_value("PIPEDRIVE_REFRESH_TOKEN") == "refresh-9d8c7b6a5f4e"
    assert user.keyring_value("PIPEDRIVE_CLIENT_SECRET") == "secret-0a1b2c3d4e5f"
    env = read_json(user.cursor)["mcpServers"]["pipedrive"]["env"]
    assert env["PIPEDRIVE_CLIENT_ID"] == "client-123"
    assert env["PIPEDRIVE_COMPANY_DOMAIN"] == "acme"  # learnt from the API's answer
    assert not {"PIPEDRIVE_ACCESS_TOKEN", "PIPEDRIVE_REFRESH_TOKEN", "PIPEDRIVE_CLIENT_SECRET"} & set(env)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["init"], "--token"),  # no token anywhere, and no terminal to ask on
        (["init", "--oauth", "--base-url", "http://127.0.0.1:9"], "--access-token"),
        (["init", "--token", TOKEN, "--company-domain", "acme corp"], "--company-domain"),
        (["init", "--token", TOKEN, "--base-url", "127.0.0.1:8765"], "--base-url"),
        (["init", "--token", "a b"], "API token"),
    ],
)
def test_missing_or_bad_input_fails_fast_naming_the_flag(
    user: User,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    named: str,
) -> None:
    started = time.monotonic()
    code, output = run(capsys, monkeypatch, *argv)
    assert code == 2
    assert named in output
    assert time.monotonic() - started < 5  # no prompt, no network
    assert not user.credentials.exists()


def test_a_commented_vscode_file_is_left_alone(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user.vscode.parent.mkdir(parents=True)
    text = '{\n  // my servers\n  "servers": {}\n}\n'
    user.vscode.write_text(text)
    code, output = run(capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", sandbox.base_url)
    assert code == 1
    assert "not plain JSON" in output and "nothing was changed" in output
    assert user.vscode.read_text() == text
    assert not list(user.vscode.parent.glob("*.bak-*"))


def test_no_host_found_still_stores_and_says_how_to_name_one(
    user: User, sandbox: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run(capsys, monkeypatch, "init", "--token", TOKEN, "--base-url", sandbox.base_url)
    assert code == 0
    assert "--host claude-desktop" in output
    assert user.keyring_value("PIPEDRIVE_API_TOKEN") == TOKEN


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_it_prompts_without_echoing_the_token(user: User, sandbox: SandboxHandle) -> None:
    import pty
    import select

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(SCRIPT), "init", "--base-url", sandbox.base_url, "--no-hosts"],
        stdin=follower, stdout=follower, stderr=follower, env=user.env(), close_fds=True,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 30
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"API token:" in seen:
            os.write(leader, TOKEN.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(10)
    os.close(leader)
    assert answered, seen
    assert proc.returncode == 0, seen
    assert TOKEN.encode() not in seen  # getpass: nothing echoed
    assert b"Stored PIPEDRIVE_API_TOKEN" in seen
    assert user.keyring_value("PIPEDRIVE_API_TOKEN") == TOKEN


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/home/u/.cache/uv/archive-v0/Xy12ab", ["uvx", "dealdesk-mcp"]),
        ("/home/u/.local/pipx/.cache/3f2a1b", ["pipx", "run", "dealdesk-mcp"]),
    ],
)
def test_throwaway_environments_are_not_written_into_host_files(
    monkeypatch: pytest.MonkeyPatch, prefix: str, expected: list[str]
) -> None:
    from dealdesk_mcp.install import hosts

    monkeypatch.setattr(sys, "prefix", prefix)
    assert hosts.default_command() == expected


def test_an_installed_environment_is_named_by_its_own_script() -> None:
    from dealdesk_mcp.install import hosts

    assert hosts.default_command() == [str(SCRIPT)]
