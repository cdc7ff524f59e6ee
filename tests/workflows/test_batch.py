"""`batch`: several tool calls in one, each answered in its place, under the same rules as alone."""

from __future__ import annotations

import threading
import time

import pytest
from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.workflows import batch
from tests.conftest import connect, make_settings
from tests.standin import Recorded, Reply, StandIn
from tests.test_safe_writes import asking
from tests.workflows.conftest import answer, client_for, settings_for, walk_v1


def note_contents(api) -> list[str]:
    return [n["content"] for n in walk_v1(api, "/api/v1/notes")]


async def test_a_mixed_batch_answers_each_operation_in_its_place(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:  # the default write level: safe
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "get_deal", "arguments": {"id": 1}},
                    {"tool": "add_note", "arguments": {"content": "Batch note one", "deal_id": 1}},
                    {"tool": "delete_deal", "arguments": {"id": 2}},
                    {"tool": "get_deal", "arguments": {"id": 99999}},
                    {"tool": "add_deal", "arguments": {"value": "lots"}},
                ]
            },
        )
    results = out["results"]
    assert [r["ok"] for r in results] == [True, True, False, False, False]
    assert results[0]["result"]["data"]["id"] == 1
    assert results[1]["result"]["data"]["deal_id"] == 1
    assert "destructive" in results[2]["error"] and "--writes all" in results[2]["error"]
    assert "404" in results[3]["error"] or "not found" in results[3]["error"].lower()
    assert (
        "Invalid arguments for add_deal" in results[4]["error"] and "title: required" in results[4]["error"]
    )
    assert (out["done"], out["failed"], out["not_run"]) == (2, 3, 0)
    # The write happened; the refused delete did not.
    assert "Batch note one" in note_contents(api)
    assert api.get("/api/v2/deals/2").json()["data"]["is_deleted"] is False


async def test_a_read_only_server_lists_batch_and_refuses_its_writes_one_by_one(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path, PIPEDRIVE_WRITES="none") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "get_person", "arguments": {"id": 1}},
                    {"tool": "add_note", "arguments": {"content": "Read-only note", "person_id": 1}},
                    {"tool": "upsert_person", "arguments": {"email": "ro@wf.example", "name": "Ro"}},
                ]
            },
        )
    annotations = listed["batch"].annotations
    assert annotations is not None and annotations.read_only_hint is True
    assert "upsert_person" not in listed and "add_note" not in listed
    results = out["results"]
    assert results[0]["ok"] and results[0]["result"]["data"]["id"] == 1
    assert not results[1]["ok"] and "read-only" in results[1]["error"]
    assert not results[2]["ok"] and "read-only" in results[2]["error"]
    assert "Read-only note" not in note_contents(api)
    found = api.get("/api/v2/persons/search", params={"term": "ro@wf.example", "exact_match": "true"})
    assert found.json()["data"]["items"] == []


async def test_answers_feed_later_operations(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "add_organization", "arguments": {"name": "Batchworks Ltd"}},
                    {"tool": "add_person", "arguments": {"name": "Bea Batch", "org_id": "$0.data.id"}},
                    {
                        "tool": "add_deal",
                        "arguments": {
                            "title": "Batch deal",
                            "person_id": "$1.data.id",
                            "org_id": "$0.data.id",
                        },
                    },
                    {"tool": "get_deal", "arguments": {"id": "$2.data.id"}},
                    {
                        "tool": "add_note",
                        "arguments": {"content": "$$0.data.id stays text", "deal_id": "$2.data.id"},
                    },
                ]
            },
        )
    org, person, deal, again, note = (r["result"]["data"] for r in out["results"])
    stored = api.get(f"/api/v2/deals/{deal['id']}").json()["data"]
    assert (stored["org_id"], stored["person_id"]) == (org["id"], person["id"])
    assert api.get(f"/api/v2/persons/{person['id']}").json()["data"]["org_id"] == org["id"]
    assert again["id"] == deal["id"]
    assert note["deal_id"] == deal["id"] and "$0.data.id stays text" in note_contents(api)


