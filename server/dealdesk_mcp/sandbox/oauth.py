"""Pipedrive's OAuth server, emulated at its own paths: an authorize page that lets you pick the seeded
user to sign in as, and the token endpoint (authorization_code and rotating refresh_token grants).

Any client id and secret are accepted: the sandbox has no app registry. Codes live five minutes and
work once; a refresh token works once and is replaced. Only hashes of codes and tokens are stored.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .db import Store

CODE_SECONDS = 300
ACCESS_SECONDS = 3599
DEFAULT_SCOPE = "base deals:full contacts:full activities:full products:full users:read search:read"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(store: Store, token: str, now: float | None = None) -> int | None:
    """The user an issued, unexpired access token acts for."""
    rec = store.get("oauth_access", _hash(token))
    if rec is None or rec["expires_at"] <= (now or time.time()):
        return None
    return int(rec["user_id"])


def expire_access_tokens(store: Store, now: float | None = None) -> int:
    """End the lifetime of every access token issued so far, as the clock would (for trying refresh: the
    next call with one gets a 401). How many there were."""
    ended = now or time.time()
    with store.transaction():
        for key in store.ids("oauth_access"):
            record = store.get("oauth_access", key)
            if record is not None and record["expires_at"] > ended:
                store.put("oauth_access", key, {**record, "expires_at": ended})
    return len(store.ids("oauth_access"))


def _users(store: Store) -> list[dict[str, Any]]:
    return [u for u in store.all("user") if u.get("active_flag", True)]


def _page_error(message: str, status: int = 400) -> HTMLResponse:
    body = f"<!doctype html><title>Sandbox sign-in</title><p>{html.escape(message)}</p>"
    return HTMLResponse(body, status_code=status)


async def authorize_page(request: Request) -> Response:
    store: Store = request.app.state.store
    query = request.query_params
    if not query.get("client_id") or not query.get("redirect_uri"):
        return _page_error("client_id and redirect_uri are required")
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""), quote=True)}">'
        for name in ("client_id", "redirect_uri", "state", "scope")
    )
    options = "".join(
        f'<option value="{u["id"]}">{html.escape(u["name"])} ({html.escape(u["email"])})</option>'
        for u in _users(store)
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sandbox sign-in</title></head><body>"
        "<h1>Pipedrive sandbox</h1>"
        f"<p>The app <b>{html.escape(query['client_id'])}</b> asks to act in the sandbox CRM. "
        "Choose the user it acts for (simulated: no real Pipedrive account is involved).</p>"
        f'<form method="post" action="/oauth/authorize">{hidden}'
        f'<label>User <select name="user_id">{options}</select></label> '
        '<button type="submit">Allow and continue</button></form></body></html>'
    )
    return HTMLResponse(page)


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def authorize_submit(request: Request) -> Response:
    store: Store = request.app.state.store
    form = await request.form()
    values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    client_id, redirect_uri = values.get("client_id"), values.get("redirect_uri")
    if not client_id or not redirect_uri:
        return _page_error("client_id and redirect_uri are required")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        return _page_error("redirect_uri must be an http(s) address")
    try:
        user_id = int(values.get("user_id", ""))
    except ValueError:
        return _page_error("Choose a user")
    if user_id not in {u["id"] for u in _users(store)}:
        return _page_error("That user is not in the sandbox")
    code = secrets.token_urlsafe(24)
    store.put(
        "oauth_code",
        _hash(code),
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "user_id": user_id,
            "scope": values.get("scope") or DEFAULT_SCOPE,
            "expires_at": time.time() + CODE_SECONDS,
        },
    )
    extra = {"code": code}
    if values.get("state"):
        extra["state"] = values["state"]
    return RedirectResponse(_with_query(redirect_uri, extra), status_code=302)


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _client(request: Request, form: dict[str, str]) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return client_id if client_id and secret else None
    if form.get("client_id") and form.get("client_secret"):
        return form["client_id"]
    return None


def _issue(store: Store, origin: str, client_id: str, user_id: int, scope: str) -> JSONResponse:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = time.time()
    store.put(
        "oauth_access",
        _hash(access),
        {"user_id": user_id, "client_id": client_id, "expires_at": now + ACCESS_SECONDS, "scope": scope},
    )
    store.put("oauth_refresh", _hash(refresh), {"user_id": user_id, "client_id": client_id, "scope": scope})
    return JSONResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": scope,
            "expires_in": ACCESS_SECONDS,
            "api_domain": origin,
        },
        headers={"cache-control": "no-store"},
    )


async def token(request: Request) -> Response:
    store: Store = request.app.state.store
    form = {k: v for k, v in (await request.form()).multi_items() if isinstance(v, str)}
    client_id = _client(request, form)
    if client_id is None:
        return _oauth_error("invalid_client", "Send the client id and secret (HTTP Basic or form)", 401)
    origin = str(request.base_url).rstrip("/")
    grant = form.get("grant_type") or "authorization_code"
    if grant == "authorization_code":
        code = form.get("code") or ""
        with store.transaction():
            rec = store.get("oauth_code", _hash(code)) if code else None
            if rec is not None:
                store.delete("oauth_code", _hash(code))  # single use, even when the exchange fails
        if rec is None or rec["expires_at"] <= time.time():
            return _oauth_error("invalid_grant", "The code is unknown, used or expired")
        if rec["client_id"] != client_id:
            return _oauth_error("invalid_grant", "The code was issued to another client")
        if form.get("redirect_uri") != rec["redirect_uri"]:
            return _oauth_error("invalid_grant", "redirect_uri does not match the authorization request")
        return _issue(store, origin, client_id, rec["user_id"], rec["scope"])
    if grant == "refresh_token":
        refresh = form.get("refresh_token") or ""
        with store.transaction():
            rec = store.get("oauth_refresh", _hash(refresh)) if refresh else None
            if rec is not None:
                store.delete("oauth_refresh", _hash(refresh))  # rotation: the old one stops working
        if rec is None:
            return _oauth_error("invalid_grant", "The refresh token is unknown or was already used")
        return _issue(store, origin, client_id, rec["user_id"], rec["scope"])
    return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
