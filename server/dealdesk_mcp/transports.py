"""Serve the MCP server over stdio, SSE or streamable HTTP, using the SDK's own transports.

Around the HTTP ones, guards of our own: a bearer token (BearerTokenGuard, here), and in http_limits a
bound on open MCP sessions and a connection layer for clients too slow to send their request.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
from mcp.server.lowlevel import Server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost",)
WILDCARDS = ("0.0.0.0", "::", "[::]")
MCP_PATH = "/mcp"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def mcp_url(transport: str, host: str, port: int) -> str:
    """The address a client connects to."""
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}{MCP_PATH if transport == 'http' else '/sse'}"


def security_settings(host: str, port: int, extra_hosts: tuple[str, ...] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection: only Host and Origin headers naming this server are accepted.

    A wildcard bind (0.0.0.0, ::) cannot know the names remote clients use, so there the check is off
    unless PIPEDRIVE_MCP_ALLOWED_HOSTS names them; the bearer token is what guards such a server.
    """
    wildcard = host in WILDCARDS
    if wildcard and not extra_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    own = ["127.0.0.1", "localhost", "[::1]"] if is_loopback(host) or wildcard else [host]
    hosts = own + [h for h in extra_hosts if h not in own]
    allowed_hosts: list[str] = []
    allowed_origins: list[str] = []
    for name in hosts:
        allowed_hosts += [name, f"{name}:{port}", f"{name}:*"]
        for scheme in ("http", "https"):
            allowed_origins += [f"{scheme}://{name}", f"{scheme}://{name}:{port}", f"{scheme}://{name}:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=allowed_hosts, allowed_origins=allowed_origins
    )


class BearerTokenGuard:
    """Every HTTP request must carry `Authorization: Bearer <token>` (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: dict[bytes, bytes] = dict(scope.get("headers") or ())
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                response = JSONResponse(
                    {
                        "error": "unauthorized",
                        "message": "send Authorization: Bearer <token> (the one the server printed at start, "
                        "or PIPEDRIVE_MCP_AUTH_TOKEN)",
                    },
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# -- the apps -------------------------------------------------------------------------------------
def http_app(
    server: Server[Any], *, host: str, port: int, auth_token: str | None, allowed_hosts: tuple[str, ...] = ()
) -> ASGIApp:
    from dealdesk_mcp.http_limits import MAX_SESSIONS, SESSION_IDLE_SECONDS, SessionGuard

    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        transport_security=security_settings(host, port, allowed_hosts),
        host=host,
        session_idle_timeout=SESSION_IDLE_SECONDS,
        max_sessions=MAX_SESSIONS + 16,  # ours is the bound; the SDK's only a backstop
    )
    app = SessionGuard(app, path=MCP_PATH)
    return BearerTokenGuard(app, auth_token) if auth_token else app


def sse_app(
    server: Server[Any], *, host: str, port: int, auth_token: str | None, allowed_hosts: tuple[str, ...] = ()
) -> ASGIApp:
    from mcp.server.sse import SseServerTransport

    transport = SseServerTransport(
        "/messages/", security_settings=security_settings(host, port, allowed_hosts)
    )

    async def handle_sse(request: Any) -> Response:
        async with transport.connect_sse(request.scope, request.receive, request._send) as (read, write):
            await server.run(read, write, server.create_initialization_options())
        return Response()

    app: ASGIApp = Starlette(
        routes=[
            Route("/sse", endpoint=handle_sse, methods=["GET"]),
            Mount("/messages/", app=transport.handle_post_message),
        ]
    )
    return BearerTokenGuard(app, auth_token) if auth_token else app


# -- stdio --------------------------------------------------------------------------------------------
class _StdinLines:
    """Lines from a pipe or terminal, read only when ready, so cancelling (Ctrl-C) ends the wait at once.

    The SDK's own reader blocks a worker thread in readline(); a cancelled server then waited for the
    next line of input, and Ctrl-C did nothing.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        pending = b""
        while True:
            await anyio.wait_readable(self.fd)
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                yield line.decode("utf-8", errors="replace")
        if pending.strip():
            yield pending.decode("utf-8", errors="replace")


def _pollable_stdin() -> bool:
    """Whether stdin can be waited on (a pipe, socket or terminal; not a file or /dev/null)."""
    if sys.platform == "win32":
        return False
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(0)


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    stdin: Any = _StdinLines(0) if _pollable_stdin() else None
    async with stdio_server(stdin=stdin) as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(
    server: Server[Any],
    *,
    transport: str,
    host: str,
    port: int,
    auth_token: str | None,
    allowed_hosts: tuple[str, ...] = (),
) -> None:
    import uvicorn

    from dealdesk_mcp.http_limits import connection_limit, guarded_protocol

    if not is_loopback(host) and not auth_token:
        log.warning(
            "listening on %s without PIPEDRIVE_MCP_AUTH_TOKEN: anyone who can reach this address can use "
            "your CRM credentials. Set a token or bind 127.0.0.1.",
            host,
        )
    make = sse_app if transport == "sse" else http_app
    app = make(server, host=host, port=port, auth_token=auth_token, allowed_hosts=allowed_hosts)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(connection_limit()),
        log_level="warning",
        log_config=None,  # uvicorn's lines go through our (flood-proof) handler, not its own
        lifespan="on",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
    )
    await uvicorn.Server(config).serve()
