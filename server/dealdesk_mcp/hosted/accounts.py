"""Whose call a request is, in hosted mode: the user the MCP access token was issued to, as an Account
whose auth flows use that user's own tokens (kept in the shared store) and whose folders are theirs."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from dealdesk_mcp.account import Account, Sender, domain_check
from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.auth import OAuthAuth, OAuthClient, OAuthTokens
from dealdesk_mcp.config import Settings
from dealdesk_mcp.hosted.state import State
from dealdesk_mcp.hosted.user_tokens import UserTokens

if TYPE_CHECKING:
    from dealdesk_mcp.account import Auth

# Accounts kept in memory per replica (their field names, identities, in-flight refresh locks).
MAX_CACHED = 1000
HINT = "sign in again (your MCP client opens the sign-in page when its next request is refused)"


def access_token_of(ctx: Any) -> AccessToken | None:
    """The MCP access token the SDK's bearer middleware accepted for this request."""
    request = getattr(ctx, "request", None)
    scope = getattr(request, "scope", None)
    user = scope.get("user") if isinstance(scope, dict) else None
    if isinstance(user, AuthenticatedUser):
        return user.access_token
    return get_access_token()


class HostedAccounts:
    def __init__(
        self,
        settings: Settings,
        profiles: dict[str, ApiProfile],
        state: State,
        send: Sender,
        prepare: Callable[[Account], Account],
    ) -> None:
        self._settings = settings
        self._profiles = profiles
        self._state = state
        self._send = send
        self._prepare = prepare  # the runtime's finishing touches (the custom-field directory)
        self._cache: OrderedDict[str, Account] = OrderedDict()
        self.nobody = Account(
            key="nobody", auths={}, download_dir=settings.download_dir / "nobody", upload_roots=()
        )

    @property
    def apis(self) -> list[str]:
        """The APIs a signed-in user has credentials at."""
        return [
            name
            for name, p in self._profiles.items()
            if p.oauth_app is not None or p.oauth_grant_from is not None
        ]

    def account_for(self, ctx: Any) -> Account:
        token = access_token_of(ctx)
        if token is None or not token.subject:
            return self.nobody  # the bearer middleware lets no such request reach a tool
        companies = (token.claims or {}).get("companies")
        return self.account(token.subject, companies if isinstance(companies, dict) else {})

    def account(self, key: str, companies: dict[str, Any]) -> Account:
        account = self._cache.get(key)
        if account is None:
            account = self._prepare(self._build(key))
            self._cache[key] = account
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        account.company.update({str(api): str(company) for api, company in companies.items()})
        return account

    def forget(self, key: str) -> None:
        """Drop this replica's copy (a fresh sign-in brings new tokens)."""
        self._cache.pop(key, None)

    def _build(self, key: str) -> Account:
        auths: dict[str, Auth] = {}
        for name, profile in self._profiles.items():
            if profile.oauth_app is not None:
                auths[name] = self._auth(key, profile)
        for name, profile in self._profiles.items():
            source = profile.oauth_grant_from
            if source is not None and source in auths:
                auths[name] = auths[source]  # one sign-in serves both (the sandbox's shared emulation)
        folder = key  # user keys hold only [A-Za-z0-9_.-]
        roots: tuple[Path, ...] = ()
        if self._settings.user_files_dir is not None:
            mine = self._settings.user_files_dir / folder
            mine.mkdir(mode=0o700, parents=True, exist_ok=True)
            roots = (mine,)
        return Account(
            key=key, auths=auths, download_dir=self._settings.download_dir / folder, upload_roots=roots
        )

    def _auth(self, key: str, profile: ApiProfile) -> OAuthAuth:
        app = profile.oauth_app
        assert app is not None
        client = OAuthClient(
            app.token_url, app.client_id, app.client_secret, auth_style=app.client_auth, label=profile.title
        )
        return OAuthAuth(
            OAuthTokens(access_token="", refresh_token=None),
            client,
            send=self._send,
            store=UserTokens(self._state, key, profile.name),
            domain_allowed=domain_check(profile),
            hint=HINT,
            missing_hint=HINT,
        )