async def test_references_that_name_nothing_fail_their_operation_clearly(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "get_deal", "arguments": {"id": 99999}},
                    {"tool": "add_note", "arguments": {"content": "Orphan note", "deal_id": "$0.data.id"}},
                    {"tool": "get_deal", "arguments": {"id": "$3.data.id"}},
                    {"tool": "get_deal", "arguments": {"id": 1}},
                    {"tool": "get_deal", "arguments": {"id": "$3.data.nope"}},
                    {"tool": "batch", "arguments": {"operations": []}},
                ]
            },
        )
    results = out["results"]
    assert [r["ok"] for r in results] == [False, False, False, True, False, False]
    assert "refers to operation 0, which failed" in results[1]["error"]
    assert "operation 3, which does not come before this one" in results[2]["error"]
    assert "$3.data.nope" in results[4]["error"] and "has no 'nope'" in results[4]["error"]
    assert "cannot hold another batch" in results[5]["error"]
    assert "Orphan note" not in note_contents(api)


async def test_stop_on_error_runs_in_order_and_leaves_the_rest_unrun(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "add_note", "arguments": {"content": "Before the error", "deal_id": 1}},
                    {"tool": "get_deal", "arguments": {"id": 99999}},
                    {"tool": "add_note", "arguments": {"content": "After the error", "deal_id": 1}},
                ],
                "stop_on_error": True,
            },
        )
    first, failed, rest = out["results"]
    assert first["ok"] and not failed["ok"]
    assert rest == {
        "ok": False,
        "not_run": True,
        "error": "not run: operation 1 failed and stop_on_error is set.",
    }
    contents = note_contents(api)
    assert "Before the error" in contents and "After the error" not in contents


async def test_independent_operations_overlap_within_the_limit(standin: StandIn, tmp_path):
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request: Recorded) -> Reply:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.15)  # long enough for concurrent calls to meet at the API
        with lock:
            state["now"] -= 1
        return Reply(body={"success": True, "data": {"id": int(request.path.rsplit("/", 1)[1])}})

    standin.reply_with(slow)
    operations = [{"tool": "get_deal", "arguments": {"id": n}} for n in range(1, 11)]
    operations.append({"tool": "get_deal", "arguments": {"id": "$9.data.id"}})  # waits for operation 9
    async with connect(make_settings(standin, tmp_path)) as client:
        out = await answer(client, "batch", {"operations": operations})
    assert [r["result"]["data"]["id"] for r in out["results"]] == [*range(1, 11), 10]
    assert 1 < state["peak"] <= batch.CONCURRENT
    assert len(standin.requests) == 11


async def test_batch_says_what_it_may_do_at_each_write_level(sandbox, tmp_path):
    hints = {}
    for level in ("none", "safe", "all"):
        async with client_for(sandbox, tmp_path, PIPEDRIVE_WRITES=level) as client:
            (listed,) = [t for t in (await client.list_tools()).tools if t.name == "batch"]
        assert listed.annotations is not None
        hints[level] = (listed.annotations.read_only_hint, listed.annotations.destructive_hint)
    # Read-only where it can only read; destructive where the server offers destructive tools.
    assert hints == {"none": (True, None), "safe": (None, False), "all": (None, True)}


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # asked over the back channel / by a retried call
async def test_a_batch_sends_each_write_once_when_a_later_operation_needs_confirmation(
    sandbox, api, tmp_path, mode
):
    """A client on MCP 2026-07-28 answers a question by calling again: a batch that let an operation ask
    that way would run the writes before it a second time. Its operations ask only where the question
    waits for its answer; elsewhere the destructive one answers with a preview to confirm."""
    asked: list[str] = []
    server = build_server(settings_for(sandbox, tmp_path, PIPEDRIVE_WRITES="all"))
    note, deal = f"Batch note once ({mode})", {"legacy": 3, "auto": 4}[mode]
    async with Client(server, elicitation_callback=asking("accept", asked), mode=mode) as client:
        out = await answer(
            client,
            "batch",
            {
                "operations": [
                    {"tool": "add_note", "arguments": {"content": note, "deal_id": 1}},
                    {"tool": "delete_deal", "arguments": {"id": deal}},
                ],
                "stop_on_error": True,
            },
        )
    assert note_contents(api).count(note) == 1
    found = api.get(f"/api/v2/deals/{deal}").json().get("data")
    deleted = not found or found["is_deleted"]
    if mode == "legacy":  # asked while the batch waited, and accepted
        assert len(asked) == 1 and out["results"][1]["ok"] and deleted is True
    else:
        assert asked == [] and deleted is False
        second = out["results"][1]
        assert second["ok"] and second["result"]["confirm"] and second["result"]["preview"]
