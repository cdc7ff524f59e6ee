"""Hosted mode's fixtures: the server as a subprocess in `--auth oauth` mode, a browser that walks the
sign-in pages as a person would, the SDK's own OAuth client, and a Redis of the test's own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl

from tests.conftest import ROOT
from tests.transports.conftest import SCRIPT, ServerProcess, free_port, wait_for_port

SECRET_KEY = Fernet.generate_key().decode()
# The MCP client's redirect address: never fetched, the browser stops when it is sent there.
CALLBACK = "http://localhost:3030/callback"
STARTUP_SECONDS = 40.0  # the machine is shared: several servers start at once
INSTALL_SECONDS = 240.0  # installing redis-server when it is missing


def hosted_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEDRIVE_", "ATTIO_")) and k != "CI"}
    env.update(
        {
            "PIPEDRIVE_MCP_SECRET_KEY": SECRET_KEY,
            "PIPEDRIVE_MCP_STATE_DIR": str(tmp / "state"),
            "PIPEDRIVE_DOWNLOAD_DIR": str(tmp / "downloads"),
            "PIPEDRIVE_WRITES": "all",
            "PIPEDRIVE_TOOLSETS": "deals,files,users",
            "PIPEDRIVE_LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


StartHosted = Callable[..., ServerProcess]


def start_hosted_process(
    tmp: Path, name: str, args: list[str], env: dict[str, str], port: int
) -> ServerProcess:
    stderr_path = tmp / f"{name}.stderr"
    argv = [str(SCRIPT), "--transport", "http", "--auth", "oauth", "--port", str(port), *args]
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            argv, env=env, cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return ServerProcess(process, port, "http", stderr_path, args=argv)


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """`dealdesk-mcp --sandbox --transport http --auth oauth`: the complete hosted demo, one process."""
    tmp = tmp_path_factory.mktemp("hosted")
    server = start_hosted_process(
        tmp, "hosted", ["--sandbox", "memory"], hosted_env(tmp, PIPEDRIVE_MCP_UPLOAD_ORIGINS=""), free_port()
    )
    wait_for_port(server, STARTUP_SECONDS)
    yield server
    server.stop()


# -- the browser -----------------------------------------------------------------------------------
class _Form(HTMLParser):
    """The first form of a page: where it posts, its hidden fields, and the values its select offers."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.hidden: dict[str, str] = {}
        self.select: str | None = None
        self.options: list[str] = []
        self.has_submit = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.hidden[values.get("name", "")] = values.get("value", "")
        elif tag == "select":
            self.select = values.get("name")
        elif tag == "option":
            self.options.append(values.get("value", ""))
        elif tag == "button" and values.get("type", "submit") == "submit":
            self.has_submit = True


@dataclass
class Browser:
    """Walks the sign-in as a person would: opens the authorization address, picks `user_id` on the
    sandbox's sign-in form, and follows the redirects until they lead to the MCP client's callback."""

    user_id: int
    transport: httpx.AsyncBaseTransport | None = None
    url: str | None = None
    pages: list[str] = field(default_factory=list[str])

    async def redirect_handler(self, url: str) -> None:
        self.url = url

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.url is not None
        async with httpx.AsyncClient(transport=self.transport, timeout=30) as http:
            response = await http.get(self.url)
            for _ in range(12):
                if response.is_redirect:
                    target = urljoin(str(response.url), response.headers["location"])
                    if target.startswith(CALLBACK):
                        query = parse_qs(urlsplit(target).query)
                        assert "code" in query, f"the sign-in ended in an error: {query}"
                        return AuthorizationCodeResult(
                            code=query["code"][0], state=query.get("state", [None])[0]
                        )
                    response = await http.get(target)
                    continue
                assert response.status_code == 200, (response.status_code, response.text[:300])
                form = _Form()
                form.feed(response.text)
                assert form.action is not None and form.select == "user_id" and form.has_submit, (
                    response.text[:300]
                )
                assert str(self.user_id) in form.options, form.options
                self.pages.append(str(response.url))
                response = await http.post(
                    urljoin(str(response.url), form.action),
                    data={**form.hidden, "user_id": str(self.user_id)},
                )
        raise AssertionError("the sign-in did not come back to the client")


class MemoryStorage:
    """The SDK client's token storage, kept in memory (the test reads it to refresh and revoke)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@dataclass
class SignedIn:
    """One person's MCP client: the SDK's OAuth provider over an httpx2 client."""

    browser: Browser
    storage: MemoryStorage
    provider: OAuthClientProvider
    http: httpx2.AsyncClient
    url: str

    def client(self) -> Client:
        return Client(streamable_http_client(self.url, http_client=self.http))


def oauth_client(
    mcp_url: str,
    user_id: int,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    browser_transport: httpx.AsyncBaseTransport | None = None,
) -> SignedIn:
    browser = Browser(user_id, browser_transport)
    storage = MemoryStorage()
    metadata = OAuthClientMetadata(
        client_name=f"test client of user {user_id}",
        redirect_uris=[AnyUrl(CALLBACK)],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_post",
    )
    provider = OAuthClientProvider(
        mcp_url,
        metadata,
        storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    http = httpx2.AsyncClient(auth=provider, transport=transport, timeout=httpx2.Timeout(30, read=60))
    return SignedIn(browser, storage, provider, http, mcp_url)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, "".join(getattr(b, "text", "") for b in result.content)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


# -- Redis -----------------------------------------------------------------------------------------
@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found is None:
        try:  # bounded: an apt-get with no way out must not hang the suite
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "install_redis.sh")],
                check=os.environ.get("CI") == "true",
                timeout=INSTALL_SECONDS,
            )
        except subprocess.TimeoutExpired:
            if os.environ.get("CI") == "true":
                raise
        found = shutil.which("redis-server")
    return found


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis of this test module's own on a free loopback port, keeping nothing on disk; stopped after."""
    binary = redis_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/install_redis.sh installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("redis-server did not start") from None
            time.sleep(0.05)
    yield RedisServer(process, port)
    process.terminate()
    process.wait(timeout=10)
