"""How each API's credential travels, and OAuth refresh for Pipedrive. Tokens never leave this module
except as request headers."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import httpx

from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ApiError, MissingCredentials

# Refresh a little before the access token runs out rather than waiting for a 401.
EXPIRY_MARGIN_SECONDS = 60.0


@dataclass
class OAuthState:
    access_token: str
    refresh_token: str | None
    client_id: str | None
    client_secret: str | None
    token_url: str
    expires_at: float | None = None


class Credentials:
    """Per-API auth headers; for Pipedrive OAuth also refresh and the api_domain it reports."""

    def __init__(self, settings: Settings) -> None:
        self._pipedrive_token = settings.pipedrive_api_token
        self._attio_key = settings.attio_api_key
        self._oauth: OAuthState | None = None
        if settings.pipedrive_access_token or (
            settings.pipedrive_refresh_token and not self._pipedrive_token
        ):
            self._oauth = OAuthState(
                access_token=settings.pipedrive_access_token or "",
                refresh_token=settings.pipedrive_refresh_token,
                client_id=settings.pipedrive_client_id,
                client_secret=settings.pipedrive_client_secret,
                token_url=settings.pipedrive_oauth_token_url,
                expires_at=None if settings.pipedrive_access_token else 0.0,
            )
        self.origin_override: str | None = None
        # Access tokens replaced by a refresh: still secrets, still kept out of every output.
        self._retired: list[str] = []
        self._refresh_lock = anyio.Lock()

    @property
    def uses_oauth(self) -> bool:
        return self._oauth is not None

    def secrets(self) -> list[str]:
        """Every secret we hold, so output can be checked for leaks (too-short values would only
        garble ordinary words, and no real credential is that short)."""
        values = [self._pipedrive_token, self._attio_key]
        if self._oauth:
            values += [self._oauth.access_token, self._oauth.refresh_token, self._oauth.client_secret]
        return [v for v in [*values, *self._retired] if v and len(v) >= 12]

    def has(self, api: str) -> bool:
        if api == "attio":
            return bool(self._attio_key)
        return bool(self._pipedrive_token or self._oauth)

    def headers(self, api: str) -> dict[str, str]:
        if api == "attio":
            if not self._attio_key:
                raise MissingCredentials("No Attio API key: set ATTIO_API_KEY.")
            return {"authorization": f"Bearer {self._attio_key}"}
        if self._oauth:
            return {"authorization": f"Bearer {self._oauth.access_token}"}
        if self._pipedrive_token:
            return {"x-api-token": self._pipedrive_token}
        raise MissingCredentials(
            "No Pipedrive credentials: set PIPEDRIVE_API_TOKEN, or PIPEDRIVE_ACCESS_TOKEN with "
            "PIPEDRIVE_REFRESH_TOKEN, PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET."
        )

    def can_refresh(self, api: str) -> bool:
        return api == "pipedrive" and self._oauth is not None and bool(self._oauth.refresh_token)

    def needs_refresh(self, api: str) -> bool:
        if not self.can_refresh(api):
            return False
        assert self._oauth is not None
        expires = self._oauth.expires_at
        return expires is not None and time.monotonic() >= expires

    async def refresh(self, client: httpx.AsyncClient, stale_token: str | None = None) -> None:
        """Exchange the refresh token for a new access token (once, however many calls ask)."""
        assert self._oauth is not None
        async with self._refresh_lock:
            state = self._oauth
            if stale_token is not None and state.access_token != stale_token:
                return  # another call refreshed while we waited
            if not (state.client_id and state.client_secret and state.refresh_token):
                raise MissingCredentials(
                    "The Pipedrive access token expired and cannot be refreshed: set PIPEDRIVE_REFRESH_TOKEN, "
                    "PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET."
                )
            try:
                response = await client.post(
                    state.token_url,
                    data={"grant_type": "refresh_token", "refresh_token": state.refresh_token},
                    auth=(state.client_id, state.client_secret),
                )
            except httpx.HTTPError as exc:
                raise ApiError(
                    f"Refreshing the Pipedrive OAuth token failed: {type(exc).__name__}."
                ) from None
            if response.status_code != 200:
                raise ApiError(
                    f"Refreshing the Pipedrive OAuth token failed with HTTP {response.status_code}; "
                    "re-authorize the app and update PIPEDRIVE_REFRESH_TOKEN.",
                    status=response.status_code,
                )
            try:
                answer = response.json()
                new_token = answer["access_token"]
            except (ValueError, KeyError, TypeError):
                raise ApiError(
                    "The Pipedrive OAuth token endpoint answered without an access token."
                ) from None
            self._retired += [t for t in (state.access_token, state.refresh_token) if t]
            state.access_token = str(new_token)
            state.refresh_token = answer.get("refresh_token") or state.refresh_token
            expires_in = answer.get("expires_in")
            if expires_in:
                # Refresh a little early, but never so early that a fresh token counts as stale.
                lifetime = float(expires_in)
                state.expires_at = time.monotonic() + lifetime - min(EXPIRY_MARGIN_SECONDS, lifetime / 2)
            else:
                state.expires_at = None
            if answer.get("api_domain"):
                self.origin_override = str(answer["api_domain"]).rstrip("/")

    def current_token(self, api: str) -> str | None:
        if api == "pipedrive" and self._oauth:
            return self._oauth.access_token
        return None
