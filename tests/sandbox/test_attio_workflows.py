"""An agent's work in the sandbox's Attio workspace, through the real MCP client and our tools."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.sandbox import SandboxHandle, start_sandbox
from dealdesk_mcp.sandbox.attio.wire import seeded_id
from tests.conftest import text_of
from tests.sandbox.test_attio_tools import settings_for

ACME = seeded_id("record", "companies", "Acme Logistics")
ALEX = seeded_id("member", "alex")


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(":memory:") as handle:
        yield handle


@asynccontextmanager
async def connected(sandbox: SandboxHandle, tmp_path: Path) -> AsyncIterator[Client]:
    async with Client(build_server(settings_for(sandbox, tmp_path))) as client:
        yield client


async def ok(client: Client, tool: str, args: dict[str, Any]) -> Any:
    """The shaped answer; with raw=true, the API's own answer (which the server gives under `data`)."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool}: {text_of(result)}"
    answer = json.loads(text_of(result))
    return answer["data"] if args.get("raw") else answer


async def fails(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, f"{tool} should have failed: {text_of(result)}"
    return text_of(result)


def ids(answer: Any, key: str = "record_id") -> list[str]:
    rows = answer["data"]
    if isinstance(rows, dict) and "rows" in rows:  # a shaped table
        column = rows["columns"].index("id")
        return [row[column][key] for row in rows["rows"]]
    return [row["id"][key] for row in rows]


async def test_records_create_assert_query_update_with_history_and_delete(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with connected(sandbox, tmp_path) as client:
        created = await ok(client, "attio_create_record", {"object": "people", "values": {
            "name": ["Ada Lovelace"], "email_addresses": ["ada@analytical.example"], "job_title": ["Analyst"],
            "company": [ACME]}})  # fmt: skip
        ada = created["data"]["id"]["record_id"]

        # Assert on the unique email finds Ada instead of creating a second person.
        asserted = await ok(client, "attio_assert_record", {"object": "people", "matching_attribute": "email_addresses",
            "values": {"email_addresses": ["ADA@analytical.example"], "job_title": ["Chief analyst"]}})  # fmt: skip
        assert asserted["data"]["id"]["record_id"] == ada
        # ...and on an unknown domain it creates the company.
        new_company = await ok(client, "attio_assert_record", {"object": "companies", "matching_attribute": "domains",
            "values": {"domains": ["engines.example"], "name": ["Difference Engines"]}})  # fmt: skip
        assert new_company["data"]["id"]["record_id"] != ACME

        found = await ok(client, "attio_list_records", {"object": "people", "filter": {"$and": [
            {"email_addresses": {"email_domain": "analytical.example"}}, {"job_title": {"$contains": "chief"}}]}})  # fmt: skip
        assert ids(found) == [ada]
        by_company = await ok(client, "attio_list_records", {"object": "people", "filter": {"company": ACME},
            "sorts": [{"attribute": "name", "field": "first_name", "direction": "asc"}]})  # fmt: skip
        assert ada in ids(by_company) and len(ids(by_company)) == 3  # Olivia and Liam work there too
        none = await ok(
            client,
            "attio_list_records",
            {"object": "people", "filter": {"job_title": {"$starts_with": "zzz"}}},
        )
        assert ids(none) == []

        # The company's team picked Ada up (a two-sided relationship).
        acme = await ok(client, "attio_get_record", {"object": "companies", "record_id": ACME, "raw": True})
        assert ada in [v["target_record_id"] for v in acme["data"]["values"]["team"]]

        await ok(client, "attio_update_record_overwrite_multiselect_values",
                 {"object": "people", "record_id": ada, "values": {"job_title": ["Head of analysis"]}})  # fmt: skip
        history = await ok(client, "attio_list_record_attribute_values",
                           {"object": "people", "record_id": ada, "attribute": "job_title", "show_historic": True, "raw": True})  # fmt: skip
        titles = [(v["value"], v["active_until"] is None) for v in history["data"]]
        assert titles == [("Analyst", False), ("Chief analyst", False), ("Head of analysis", True)]

        await ok(client, "attio_update_record_append_multiselect_values",
                 {"object": "people", "record_id": ada, "values": {"email_addresses": ["countess@analytical.example"]}})  # fmt: skip
        person = await ok(client, "attio_get_record", {"object": "people", "record_id": ada, "raw": True})
        assert sorted(v["email_address"] for v in person["data"]["values"]["email_addresses"]) == [
            "ada@analytical.example", "countess@analytical.example"]  # fmt: skip

        clash = await fails(
            client,
            "attio_create_record",
            {"object": "people", "values": {"email_addresses": ["ada@analytical.example"]}},
        )
        assert "HTTP 400" in clash and "unique attribute" in clash

        await ok(client, "attio_delete_record", {"object": "people", "record_id": ada})
        gone = await fails(client, "attio_get_record", {"object": "people", "record_id": ada})
        assert "HTTP 404" in gone and "[not_found]" in gone
        acme = await ok(client, "attio_get_record", {"object": "companies", "record_id": ACME, "raw": True})
        assert ada not in [v["target_record_id"] for v in acme["data"]["values"]["team"]]


async def test_lists_and_entries(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        grace = (
            await ok(
                client,
                "attio_create_record",
                {
                    "object": "companies",
                    "values": {"name": ["Hopper Systems"], "domains": ["hopper.example"]},
                },
            )
        )["data"]["id"]["record_id"]
        entry = await ok(client, "attio_create_entry_add_record_to_list", {"list": "sales_pipeline", "parent_record_id": grace,
            "parent_object": "companies", "entry_values": {"stage": ["Prospecting"], "priority": ["High"]}})  # fmt: skip
        entry_id = entry["data"]["id"]["entry_id"]
        high = await ok(
            client,
            "attio_list_entries",
            {"list": "sales_pipeline", "filter": {"priority": "High"}, "raw": True},
        )
        assert entry_id in [e["id"]["entry_id"] for e in high["data"]]
        assert all(e["entry_values"]["priority"][0]["option"]["title"] == "High" for e in high["data"])

        # Assert by parent updates the one entry instead of adding another.
        again = await ok(client, "attio_assert_list_entry_by_parent", {"list": "sales_pipeline", "parent_record_id": grace,
            "parent_object": "companies", "entry_values": {"stage": ["Qualified"]}})  # fmt: skip
        assert again["data"]["id"]["entry_id"] == entry_id
        stages = await ok(client, "attio_list_attribute_values_for_list_entry", {"list": "sales_pipeline", "entry_id": entry_id,
            "attribute": "stage", "show_historic": True, "raw": True})  # fmt: skip
        assert [v["status"]["title"] for v in stages["data"]] == ["Prospecting", "Qualified"]

        listed = await ok(
            client, "attio_list_record_entries", {"object": "companies", "record_id": grace, "raw": True}
        )
        assert [(e["list_api_slug"], e["entry_id"]) for e in listed["data"]] == [("sales_pipeline", entry_id)]
        await ok(client, "attio_delete_list_entry", {"list": "sales_pipeline", "entry_id": entry_id})
        assert (
            await ok(
                client, "attio_list_record_entries", {"object": "companies", "record_id": grace, "raw": True}
            )
        )["data"] == []


async def test_notes_tasks_and_comments(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        note = await ok(client, "attio_create_note", {"parent_object": "companies", "parent_record_id": ACME,
            "title": "Pricing", "format": "markdown", "content": "**Annual** billing preferred"})  # fmt: skip
        assert note["data"]["content_plaintext"] == "Annual billing preferred"
        notes = await ok(
            client, "attio_list_notes", {"parent_object": "companies", "parent_record_id": ACME, "raw": True}
        )
        assert note["data"]["id"]["note_id"] in [n["id"]["note_id"] for n in notes["data"]]

        task = await ok(client, "attio_create_task", {"content": "Call Acme back", "format": "plaintext",
            "deadline_at": "2031-02-01T09:00:00Z", "is_completed": False,
            "linked_records": [{"target_object": "companies", "target_record_id": ACME}],
            "assignees": [{"workspace_member_email_address": "priya.natarajan@northwind-analytics.example"}]})  # fmt: skip
        task_id = task["data"]["id"]["task_id"]
        await ok(client, "attio_update_task", {"task_id": task_id, "is_completed": True})
        done = await ok(
            client,
            "attio_list_tasks",
            {"is_completed": True, "linked_object": "companies", "linked_record_id": ACME, "raw": True},
        )
        assert task_id in [t["id"]["task_id"] for t in done["data"]]
        open_ = await ok(client, "attio_list_tasks", {"is_completed": False, "raw": True})
        assert task_id not in [t["id"]["task_id"] for t in open_["data"]]

        started = await ok(client, "attio_create_comment", {"data": {"format": "plaintext", "content": "New thread",
            "author": {"type": "workspace-member", "id": ALEX}, "record": {"object": "companies", "record_id": ACME}}})  # fmt: skip
        thread_id = started["data"]["thread_id"]
        await ok(client, "attio_create_comment", {"data": {"format": "plaintext", "content": "A reply",
            "author": {"type": "workspace-member", "id": ALEX}, "thread_id": thread_id}})  # fmt: skip
        thread = await ok(client, "attio_get_thread", {"thread_id": thread_id, "raw": True})
        assert [c["content_plaintext"] for c in thread["data"]["comments"]] == ["New thread", "A reply"]
        threads = await ok(
            client, "attio_list_threads", {"object": "companies", "record_id": ACME, "raw": True}
        )
        assert thread_id in [t["id"]["thread_id"] for t in threads["data"]]
        await ok(client, "attio_delete_comment", {"comment_id": started["data"]["id"]["comment_id"]})
        missing = await fails(client, "attio_get_thread", {"thread_id": thread_id})
        assert "HTTP 404" in missing


async def test_files_round_trip_byte_for_byte(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        content = bytes(range(256)) * 40 + b"end"
        local = tmp_path / "proposal.bin"
        local.write_bytes(content)
        folder = await ok(
            client,
            "attio_create_folder",
            {"object": "companies", "record_id": ACME, "file_type": "folder", "name": "Proposals"},
        )
        folder_id = folder["data"]["id"]["file_id"]
        uploaded = await ok(
            client,
            "attio_upload_file",
            {"path": str(local), "object": "companies", "record_id": ACME, "parent_folder_id": folder_id},
        )
        file_id = uploaded["data"]["id"]["file_id"]
        assert uploaded["data"]["content_size"] == len(content)

        inside = await ok(
            client,
            "attio_list_files",
            {"object": "companies", "record_id": ACME, "parent_folder_id": folder_id, "raw": True},
        )
        assert [f["id"]["file_id"] for f in inside["data"]] == [file_id]
        every = await ok(
            client, "attio_list_files", {"object": "companies", "record_id": ACME, "limit": 2, "raw": True}
        )
        assert every["pagination"]["next_cursor"]  # the seeded folder and files are there too
        page_two = await ok(
            client,
            "attio_list_files",
            {
                "object": "companies",
                "record_id": ACME,
                "limit": 2,
                "cursor": every["pagination"]["next_cursor"],
                "raw": True,
            },
        )
        assert {f["id"]["file_id"] for f in every["data"]}.isdisjoint(
            f["id"]["file_id"] for f in page_two["data"]
        )

        saved = (await ok(client, "attio_download_file", {"file_id": file_id}))["saved"]
        assert Path(saved["path"]).read_bytes() == content

        await ok(client, "attio_delete_file", {"file_id": folder_id})  # takes the file inside with it
        assert "HTTP 404" in await fails(client, "attio_get_file", {"file_id": file_id})


async def test_webhooks(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        created = await ok(client, "attio_create_webhook", {"target_url": "https://example.com/attio-hook",
            "subscriptions": [{"event_type": "record.created", "filter": None}]})  # fmt: skip
        hook = created["data"]["id"]["webhook_id"]
        assert created["data"]["status"] == "active"
        await ok(client, "attio_update_webhook", {"webhook_id": hook, "subscriptions": [
            {"event_type": "note.created", "filter": {"$and": [{"field": "parent_object_id", "operator": "equals", "value": "x"}]}}]})  # fmt: skip
        fetched = await ok(client, "attio_get_webhook", {"webhook_id": hook, "raw": True})
        assert [s["event_type"] for s in fetched["data"]["subscriptions"]] == ["note.created"]
        assert "secret" not in fetched["data"]
        listed = await ok(client, "attio_list_webhooks", {"raw": True})
        assert hook in [w["id"]["webhook_id"] for w in listed["data"]]
        bad = await fails(
            client, "attio_create_webhook", {"target_url": "http://plain.example/hook", "subscriptions": []}
        )
        assert "HTTP 400" in bad and "https" in bad
        await ok(client, "attio_delete_webhook", {"webhook_id": hook})
        assert "HTTP 404" in await fails(client, "attio_get_webhook", {"webhook_id": hook})


async def walk(client: Client, tool: str, args: dict[str, Any], key: str) -> list[str]:
    """Follow the page summary's `next` arguments to the end; answers every item's id."""
    seen: list[str] = []
    extra: dict[str, Any] = {}
    for _ in range(50):
        result = await client.call_tool(tool, {**args, **extra, "raw": True})
        assert not result.is_error, text_of(result)
        answer = json.loads(text_of(result))  # raw: the API's answer under data, our page summary beside it
        seen += [item["id"][key] for item in answer["data"]["data"]]
        if not answer["page"].get("more"):
            return seen
        extra = answer["page"]["next"]
    raise AssertionError(f"{tool} never reached its last page")


async def test_both_pagination_styles_walk_every_item_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        meetings = await walk(client, "attio_list_meetings", {"limit": 1}, "meeting_id")  # cursor
        notes = await walk(client, "attio_list_notes", {"limit": 1}, "note_id")  # offset in the query
        people = await walk(
            client, "attio_list_records", {"object": "people", "limit": 5}, "record_id"
        )  # offset in the body
    assert len(meetings) == len(set(meetings)) == 4
    assert len(notes) == len(set(notes)) == 4
    assert len(people) == len(set(people)) == 16


async def test_objects_attributes_options_statuses_and_lists(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with connected(sandbox, tmp_path) as client:
        made = await ok(client, "attio_create_object",
                        {"api_slug": "vendors", "singular_noun": "Vendor", "plural_noun": "Vendors", "raw": True})  # fmt: skip
        assert made["data"]["api_slug"] == "vendors"
        await ok(client, "attio_update_object", {"object": "vendors", "plural_noun": "Suppliers"})
        read = await ok(client, "attio_get_object", {"object": "vendors", "raw": True})
        assert read["data"]["plural_noun"] == "Suppliers"
        objects = await ok(client, "attio_list_objects", {"raw": True})
        assert "vendors" in [o["api_slug"] for o in objects["data"]]

        where = {"target": "objects", "identifier": "vendors"}
        for slug, kind in (("tier", "select"), ("phase", "status")):
            await ok(client, "attio_create_attribute", {**where, "title": slug.title(), "description": f"The {slug}",
                "api_slug": slug, "type": kind, "is_required": False, "is_unique": False,
                "is_multiselect": False, "config": {}})  # fmt: skip
        await ok(
            client, "attio_update_attribute", {**where, "attribute": "tier", "description": "Support tier"}
        )
        tier = await ok(client, "attio_get_attribute", {**where, "attribute": "tier", "raw": True})
        assert (tier["data"]["type"], tier["data"]["description"]) == ("select", "Support tier")
        listed = await ok(client, "attio_list_attributes", {**where, "raw": True})
        assert {"tier", "phase"} <= {a["api_slug"] for a in listed["data"]}

        await ok(client, "attio_create_select_option", {**where, "attribute": "tier", "title": "Gold"})
        await ok(
            client,
            "attio_update_select_option",
            {**where, "attribute": "tier", "option": "Gold", "title": "Platinum"},
        )
        options = await ok(client, "attio_list_select_options", {**where, "attribute": "tier", "raw": True})
        assert [o["title"] for o in options["data"]] == ["Platinum"]

        for title in ("Onboarding", "Active"):
            await ok(client, "attio_create_status", {**where, "attribute": "phase", "title": title})
        await ok(
            client,
            "attio_update_status",
            {**where, "attribute": "phase", "status": "Onboarding", "is_archived": True},
        )
        statuses = await ok(client, "attio_list_statuses", {**where, "attribute": "phase", "raw": True})
        assert [s["title"] for s in statuses["data"]] == ["Active"]

        # The new object holds records whose values use the new attributes.
        record = await ok(client, "attio_create_record",
                          {"object": "vendors", "values": {"tier": ["Platinum"], "phase": ["Active"]}, "raw": True})  # fmt: skip
        values = record["data"]["values"]
        assert values["tier"][0]["option"]["title"] == "Platinum"
        assert values["phase"][0]["status"]["title"] == "Active"
        archived = await fails(
            client, "attio_create_record", {"object": "vendors", "values": {"phase": ["Onboarding"]}}
        )
        assert "HTTP 400" in archived

        # A list of the new object's records.
        await ok(client, "attio_create_list", {"name": "Preferred vendors", "api_slug": "preferred_vendors",
            "parent_object": "vendors", "workspace_access": "full-access", "workspace_member_access": []})  # fmt: skip
        await ok(client, "attio_update_list", {"list": "preferred_vendors", "name": "Preferred suppliers"})
        got = await ok(client, "attio_get_list", {"list": "preferred_vendors", "raw": True})
        assert got["data"]["name"] == "Preferred suppliers" and got["data"]["parent_object"] == ["vendors"]
        lists = await ok(client, "attio_list_all_lists", {"raw": True})
        assert "preferred_vendors" in [item["api_slug"] for item in lists["data"]]


async def test_meetings_recordings_transcripts_and_the_workspace(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with connected(sandbox, tmp_path) as client:
        meeting = {"title": "Renewal call", "description": "Annual renewal", "is_all_day": False,
            "start": {"datetime": "2031-03-04T10:00:00Z", "timezone": "UTC"},
            "end": {"datetime": "2031-03-04T10:30:00Z", "timezone": "UTC"},
            "participants": [{"email_address": "alex.morgan@northwind-analytics.example", "is_organizer": True,
                              "status": "accepted"}],
            "linked_records": [{"object": "companies", "record_id": ACME}], "external_ref": "renewal-2031"}  # fmt: skip
        first = await ok(client, "attio_find_or_create_meeting", {**meeting, "raw": True})
        mid = first["data"]["id"]["meeting_id"]
        again = await ok(client, "attio_find_or_create_meeting", {**meeting, "title": "Other", "raw": True})
        assert again["data"]["id"]["meeting_id"] == mid  # the same external reference finds it
        assert (await ok(client, "attio_get_meeting", {"meeting_id": mid, "raw": True}))["data"][
            "title"
        ] == "Renewal call"
        linked = await ok(
            client,
            "attio_list_meetings",
            {"linked_object": "companies", "linked_record_id": ACME, "raw": True},
        )
        assert mid in [m["id"]["meeting_id"] for m in linked["data"]]

        made = await ok(
            client,
            "attio_create_call_recording",
            {"meeting_id": mid, "video_url": "https://v.example/r.mp4", "raw": True},
        )
        rid = made["data"]["id"]["call_recording_id"]
        assert made["data"]["status"] == "processing"
        recordings = await ok(client, "attio_list_call_recordings", {"meeting_id": mid, "raw": True})
        assert [r["id"]["call_recording_id"] for r in recordings["data"]] == [rid]
        await ok(client, "attio_delete_call_recording", {"meeting_id": mid, "call_recording_id": rid})
        gone = await fails(client, "attio_get_call_recording", {"meeting_id": mid, "call_recording_id": rid})
        assert "HTTP 404" in gone

        # The seeded review's recording is processed: its transcript is the sandbox's own, and says so.
        review, recording = seeded_id("meeting", "acme-review"), seeded_id("recording", "acme-review")
        transcript = await ok(
            client,
            "attio_get_call_transcript",
            {"meeting_id": review, "call_recording_id": recording, "raw": True},
        )
        assert transcript["data"]["raw_transcript"].startswith("[sandbox: simulated transcript]")

        me = await ok(client, "attio_identify", {"raw": True})
        assert me["active"] is True
        members = await ok(client, "attio_list_workspace_members", {"raw": True})
        assert ALEX in [m["id"]["workspace_member_id"] for m in members["data"]]
        alex = await ok(client, "attio_get_workspace_member", {"workspace_member_id": ALEX, "raw": True})
        assert alex["data"]["email_address"] == "alex.morgan@northwind-analytics.example"
        users = await ok(client, "attio_list_scim_users", {"raw": True})
        assert "alex.morgan@northwind-analytics.example" in [u["userName"] for u in users["Resources"]]


async def test_a_task_links_a_record_by_a_unique_attribute(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Attio's documented placeholder key stands for an attribute slug of the caller's choosing."""
    async with connected(sandbox, tmp_path) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert "[slug_or_id_of_matching_attribute]" not in json.dumps(tools["attio_create_task"].input_schema)
        task = await ok(client, "attio_create_task", {"content": "Send Acme the renewal", "format": "plaintext",
            "deadline_at": None, "is_completed": False, "assignees": [],
            "linked_records": [{"target_object": "companies", "domains": [{"domain": "acme-logistics.example"}]}]})  # fmt: skip
        linked = await ok(
            client, "attio_list_tasks", {"linked_object": "companies", "linked_record_id": ACME, "raw": True}
        )
        assert task["data"]["id"]["task_id"] in [t["id"]["task_id"] for t in linked["data"]]
        refused = await fails(client, "attio_create_task", {"content": "x", "format": "plaintext", "deadline_at": None,
            "is_completed": False, "assignees": [], "linked_records": [{"target_object": "companies", "domains": "acme"}]})  # fmt: skip
        assert "linked_records" in refused
