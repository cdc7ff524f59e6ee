"""Streamable HTTP and SSE: the console script as a loopback server, reached by the SDK's own clients."""

from __future__ import annotations

import logging
import socket
import subprocess
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.transport_security import TransportSecurityMiddleware
from mcp.shared.exceptions import MCPError

from dealdesk_mcp import transports
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from tests.conftest import TOKEN, list_all_tools, text_of
from tests.standin import StandIn
from tests.transports.conftest import (
    AUTH_TOKEN,
    INITIALIZE,
    MCP_POST_HEADERS,
    SCRIPT,
    ServerProcess,
    StartServer,
    expected_tool_count,
    server_env,
)


def connect(server: ServerProcess, headers: dict[str, str] | None = None) -> Client:
    """The SDK client for this server's transport, sending these headers on every request (by default
    the server's bearer token)."""
    headers = server.headers if headers is None else headers
    if server.transport == "sse":
        return Client(sse_client(server.url, headers=headers))
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60))
    return Client(streamable_http_client(server.url, http_client=http))


async def list_and_call(server: ServerProcess, crm: StandIn, headers: dict[str, str] | None = None) -> None:
    async with connect(server, headers) as client:
        listed = await list_all_tools(client)
        result = await client.call_tool("get_deals", {"limit": 2})
    assert len(listed) == expected_tool_count()
    assert not result.is_error, text_of(result)
    assert "Launch pad" in text_of(result)
    [request] = [r for r in crm.requests if r.path == "/api/v2/deals"]
    assert request.headers["x-api-token"] == TOKEN
    assert request.args["limit"] == "2"


@pytest.mark.parametrize("transport", ["http", "sse"])
async def test_sdk_client_lists_and_calls(start_server: StartServer, crm: StandIn, transport: str) -> None:
    server = start_server(transport, "--toolsets", "all")
    await list_and_call(server, crm)
    assert "Traceback" not in server.stderr()


