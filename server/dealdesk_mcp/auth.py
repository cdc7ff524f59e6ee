"""How each API's credential travels, as httpx auth flows. OAuth refresh lives here, in one flow: a
request goes out with the access token; before expiry, or on a 401, the flow exchanges the refresh
token once (however many calls are waiting) and the request is sent again. Tokens leave this module
only as request headers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx

from dealdesk_mcp.errors import ApiError, MissingCredentials
from dealdesk_mcp.jsonvalues import is_object
from dealdesk_mcp.notes import note

log = logging.getLogger(__name__)

# Refresh a little before the access token runs out rather than waiting for a 401.
EXPIRY_MARGIN_SECONDS = 60.0
# Longest token lifetime taken at its word (a malformed or huge expires_in must not disable refresh).
MAX_LIFETIME_SECONDS = 30 * 24 * 3600.0


class RefreshFailed(ApiError):
    """The OAuth token endpoint did not give us a new access token."""


class StaticAuth(httpx.Auth):
    """A credential that never changes, in one header (`x-api-token: T` or `Authorization: Bearer T`)."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def secrets(self) -> list[str]:
        return [self._value.removeprefix("Bearer ")]


@dataclass
class OAuthTokens:
    access_token: str
    refresh_token: str | None
    # Wall-clock expiry (seconds since the epoch), or None when unknown.
    expires_at: float | None = None
    api_domain: str | None = None


@dataclass(frozen=True)
class OAuthClient:
    token_url: str
    client_id: str | None
    client_secret: str | None


class TokenFile:
    """A rotated token pair kept across restarts in a private (0600) file, so the next start does not
    send a refresh token the provider has already spent. Keyed by the client id and the refresh token
    it started from: a new token in the settings means the user re-authorised, and wins."""

    def __init__(self, folder: Path, client_id: str, seed: str) -> None:
        digest = hashlib.sha256(f"{client_id}\0{seed}".encode()).hexdigest()[:24]
        self.path = folder / f"oauth-{digest}.json"

    def load(self) -> OAuthTokens | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return OAuthTokens(
                **{k: data.get(k) for k in ("access_token", "refresh_token", "expires_at", "api_domain")}
            )
        except (OSError, ValueError, TypeError):
            return None

    def save(self, tokens: OAuthTokens) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(tokens), handle)
            os.replace(temporary, self.path)
        except OSError as exc:  # the tokens still work for this run; say why the next may need a new one
            log.warning("could not keep the rotated OAuth token in %s (%s)", self.path.parent, exc.strerror)


