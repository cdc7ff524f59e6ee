"""Hosted mode refuses to start on settings that cannot work, and says what to set."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dealdesk_mcp.app import build_server, runtime_of
from dealdesk_mcp.cli import parse_args, settings_from
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ConfigError

KEY = Fernet.generate_key().decode()


def hosted(tmp_path: Path, **env: str) -> Settings:
    base = {
        "PIPEDRIVE_MCP_AUTH": "oauth",
        "PIPEDRIVE_MCP_TRANSPORT": "http",
        "PIPEDRIVE_CLIENT_ID": "app-id",
        "PIPEDRIVE_CLIENT_SECRET": "app-secret-0123456789",
        "PIPEDRIVE_MCP_SECRET_KEY": KEY,
        "PIPEDRIVE_MCP_STATE_DIR": str(tmp_path),
        "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
    }
    return Settings.from_env({k: v for k, v in (base | env).items() if v})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PIPEDRIVE_CLIENT_ID": ""}, "set PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET"),
        ({"PIPEDRIVE_MCP_SECRET_KEY": ""}, "set PIPEDRIVE_MCP_SECRET_KEY to a Fernet key"),
        ({"PIPEDRIVE_MCP_TRANSPORT": "stdio"}, "start it with --transport http"),
        ({"PIPEDRIVE_MCP_HOST": "0.0.0.0"}, "set PIPEDRIVE_MCP_PUBLIC_URL"),
        ({"PIPEDRIVE_MCP_PUBLIC_URL": "http://mcp.example.com"}, "must be https"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        build_server(hosted(tmp_path, **env))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PIPEDRIVE_MCP_SECRET_KEY", "not-a-key", "Fernet key"),
        ("PIPEDRIVE_MCP_PUBLIC_URL", "https://mcp.example.com/mcp", "no path"),
        ("PIPEDRIVE_MCP_STORE", "postgres://db/1", "Redis address"),
        ("PIPEDRIVE_MCP_AUTH", "saml", "token, oauth"),
    ],
)
def test_malformed_values_are_refused(name: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        Settings.from_env({name: value})


def test_no_auth_and_oauth_contradict() -> None:
    args = parse_args(["--transport", "http", "--auth", "oauth", "--no-auth"])
    with pytest.raises(ConfigError, match="contradict"):
        settings_from(args, {})


def test_a_shared_key_in_the_settings_is_nobodys_in_hosted_mode(tmp_path: Path) -> None:
    """One API token for everyone would let every user act as its owner: hosted mode ignores it."""
    settings = hosted(
        tmp_path, PIPEDRIVE_API_TOKEN="shared-token-0123456789", ATTIO_API_KEY="shared-attio-0123456"
    )
    runtime = runtime_of(build_server(settings))
    assert runtime.account.auths == {}
    assert runtime.hosted is not None and runtime.hosted.accounts.apis == ["pipedrive"]
    assert runtime.hosted.public_url == "http://127.0.0.1:8000"
    assert runtime.hosted.signin.redirect_uri("pipedrive") == "http://127.0.0.1:8000/oauth/callback/pipedrive"