@pytest.mark.parametrize("transport", ["http", "sse"])
async def test_bearer_token_is_required_when_configured(
    start_server: StartServer, crm: StandIn, transport: str
) -> None:
    server = start_server(transport, "--toolsets", "all", PIPEDRIVE_MCP_AUTH_TOKEN=AUTH_TOKEN)
    method, body = ("POST", INITIALIZE) if transport == "http" else ("GET", None)
    with httpx.Client(timeout=10) as http:
        for auth in (None, "Bearer wrong-token", f"bearer {AUTH_TOKEN}x", AUTH_TOKEN):
            headers = dict(MCP_POST_HEADERS) | ({"authorization": auth} if auth else {})
            answer = http.request(method, server.url, json=body, headers=headers)
            assert answer.status_code == 401, (auth, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert AUTH_TOKEN not in answer.text
        # The message endpoint of SSE is guarded too, not only the stream.
        if transport == "sse":
            answer = http.post(f"{server.origin}/messages/?session_id=00", json=INITIALIZE)
            assert answer.status_code == 401
    assert crm.requests == []

    await list_and_call(server, crm, headers={"authorization": f"Bearer {AUTH_TOKEN}"})


async def test_sdk_client_without_the_token_fails_to_connect(start_server: StartServer) -> None:
    server = start_server("http", PIPEDRIVE_MCP_AUTH_TOKEN=AUTH_TOKEN)
    with pytest.raises(BaseException) as raised:
        async with connect(server, headers={}) as client:
            await client.list_tools()
    assert any(isinstance(e, MCPError) for e in leaves(raised.value)), raised.value


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


@pytest.mark.parametrize("transport", ["http", "sse"])
def test_dns_rebinding_protection_refuses_foreign_host_and_origin(
    start_server: StartServer, transport: str
) -> None:
    server = start_server(transport)
    method, body = ("POST", INITIALIZE) if transport == "http" else ("GET", None)

    def ask(**headers: str) -> httpx.Response:
        headers = server.headers | headers
        with httpx.Client(timeout=10) as http:
            if transport == "sse":
                with http.stream(method, server.url, headers=headers) as answer:
                    return answer  # the status is enough; a good stream never ends
            return http.request(method, server.url, json=body, headers=dict(MCP_POST_HEADERS) | headers)

    assert ask(host="evil.example").status_code in (403, 421)
    assert ask(host=f"evil.example:{server.port}").status_code in (403, 421)
    assert ask(origin="http://evil.example").status_code == 403
    # The names of this machine are fine, with or without an Origin from a local page.
    assert ask(host=f"localhost:{server.port}").status_code == 200
    assert ask(origin=f"http://127.0.0.1:{server.port}").status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert transports.is_loopback(host) is loopback


@pytest.fixture
def no_listen(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """serve_http without a socket: uvicorn's serve records its config and returns at once."""
    import uvicorn

    configs: list[Any] = []

    async def serve(self: uvicorn.Server, sockets: Any = None) -> None:
        configs.append(self.config)

    monkeypatch.setattr(uvicorn.Server, "serve", serve)
    return configs


@pytest.mark.parametrize(
    ("host", "token", "warns"),
    [
        ("0.0.0.0", None, True),
        ("192.168.1.20", None, True),
        ("0.0.0.0", AUTH_TOKEN, False),
        ("127.0.0.1", None, False),
        ("localhost", None, False),
    ],
)
async def test_listening_beyond_loopback_without_a_token_warns(
    no_listen: list[Any], caplog: pytest.LogCaptureFixture, host: str, token: str | None, warns: bool
) -> None:
    server = build_server(Settings.from_env({"PIPEDRIVE_API_TOKEN": TOKEN, "PIPEDRIVE_TOOLSETS": "deals"}))
    with caplog.at_level(logging.WARNING, logger="dealdesk_mcp.transports"):
        await transports.serve_http(server, transport="http", host=host, port=8000, auth_token=token)
    [config] = no_listen
    assert (config.host, config.port) == (host, 8000)
    warnings = [r for r in caplog.records if r.name == "dealdesk_mcp.transports"]
    assert bool(warnings) is warns
    if warns:
        assert "PIPEDRIVE_MCP_AUTH_TOKEN" in warnings[0].getMessage()
    assert AUTH_TOKEN not in caplog.text


def test_cli_warns_on_stderr_when_bound_beyond_loopback(no_listen: list[Any], capsys, monkeypatch) -> None:
    """With --no-auth the console entry point routes that warning to stderr (stdout stays free)."""
    from dealdesk_mcp import cli

    for name in ("PIPEDRIVE_MCP_AUTH_TOKEN", "PIPEDRIVE_TOOLSETS", "PIPEDRIVE_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPEDRIVE_API_TOKEN", TOKEN)
    logging.getLogger().handlers.clear()  # let basicConfig install its stderr handler afresh
    try:
        code = cli.main(
            ["--transport", "http", "--host", "0.0.0.0", "--toolsets", "deals", "--env-file", "", "--no-auth"]
        )
    finally:
        logging.getLogger().handlers.clear()
    assert code == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "without PIPEDRIVE_MCP_AUTH_TOKEN" in err


def test_wildcard_bind_accepts_the_names_clients_use() -> None:
    """`--host 0.0.0.0` (the usual container setup) cannot know the names remote clients use: the Host
    check is off there unless PIPEDRIVE_MCP_ALLOWED_HOSTS names them, and then only those pass."""
    assert not transports.security_settings("0.0.0.0", 8000).enable_dns_rebinding_protection
    named = TransportSecurityMiddleware(transports.security_settings("0.0.0.0", 8000, ("crm.internal",)))
    assert named._validate_host("crm.internal:8000")
    assert not named._validate_host("evil.example:8000")
    loopback = TransportSecurityMiddleware(transports.security_settings("127.0.0.1", 8000))
    assert loopback._validate_host("127.0.0.1:8000") and not loopback._validate_host("evil.example:8000")


def test_a_port_in_use_fails_with_a_message(crm: StandIn, tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [str(SCRIPT), "--transport", "http", "--port", str(port)],
            env=server_env(crm),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
        )
    assert run.returncode != 0
    assert b"address already in use" in run.stderr
    assert run.stdout == b""