class OAuthAuth(httpx.Auth):
    """Bearer access token with refresh (Pipedrive's OAuth): one refresh for any number of waiting
    calls, and one timeout for all of them when the token endpoint hangs."""

    def __init__(
        self,
        tokens: OAuthTokens,
        client: OAuthClient,
        *,
        send: Callable[[httpx.Request], Awaitable[httpx.Response]],
        store: TokenFile | None = None,
        domain_allowed: Callable[[str], bool] = lambda domain: False,
        hint: str = "re-authorize the app and update PIPEDRIVE_REFRESH_TOKEN",
    ) -> None:
        self.tokens = tokens
        self._client = client
        self._send = send
        self._store = store
        self._domain_allowed = domain_allowed
        self._hint = hint
        self._lock = anyio.Lock()
        self._attempts = 0  # refreshes tried so far: waiters learn whether one ran while they waited
        self._last_error: RefreshFailed | None = None
        # Access and refresh tokens replaced by a refresh: still secrets, still kept out of every output.
        self._retired: list[str] = []

    @property
    def origin(self) -> str | None:
        """The API origin the token answer named (`api_domain`), if it named an acceptable one."""
        return self.tokens.api_domain

    def secrets(self) -> list[str]:
        live = [self.tokens.access_token, self.tokens.refresh_token, self._client.client_secret]
        return [s for s in [*live, *self._retired] if s]

    def _expired(self) -> bool:
        if not self.tokens.access_token:
            return True
        expires = self.tokens.expires_at
        return expires is not None and time.time() >= expires

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._expired():
            await self._refresh(stale=self.tokens.access_token)
            self._retarget(request)
        token = self.tokens.access_token
        request.headers["authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401 or not self.tokens.refresh_token:
            return
        await self._refresh(stale=token)
        self._retarget(request)
        request.headers["authorization"] = f"Bearer {self.tokens.access_token}"
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuthAuth works with httpx.AsyncClient only")
        yield request  # pragma: no cover  (makes this a generator, as httpx expects)

    def _retarget(self, request: httpx.Request) -> None:
        """After a refresh that named api_domain, the request goes there."""
        domain = self.tokens.api_domain
        if domain:
            target = httpx.URL(domain)
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            request.headers["host"] = request.url.netloc.decode("ascii")

    async def _refresh(self, *, stale: str) -> None:
        """Exchange the refresh token, unless another call already did while this one waited: then its
        outcome, success or failure, is ours too (a hanging endpoint costs one timeout, not one each)."""
        seen = self._attempts
        async with self._lock:
            if self.tokens.access_token != stale and self.tokens.access_token:
                return  # refreshed while we waited
            if self._attempts != seen and self._last_error is not None:
                raise self._last_error
            self._attempts += 1
            self._last_error = None
            request = self._token_request()
            try:
                response = await self._send(request)
            except httpx.TimeoutException:
                self._last_error = RefreshFailed(
                    f"Refreshing the Pipedrive OAuth token failed: the token endpoint did not answer in time; "
                    f"{self._hint}."
                )
                raise self._last_error from None
            except httpx.HTTPError as exc:
                self._last_error = RefreshFailed(
                    f"Refreshing the Pipedrive OAuth token failed: {type(exc).__name__}; {self._hint}."
                )
                raise self._last_error from None
            try:
                self._accept(response)
            except RefreshFailed as exc:
                self._last_error = exc
                raise
        await note("info", "the Pipedrive OAuth access token was refreshed")

    def _token_request(self) -> httpx.Request:
        client, tokens = self._client, self.tokens
        if not (client.client_id and client.client_secret and tokens.refresh_token):
            raise MissingCredentials(
                "The Pipedrive access token expired and cannot be refreshed: set PIPEDRIVE_REFRESH_TOKEN, "
                "PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET."
            )
        request = httpx.Request(
            "POST",
            client.token_url,
            data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        )
        # HTTP Basic client authentication, as Pipedrive's token endpoint takes it.
        basic = httpx.BasicAuth(client.client_id, client.client_secret)
        return next(basic.auth_flow(request))

    def _accept(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise RefreshFailed(
                f"Refreshing the Pipedrive OAuth token failed with HTTP {response.status_code}; {self._hint}.",
                status=response.status_code,
            )
        try:
            answer: Any = response.json()
            new_token = str(answer["access_token"])
        except (ValueError, KeyError, TypeError):
            raise RefreshFailed(
                "The Pipedrive OAuth token endpoint answered without an access token."
            ) from None
        old = self.tokens
        self._retired += [t for t in (old.access_token, old.refresh_token) if t]
        domain = answer.get("api_domain") if is_object(answer) else None
        if domain and not self._domain_allowed(str(domain)):
            log.warning("ignored an api_domain that is not an https Pipedrive address")
            domain = None
        self.tokens = OAuthTokens(
            access_token=new_token,
            refresh_token=str(answer.get("refresh_token") or old.refresh_token or "") or None,
            expires_at=_expiry(answer.get("expires_in")),
            api_domain=str(domain).rstrip("/") if domain else old.api_domain,
        )
        if self._store is not None:
            self._store.save(self.tokens)


def _expiry(expires_in: Any) -> float | None:
    """When to refresh: a little before the lifetime ends, never so early that a fresh token is stale.
    A lifetime that is not a positive finite number means "unknown" (refresh on the next 401)."""
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(lifetime) or lifetime <= 0:
        return None
    lifetime = min(lifetime, MAX_LIFETIME_SECONDS)
    return time.time() + lifetime - min(EXPIRY_MARGIN_SECONDS, lifetime / 2)
