"""The server's notes as MCP log messages: logging/setLevel decides which arrive, a 2026-07-28 request
opts in by its own level, no note holds a secret, and a request cannot flood its client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dealdesk_mcp import notes
from dealdesk_mcp.app import build_server
from tests.conftest import TOKEN, make_settings
from tests.protocol.conftest import client_of
from tests.standin import Recorded, Reply, StandIn

ACCESS = "access-7a1b2c3d4e5f60718293a4b5c6d7e8f9"
FRESH = "access-fresh-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
REFRESH = "refresh-5d4c3b2a1908f7e6d5c4b3a29180f7e6"
CLIENT_SECRET = "client-secret-9e8d7c6b5a4f3e2d"
SECRETS = (TOKEN, ACCESS, FRESH, REFRESH, CLIENT_SECRET)
# logging/setLevel is the handshake protocol's (the SDK warns that 2026-07-28 replaced it).
pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")


class Flaky:
    """Deals answer after a 503 and a 429 (Retry-After 0) the first time they are asked for."""

    def __init__(self) -> None:
        self.failures = [
            Reply(503, {"success": False, "error": "busy"}),
            Reply(429, {}, {"retry-after": "0"}),
        ]

    def __call__(self, request: Recorded) -> Reply:
        if request.path == "/oauth/token":
            return Reply(body={"access_token": FRESH, "refresh_token": REFRESH, "expires_in": 3600})
        if request.headers.get("authorization") == f"Bearer {ACCESS}":
            return Reply(401, {"success": False, "error": "expired"})
        if request.path == "/api/v2/deals" and self.failures:
            return self.failures.pop(0)
        return Reply(body={"success": True, "data": [{"id": 1, "title": "Kettle"}], "additional_data": {}})


def texts(heard) -> list[tuple[str, str]]:
    return [(log.level, str(log.data)) for log in heard.logs]


async def test_set_level_decides_which_notes_arrive(standin: StandIn, tmp_path: Path) -> None:
    flaky = Flaky()
    standin.reply_with(flaky)
    async with client_of(build_server(make_settings(standin, tmp_path)), legacy=True) as (client, heard):
        await client.call_tool("get_deals", {})  # default level: notice and above
        default = texts(heard)
        heard.clear()
        await client.set_logging_level("warning")
        flaky.failures = [Reply(503, {})]
        await client.call_tool("get_deals", {})
        quiet = texts(heard)
        await client.set_logging_level("debug")
        flaky.failures = [Reply(503, {})]
        await client.call_tool("get_deals", {})
        loud = texts(heard)
    assert [level for level, _ in default] == ["notice", "notice"]
    assert "HTTP 503 to GET /api/v2/deals; trying again in" in default[0][1]
    assert "rate limit (HTTP 429) on GET /api/v2/deals" in default[1][1]
    assert quiet == []
    assert [level for level, _ in loud] == ["debug", "notice", "debug"]
    assert all(log.logger == "dealdesk-mcp" for log in heard.logs)


async def test_a_2026_request_gets_the_notes_it_opted_in_to(standin: StandIn, tmp_path: Path) -> None:
    standin.reply_with(Flaky())
    server = build_server(make_settings(standin, tmp_path))
    async with client_of(server) as (silent, heard_silent):
        await silent.call_tool("get_deals", {})
    standin.reply_with(Flaky())
    async with client_of(server, log_level="info") as (asking, heard):
        await asking.call_tool("get_deals", {})
    assert heard_silent.logs == []  # no opt-in, no notes
    assert [level for level, _ in texts(heard)] == ["notice", "notice"]


async def test_no_note_holds_a_secret(standin: StandIn, tmp_path: Path) -> None:
    standin.reply_with(Flaky())
    settings = make_settings(
        standin,
        tmp_path,
        PIPEDRIVE_API_TOKEN="",
        ATTIO_API_KEY="",
        PIPEDRIVE_ACCESS_TOKEN=ACCESS,
        PIPEDRIVE_REFRESH_TOKEN=REFRESH,
        PIPEDRIVE_CLIENT_ID="client-1",
        PIPEDRIVE_CLIENT_SECRET=CLIENT_SECRET,
        PIPEDRIVE_OAUTH_TOKEN_URL=standin.origin + "/oauth/token",
        PIPEDRIVE_MAX_ANSWER_CHARS="300",
    )
    async with client_of(build_server(settings), legacy=True) as (client, heard):
        await client.set_logging_level("debug")
        result = await client.call_tool("get_deals", {"max_items": 50})
    said = texts(heard)
    assert ("info", "the Pipedrive OAuth access token was refreshed") in said
    assert any(level == "notice" and "HTTP 503" in text for level, text in said)
    assert not result.is_error, result.content[0].text
    for _, text in said:
        for secret in SECRETS:
            assert secret not in text


async def test_a_request_cannot_flood_its_client(standin: StandIn, tmp_path: Path) -> None:
    def endless(request: Recorded) -> Reply:
        cursor = int(dict(request.query).get("cursor") or 0)
        page = {
            "success": True,
            "data": [{"id": cursor}],
            "additional_data": {"next_cursor": str(cursor + 1)},
        }
        return Reply(body=page)

    standin.reply_with(endless)
    async with client_of(build_server(make_settings(standin, tmp_path)), legacy=True) as (client, heard):
        await client.set_logging_level("debug")
        result = await client.call_tool("get_deals", {"max_items": 60})
    assert len(json.loads(result.content[0].text)["data"]["rows"]) == 60
    assert len(standin.requests) == 60
    assert len(heard.logs) == notes.PER_REQUEST + 1
    assert heard.logs[-1].level == "warning" and "held back" in str(heard.logs[-1].data)


@pytest.mark.parametrize("level", notes.LEVELS)
async def test_a_sink_scrubs_and_filters(level: str) -> None:
    sent: list[tuple[str, str]] = []

    async def send(lvl: str, text: str) -> None:
        sent.append((lvl, text))

    sink = notes.NoteSink(
        send=send,
        allowed=lambda lvl: notes.at_least(lvl, level),
        scrub=lambda t: t.replace(TOKEN, "[redacted]"),
    )
    with notes.attached(sink):
        for each in notes.LEVELS:
            await notes.note(each, f"{each}: {TOKEN}")
    assert [lvl for lvl, _ in sent] == list(notes.LEVELS[notes.LEVELS.index(level) :])
    assert all(TOKEN not in text and "[redacted]" in text for _, text in sent)
