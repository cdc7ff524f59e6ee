"""Issue 16, item 18: a rotated refresh token was kept only in memory (after a restart the spent one was
sent and refresh failed); `api_domain` from the token answer was taken whatever it said; N calls waiting
on a hanging token endpoint waited N x timeout."""

from __future__ import annotations

import os
import time

import anyio

from tests.conftest import connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn

OLD_REFRESH = "old-refresh-7e6d5c4b3a2910f8e7d6c5b4a3928170"
ROTATIONS = ["refresh-one-1a2b3c4d5e6f7a8b9c0d", "refresh-two-0f1e2d3c4b5a69788796"]


def oauth(standin: StandIn, tmp_path, **env: str):
    return make_settings(
        standin,
        tmp_path,
        PIPEDRIVE_API_TOKEN="",
        PIPEDRIVE_ACCESS_TOKEN="",
        PIPEDRIVE_REFRESH_TOKEN=OLD_REFRESH,
        PIPEDRIVE_CLIENT_ID="client-4c1f",
        PIPEDRIVE_CLIENT_SECRET="client-secret-b83e2d9a61f04c7e",
        PIPEDRIVE_OAUTH_TOKEN_URL=standin.origin + "/oauth/token",
        **env,
    )


async def test_a_rotated_refresh_token_survives_a_restart(standin, tmp_path):
    spent: set[str] = set()
    issued = iter(ROTATIONS)

    def handler(request: Recorded) -> Reply:
        if request.path == "/oauth/token":
            given = dict(p.split("=") for p in request.body.decode().split("&"))["refresh_token"]
            if given in spent:
                return Reply(400, {"error": "invalid_grant"})
            spent.add(given)
            return Reply(
                body={
                    "access_token": f"access-{len(spent)}-0123456789ab",
                    "refresh_token": next(issued),
                    "expires_in": 1,
                }
            )
        return Reply(body={"success": True, "data": [{"id": 1}]})

    standin.reply_with(handler)
    async with connect(oauth(standin, tmp_path)) as client:  # the first run rotates OLD_REFRESH away
        assert not (await client.call_tool("get_deals", {})).is_error
    saved = list((tmp_path / "state").glob("oauth-*.json"))
    assert len(saved) == 1 and os.stat(saved[0]).st_mode & 0o077 == 0  # private to the user
    assert OLD_REFRESH not in saved[0].read_text() and ROTATIONS[0] in saved[0].read_text()
    time.sleep(1.1)  # the access token (1 s) has expired: the next run must refresh again
    async with connect(oauth(standin, tmp_path)) as client:  # a restart with the same settings
        again = await client.call_tool("get_deals", {})
    assert not again.is_error, text_of(again)
    assert ROTATIONS[1] in saved[0].read_text()


async def test_an_api_domain_that_is_not_a_pipedrive_https_host_is_ignored(standin, tmp_path):
    def handler(request: Recorded) -> Reply:
        if request.path == "/oauth/token":
            return Reply(
                body={"access_token": "access-x-0123456789ab", "api_domain": "http://evil.example.com"}
            )
        return Reply(body={"success": True, "data": [{"id": 1}]})

    standin.reply_with(handler)
    async with connect(oauth(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {})
    assert not result.is_error, text_of(result)
    assert [r.path for r in standin.requests] == ["/oauth/token", "/api/v2/deals"]  # stayed on our origin


async def test_calls_waiting_on_a_hanging_token_endpoint_share_one_timeout(standin, tmp_path):
    standin.reply_with(lambda r: Reply(body={"access_token": "late"}, delay=3.0))
    settings = oauth(standin, tmp_path, PIPEDRIVE_TIMEOUT="1", PIPEDRIVE_MAX_RETRIES="1")
    results = []
    async with connect(settings) as client:

        async def one() -> None:
            results.append(await client.call_tool("get_deals", {}))

        async with anyio.create_task_group() as tasks:
            for _ in range(5):
                tasks.start_soon(one)
    assert all(r.is_error and "token endpoint did not answer in time" in text_of(r) for r in results)
    assert len([r for r in standin.requests if r.path == "/oauth/token"]) == 1
