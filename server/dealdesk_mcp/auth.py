"""How an OAuth credential travels, as an httpx auth flow (a fixed key or token is static_auth's
StaticAuth). OAuth refresh lives here, in one flow: a request goes out with the access token; before
expiry, or on a 401, the flow exchanges the refresh token once (however many calls are waiting) and
the request is sent again. Tokens leave this module only as request headers, and as what a TokenStore
keeps.

Where a token pair lives between refreshes is a TokenStore: a private file for a local server
(TokenFile), a shared store for a hosted one, where several processes serve one user and a refresh
lock held across them makes one refresh serve them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

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


@dataclass
class OAuthTokens:
    access_token: str
    refresh_token: str | None
    # Wall-clock expiry (seconds since the epoch), or None when unknown.
    expires_at: float | None = None
    api_domain: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> OAuthTokens | None:
        """The tokens a store kept, or None for anything that is not such a record."""
        if not is_object(data) or not isinstance(data.get("access_token"), str):
            return None
        refresh, expires, domain = data.get("refresh_token"), data.get("expires_at"), data.get("api_domain")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=refresh if isinstance(refresh, str) else None,
            expires_at=float(expires) if isinstance(expires, int | float) else None,
            api_domain=domain if isinstance(domain, str) else None,
        )


@dataclass(frozen=True)
class OAuthClient:
    token_url: str
    client_id: str | None
    client_secret: str | None
    # How the token endpoint takes the client's credentials: HTTP Basic (Pipedrive) or form fields (Attio).
    auth_style: str = "basic"
    # The API's name as people know it, for messages.
    label: str = "Pipedrive"


class TokenStore(Protocol):
    """Where one user's token pair for one API lives between refreshes."""

    async def load(self) -> OAuthTokens | None:
        """The pair as last saved (by this process or another), or None."""
        ...

    async def save(self, tokens: OAuthTokens) -> None: ...

    def refreshing(self) -> AbstractAsyncContextManager[None]:
        """Held while a refresh runs: for a store shared by several processes, a lock across them."""
        ...

    async def forget(self) -> None:
        """The provider refused the refresh token for good: what is kept no longer works."""
        ...


@asynccontextmanager
async def _alone() -> AsyncGenerator[None, None]:
    yield  # one process: the flow's own lock is all it takes


class TokenFile:
    """A rotated token pair kept across restarts in a private (0600) file, so the next start does not
    send a refresh token the provider has already spent. Keyed by the client id and the refresh token
    it started from: a new token in the settings means the user re-authorised, and wins."""

    def __init__(self, folder: Path, client_id: str, seed: str) -> None:
        digest = hashlib.sha256(f"{client_id}\0{seed}".encode()).hexdigest()[:24]
        self.path = folder / f"oauth-{digest}.json"

    async def load(self) -> OAuthTokens | None:
        try:
            return OAuthTokens.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    async def save(self, tokens: OAuthTokens) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(tokens), handle)
            os.replace(temporary, self.path)
        except OSError as exc:  # the tokens still work for this run; say why the next may need a new one
            log.warning("could not keep the rotated OAuth token in %s (%s)", self.path.parent, exc.strerror)

    def refreshing(self) -> AbstractAsyncContextManager[None]:
        return _alone()

    async def forget(self) -> None:
        """Kept as it is: the settings' token is what the user fixes, and the error says so."""


