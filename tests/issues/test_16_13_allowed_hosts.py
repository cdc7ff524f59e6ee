"""Issue 16, item 13: PIPEDRIVE_MCP_ALLOWED_HOSTS was documented but never read; with --host 0.0.0.0 and
the variable set, a foreign Host and Origin got 200. Tested through the console script."""

from __future__ import annotations

import re

import httpx
import pytest

from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ConfigError
from tests.conftest import ROOT
from tests.transports.conftest import INITIALIZE, StartServer


def test_the_wildcard_bind_checks_the_allowed_hosts(start_server: StartServer) -> None:
    # A token guards it meanwhile: the server listens on every interface while the test runs.
    server = start_server(
        "http", "--host", "0.0.0.0", PIPEDRIVE_MCP_ALLOWED_HOSTS="crm.internal, Other.Example"
    )
    url = f"http://127.0.0.1:{server.port}/mcp"

    def status(**headers: str) -> int:
        sent = {"accept": "application/json, text/event-stream", **server.headers, **headers}
        with httpx.Client(timeout=10) as http:
            return http.post(url, json=INITIALIZE, headers=sent).status_code

    assert status(host="evil.example") == 421
    assert status(host=f"evil.example:{server.port}") == 421
    assert status(host=f"crm.internal:{server.port}", origin="http://evil.example") == 403
    assert status(host=f"crm.internal:{server.port}") == 200
    assert status(host="other.example", origin="https://other.example") == 200
    assert status(host=f"127.0.0.1:{server.port}") == 200  # this machine's own names stay fine
    assert "Traceback" not in server.stderr()


@pytest.mark.parametrize("value", ["http://crm.internal", "crm.internal/mcp", "a b", "crm.internal,"])
def test_malformed_allowed_hosts_are_a_start_up_error(value: str) -> None:
    if value == "crm.internal,":
        assert Settings.from_env({"PIPEDRIVE_MCP_ALLOWED_HOSTS": value}).allowed_hosts == ("crm.internal",)
        return
    with pytest.raises(ConfigError, match="PIPEDRIVE_MCP_ALLOWED_HOSTS"):
        Settings.from_env({"PIPEDRIVE_MCP_ALLOWED_HOSTS": value})


def test_serving_settings_live_in_settings() -> None:
    settings = Settings.from_env(
        {
            "PIPEDRIVE_MCP_TRANSPORT": "HTTP",
            "PIPEDRIVE_MCP_HOST": "::1",
            "PIPEDRIVE_MCP_PORT": "8123",
            "PIPEDRIVE_MCP_AUTH_TOKEN": "a-token-of-the-users-own",
            "PIPEDRIVE_LOG_LEVEL": "info",
        }
    )
    assert (settings.transport, settings.host, settings.port) == ("http", "::1", 8123)
    assert settings.mcp_auth_token == "a-token-of-the-users-own" and settings.log_level == "INFO"
    for name, value in [
        ("PIPEDRIVE_MCP_PORT", "80a"),
        ("PIPEDRIVE_MCP_TRANSPORT", "ws"),
        ("PIPEDRIVE_LOG_LEVEL", "LOUD"),
    ]:
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


# A value for every setting .env.example documents: each must change what Settings holds.
SAMPLES = {
    "PIPEDRIVE_API_TOKEN": "tok-sample-0123456789",
    "PIPEDRIVE_ACCESS_TOKEN": "access-sample-0123456789",
    "PIPEDRIVE_REFRESH_TOKEN": "refresh-sample-0123456789",
    "PIPEDRIVE_CLIENT_ID": "client-1",
    "PIPEDRIVE_CLIENT_SECRET": "secret-sample-0123456789",
    "PIPEDRIVE_OAUTH_TOKEN_URL": "http://127.0.0.1:9/oauth/token",
    "PIPEDRIVE_COMPANY_DOMAIN": "acme",
    "PIPEDRIVE_BASE_URL": "http://127.0.0.1:9",
    "ATTIO_API_KEY": "attio-sample-0123456789",
    "ATTIO_BASE_URL": "http://127.0.0.1:9",
    "PIPEDRIVE_TOOLSETS": "deals",
    "PIPEDRIVE_READ_ONLY": "true",
    "PIPEDRIVE_DISCOVERY": "true",
    "PIPEDRIVE_MAX_ANSWER_CHARS": "1234",
    "PIPEDRIVE_FILE_ROOTS": "/srv/sample-files",
    "PIPEDRIVE_DOWNLOAD_DIR": "/srv/sample-downloads",
    "PIPEDRIVE_MAX_UPLOAD_MB": "3",
    "PIPEDRIVE_TIMEOUT": "7",
    "PIPEDRIVE_MAX_RETRIES": "2",
    "PIPEDRIVE_MAX_RETRY_WAIT": "9",
    "PIPEDRIVE_MCP_TRANSPORT": "http",
    "PIPEDRIVE_MCP_HOST": "0.0.0.0",
    "PIPEDRIVE_MCP_PORT": "8123",
    "PIPEDRIVE_MCP_AUTH_TOKEN": "bearer-sample-0123456789",
    "PIPEDRIVE_MCP_ALLOWED_HOSTS": "crm.internal",
    "PIPEDRIVE_LOG_LEVEL": "DEBUG",
    "PIPEDRIVE_TOOLS": "get_deal",
    "PIPEDRIVE_EXCLUDE_TOOLS": "get_deals",
    "PIPEDRIVE_WRITES": "all",
    "PIPEDRIVE_CONFIRM": "never",
    "PIPEDRIVE_CONFIRM_KEY": "confirm-key-sample-0123456789abcdef",
    "PIPEDRIVE_AUDIT_LOG": "/srv/sample-audit.jsonl",
    "PIPEDRIVE_MCP_STATE_DIR": "/srv/sample-state",
    "PIPEDRIVE_OAUTH_AUTHORIZE_URL": "http://127.0.0.1:9/oauth/authorize",
    "ATTIO_CLIENT_ID": "attio-client-1",
    "ATTIO_CLIENT_SECRET": "attio-secret-0123456789",
    "ATTIO_OAUTH_AUTHORIZE_URL": "http://127.0.0.1:9/authorize",
    "ATTIO_OAUTH_TOKEN_URL": "http://127.0.0.1:9/oauth/token",
    "PIPEDRIVE_LOG_FORMAT": "json",
    "PIPEDRIVE_MCP_AUTH": "oauth",
    "PIPEDRIVE_MCP_PUBLIC_URL": "https://mcp.example.com",
    "PIPEDRIVE_MCP_SECRET_KEY": "M2NtFHmX3SM7ZT0hGMTWm2AqkMwY2T5lKcU9Ogq3pU8=",
    "PIPEDRIVE_MCP_STORE": "redis://127.0.0.1:6379/0",
    "PIPEDRIVE_MCP_TOKEN_SECONDS": "600",
    "PIPEDRIVE_MCP_MAX_CONTENT_MB": "1",
    "PIPEDRIVE_MCP_UPLOAD_ORIGINS": "https://files.example.com",
    "PIPEDRIVE_MCP_USER_FILES": "/srv/sample-user-files",
    "PIPEDRIVE_MCP_CLIENT_ORIGINS": "https://mcp-client.example.com",
}


def test_every_documented_setting_is_read_into_settings() -> None:
    """The class of this item: a setting the documentation names that nothing reads."""
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))
    assert documented == set(SAMPLES)
    default = Settings.from_env({})
    unread = [name for name, value in SAMPLES.items() if Settings.from_env({name: value}) == default]
    assert unread == []
