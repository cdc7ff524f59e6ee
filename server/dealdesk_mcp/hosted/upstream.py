"""The server as a client of each API's OAuth server: where to send the user to sign in, how to turn
the code the user comes back with into tokens, and whom those tokens belong to."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from dealdesk_mcp.account import domain_check
from dealdesk_mcp.apis import ApiProfile, OAuthApp
from dealdesk_mcp.auth import OAuthTokens, tokens_from_answer
from dealdesk_mcp.jsonvalues import is_object

Sender = Callable[[httpx.Request], Awaitable[httpx.Response]]


class SignInFailed(Exception):
    """A step of signing in at an API failed; the message is safe to show the user."""


def app_of(profile: ApiProfile) -> OAuthApp:
    assert profile.oauth_app is not None, f"{profile.name} has no OAuth app"
    return profile.oauth_app


def authorize_url(profile: ApiProfile, redirect_uri: str, state: str) -> str:
    app = app_of(profile)
    query = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
    }
    joiner = "&" if "?" in app.authorize_url else "?"
    return f"{app.authorize_url}{joiner}{urlencode(query)}"


def _client_auth(app: OAuthApp, request: httpx.Request) -> httpx.Request:
    if app.client_auth == "basic":
        return next(httpx.BasicAuth(app.client_id, app.client_secret).auth_flow(request))
    return request


async def exchange_code(profile: ApiProfile, code: str, redirect_uri: str, send: Sender) -> OAuthTokens:
    app = app_of(profile)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if app.client_auth == "form":
        form |= {"client_id": app.client_id, "client_secret": app.client_secret}
    request = _client_auth(app, httpx.Request("POST", app.token_url, data=form))
    try:
        response = await send(request)
        await response.aread()
    except httpx.HTTPError as exc:
        raise SignInFailed(
            f"{profile.title}'s token endpoint could not be reached ({type(exc).__name__})."
        ) from None
    answer: Any = None
    with contextlib.suppress(ValueError):
        answer = response.json()
    if (
        response.status_code != 200
        or not is_object(answer)
        or not isinstance(answer.get("access_token"), str)
    ):
        error = answer.get("error") if is_object(answer) else None
        said = f" ({error})" if isinstance(error, str) and error.isidentifier() else ""
        raise SignInFailed(
            f"{profile.title} did not accept the sign-in (HTTP {response.status_code}{said}); try signing in again."
        )
    return tokens_from_answer(answer, None, domain_check(profile))


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not is_object(data):
            return None
        data = data.get(part)
    return data


async def identify(profile: ApiProfile, tokens: OAuthTokens, send: Sender) -> dict[str, str]:
    """Who the tokens act for, as the facts the app's identity fields name (id at least)."""
    app = app_of(profile)
    origin = tokens.api_domain or profile.origin
    request = httpx.Request(
        "GET",
        origin + app.identity_path,
        headers={"authorization": f"Bearer {tokens.access_token}", "accept": "application/json"},
    )
    try:
        response = await send(request)
        await response.aread()
        answer: Any = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        answer = None
    facts = {name: _at(answer, path) for name, path in app.identity_fields.items()}
    found = {
        name: str(value) for name, value in facts.items() if isinstance(value, str | int) and value != ""
    }
    if "id" not in found:
        raise SignInFailed(f"{profile.title} did not say who signed in; try signing in again.")
    return found
