"""Signing a user in: the MCP client's authorization request sends the user on to each API's own
sign-in in turn (Pipedrive, then Attio where its app is configured); each API sends them back to our
callback with a code, which becomes that user's tokens at that API; after the last one the user goes
back to the MCP client with an MCP authorization code bound to them."""

from __future__ import annotations

import html
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.hosted import upstream
from dealdesk_mcp.hosted.state import CODE_SECONDS, Grant, Pending, State, User
from dealdesk_mcp.hosted.upstream import Sender, SignInFailed

log = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/callback/{api}"
CODE_PREFIX = "dd_ac_"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def user_key(api: str, facts: Mapping[str, str]) -> str:
    """A user's key, the same on every replica and at every sign-in: API, company and user id."""
    parts = [api, facts.get("company_id", "-"), facts["id"]]
    return "-".join(_UNSAFE.sub("_", part) for part in parts)


def _page(message: str, status: int = 400) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>dealdesk-mcp sign-in</title></head>"
        f"<body><h1>Sign-in did not complete</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"cache-control": "no-store"})


class SignIn:
    def __init__(
        self,
        state: State,
        profiles: Mapping[str, ApiProfile],
        chain: list[str],
        public_url: str,
        send: Sender,
        on_signed_in: Callable[[str], None] = lambda key: None,
    ) -> None:
        self._state = state
        self._profiles = profiles
        self.chain = chain
        self._public = public_url
        self._send = send
        self._on_signed_in = on_signed_in

    def redirect_uri(self, api: str) -> str:
        """The address to register with the API's OAuth app."""
        return self._public + CALLBACK_PATH.format(api=api)

    async def begin(self, pending: Pending) -> str:
        """Keep `pending` under a fresh state value; the address of the next API's sign-in page."""
        state = secrets.token_urlsafe(32)
        await self._state.put_pending(state, pending)
        api = pending.apis[0]
        return upstream.authorize_url(self._profiles[api], self.redirect_uri(api), state)

    async def callback(self, request: Request) -> Response:
        api = str(request.path_params.get("api", ""))
        query = request.query_params
        state = query.get("state") or ""
        pending = await self._state.take_pending(state) if state else None
        if pending is None or not pending.apis or pending.apis[0] != api:
            return _page(
                "This sign-in link has expired or was already used. Start again from your MCP client."
            )
        if query.get("error"):
            denied = "access_denied" if query.get("error") == "access_denied" else "server_error"
            log.info("sign-in at %s ended: %s", api, denied)
            return self._back(pending, error=denied, error_description=f"{self._profiles[api].title} said no")
        code = query.get("code")
        if not code:
            return self._back(pending, error="server_error", error_description="no code came back")
        try:
            key = await self._complete(pending, api, code)
        except SignInFailed as exc:
            log.warning("sign-in at %s failed: %s", api, exc)
            return self._back(pending, error="server_error", error_description=str(exc))
        rest = pending.apis[1:]
        if rest:
            pending.apis, pending.user = rest, key
            return RedirectResponse(
                await self.begin(pending), status_code=302, headers={"cache-control": "no-store"}
            )
        return await self._finish(pending, key)

    async def _complete(self, pending: Pending, api: str, code: str) -> str:
        """Turn `code` into the user's tokens at `api`; the user's key."""
        profile = self._profiles[api]
        tokens = await upstream.exchange_code(profile, code, self.redirect_uri(api), self._send)
        facts = await upstream.identify(profile, tokens, self._send)
        user = await self._state.user(pending.user) if pending.user else None
        if user is None:
            key = user_key(api, facts)
            user = User(
                key=key,
                id=facts["id"],
                name=facts.get("name"),
                email=facts.get("email"),
                company_name=facts.get("company_name"),
                company_domain=facts.get("company_domain"),
            )
        user.companies[api] = facts.get("company_id", user.key)
        user.apis = sorted({*user.apis, api})
        user.signed_in_at = time.time()
        await self._state.put_upstream(user.key, api, tokens)
        await self._state.put_user(user)
        log.info("user %s signed in at %s", user.key, api)
        return user.key

    async def _finish(self, pending: Pending, key: str) -> Response:
        code = CODE_PREFIX + secrets.token_urlsafe(32)
        grant = Grant(
            client_id=pending.client_id,
            user=key,
            scopes=pending.scopes,
            expires_at=time.time() + CODE_SECONDS,
            resource=pending.resource,
            code_challenge=pending.code_challenge,
            redirect_uri=pending.redirect_uri,
            redirect_uri_provided_explicitly=pending.redirect_uri_provided_explicitly,
        )
        await self._state.put_grant("code", code, grant)
        self._on_signed_in(key)
        return self._back(pending, code=code)

    @staticmethod
    def _back(pending: Pending, **params: str) -> Response:
        target = construct_redirect_uri(pending.redirect_uri, **params, state=pending.state)
        return RedirectResponse(target, status_code=302, headers={"cache-control": "no-store"})
