"""Serve the MCP server over stdio, SSE or streamable HTTP, using the SDK's own transports."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def security_settings(host: str, port: int, extra_hosts: tuple[str, ...] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection: only Host and Origin headers naming this server are accepted.

    A wildcard bind (0.0.0.0, ::) cannot know the names remote clients use, so there the check is off
    unless PIPEDRIVE_MCP_ALLOWED_HOSTS names them; the bearer token is what guards such a server.
    """
    wildcard = host in ("0.0.0.0", "::", "[::]")
    if wildcard and not extra_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = ["127.0.0.1", "localhost", "[::1]"] if is_loopback(host) else ([] if wildcard else [host])
    hosts += list(extra_hosts)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:{port}" for h in hosts] + [f"{h}:*" for h in hosts] + hosts,
        allowed_origins=[f"http://{h}:{port}" for h in hosts] + [f"http://{h}:*" for h in hosts],
    )


class BearerTokenGuard:
    """Every HTTP request must carry `Authorization: Bearer <token>` (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or ()).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                response = JSONResponse(
                    {
                        "error": "unauthorized",
                        "message": "send Authorization: Bearer <PIPEDRIVE_MCP_AUTH_TOKEN>",
                    },
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def http_app(
    server: Server[Any], *, host: str, port: int, auth_token: str | None, allowed_hosts: tuple[str, ...] = ()
) -> ASGIApp:
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path="/mcp",
        transport_security=security_settings(host, port, allowed_hosts),
        host=host,
    )
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


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
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

    if not is_loopback(host) and not auth_token:
        log.warning(
            "listening on %s without PIPEDRIVE_MCP_AUTH_TOKEN: anyone who can reach this address can use "
            "your CRM credentials. Set a token or bind 127.0.0.1.",
            host,
        )
    make = sse_app if transport == "sse" else http_app
    app = make(server, host=host, port=port, auth_token=auth_token, allowed_hosts=allowed_hosts)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
