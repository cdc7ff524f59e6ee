"""What a hosted server keeps, as typed records over the store: registered MCP clients, sign-ins under
way, authorization codes, MCP tokens (by hash), users, and each user's tokens at each API.

Every value is sealed; every key of a secret (a code, a token) is its SHA-256, so the store holds no
credential in a usable form.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from dealdesk_mcp.auth import OAuthTokens
from dealdesk_mcp.hosted.sealing import Sealer
from dealdesk_mcp.hosted.store import KeyValueStore
from dealdesk_mcp.jsonvalues import is_object

PREFIX = "dd:"
PENDING_SECONDS = 600.0
CODE_SECONDS = 300.0
REFRESH_SECONDS = 30 * 24 * 3600.0
# A dynamically registered client is forgotten after this long (clients register again).
CLIENT_SECONDS = 180 * 24 * 3600.0


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Pending:
    """A sign-in under way: the MCP client's authorization request, and the APIs still to sign in at."""

    client_id: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    code_challenge: str
    state: str | None
    scopes: list[str]
    resource: str | None
    apis: list[str]
    user: str | None = None


@dataclass
class Grant:
    """What an MCP code or token stands for: a client acting for a user. `pair` links an access token
    to its refresh token (and back), so revoking either ends both."""

    client_id: str
    user: str
    scopes: list[str]
    expires_at: float
    resource: str | None = None
    pair: str | None = None
    # Codes only: what the token request must prove (PKCE) and repeat.
    code_challenge: str | None = None
    redirect_uri: str | None = None
    redirect_uri_provided_explicitly: bool = False


@dataclass
class User:
    """Who signed in, as the first API of the sign-in said."""

    key: str
    id: str
    name: str | None = None
    email: str | None = None
    # Per API: the company (workspace) the user's credential acts in.
    companies: dict[str, str] = field(default_factory=dict[str, str])
    company_name: str | None = None
    company_domain: str | None = None
    apis: list[str] = field(default_factory=list[str])
    signed_in_at: float = 0.0


def _record(kind: type[Any], data: Any) -> Any:
    if not is_object(data):
        return None
    try:
        return kind(**data)
    except TypeError:
        return None


class State:
    def __init__(self, store: KeyValueStore, sealer: Sealer) -> None:
        self.store = store
        self._sealer = sealer

    async def _get(self, key: str) -> Any:
        return self._sealer.open(await self.store.get(PREFIX + key))

    async def _put(self, key: str, value: Any, ttl: float | None = None) -> None:
        await self.store.put(PREFIX + key, self._sealer.seal(value), ttl=ttl)

    async def _take(self, key: str) -> Any:
        return self._sealer.open(await self.store.take(PREFIX + key))

    # -- MCP clients (dynamic registration) ---------------------------------------------------------
    async def client(self, client_id: str) -> dict[str, Any] | None:
        data = await self._get(f"client:{client_id}")
        return data if is_object(data) else None

    async def put_client(self, client_id: str, info: dict[str, Any]) -> None:
        await self._put(f"client:{client_id}", info, CLIENT_SECONDS)

    # -- sign-ins under way -------------------------------------------------------------------------
    async def put_pending(self, state: str, pending: Pending) -> None:
        await self._put(f"pending:{digest(state)}", asdict(pending), PENDING_SECONDS)

    async def take_pending(self, state: str) -> Pending | None:
        return _record(Pending, await self._take(f"pending:{digest(state)}"))

    # -- codes and tokens ---------------------------------------------------------------------------
    async def put_grant(self, kind: str, secret: str, grant: Grant) -> None:
        ttl = max(1.0, grant.expires_at - time.time())
        await self._put(f"{kind}:{digest(secret)}", asdict(grant), ttl)

    async def grant(self, kind: str, secret: str) -> Grant | None:
        grant: Grant | None = _record(Grant, await self._get(f"{kind}:{digest(secret)}"))
        return grant if grant is not None and grant.expires_at > time.time() else None

    async def take_grant(self, kind: str, secret: str) -> Grant | None:
        grant: Grant | None = _record(Grant, await self._take(f"{kind}:{digest(secret)}"))
        return grant if grant is not None and grant.expires_at > time.time() else None

    async def drop_grant(self, kind: str, hashed: str) -> None:
        await self.store.delete(f"{PREFIX}{kind}:{hashed}")

    # -- users and their tokens at the APIs ---------------------------------------------------------
    async def user(self, key: str) -> User | None:
        return _record(User, await self._get(f"user:{key}"))

    async def put_user(self, user: User) -> None:
        await self._put(f"user:{user.key}", asdict(user))

    async def drop_user(self, key: str) -> None:
        await self.store.delete(f"{PREFIX}user:{key}")

    def upstream_key(self, user: str, api: str) -> str:
        return f"upstream:{user}:{api}"

    async def upstream(self, user: str, api: str) -> OAuthTokens | None:
        return OAuthTokens.from_json(await self._get(self.upstream_key(user, api)))

    async def put_upstream(self, user: str, api: str, tokens: OAuthTokens) -> None:
        await self._put(self.upstream_key(user, api), tokens.to_json())

    async def drop_upstream(self, user: str, api: str) -> None:
        await self.store.delete(PREFIX + self.upstream_key(user, api))
