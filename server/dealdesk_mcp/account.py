"""Whose calls these are: one account's credentials per API, its custom-field names, its folders and
its tally. A local server has one account, made from the settings; a hosted server one per user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.config import Settings
from dealdesk_mcp.custom_fields import FieldDirectory
from dealdesk_mcp.static_auth import StaticAuth

if TYPE_CHECKING:
    import httpx

    from dealdesk_mcp.auth import OAuthAuth

    # An API's auth flow: a fixed credential, or OAuth with refresh.
    Auth = StaticAuth | OAuthAuth

# Too short to be a real credential: scrubbing such a value would only garble ordinary words.
MIN_SECRET_LENGTH = 12


@dataclass
class Tally:
    """This account's calls, for get_session_info."""

    calls: int = 0
    token_cost: int = 0
    retries: int = 0
    by_api: dict[str, int] = field(default_factory=dict[str, int])
    rate_limit: dict[str, str] = field(default_factory=dict[str, str])

    def count(self, api: str, response: httpx.Response, token_cost: int | None) -> None:
        self.calls += 1
        self.by_api[api] = self.by_api.get(api, 0) + 1
        self.token_cost += token_cost or 0
        for header, value in response.headers.items():
            if header.startswith("x-ratelimit-"):
                self.rate_limit[header.removeprefix("x-ratelimit-")] = value


@dataclass
class Account:
    """One user's standing with the APIs. `auths` holds a flow per API that has credentials."""

    key: str
    auths: dict[str, Auth]
    download_dir: Path
    upload_roots: tuple[Path, ...]
    fields: FieldDirectory | None = None
    tally: Tally = field(default_factory=Tally)
    # Who each API says this is (filled on first use by get_session_info), by API.
    identities: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    # Values only this account holds besides its auth flows' (an MCP bearer token, say).
    extra_secrets: tuple[str, ...] = ()
    # The company (workspace) each API's credential acts in, where known: everyone there shares its budget.
    company: dict[str, str] = field(default_factory=dict[str, str])

    def has(self, api: str) -> bool:
        return api in self.auths

    def origin(self, profile: ApiProfile) -> str:
        auth = self.auths.get(profile.name)
        moved = auth.origin if auth is not None else None
        return moved or profile.origin

    def secrets(self) -> list[str]:
        values = [s for auth in self.auths.values() for s in auth.secrets()] + list(self.extra_secrets)
        # Longest first: a secret that contains another is scrubbed whole.
        return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "[redacted]")
        return text


Sender = Callable[["httpx.Request"], Awaitable["httpx.Response"]]


def local_account(settings: Settings, profiles: dict[str, ApiProfile], send: Sender) -> Account:
    """The one account of a server run by its user, credentials from the settings."""
    auths: dict[str, Auth] = {}
    for profile in profiles.values():
        auth = _auth_from_settings(settings, profile, send)
        if auth is not None:
            auths[profile.name] = auth
    return Account(
        key="local",
        auths=auths,
        download_dir=settings.download_dir,
        upload_roots=settings.upload_roots,
    )


def _auth_from_settings(settings: Settings, profile: ApiProfile, send: Sender) -> Auth | None:
    if profile.credential:
        value = profile.credential if profile.credential_style == "header" else f"Bearer {profile.credential}"
        return StaticAuth(profile.credential_header, value)
    access, refresh = profile.oauth_access_token, profile.oauth_refresh_token
    if profile.oauth_token_url is None or not (access or refresh):
        return None
    # OAuth's flow is an httpx auth: imported only where a credential needs it, not for a start with keys.
    from dealdesk_mcp.auth import OAuthAuth, OAuthClient, OAuthTokens, TokenFile

    tokens = OAuthTokens(access_token=access or "", refresh_token=refresh)
    client_id = profile.oauth_client_id
    # A token pair rotated by an earlier run supersedes the one it grew from (read on first use).
    store = TokenFile(settings.state_dir, client_id, refresh) if refresh and client_id else None
    client = OAuthClient(
        profile.oauth_token_url,
        client_id,
        profile.oauth_client_secret,
        auth_style=profile.oauth_client_auth,
        label=profile.title,
    )
    return OAuthAuth(tokens, client, send=send, store=store, domain_allowed=domain_check(profile))


def domain_check(profile: ApiProfile) -> Callable[[str], bool]:
    """Which `api_domain` a token answer may move us to: an https host of the API's own domain, or,
    for a server pointed at a loopback stand-in or the sandbox, another loopback origin."""
    import httpx  # only OAuth's flows check a domain (see static_auth on start-up without httpx)

    configured = httpx.URL(profile.origin)

    def allowed(domain: str) -> bool:
        try:
            url = httpx.URL(domain)
        except httpx.InvalidURL:
            return False
        host = url.host or ""
        if url.scheme == "https" and profile.api_domain_suffix and host.endswith(profile.api_domain_suffix):
            return True
        loopback = ("127.0.0.1", "localhost", "::1")
        return configured.host in loopback and host in loopback and url.scheme in ("http", "https")

    return allowed
