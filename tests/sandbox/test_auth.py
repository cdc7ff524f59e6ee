"""The sandbox's credentials as Pipedrive's: the fixed token three ways, its OAuth server's tokens bound
to the user who approved them, 401 for anything else, and the token budget when asked for."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dealdesk_mcp import cli
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, start_sandbox

REDIRECT = "http://127.0.0.1:9/callback"


def test_the_fixed_token_works_as_header_query_and_bearer(sandbox, api) -> None:
    base = sandbox.base_url
    assert httpx.get(f"{base}/api/v2/deals", headers={"x-api-token": SANDBOX_TOKEN}).status_code == 200
    assert httpx.get(f"{base}/api/v2/deals", params={"api_token": SANDBOX_TOKEN}).status_code == 200
    assert (
        httpx.get(f"{base}/api/v2/deals", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}).status_code
        == 200
    )
    for headers in ({}, {"x-api-token": "wrong"}, {"Authorization": "Bearer wrong"}):
        answer = httpx.get(f"{base}/api/v1/users/me", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {**answer.json(), "success": False, "errorCode": 401}


def _authorize(client: httpx.Client, user_id: int) -> str:
    page = client.get(
        "/oauth/authorize", params={"client_id": "app-1", "redirect_uri": REDIRECT, "state": "s-42"}
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    options = re.findall(r'<option value="(\d+)"', page.text)
    assert '<select name="user_id">' in page.text and "<button" in page.text
    assert str(user_id) in options and len(options) >= 3
    approved = client.post(
        "/oauth/authorize",
        data={"client_id": "app-1", "redirect_uri": REDIRECT, "state": "s-42", "user_id": str(user_id)},
    )
    assert approved.status_code == 302
    location = urlsplit(approved.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT and query["state"] == ["s-42"]
    return query["code"][0]


def test_oauth_code_token_me_refresh(sandbox) -> None:
    with httpx.Client(base_url=sandbox.base_url, follow_redirects=False) as client:
        code = _authorize(client, 3)
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        tokens = client.post("/oauth/token", data=exchange, auth=("app-1", "any-secret")).json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0 and tokens["scope"]
        assert tokens["api_domain"] == sandbox.base_url
        again = client.post("/oauth/token", data=exchange, auth=("app-1", "any-secret"))
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # codes work once

        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = client.get("/api/v1/users/me", headers=bearer).json()["data"]
        assert me["id"] == 3 and me["is_you"] is True
        deal = client.post("/api/v2/deals", json={"title": "Made by user 3"}, headers=bearer).json()["data"]
        assert deal["owner_id"] == 3
        note = client.post(
            "/api/v1/notes", json={"content": "x", "deal_id": deal["id"]}, headers=bearer
        ).json()
        assert note["data"]["user_id"] == 3

        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "app-1",
            "client_secret": "any-secret",
        }
        fresh = client.post("/oauth/token", data=form).json()
        assert fresh["refresh_token"] != tokens["refresh_token"]
        reused = client.post("/oauth/token", data=form)
        assert reused.status_code == 400  # rotation: the old refresh token stopped working
        assert (
            client.get(
                "/api/v1/users/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
            ).json()["data"]["id"]
            == 3
        )
        assert client.post("/oauth/token", data=exchange).status_code == 401  # no client credentials


def test_rate_limit_when_enabled() -> None:
    with start_sandbox(":memory:", rate_limit=25) as handle:
        client = httpx.Client(base_url=handle.base_url, headers={"x-api-token": SANDBOX_TOKEN})
        first = client.get("/api/v2/deals")  # costs 10 of 25
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit"] == "25" and first.headers["x-ratelimit-remaining"] == "15"
        client.get("/api/v2/deals")
        spent = client.get("/api/v2/deals")
        assert spent.status_code == 429
        assert spent.json()["success"] is False and spent.json()["errorCode"] == 429
        assert int(spent.headers["x-ratelimit-reset"]) >= 1 and spent.headers["x-ratelimit-remaining"] == "5"
    with start_sandbox(":memory:") as handle:  # off by default
        answer = httpx.get(f"{handle.base_url}/api/v2/deals", headers={"x-api-token": SANDBOX_TOKEN})
        assert answer.status_code == 200 and "x-ratelimit-limit" not in answer.headers


def test_the_servers_sandbox_flag_takes_a_rate_limit(capsys: pytest.CaptureFixture[str]) -> None:
    args = cli.parse_args(["--sandbox", "memory", "--sandbox-rate-limit", "20/60"])
    sandbox, settings = cli.start_sandbox_for(args, Settings())
    with sandbox:
        assert settings.pipedrive_base_url == sandbox.base_url == settings.attio_base_url
        client = httpx.Client(base_url=sandbox.base_url, headers={"x-api-token": SANDBOX_TOKEN})
        first = client.get("/api/v2/deals")  # costs 10 of 20
        assert first.headers["x-ratelimit-limit"] == "20" and first.headers["x-ratelimit-remaining"] == "10"
        client.get("/api/v2/deals")
        assert client.get("/api/v2/deals").status_code == 429
    assert f"token: {SANDBOX_TOKEN}" in capsys.readouterr().err
    with pytest.raises(ValueError, match="BUDGET"):
        cli.start_sandbox_for(cli.parse_args(["--sandbox-rate-limit", "lots"]), Settings())
