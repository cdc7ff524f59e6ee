"""Pipedrive OAuth: a 401 for a stale access token refreshes it at a loopback token endpoint, the call is
retried with the new token at the api_domain the endpoint names, and no token ever shows up in output."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

import anyio
import pytest

from dealdesk_mcp import auth
from tests.conftest import connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn
from tests.transports.conftest import DEALS

OLD_ACCESS = "old-access-9f2c4b1e7d3a4c5b8e6f0a1b2c3d4e5f"
NEW_ACCESS = "new-access-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"
OLD_REFRESH = "old-refresh-7e6d5c4b3a2910f8e7d6c5b4a3928170"
NEW_REFRESH = "new-refresh-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CLIENT_ID = "client-id-4c1f"
CLIENT_SECRET = "client-secret-b83e2d9a61f04c7e"
SECRETS = (OLD_ACCESS, NEW_ACCESS, OLD_REFRESH, NEW_REFRESH, CLIENT_SECRET)
TOKEN_PATH = "/oauth/token"


@dataclass
class Pipedrive:
    """A token endpoint and an API that accepts only the current access token."""

    valid: set[str] = field(default_factory=lambda: {NEW_ACCESS})
    token_status: int = 200
    expires_in: int = 3600
    with_domain: str | None = None
    token_calls: list[Recorded] = field(default_factory=list)

    def __call__(self, request: Recorded) -> Reply:
        if request.path == TOKEN_PATH:
            self.token_calls.append(request)
            if self.token_status != 200:
                return Reply(self.token_status, {"success": False, "error": "invalid_grant"})
            answer = {
                "access_token": NEW_ACCESS,
                "refresh_token": NEW_REFRESH,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "scope": "deals:full",
            }
            if self.with_domain:
                answer["api_domain"] = self.with_domain
            return Reply(body=answer)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.valid:
            return Reply(401, {"success": False, "error": "unauthorized access", "errorCode": 401})
        return Reply(body=DEALS)


@pytest.fixture
def company() -> Iterator[StandIn]:
    """A second loopback API standing for https://COMPANY.pipedrive.com (the token answer's api_domain)."""
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def pipedrive(standin: StandIn, company: StandIn) -> Pipedrive:
    handler = Pipedrive(with_domain=company.origin + "/")
    standin.reply_with(handler)
    company.reply_with(handler)
    return handler


def oauth_settings(standin: StandIn, tmp_path: Path, **env: str):
    oauth = {
        "PIPEDRIVE_API_TOKEN": "",
        "ATTIO_API_KEY": "",
        "PIPEDRIVE_ACCESS_TOKEN": OLD_ACCESS,
        "PIPEDRIVE_REFRESH_TOKEN": OLD_REFRESH,
        "PIPEDRIVE_CLIENT_ID": CLIENT_ID,
        "PIPEDRIVE_CLIENT_SECRET": CLIENT_SECRET,
        "PIPEDRIVE_OAUTH_TOKEN_URL": standin.origin + TOKEN_PATH,
        "PIPEDRIVE_TOOLSETS": "deals",
    }
    return make_settings(standin, tmp_path, **(oauth | env))


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a credential leaked: {secret[:12]}..."


def assert_refresh_request(request: Recorded, refresh_token: str) -> None:
    assert request.method == "POST"
    scheme, _, encoded = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == f"{CLIENT_ID}:{CLIENT_SECRET}"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = parse_qs(request.body.decode())
    assert form == {"grant_type": ["refresh_token"], "refresh_token": [refresh_token]}


