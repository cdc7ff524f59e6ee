"""Secrets: the Pipedrive token and the Attio key never show in a tool result, its structured content, an
error, a log line or a logged traceback, even when the API echoes them back, at DEBUG logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from dealdesk_mcp import pagination
from tests.conftest import ATTIO_KEY, TOKEN, connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn

SECRETS = (TOKEN, ATTIO_KEY)


def fragments(secret: str) -> list[str]:
    """The secret and its leading and trailing 16 characters: a cut-off secret is still a leak."""
    return [secret, secret[:16], secret[-16:]]


def leaks(text: str) -> list[str]:
    return [f for s in SECRETS for f in fragments(s) if f in text]


Call = tuple[str, str, dict[str, Any], Callable[[Recorded], Reply]]

CALLS: list[Call] = [
    ("success", "get_deal", {"id": 1}, lambda r: Reply(body={"data": {"id": 1, "title": "Fine"}})),
    (
        "success echoing the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(body={"data": {"id": 1, "note": f"token {TOKEN} seen"}}),
    ),
    (
        "list echoing the token",
        "get_deals",
        {},
        lambda r: Reply(body={"data": [{"id": 1, "title": TOKEN}], "additional_data": {}}),
    ),
    (
        "401 echoing the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(401, {"error": f"Invalid token {TOKEN}", "error_info": "check api_token"}),
    ),
    ("403 plain text echoing the token", "get_deal", {"id": 1}, lambda r: Reply(403, f"denied for {TOKEN}")),
    (
        "500 (retried) echoing the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(500, {"error": f"boom {TOKEN}"}),
    ),
    (
        "429 forever echoing the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(429, {"error": f"slow down {TOKEN}"}, {"retry-after": "0"}),
    ),
    (
        "attio 403 echoing the key",
        "attio_list_objects",
        {},
        lambda r: Reply(403, {"message": f"bad key {ATTIO_KEY}", "code": "forbidden"}),
    ),
    ("validation: token as an argument value", "get_deal", {"id": TOKEN}, lambda r: Reply()),
    ("validation: unknown argument", "get_deal", {"id": 1, "api_token": TOKEN}, lambda r: Reply()),
    ("session info", "get_session_info", {}, lambda r: Reply(body={"data": {"id": 5, "name": "Me"}})),
    (
        "malformed JSON echoing the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(200, f'{{"data": "{TOKEN}"'.encode(), {"content-type": "application/json"}),
    ),
    (
        "internal error whose message quotes the token",
        "get_deal",
        {"id": 1},
        lambda r: Reply(body={"data": "explode"}),
    ),
]


def exploding_read_page(original: Callable[..., Any]) -> Callable[..., Any]:
    """A stand-in for a bug of ours: an unexpected exception whose text quotes the token."""

    def read_page(route: Any, profile: Any, answer: Any, sent: Any) -> Any:
        if isinstance(answer, dict) and answer.get("data") == "explode":
            raise RuntimeError(f"unexpected state with header x-api-token: {TOKEN}")
        return original(route, profile, answer, sent)

    return read_page


async def run_calls(standin: StandIn, tmp_path: Path, calls: list[Call]) -> list[tuple[str, Any]]:
    results = []
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_RETRY_WAIT="1")) as client:
        for label, tool, arguments, handler in calls:
            standin.reply_with(handler)
            with anyio.fail_after(10):
                results.append((label, await client.call_tool(tool, arguments)))
    return results


async def test_no_secret_in_any_result_or_log(
    standin: StandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagination, "read_page", exploding_read_page(pagination.read_page))
    caplog.set_level(logging.DEBUG)
    results = await run_calls(standin, tmp_path, CALLS)
    # The calls did reach the API with the credentials: the secrets were there to leak.
    assert any(r.headers.get("x-api-token") == TOKEN for r in standin.requests)
    assert any(r.headers.get("authorization") == f"Bearer {ATTIO_KEY}" for r in standin.requests)
    found = {}
    for label, result in results:
        shown = text_of(result) + json.dumps(result.structured_content or {}) + result.model_dump_json()
        if leaks(shown):
            found[label] = text_of(result)[:200]
    assert found == {}
    assert any("[redacted]" in text_of(r) for _, r in results)
    log_text = caplog.text + "\n".join(
        logging.Formatter().formatException(rec.exc_info) for rec in caplog.records if rec.exc_info
    )
    internal = dict(results)["internal error whose message quotes the token"]
    assert "failed inside the server (RuntimeError)" in text_of(internal), "internal error path not taken"
    assert "Traceback" in log_text and "RuntimeError" in log_text
    assert leaks(log_text) == [], [line for line in log_text.splitlines() if leaks(line)][:5]
    print(f"\nsecrets: {len(results)} calls, {len(caplog.records)} log records at DEBUG, no secret shown")


async def test_a_long_error_that_cuts_the_token_in_half_hides_it_too(
    standin: StandIn, tmp_path: Path
) -> None:
    # session.error_message keeps the first 1000 characters of the API's words, and the scrub runs after.
    body = {"error": "x" * 980 + TOKEN}
    results = await run_calls(standin, tmp_path, [("cut", "get_deal", {"id": 1}, lambda r: Reply(400, body))])
    assert leaks(text_of(results[0][1])) == []