class OAuthAuth(httpx.Auth):
    """Bearer access token with refresh (Pipedrive's OAuth): one refresh for any number of waiting
    calls, and one timeout for all of them when the token endpoint hangs. With a store, the pair is
    read from it on first use (a rotation from an earlier run or another process wins over `tokens`),
    and each refresh first looks there for a pair another process already got."""

    def __init__(
        self,
        tokens: OAuthTokens,
        client: OAuthClient,
        *,
        send: Callable[[httpx.Request], Awaitable[httpx.Response]],
        store: TokenStore | None = None,
        domain_allowed: Callable[[str], bool] = lambda domain: False,
        hint: str = "re-authorize the app and update PIPEDRIVE_REFRESH_TOKEN",
        missing_hint: str = "set PIPEDRIVE_REFRESH_TOKEN, PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET",
    ) -> None:
        self.tokens = tokens
        self._client = client
        self._send = send
        self._store = store
        self._loaded = store is None
        self._domain_allowed = domain_allowed
        self._hint = hint
        self._missing_hint = missing_hint
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

    async def _load(self) -> None:
        if self._loaded or self._store is None:
            return
        stored = await self._store.load()
        self._loaded = True
        if stored is not None and stored.access_token:
            self._adopt(stored)

    def _adopt(self, tokens: OAuthTokens) -> None:
        old = self.tokens
        if (old.access_token, old.refresh_token) != (tokens.access_token, tokens.refresh_token):
            self._retired += [t for t in (old.access_token, old.refresh_token) if t]
        self.tokens = tokens

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await self._load()
        if self._expired():
            await self._refresh(stale=self.tokens.access_token)
        self._retarget(request)
        token = self.tokens.access_token
        request.headers["authorization"] = f"Bearer {token}"
        response = yield request
        # A 401 refreshes once. Where the new pair was one another call or process had got (not one
        # this refresh exchanged for), and it is refused too, it is this pair's turn to be refreshed.
        for _ in range(2):
            if response.status_code != 401 or not self.tokens.refresh_token:
                return
            exchanges = self._attempts
            await self._refresh(stale=token)
            token = self.tokens.access_token
            self._retarget(request)
            request.headers["authorization"] = f"Bearer {token}"
            response = yield request
            if self._attempts != exchanges:
                return

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
        outcome, success or failure, is ours too (a hanging endpoint costs one timeout, not one each).
        Another process sharing the store may have refreshed too: its pair, once saved, is taken as is."""
        seen = self._attempts
        async with self._lock:
            if self.tokens.access_token != stale and self.tokens.access_token:
                return  # refreshed while we waited
            if self._attempts != seen and self._last_error is not None:
                raise self._last_error
            refreshing = self._store.refreshing() if self._store is not None else _alone()
            async with refreshing:
                if self._store is not None:
                    stored = await self._store.load()
                    if stored is not None and stored.access_token and stored.access_token != stale:
                        # Its refresh token is the live one, even if this pair expired too.
                        self._adopt(stored)
                        if not self._expired():
                            return
                await self._exchange()

    async def _exchange(self) -> None:
        label = self._client.label
        self._attempts += 1
        self._last_error = None
        request = self._token_request()
        try:
            response = await self._send(request)
        except httpx.TimeoutException:
            self._last_error = RefreshFailed(
                f"Refreshing the {label} OAuth token failed: the token endpoint did not answer in time; "
                f"{self._hint}."
            )
            raise self._last_error from None
        except httpx.HTTPError as exc:
            self._last_error = RefreshFailed(
                f"Refreshing the {label} OAuth token failed: {type(exc).__name__}; {self._hint}."
            )
            raise self._last_error from None
        try:
            self._accept(response)
        except RefreshFailed as exc:
            self._last_error = exc
            if self._store is not None and exc.status in (400, 401):
                await self._store.forget()  # the grant is gone: a hosted user signs in again
            raise
        await note("info", f"the {label} OAuth access token was refreshed")
        if self._store is not None:
            await self._store.save(self.tokens)

    def _token_request(self) -> httpx.Request:
        client, tokens = self._client, self.tokens
        if not (client.client_id and client.client_secret and tokens.refresh_token):
            raise MissingCredentials(
                f"The {client.label} access token expired and cannot be refreshed: {self._missing_hint}."
            )
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        if client.auth_style == "form":
            form |= {"client_id": client.client_id, "client_secret": client.client_secret}
            return httpx.Request("POST", client.token_url, data=form)
        # HTTP Basic client authentication, as Pipedrive's token endpoint takes it.
        basic = httpx.BasicAuth(client.client_id, client.client_secret)
        return next(basic.auth_flow(httpx.Request("POST", client.token_url, data=form)))

    def _accept(self, response: httpx.Response) -> None:
        label = self._client.label
        if response.status_code != 200:
            raise RefreshFailed(
                f"Refreshing the {label} OAuth token failed with HTTP {response.status_code}; {self._hint}.",
                status=response.status_code,
            )
        try:
            answer: Any = response.json()
            str(answer["access_token"])
        except (ValueError, KeyError, TypeError):
            raise RefreshFailed(
                f"The {label} OAuth token endpoint answered without an access token."
            ) from None
        self._adopt(tokens_from_answer(answer, self.tokens, self._domain_allowed))


def tokens_from_answer(
    answer: Any, old: OAuthTokens | None, domain_allowed: Callable[[str], bool]
) -> OAuthTokens:
    """The pair a token endpoint's answer (with `access_token`) gives, keeping what it leaves out from
    `old` (a refresh token it did not rotate, the api_domain it did not repeat)."""
    domain = answer.get("api_domain") if is_object(answer) else None
    if domain and not domain_allowed(str(domain)):
        log.warning("ignored an api_domain that is not an https address of the API")
        domain = None
    refresh = answer.get("refresh_token") or (old.refresh_token if old else None)
    return OAuthTokens(
        access_token=str(answer["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_at=_expiry(answer.get("expires_in")),
        api_domain=str(domain).rstrip("/") if domain else (old.api_domain if old else None),
    )


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
