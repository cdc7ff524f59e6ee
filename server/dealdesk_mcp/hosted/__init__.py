"""Hosted mode (`--transport http --auth oauth`): one deployment serves a whole team from any MCP host.

The server is the OAuth authorization server of its MCP clients (the SDK's mcp.server.auth routes, on
our Provider) and a client of each API's own OAuth: users sign in at Pipedrive (and Attio), the server
keeps their tokens sealed in a store, and every tool call runs as the user its MCP token was issued to.
State lives behind one store interface (SQLite embedded, Redis for several replicas), so any replica
serves any request.

    MCP client -> /authorize -> Pipedrive's sign-in -> /oauth/callback/pipedrive -> (Attio's) -> client
    MCP request + bearer token -> Provider.load_access_token -> HostedAccounts -> the user's Account
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from dealdesk_mcp.account import Account
from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.hosted.accounts import HostedAccounts
from dealdesk_mcp.hosted.provider import Provider
from dealdesk_mcp.hosted.ratelimit import SharedBudget
from dealdesk_mcp.hosted.sealing import Sealer
from dealdesk_mcp.hosted.signin import SignIn
from dealdesk_mcp.hosted.state import State
from dealdesk_mcp.hosted.store import KeyValueStore, open_store
from dealdesk_mcp.session import Session

__all__ = ["MEMORY_STORE", "Hosted"]

MCP_PATH = "/mcp"
# PIPEDRIVE_MCP_STORE=memory: nothing outlives the process (the sandbox demo).
MEMORY_STORE = "memory"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def public_origin(settings: Settings) -> str:
    """The origin users and MCP clients reach the server at."""
    host = settings.host.strip("[]")
    if settings.public_url:
        origin = settings.public_url
    elif host in LOOPBACK:
        shown = f"[{host}]" if ":" in host else host
        origin = f"http://{shown}:{settings.port}"
    else:
        raise ConfigError(
            "--auth oauth: set PIPEDRIVE_MCP_PUBLIC_URL to the https origin users reach this server at "
            "(for example https://mcp.example.com, the address TLS is terminated at)"
        )
    parts = urlsplit(origin)
    if parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK:
        raise ConfigError(
            f"PIPEDRIVE_MCP_PUBLIC_URL must be https (OAuth sends codes and tokens through it); got {origin}"
        )
    return origin


def _store(settings: Settings) -> KeyValueStore:
    if settings.store_url == MEMORY_STORE:
        return open_store(None, ":memory:")
    return open_store(settings.store_url, settings.state_dir / "hosted.sqlite3")


@dataclass
class Hosted:
    settings: Settings
    public_url: str
    store: KeyValueStore
    state: State
    signin: SignIn
    provider: Provider
    accounts: HostedAccounts

    @property
    def resource_url(self) -> str:
        return self.public_url + MCP_PATH

    @classmethod
    def create(
        cls,
        settings: Settings,
        profiles: dict[str, ApiProfile],
        session: Session,
        prepare: Callable[[Account], Account],
    ) -> Hosted:
        if settings.transport != "http":
            raise ConfigError("--auth oauth serves streamable HTTP: start it with --transport http")
        chain = [name for name, profile in profiles.items() if profile.oauth_app is not None]
        if not chain:
            raise ConfigError(
                "--auth oauth signs each user in with Pipedrive's OAuth: set PIPEDRIVE_CLIENT_ID and "
                "PIPEDRIVE_CLIENT_SECRET (your Pipedrive app's credentials; README: Hosted mode)"
            )
        if not settings.secret_key:
            raise ConfigError(
                "--auth oauth keeps users' tokens encrypted: set PIPEDRIVE_MCP_SECRET_KEY to a Fernet key, made "
                'with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
            )
        public = public_origin(settings)
        store = _store(settings)
        state = State(store, Sealer(settings.secret_key))
        accounts = HostedAccounts(settings, profiles, state, session.send_raw, prepare)
        signin = SignIn(state, profiles, chain, public, session.send_raw, on_signed_in=accounts.forget)
        provider = Provider(
            state,
            signin,
            resource=public + MCP_PATH,
            access_seconds=settings.mcp_token_seconds,
            client_origins=settings.client_origins,
        )
        session.budget = SharedBudget(store)
        return cls(settings, public, store, state, signin, provider, accounts)

    def describe(self) -> list[str]:
        """What the start-up lines say about hosted mode (no secret in them)."""
        where = {
            "redis": f"Redis at {self.store.where} (replicas sharing it serve any request)",
            "sqlite": "memory only (nothing is kept after a restart)"
            if self.store.where == ":memory:"
            else f"the SQLite file {self.store.where} (one replica)",
        }[self.store.kind]
        lines = [
            f"MCP (streamable HTTP) at {self.resource_url}; each user signs in with "
            + " and ".join(self.signin.chain)
            + " (OAuth) and acts as themselves.",
            f"  state: {where}; users' tokens sealed with PIPEDRIVE_MCP_SECRET_KEY.",
        ]
        lines += [
            f"  redirect URL to register with the {api} OAuth app: {self.signin.redirect_uri(api)}"
            for api in self.signin.chain
        ]
        lines.append(f"  e.g.  claude mcp add --transport http dealdesk {self.resource_url}")
        return lines
