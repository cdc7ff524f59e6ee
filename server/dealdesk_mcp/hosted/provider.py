"""The server as the OAuth authorization server of its MCP clients, on the SDK's provider interface
(mcp.server.auth): the SDK's routes check the requests (PKCE, redirect URIs, client secrets) and call
these methods; everything they keep lives in the shared state, so any replica answers any step."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, ValidationError

from dealdesk_mcp.hosted.signin import SignIn
from dealdesk_mcp.hosted.state import REFRESH_SECONDS, Grant, Pending, State, digest

# The one scope: access to this server's tools as the signed-in user.
SCOPE = "dealdesk"
ACCESS_PREFIX = "dd_at_"
REFRESH_PREFIX = "dd_rt_"


def same_resource(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def redirect_allowed(uri: str, web_origins: tuple[str, ...]) -> bool:
    """Whether a sign-in code may be sent to `uri`. Anyone may register a client, and a user who follows
    a link to our sign-in would send the code wherever the client said (the confused deputy): so only to
    this machine's loopback (a native client on the user's own machine), to an app's own URI scheme, or
    to a web origin the operator trusts (PIPEDRIVE_MCP_CLIENT_ORIGINS)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return bool(parts.scheme)  # a private-use scheme (RFC 8252): handled by an app on the device
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return True
    port = f":{parts.port}" if parts.port else ""
    return parts.scheme == "https" and f"https://{parts.hostname}{port}" in web_origins


class Provider(OAuthAuthorizationServerProvider[AuthorizationCode, RefreshToken, AccessToken]):
    def __init__(
        self,
        state: State,
        signin: SignIn,
        *,
        resource: str,
        access_seconds: float,
        client_origins: tuple[str, ...],
    ) -> None:
        self._state = state
        self._signin = signin
        self.resource = resource
        self._access_seconds = access_seconds
        self._client_origins = client_origins

    def _check_redirects(self, uris: list[str]) -> str | None:
        refused = [uri for uri in uris if not redirect_allowed(uri, self._client_origins)]
        if not refused:
            return None
        return (
            f"redirect address {refused[0]} is refused: sign-in codes go only to loopback, an app's own URI "
            "scheme, or a web origin in PIPEDRIVE_MCP_CLIENT_ORIGINS ("
            + ", ".join(self._client_origins)
            + ")"
        )

    # -- clients ------------------------------------------------------------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        data = await self._state.client(client_id)
        if data is None:
            return None
        try:
            return OAuthClientInformationFull.model_validate(data)
        except ValidationError:
            return None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id is not None
        refused = self._check_redirects([str(uri) for uri in client_info.redirect_uris or []])
        if refused:
            raise RegistrationError("invalid_redirect_uri", refused)
        await self._state.put_client(client_info.client_id, client_info.model_dump(mode="json"))

    # -- authorization --------------------------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource and not same_resource(params.resource, self.resource):
            raise AuthorizeError("invalid_target", f"this server issues tokens for {self.resource} only")
        refused = self._check_redirects([str(params.redirect_uri)])  # registered before the rule changed
        if refused:
            raise AuthorizeError("unauthorized_client", refused)
        assert client.client_id is not None
        pending = Pending(
            client_id=client.client_id,
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            code_challenge=params.code_challenge,
            state=params.state,
            scopes=params.scopes or [SCOPE],
            resource=self.resource,
            apis=list(self._signin.chain),
        )
        return await self._signin.begin(pending)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        grant = await self._state.grant("code", authorization_code)
        if grant is None or grant.client_id != client.client_id or grant.redirect_uri is None:
            return None
        return AuthorizationCode(
            code=authorization_code,
            scopes=grant.scopes,
            expires_at=grant.expires_at,
            client_id=grant.client_id,
            code_challenge=grant.code_challenge or "",
            redirect_uri=AnyUrl(grant.redirect_uri),
            redirect_uri_provided_explicitly=grant.redirect_uri_provided_explicitly,
            resource=grant.resource,
            subject=grant.user,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        # Taken, not read: of two requests with one code (on two replicas), one gets tokens.
        grant = await self._state.take_grant("code", authorization_code.code)
        if grant is None or grant.client_id != client.client_id:
            raise TokenError("invalid_grant", "the authorization code was already used or has expired")
        return await self._issue(grant)

    # -- tokens -------------------------------------------------------------------------------------
    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        grant = await self._state.grant("refresh", refresh_token)
        if grant is None or grant.client_id != client.client_id:
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=grant.client_id,
            scopes=grant.scopes,
            expires_at=int(grant.expires_at),
            resource=grant.resource,
            subject=grant.user,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        # Rotation: the refresh token works once, and the access token it came with stops working.
        grant = await self._state.take_grant("refresh", refresh_token.token)
        if grant is None or grant.client_id != client.client_id:
            raise TokenError("invalid_grant", "the refresh token was already used or has expired")
        if grant.pair:
            await self._state.drop_grant("access", grant.pair)
        if await self._state.user(grant.user) is None:
            raise TokenError("invalid_grant", "the user was signed out; sign in again")
        grant.scopes = scopes or grant.scopes
        return await self._issue(grant)

    async def load_access_token(self, token: str) -> AccessToken | None:
        grant = await self._state.grant("access", token)
        if grant is None:
            return None
        user = await self._state.user(grant.user)
        if user is None:  # signed out (the API refused the user's grant): the client signs in again
            return None
        return AccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=grant.scopes,
            expires_at=int(grant.expires_at),
            resource=grant.resource,
            subject=grant.user,
            claims={"companies": dict(user.companies)},
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        kind = "access" if isinstance(token, AccessToken) else "refresh"
        grant = await self._state.take_grant(kind, token.token)
        if grant is not None and grant.pair:
            await self._state.drop_grant("refresh" if kind == "access" else "access", grant.pair)

    async def _issue(self, grant: Grant) -> OAuthToken:
        access = ACCESS_PREFIX + secrets.token_urlsafe(32)
        refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        base = {
            "client_id": grant.client_id,
            "user": grant.user,
            "scopes": grant.scopes,
            "resource": grant.resource,
        }
        await self._state.put_grant(
            "access", access, Grant(**base, expires_at=now + self._access_seconds, pair=digest(refresh))
        )
        await self._state.put_grant(
            "refresh", refresh, Grant(**base, expires_at=now + REFRESH_SECONDS, pair=digest(access))
        )
        return OAuthToken(
            access_token=access,
            expires_in=int(self._access_seconds),
            scope=" ".join(grant.scopes),
            refresh_token=refresh,
        )
