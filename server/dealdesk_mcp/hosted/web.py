"""The hosted server's HTTP face: the SDK's streamable-HTTP app with its authorization routes
(metadata, registration, authorize, token, revoke), its bearer middleware in front of /mcp (401 with
WWW-Authenticate naming the resource metadata), and our own routes: the sign-in callbacks, /healthz,
and the resource metadata at the bare well-known path too."""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.provider import ProviderTokenVerifier
from mcp.server.auth.routes import cors_middleware
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.lowlevel import Server
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from dealdesk_mcp import __version__
from dealdesk_mcp.hosted import MCP_PATH, Hosted
from dealdesk_mcp.hosted.provider import SCOPE
from dealdesk_mcp.hosted.signin import CALLBACK_PATH
from dealdesk_mcp.hosted.store import StoreUnavailable

log = logging.getLogger(__name__)

WELL_KNOWN_RESOURCE = "/.well-known/oauth-protected-resource"


def auth_settings(hosted: Hosted) -> AuthSettings:
    # URLs given as text, so the issuer keeps its exact form (no trailing slash): clients compare it as text.
    return AuthSettings.model_validate(
        {
            "issuer_url": hosted.public_url,
            "resource_server_url": hosted.resource_url,
            "client_registration_options": ClientRegistrationOptions(
                enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
            ),
            "revocation_options": RevocationOptions(enabled=True),
            "required_scopes": [SCOPE],
            "validate_token_resource": True,
        }
    )


def _health(hosted: Hosted) -> Any:
    async def health(request: Request) -> Response:
        body: dict[str, Any] = {"version": __version__, "store": hosted.store.kind}
        try:
            await hosted.store.ping()
        except StoreUnavailable as exc:
            log.warning("health check: %s", exc)
            return JSONResponse({**body, "status": "unavailable"}, status_code=503)
        return JSONResponse({**body, "status": "ok"})

    return health


def own_routes(hosted: Hosted) -> list[Route]:
    # The resource metadata also at the bare well-known path, for clients that look there first.
    metadata = ProtectedResourceMetadata.model_validate(
        {
            "resource": hosted.resource_url,
            "authorization_servers": [hosted.public_url],
            "scopes_supported": [SCOPE],
            "resource_name": "dealdesk-mcp",
        }
    )
    return [
        Route(CALLBACK_PATH, hosted.signin.callback, methods=["GET"]),
        Route("/healthz", _health(hosted), methods=["GET"]),
        Route(
            WELL_KNOWN_RESOURCE,
            endpoint=cors_middleware(ProtectedResourceMetadataHandler(metadata).handle, ["GET", "OPTIONS"]),
            methods=["GET", "OPTIONS"],
        ),
    ]


def hosted_app(server: Server[Any], hosted: Hosted, **streamable: Any) -> ASGIApp:
    """The SDK's app for `server` with hosted mode's auth. With a shared store, requests carry no
    session kept in memory (stateless streamable HTTP), so any replica serves any of them."""
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=hosted.store.shared,
        auth=auth_settings(hosted),
        token_verifier=ProviderTokenVerifier(hosted.provider),
        auth_server_provider=hosted.provider,
        custom_starlette_routes=own_routes(hosted),
        **streamable,
    )