async def test_a_401_refreshes_the_token_and_the_call_is_retried_at_api_domain(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(oauth_settings(standin, tmp_path)) as client:
        first = await client.call_tool("get_deals", {})
        second = await client.call_tool("get_deals", {"limit": 1})
        info = await client.call_tool("get_session_info", {})

    assert not first.is_error, text_of(first)
    assert not second.is_error, text_of(second)
    assert "Rocket fuel" in text_of(first)

    stale, refresh = standin.requests
    assert (stale.path, stale.headers["authorization"]) == ("/api/v2/deals", f"Bearer {OLD_ACCESS}")
    assert refresh.path == TOKEN_PATH
    assert_refresh_request(refresh, OLD_REFRESH)
    # Everything after the refresh goes to api_domain with the new token, with no second refresh.
    deals = [r for r in company.requests if r.path == "/api/v2/deals"]
    assert len(deals) == 2
    assert {r.headers["authorization"] for r in deals} == {f"Bearer {NEW_ACCESS}"}
    assert all("x-api-token" not in r.headers for r in deals)
    assert deals[1].args["limit"] == "1"
    assert len(pipedrive.token_calls) == 1

    assert_no_secret(text_of(first), text_of(second), text_of(info), caplog.text)
    assert_no_secret(*(r.getMessage() for r in caplog.records))


async def test_the_rotated_refresh_token_is_used_for_the_next_refresh(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    async with connect(oauth_settings(standin, tmp_path)) as client:
        assert not (await client.call_tool("get_deals", {})).is_error
        pipedrive.valid = {"a-token-we-do-not-have"}  # the new access token is revoked too
        second = await client.call_tool("get_deals", {})
    assert len(pipedrive.token_calls) == 2
    assert_refresh_request(pipedrive.token_calls[1], NEW_REFRESH)
    # Still refused after one refresh: a clear error, not a loop.
    assert second.is_error
    assert "401" in text_of(second)
    assert_no_secret(text_of(second))


async def test_a_token_that_is_about_to_expire_is_refreshed_before_the_call(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connect(oauth_settings(standin, tmp_path)) as client:
        await client.call_tool("get_deals", {})
        assert len(pipedrive.token_calls) == 1
        # As if the hour had passed: the token is now inside the refresh margin.
        # Only auth's view of the clock moves: patching time.monotonic itself would also freeze
        # the event loop's clock (asyncio reads it for every sleep and timeout).
        # (Expiry is wall-clock time: a rotated token kept on disk must still be judged after a restart.)
        later = time.time() + pipedrive.expires_in
        monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: later))
        result = await client.call_tool("get_deals", {})
    assert not result.is_error, text_of(result)
    # The second call refreshed up front instead of collecting a 401 first.
    assert len(pipedrive.token_calls) == 2
    assert [r.headers["authorization"] for r in company.requests] == [f"Bearer {NEW_ACCESS}"] * 2


async def test_a_short_lived_token_is_refreshed_once_per_call(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    pipedrive.expires_in = 30
    async with connect(oauth_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {})
    assert not result.is_error, text_of(result)
    assert len(pipedrive.token_calls) == 1


async def test_a_refresh_token_alone_is_exchanged_before_the_first_call(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    settings = oauth_settings(standin, tmp_path, PIPEDRIVE_ACCESS_TOKEN="")
    async with connect(settings) as client:
        result = await client.call_tool("get_deals", {})
    assert not result.is_error, text_of(result)
    assert [r.path for r in standin.requests] == [TOKEN_PATH]  # no 401 round trip
    assert [r.headers["authorization"] for r in company.requests] == [f"Bearer {NEW_ACCESS}"]


async def test_concurrent_401s_share_one_refresh(
    standin: StandIn, company: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    results = []
    async with connect(oauth_settings(standin, tmp_path)) as client:

        async def call() -> None:
            results.append(await client.call_tool("get_deals", {}))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(call)
    assert [r.is_error for r in results] == [False] * 8
    assert len(pipedrive.token_calls) == 1


@pytest.mark.parametrize("status", [400, 401, 500])
async def test_a_failed_refresh_is_a_clear_tool_error(
    standin: StandIn,
    company: StandIn,
    pipedrive: Pipedrive,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    pipedrive.token_status = status
    async with connect(oauth_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {})
    assert result.is_error
    text = text_of(result)
    assert "refresh" in text.lower() and str(status) in text
    assert "PIPEDRIVE_REFRESH_TOKEN" in text  # says what to do about it
    assert len(pipedrive.token_calls) == 1  # no retry storm against the token endpoint
    assert company.requests == []
    assert_no_secret(text, caplog.text)


async def test_an_unreachable_token_endpoint_is_a_clear_tool_error(
    standin: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    settings = oauth_settings(standin, tmp_path, PIPEDRIVE_OAUTH_TOKEN_URL="http://127.0.0.1:9/oauth/token")
    async with connect(settings) as client:
        result = await client.call_tool("get_deals", {})
    assert result.is_error
    assert "refresh" in text_of(result).lower()
    assert_no_secret(text_of(result))


async def test_without_client_credentials_an_expired_token_says_what_is_missing(
    standin: StandIn, pipedrive: Pipedrive, tmp_path: Path
) -> None:
    settings = oauth_settings(standin, tmp_path, PIPEDRIVE_CLIENT_SECRET="")
    async with connect(settings) as client:
        result = await client.call_tool("get_deals", {})
    assert result.is_error
    assert "PIPEDRIVE_CLIENT_SECRET" in text_of(result)
    assert pipedrive.token_calls == []
    assert_no_secret(text_of(result))
