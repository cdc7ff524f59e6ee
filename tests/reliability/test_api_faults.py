"""Faults from the API side: rate limits, server errors, slowness, resets, garbage and huge answers.

Each case runs one faulty call while a healthy call goes to the same server at the same time; the
faulty call must end in data or one clear error within a bound, the healthy one must not notice, and a
later call must work. A table of outcomes is printed at the end.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn

HEALTHY = "/api/v2/persons/2"
CASE_SECONDS = 10.0
TABLE: list[tuple[str, str, int, float, str]] = []

Expect = Callable[[Any, str, list[Recorded]], None]


def script(*replies: Reply) -> Callable[[Recorded], Reply]:
    """Answer the faulty call with `replies` in order, the last one forever; the healthy path with data."""
    sequence = itertools.chain(replies, itertools.repeat(replies[-1]))

    def handler(request: Recorded) -> Reply:
        if request.path == HEALTHY:
            return Reply(body={"success": True, "data": {"id": 2, "name": "Healthy Person"}})
        return next(sequence)

    return handler


def ok_data(result: Any, text: str, requests: list[Recorded]) -> None:
    assert not result.is_error, text
    assert json.loads(text)["data"]["title"] == "Recovered"


def error_with(*words: str) -> Expect:
    def check(result: Any, text: str, requests: list[Recorded]) -> None:
        assert result.is_error, text
        for word in words:
            assert word.lower() in text.lower(), (word, text)
        assert "failed inside the server" not in text, text

    return check


GOOD = Reply(body={"success": True, "data": {"id": 1, "title": "Recovered"}})


@dataclass
class Case:
    name: str
    replies: list[Reply]
    expect: Expect
    requests: int  # how many requests the faulty call may make
    tool: str = "get_deal"
    arguments: dict[str, Any] = field(default_factory=lambda: {"id": 1})
    env: dict[str, str] = field(default_factory=dict)


def huge_list() -> dict[str, Any]:
    item = {"id": 0, "title": "x" * 400, "value": 1, "org_name": "Acme"}
    items = [{**item, "id": i} for i in range(24_000)]  # about 10.5 MB of JSON
    return {"success": True, "data": items, "additional_data": {"next_cursor": "c2"}}


CASES = [
    Case(
        "429 x3 (Retry-After: 0) then 200",
        [Reply(429, {"error": "Too many"}, {"retry-after": "0"})] * 3 + [GOOD],
        ok_data,
        4,
    ),
    Case("429 without Retry-After, then 200", [Reply(429, {"error": "Too many"}), GOOD], ok_data, 2),
    Case(
        "429 with Retry-After: soon (unparseable), then 200",
        [Reply(429, {"error": "Too many"}, {"retry-after": "soon"}), GOOD],
        ok_data,
        2,
    ),
    Case(
        "429 forever (Retry-After: 0)",
        [Reply(429, {"error": "Too many"}, {"retry-after": "0"})],
        error_with("rate limit", "HTTP 429", "retry in about"),
        4,
    ),
    Case(
        "429 forever, no Retry-After",
        [Reply(429, {"error": "Too many"})],
        error_with("rate limit", "retry in about"),
        2,  # waits 0.5 s, then the next 1 s wait would pass the 1 s budget
        env={"PIPEDRIVE_MAX_RETRY_WAIT": "1"},
    ),
    Case(
        "429 Retry-After: 120 (past the wait budget)",
        [Reply(429, {"error": "Too many"}, {"retry-after": "120"})],
        error_with("rate limit", "retry in about 120 s"),
        1,
    ),
    *[
        Case(f"GET: {status} then 200", [Reply(status, {"error": "oops"}), GOOD], ok_data, 2)
        for status in (502, 503, 504)
    ],
    # Answers a retry will not change are not retried, whatever the method (issue 16, item 4).
    *[
        Case(
            f"{tool}: {status} (permanent, not retried)",
            [Reply(status, {"error": "nope"}), GOOD],
            error_with(f"HTTP {status}", "nope"),
            1,
            tool=tool,
            arguments=arguments,
        )
        for status in (500, 501, 400, 404)
        for tool, arguments in (
            ("get_deal", {"id": 1}),
            ("update_deal", {"id": 1, "title": "x"}),
            ("delete_deal", {"id": 1}),
        )
    ],
    *[
        Case(
            f"POST: {status} (not retried)",
            [Reply(status, {"error": "oops"}), GOOD],
            error_with(f"HTTP {status}", "oops"),
            1,
            tool="add_note",
            arguments={"content": "hello", "deal_id": 1},
        )
        for status in (500, 502, 503)
    ],
    Case(
        "GET: 503 forever",
        [Reply(503, {"error": "down"})],
        error_with("HTTP 503", "down"),
        3,
        env={"PIPEDRIVE_MAX_RETRIES": "2"},
    ),
    Case(
        "GET: slow past timeout (0.5 s), retried once",
        [Reply(delay=1.5, body=GOOD.body)],
        error_with("did not answer within 0.5 s"),
        2,
        env={"PIPEDRIVE_TIMEOUT": "0.5", "PIPEDRIVE_MAX_RETRIES": "1"},
    ),
    Case(
        "POST: slow past timeout (0.5 s)",
        [Reply(delay=1.5, body=GOOD.body)],
        error_with("did not answer within 0.5 s"),
        1,
        tool="add_note",
        arguments={"content": "hello", "deal_id": 1},
        env={"PIPEDRIVE_TIMEOUT": "0.5"},
    ),
    Case("GET: reset mid-body, then 200", [Reply(body=GOOD.body, truncate=True), GOOD], ok_data, 2),
    Case(
        "GET: reset mid-body forever",
        [Reply(body=GOOD.body, truncate=True)],
        error_with("broke off", "GET /api/v2/deals/1"),
        2,
        env={"PIPEDRIVE_MAX_RETRIES": "1"},
    ),
    Case(
        "POST: reset mid-body (not retried)",
        [Reply(body=GOOD.body, truncate=True)],
        error_with("broke off", "may have carried out"),
        1,
        tool="add_note",
        arguments={"content": "hello", "deal_id": 1},
    ),
    Case(
        "200 with malformed JSON",
        [Reply(200, b'{"data": {"id": 1,', {"content-type": "application/json"})],
        error_with("not valid JSON", "application/json"),
        1,
    ),
    Case(
        "200 with an HTML page",
        [Reply(200, "<!doctype html><html><body>Login</body></html>")],
        error_with("not valid JSON", "text/html"),
        1,
    ),
    Case(
        "502 with an HTML error page (POST)",
        [Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")],
        error_with("HTTP 502", "HTML page"),
        1,
        tool="add_note",
        arguments={"content": "hello", "deal_id": 1},
    ),
    Case("401 with the API's error", [Reply(401, {"error": "unauthorized"})], error_with("HTTP 401"), 1),
    Case(
        "204 with no body", [Reply(204, b"")], lambda r, t, q: None if not r.is_error else pytest.fail(t), 1
    ),
]


async def run_case(case: Case, standin: StandIn, tmp_path: Path) -> tuple[Any, str, list[Recorded], float]:
    standin.reply_with(script(*case.replies))
    settings = make_settings(standin, tmp_path, **case.env)
    async with connect(settings) as client:
        started = time.monotonic()
        outcome: dict[str, Any] = {}

        async def faulty() -> None:
            outcome["faulty"] = await client.call_tool(case.tool, case.arguments)
            outcome["faulty_at"] = time.monotonic() - started

        async def healthy() -> None:
            await anyio.sleep(0.05)
            outcome["healthy"] = await client.call_tool("get_person", {"id": 2})
            outcome["healthy_at"] = time.monotonic() - started

        with anyio.fail_after(CASE_SECONDS):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(faulty)
                tasks.start_soon(healthy)
            after = await client.call_tool("get_person", {"id": 2})
        elapsed = outcome["faulty_at"]
        healthy_result = outcome["healthy"]
        assert not healthy_result.is_error and "Healthy Person" in text_of(healthy_result)
        if outcome["faulty_at"] >= 0.5:  # a faulty call that waits (retries, timeouts) holds up no other
            assert outcome["healthy_at"] < outcome["faulty_at"], "a healthy call waited for the faulty one"
        assert not after.is_error and "Healthy Person" in text_of(after)
        faulty_requests = [r for r in standin.requests if r.path != HEALTHY]
        return outcome["faulty"], text_of(outcome["faulty"]), faulty_requests, elapsed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_fault(case: Case, standin: StandIn, tmp_path: Path) -> None:
    result, text, requests, elapsed = await run_case(case, standin, tmp_path)
    TABLE.append(
        (case.name, "error" if result.is_error else "data", len(requests), elapsed, text.replace("\n", " "))
    )
    case.expect(result, text, requests)
    assert len(requests) == case.requests, [(r.method, r.path) for r in requests]


async def test_ten_megabyte_answer_is_capped_and_resumable(standin: StandIn, tmp_path: Path) -> None:
    body = huge_list()
    raw = json.dumps(body).encode()
    standin.reply_with(lambda request: Reply(200, raw, {"content-type": "application/json"}))
    async with connect(make_settings(standin, tmp_path)) as client:
        started = time.monotonic()
        with anyio.fail_after(CASE_SECONDS):
            result = await client.call_tool("get_deals", {})
        elapsed = time.monotonic() - started
    text = text_of(result)
    answer = json.loads(text)
    cut = answer["cut"]
    TABLE.append(
        ("200 with a 10 MB list", "capped", 1, elapsed, f"{len(raw) / 2**20:.1f} MB -> {len(text)} chars")
    )
    assert not result.is_error
    assert len(text) <= 20_000
    assert cut["items_shown"] + cut["items_cut"] == len(body["data"]) and cut["items_shown"] > 0
    # One page, cut: nothing is lost, page.next resumes at the first item not shown (issue 16, item 2).
    assert answer["page"]["next"] == {"skip": cut["items_shown"]}


async def test_ten_megabyte_object_is_capped_with_a_preview(standin: StandIn, tmp_path: Path) -> None:
    body = {"success": True, "data": {"id": 1, "title": "big", "notes": "y" * 10 * 2**20}}
    standin.reply_with(lambda request: Reply(200, body))
    async with connect(make_settings(standin, tmp_path)) as client:
        started = time.monotonic()
        with anyio.fail_after(CASE_SECONDS):
            result = await client.call_tool("get_deal", {"id": 1})
        elapsed = time.monotonic() - started
    text = text_of(result)
    cut = json.loads(text)["cut"]
    TABLE.append(("200 with a 10 MB object", "capped", 1, elapsed, cut["note"]))
    assert not result.is_error and len(text) <= 20_000
    assert "over the 20000 limit" in cut["note"] and Path(cut["full_answer_file"]).stat().st_size > 10 * 2**20


def test_zz_print_fault_table() -> None:
    print("\nAPI faults: case -> outcome")
    print(f"  {'case':<46} {'result':<7} {'reqs':>4} {'secs':>6}  message")
    for name, kind, count, seconds, message in TABLE:
        print(f"  {name:<46} {kind:<7} {count:>4} {seconds:>6.2f}  {message[:110]}")
