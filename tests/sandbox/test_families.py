"""Each Pipedrive resource family through the real MCP client and our tools against the sandbox:
create -> read -> update -> list -> delete (one table), then the relations each family has of its own
(followers, participants, products and installments on deals, merges, search, files byte for byte,
projects and tasks, goals, roles and permission sets, mail, call logs with recordings, channels,
product variations, field options, comments, conversions)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle
from tests.conftest import connect, records, text_of

Args = dict[str, Any]


@asynccontextmanager
async def tools(sandbox: SandboxHandle, tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings.from_env(
        {
            "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN,
            "PIPEDRIVE_BASE_URL": sandbox.base_url,
            "PIPEDRIVE_TOOLSETS": "all",
            "PIPEDRIVE_WRITES": "all",
            "PIPEDRIVE_CONFIRM": "never",
            "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
            "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
            "PIPEDRIVE_MCP_STATE_DIR": str(tmp_path / "state"),
        }
    )
    async with connect(settings) as client:
        yield client


async def ok(client: Client, tool: str, args: Args) -> Any:
    """The tool's structured answer's `data` (the in-memory client has checked it against the schema)."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool}({args}): {text_of(result)[:500]}"
    return json.loads(text_of(result))["data"]


async def fails(client: Client, tool: str, args: Args) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, f"{tool} should have failed: {text_of(result)[:300]}"
    return text_of(result)


async def listed(client: Client, tool: str, args: Args) -> list[Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool}: {text_of(result)[:500]}"
    answer = json.loads(text_of(result))
    data = answer["data"]
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        return next(iter(data.values()))  # a list under one name (goals answer {"goals": [...]})
    return records(answer)


def ids(rows: list[Any], key: str = "id") -> list[Any]:
    return [row[key] for row in rows if isinstance(row, dict)]


@dataclass(frozen=True)
class Family:
    name: str
    add: tuple[str, Args]
    update: tuple[str, Args]  # the field it changes is the first of Args
    listing: tuple[str, Args]
    delete: str | None
    get: str | None = None
    key: str = "id"
    extra: Args = field(default_factory=dict)  # arguments every call after the create needs


FAMILIES = [
    Family("deal", ("add_deal", {"title": "WF deal"}), ("update_deal", {"title": "WF deal 2"}),
           ("get_deals", {"max_items": 1000}), "delete_deal", "get_deal"),
    Family("person", ("add_person", {"name": "WF Person"}), ("update_person", {"name": "WF Person 2"}),
           ("get_persons", {"max_items": 1000}), "delete_person", "get_person"),
    Family("organization", ("add_organization", {"name": "WF Org"}),
           ("update_organization", {"name": "WF Org 2"}), ("get_organizations", {"max_items": 1000}),
           "delete_organization", "get_organization"),
    Family("product", ("add_product", {"name": "WF Product"}), ("update_product", {"name": "WF Product 2"}),
           ("get_products", {"max_items": 1000}), "delete_product", "get_product"),
    Family("activity", ("add_activity", {"subject": "WF call", "type": "call"}),
           ("update_activity", {"subject": "WF call 2"}), ("get_activities", {"max_items": 1000}),
           "delete_activity", "get_activity"),
    Family("note", ("add_note", {"content": "WF note", "deal_id": 1}), ("update_note", {"content": "WF note 2"}),
           ("get_notes", {"deal_id": 1, "max_items": 1000}), "delete_note", "get_note"),
    Family("pipeline", ("add_pipeline", {"name": "WF Pipeline"}), ("update_pipeline", {"name": "WF Pipeline 2"}),
           ("get_pipelines", {}), "delete_pipeline", "get_pipeline"),
    Family("stage", ("add_stage", {"name": "WF Stage", "pipeline_id": 1}), ("update_stage", {"name": "WF Stage 2"}),
           ("get_stages", {"pipeline_id": 1}), "delete_stage", "get_stage"),
    Family("lead", ("add_lead", {"title": "WF Lead", "person_id": 1}), ("update_lead", {"title": "WF Lead 2"}),
           ("get_leads", {"person_id": 1, "max_items": 1000}), "delete_lead", "get_lead"),
    Family("project", ("add_project", {"title": "WF Project", "board_id": 1, "phase_id": 1}),
           ("update_project", {"title": "WF Project 2"}), ("get_projects", {"max_items": 1000}),
           "delete_project", "get_project"),
    Family("task", ("add_task", {"title": "WF Task", "project_id": 1}), ("update_task", {"title": "WF Task 2"}),
           ("get_tasks", {"project_id": 1, "max_items": 1000}), "delete_task", "get_task"),
    Family("project board", ("add_project_board", {"name": "WF Board"}),
           ("update_project_board", {"name": "WF Board 2"}), ("get_projects_boards", {}),
           "delete_project_board", "get_projects_board"),
    Family("project phase", ("add_project_phase", {"name": "WF Phase", "board_id": 1}),
           ("update_project_phase", {"name": "WF Phase 2"}), ("get_projects_phases", {"board_id": 1}),
           "delete_project_phase", "get_projects_phase"),
    Family("filter", ("add_filter", {"name": "WF Filter", "type": "deals", "conditions": {"glue": "and", "conditions": []}}),
           ("update_filter", {"name": "WF Filter 2", "conditions": {"glue": "and", "conditions": []}}),
           ("get_filters", {"type": "deals"}), "delete_filter", "get_filter"),
    Family("role", ("add_role", {"name": "WF Role"}), ("update_role", {"name": "WF Role 2"}),
           ("get_roles", {}), "delete_role", "get_role"),
    Family("team", ("add_team", {"name": "WF Team", "manager_id": 1}), ("update_team", {"name": "WF Team 2"}),
           ("get_teams", {}), None, "get_team"),
    Family("lead label", ("add_lead_label", {"name": "WF Label", "color": "green"}),
           ("update_lead_label", {"name": "WF Label 2"}), ("get_lead_labels", {}), "delete_lead_label"),
    Family("activity type", ("add_activity_type", {"name": "WF Visit", "icon_key": "meeting"}),
           ("update_activity_type", {"name": "WF Visit 2"}), ("get_activity_types", {}), "delete_activity_type"),
    Family("organization relationship",
           ("add_organization_relationship", {"type": "parent", "rel_owner_org_id": 1, "rel_linked_org_id": 5}),
           ("update_organization_relationship", {"type": "related"}),
           ("get_organization_relationships", {"org_id": 1}), "delete_organization_relationship",
           "get_organization_relationship"),
    Family("goal",
           ("add_goal", {"title": "WF Goal", "assignee": {"id": 1, "type": "person"}, "interval": "monthly",
                         "type": {"name": "deals_won", "params": {"pipeline_id": [1]}},
                         "expected_outcome": {"target": 5, "tracking_metric": "quantity"},
                         "duration": {"start": "2030-01-01", "end": "2030-12-31"}}),
           ("update_goal", {"title": "WF Goal 2"}), ("get_goals", {}), "delete_goal"),
    Family("deal field", ("add_deal_field", {"field_name": "WF Field", "field_type": "varchar"}),
           ("update_deal_field", {"field_name": "WF Field 2"}), ("get_deal_fields", {"max_items": 1000}),
           "delete_deal_field", "get_deal_field", key="field_code"),
]  # fmt: skip


def _value(record: Any, name: str) -> Any:
    return record.get(name) if name != "title" or "title" in record else record.get("name")


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
async def test_create_read_update_list_delete(family: Family, sandbox: SandboxHandle, tmp_path: Path) -> None:
    add, add_args = family.add
    update, update_args = family.update
    changed, wanted = next(iter(update_args.items()))
    async with tools(sandbox, tmp_path) as client:
        made = await ok(client, add, add_args)
        made = made[0] if isinstance(made, list) else made
        if "goal" in made:  # goals answer {"goal": {...}}
            made = made["goal"]
        key = made[family.key]
        address = {family.key: key}
        if family.get:
            got = await ok(client, family.get, address)
            assert got[family.key] == key
        updated = await ok(client, update, {**address, **update_args})
        updated = updated.get("goal", updated) if isinstance(updated, dict) else updated
        if family.get:  # some updates answer only the id: the read shows the change
            updated = await ok(client, family.get, address)
        assert _value(updated, changed) == wanted, updated
        rows = await listed(client, *family.listing)
        row = next(r for r in rows if r.get(family.key) == key)
        assert _value(row, changed) == wanted
        if family.delete is None:
            return
        await ok(client, family.delete, address)
        if family.get:
            assert "HTTP 404" in await fails(client, family.get, address)
        else:
            assert key not in ids(await listed(client, *family.listing), family.key)


# -- relations ------------------------------------------------------------------------------------


async def test_deal_followers_participants_and_products(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        deal = await ok(client, "add_deal", {"title": "WF relations"})
        follower = await ok(client, "add_deal_follower", {"id": deal["id"], "user_id": 2})
        assert 2 in ids(await listed(client, "get_deal_followers", {"id": deal["id"]}), "user_id")
        await ok(client, "delete_deal_follower", {"id": deal["id"], "follower_id": follower["user_id"]})
        assert 2 not in ids(await listed(client, "get_deal_followers", {"id": deal["id"]}), "user_id")

        participant = await ok(client, "add_deal_participant", {"id": deal["id"], "person_id": 3})
        participants = await listed(client, "get_deal_participants", {"id": deal["id"]})
        assert participant["id"] in ids(participants)
        await ok(
            client, "delete_deal_participant", {"id": deal["id"], "deal_participant_id": participant["id"]}
        )
        assert participant["id"] not in ids(await listed(client, "get_deal_participants", {"id": deal["id"]}))

        line = await ok(
            client, "add_deal_product", {"id": deal["id"], "product_id": 2, "item_price": 250, "quantity": 4}
        )
        changed = await ok(
            client,
            "update_deal_product",
            {"id": deal["id"], "product_attachment_id": line["id"], "quantity": 2},
        )
        assert changed["quantity"] == 2 and changed["sum"] == 500
        more = await ok(
            client, "add_many_deal_products",
            {"id": deal["id"], "data": [{"product_id": 3, "item_price": 10, "quantity": 1}]},
        )  # fmt: skip
        lines = await listed(client, "get_deal_products", {"id": deal["id"]})
        assert sorted(ids(lines)) == sorted([line["id"], more[0]["id"]])
        assert (await ok(client, "get_deal", {"id": deal["id"]}))["value"] == 510
        await ok(client, "delete_deal_product", {"id": deal["id"], "product_attachment_id": line["id"]})
        assert ids(await listed(client, "get_deal_products", {"id": deal["id"]})) == [more[0]["id"]]


async def test_installments_and_discounts_on_a_deal(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        deal = await ok(client, "add_deal", {"title": "WF installments"})
        await ok(
            client, "add_deal_product", {"id": deal["id"], "product_id": 2, "item_price": 900, "quantity": 1}
        )
        plan = await ok(
            client, "post_installment",
            {"id": deal["id"], "description": "First third", "amount": 300, "billing_date": "2030-02-01"},
        )  # fmt: skip
        moved = await ok(
            client, "update_installment", {"id": deal["id"], "installment_id": plan["id"], "amount": 450}
        )
        assert moved["amount"] == 450
        listed_plan = await listed(client, "get_installments", {"deal_ids": [deal["id"]]})
        assert ids(listed_plan) == [plan["id"]]
        await ok(client, "delete_installment", {"id": deal["id"], "installment_id": plan["id"]})
        assert await listed(client, "get_installments", {"deal_ids": [deal["id"]]}) == []
        discount = await ok(
            client, "post_additional_discount",
            {"id": deal["id"], "description": "Loyalty", "amount": 10, "type": "percentage"},
        )  # fmt: skip
        assert discount["id"] in ids(await listed(client, "get_additional_discounts", {"id": deal["id"]}))


@pytest.mark.parametrize(
    ("kind", "add", "merge", "get", "args"),
    [
        ("deal", "add_deal", "merge_deals", "get_deal", {"title": "WF merge"}),
        ("person", "add_person", "merge_persons", "get_person", {"name": "WF Merge Person"}),
        (
            "organization",
            "add_organization",
            "merge_organizations",
            "get_organization",
            {"name": "WF Merge Org"},
        ),
    ],
)
async def test_merging_keeps_one_and_moves_the_notes(
    kind: str, add: str, merge: str, get: str, args: Args, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    link = {"deal": "deal_id", "person": "person_id", "organization": "org_id"}[kind]
    async with tools(sandbox, tmp_path) as client:
        kept = await ok(client, add, args)
        gone = await ok(client, add, args)
        note = await ok(client, "add_note", {"content": "On the duplicate", link: gone["id"]})
        merged = await ok(client, merge, {"id": gone["id"], "merge_with_id": kept["id"]})
        assert merged["id"] == kept["id"]
        assert "HTTP 404" in await fails(client, get, {"id": gone["id"]})
        assert (await ok(client, "get_note", {"id": note["id"]}))[link] == kept["id"]


@pytest.mark.parametrize(
    ("tool", "args", "found"),
    [
        ("search_deals", {"term": "WF findable deal"}, "add_deal"),
        ("search_persons", {"term": "Findable Person"}, "add_person"),
        ("search_organization", {"term": "Findable Org"}, "add_organization"),
        ("search_products", {"term": "Findable Product"}, "add_product"),
    ],
)
async def test_search_finds_what_was_just_made(
    tool: str, args: Args, found: str, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    name_key = "title" if found == "add_deal" else "name"
    async with tools(sandbox, tmp_path) as client:
        made = await ok(client, found, {name_key: args["term"]})
        hits = await listed(client, tool, args)
        assert made["id"] in [hit["item"]["id"] if "item" in hit else hit["id"] for hit in hits]
        across = await listed(client, "search_item", {"term": args["term"]})
        assert made["id"] in [hit["item"]["id"] for hit in across]


async def test_files_round_trip_byte_for_byte(sandbox: SandboxHandle, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 300 + b"\x00\xff end"
    (tmp_path / "contract.bin").write_bytes(payload)
    async with tools(sandbox, tmp_path) as client:
        uploaded = await ok(client, "add_file", {"path": "contract.bin", "deal_id": 2})
        assert uploaded["file_size"] == len(payload)
        saved = (await client.call_tool("download_file", {"id": uploaded["id"]})).structured_content
        assert saved is not None
        assert Path(saved["saved"]["path"]).read_bytes() == payload
        assert saved["saved"]["sha256"] == hashlib.sha256(payload).hexdigest()
        assert uploaded["id"] in ids(await listed(client, "get_deal_files", {"id": 2}))
        renamed = await ok(client, "update_file", {"id": uploaded["id"], "name": "Contract v2"})
        assert renamed["name"] == "Contract v2"
        await ok(client, "delete_file", {"id": uploaded["id"]})
        assert uploaded["id"] not in ids(await listed(client, "get_deal_files", {"id": 2}))


async def test_pictures_and_images_round_trip(sandbox: SandboxHandle, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    (tmp_path / "face.png").write_bytes(png)
    async with tools(sandbox, tmp_path) as client:
        await ok(client, "add_person_picture", {"id": 4, "path": "face.png"})
        assert (await ok(client, "get_person_picture", {"id": 4}))["id"]
        await ok(client, "upload_product_image", {"id": 2, "path": "face.png"})
        assert (await ok(client, "get_product_image", {"id": 2}))["id"]
        await ok(client, "delete_product_image", {"id": 2})
        assert "HTTP 404" in await fails(client, "get_product_image", {"id": 2})


async def test_projects_tasks_and_plans(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        project = await ok(client, "add_project", {"title": "WF rollout", "board_id": 1, "phase_id": 1})
        task = await ok(client, "add_task", {"title": "Kick-off", "project_id": project["id"]})
        sub = await ok(
            client, "add_task", {"title": "Agenda", "project_id": project["id"], "parent_task_id": task["id"]}
        )
        assert sorted(ids(await listed(client, "get_project_tasks", {"id": project["id"]}))) == sorted(
            [task["id"], sub["id"]]
        )
        done = await ok(client, "update_task", {"id": task["id"], "done": 1})
        assert done["is_done"] is True and done["marked_as_done_time"]
        assert isinstance(await ok(client, "get_project_plan", {"id": project["id"]}), list)
        archived = await ok(client, "archive_project", {"id": project["id"]})
        assert archived["id"] == project["id"]
        assert project["id"] in ids(await listed(client, "get_archived_projects", {}))


async def test_goal_results_count_won_deals(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        goal = await ok(
            client, "add_goal",
            {"title": "WF wins", "assignee": {"id": 1, "type": "person"}, "interval": "yearly",
             "type": {"name": "deals_won", "params": {"pipeline_id": [1]}},
             "expected_outcome": {"target": 3, "tracking_metric": "quantity"},
             "duration": {"start": "2020-01-01", "end": "2040-12-31"}},
        )  # fmt: skip
        goal = goal.get("goal", goal)
        before = await ok(
            client,
            "get_goal_result",
            {"id": goal["id"], "period.start": "2020-01-01", "period.end": "2040-12-31"},
        )
        deal = await ok(client, "add_deal", {"title": "WF goal deal", "pipeline_id": 1})
        await ok(client, "update_deal", {"id": deal["id"], "status": "won"})
        after = await ok(
            client,
            "get_goal_result",
            {"id": goal["id"], "period.start": "2020-01-01", "period.end": "2040-12-31"},
        )
        assert after["progress"] == before["progress"] + 1


async def test_roles_assignments_settings_and_permission_sets(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        role = await ok(client, "add_role", {"name": "WF Reviewers"})
        await ok(client, "add_role_assignment", {"id": role["id"], "user_id": 3})
        assert 3 in ids(await listed(client, "get_role_assignments", {"id": role["id"]}), "user_id")
        await ok(client, "delete_role_assignment", {"id": role["id"], "user_id": 3})
        assert 3 not in ids(await listed(client, "get_role_assignments", {"id": role["id"]}), "user_id")
        await ok(client, "update_role_pipelines", {"id": role["id"], "visible_pipeline_ids": {"0": 1}})
        assert 1 in (await ok(client, "get_role_pipelines", {"id": role["id"]}))["pipeline_ids"]
        await ok(
            client,
            "add_or_update_role_setting",
            {"id": role["id"], "setting_key": "deal_default_visibility", "value": 3},
        )
        assert (await ok(client, "get_role_settings", {"id": role["id"]}))["deal_default_visibility"] == 3
        sets = await listed(client, "get_permission_sets", {})
        first = sets[0]["id"]
        assert (await ok(client, "get_permission_set", {"id": first}))["id"] == first
        assert isinstance(await listed(client, "get_permission_set_assignments", {"id": first}), list)


async def test_teams_gain_and_lose_members(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        team = await ok(client, "add_team", {"name": "WF Squad", "manager_id": 1})
        await ok(client, "add_team_user", {"id": team["id"], "users": [3, 4]})
        assert {3, 4} <= set(await ok(client, "get_team_users", {"id": team["id"]}))
        await ok(client, "delete_team_user", {"id": team["id"], "users": [3]})
        assert 3 not in await ok(client, "get_team_users", {"id": team["id"]})


async def test_mail_threads_messages_and_links(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        threads = await listed(client, "get_mail_threads", {"folder": "inbox"})
        thread = threads[0]["id"]
        messages = await ok(client, "get_mail_thread_messages", {"id": thread})
        message = await ok(client, "get_mail_message", {"id": messages[0]["id"], "include_body": 1})
        assert message["id"] == messages[0]["id"]
        linked = await ok(client, "update_mail_thread_details", {"id": thread, "deal_id": 3, "read_flag": 1})
        assert linked["deal_id"] == 3
        await ok(client, "delete_mail_thread", {"id": thread})
        assert thread not in ids(await listed(client, "get_mail_threads", {"folder": "inbox"}))


async def test_call_logs_with_recordings(sandbox: SandboxHandle, tmp_path: Path) -> None:
    audio = b"RIFF" + bytes(range(256)) * 8
    (tmp_path / "call.wav").write_bytes(audio)
    async with tools(sandbox, tmp_path) as client:
        log = await ok(
            client, "add_call_log",
            {"outcome": "connected", "to_phone_number": "+3725550100", "start_time": "2030-01-05T09:00:00Z",
             "end_time": "2030-01-05T09:12:00Z", "deal_id": 1, "subject": "WF call"},
        )  # fmt: skip
        assert (await ok(client, "get_call_log", {"id": log["id"]}))["subject"] == "WF call"
        await ok(client, "add_call_log_audio_file", {"id": log["id"], "path": "call.wav"})
        again = await ok(client, "get_call_log", {"id": log["id"]})
        assert again["has_recording"] is True
        assert log["id"] in ids(await listed(client, "get_user_call_logs", {"max_items": 1000}))
        await ok(client, "delete_call_log", {"id": log["id"]})
        assert "HTTP 404" in await fails(client, "get_call_log", {"id": log["id"]})


async def test_channels_receive_messages_and_forget_conversations(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with tools(sandbox, tmp_path) as client:
        channel = await ok(client, "add_channel", {"name": "WF chat", "provider_channel_id": "wf-chat"})
        message = {
            "id": "wf-m1", "channel_id": channel["id"], "sender_id": "visitor", "conversation_id": "wf-conv",
            "message": "Hello there", "status": "sent", "created_at": "2030-01-05T09:00:00Z",
        }  # fmt: skip
        received = await ok(client, "receive_message", message)
        assert received["message"] == "Hello there" and received["created_at"] == message["created_at"]
        await ok(client, "delete_conversation", {"channel-id": channel["id"], "conversation-id": "wf-conv"})
        await ok(client, "delete_channel", {"id": channel["id"]})
        assert "HTTP 4" in await fails(client, "receive_message", {**message, "id": "wf-m2"})


async def test_product_variations(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        product = await ok(client, "add_product", {"name": "WF Shirt"})
        small = await ok(client, "add_product_variation", {"id": product["id"], "name": "Small"})
        renamed = await ok(
            client, "update_product_variation",
            {"id": product["id"], "product_variation_id": small["id"], "name": "S"},
        )  # fmt: skip
        assert renamed["name"] == "S"
        assert ids(await listed(client, "get_product_variations", {"id": product["id"]})) == [small["id"]]
        await ok(
            client, "delete_product_variation", {"id": product["id"], "product_variation_id": small["id"]}
        )
        assert await listed(client, "get_product_variations", {"id": product["id"]}) == []


async def test_field_options_and_webhooks(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        made = await ok(
            client,
            "add_deal_field",
            {"field_name": "WF Tier", "field_type": "enum", "options": [{"label": "Gold"}]},
        )
        code = made["field_code"]
        added = await ok(
            client, "add_deal_field_options", {"field_code": code, "options": [{"label": "Silver"}]}
        )
        labels = [o["label"] for o in (await ok(client, "get_deal_field", {"field_code": code}))["options"]]
        assert labels == ["Gold", "Silver"]
        await ok(
            client, "delete_deal_field_options", {"field_code": code, "options": [{"id": added[0]["id"]}]}
        )
        labels = [o["label"] for o in (await ok(client, "get_deal_field", {"field_code": code}))["options"]]
        assert labels == ["Gold"]
        hook = await ok(
            client, "add_webhook",
            {"subscription_url": "https://hooks.example/wf", "event_action": "create", "event_object": "deal",
             "name": "WF hook"},
        )  # fmt: skip
        assert hook["id"] in ids(await listed(client, "get_webhooks", {}))
        await ok(client, "delete_webhook", {"id": hook["id"]})
        assert hook["id"] not in ids(await listed(client, "get_webhooks", {}))


async def test_note_comments_and_conversions(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        note = await ok(client, "add_note", {"content": "WF discuss", "deal_id": 1})
        comment = await ok(client, "add_note_comment", {"id": note["id"], "content": "Agreed"})
        edited = await ok(
            client,
            "update_comment_for_note",
            {"id": note["id"], "commentId": comment["uuid"], "content": "Done"},
        )
        assert edited["content"] == "Done"
        assert comment["uuid"] in ids(await listed(client, "get_note_comments", {"id": note["id"]}), "uuid")
        await ok(client, "delete_comment", {"id": note["id"], "commentId": comment["uuid"]})
        assert await listed(client, "get_note_comments", {"id": note["id"]}) == []

        deal = await ok(client, "add_deal", {"title": "WF to lead", "person_id": 2})
        started = await ok(client, "convert_deal_to_lead", {"id": deal["id"]})
        status = await ok(
            client,
            "get_deal_conversion_status",
            {"id": deal["id"], "conversion_id": started["conversion_id"]},
        )
        assert status["status"] == "completed" and status["lead_id"]
        back = await ok(client, "convert_lead_to_deal", {"id": status["lead_id"]})
        status = await ok(
            client,
            "get_lead_conversion_status",
            {"id": status["lead_id"], "conversion_id": back["conversion_id"]},
        )
        assert status["status"] == "completed" and status["deal_id"]


async def test_users_history_recents_and_provider_links(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with tools(sandbox, tmp_path) as client:
        user = await ok(client, "add_user", {"email": "wf.user@example.com", "access": [{"app": "sales"}]})
        found = await listed(client, "find_users_by_name", {"term": "wf.user", "search_by_email": 1})
        assert ids(found) == [user["id"]]
        await ok(client, "update_user", {"id": user["id"], "active_flag": False})
        assert (await ok(client, "get_user", {"id": user["id"]}))["active_flag"] is False
        assert user["id"] in ids(await listed(client, "get_users", {}))

        # Changes are history: the changelog and the updates flow both carry the edit.
        deal = await ok(client, "add_deal", {"title": "WF history"})
        await ok(client, "update_deal", {"id": deal["id"], "title": "WF history 2"})
        changes = await listed(client, "get_deal_changelog", {"id": deal["id"]})
        assert [(c["field_key"], c["old_value"], c["new_value"]) for c in changes] == [
            ("title", "WF history", "WF history 2")
        ]
        flow = await listed(client, "get_deal_updates", {"id": deal["id"]})
        assert any(f["object"] == "dealChange" and f["data"]["new_value"] == "WF history 2" for f in flow)
        # ...and the deal is among the recent items, named by kind.
        since = deal["add_time"][:19].replace("T", " ")
        recent = await listed(client, "get_recents", {"since_timestamp": since, "items": ["deal"]})
        assert {r["item"] for r in recent} == {"deal"} and deal["id"] in ids(recent)

        link = {"user_provider_id": "1e3943c0-2b9c-4ff1-9bd4-5c3e5e2bd0c5", "user_id": 1, "company_id": 1,
                "marketplace_client_id": "wf-client"}  # fmt: skip
        saved = await ok(client, "save_user_provider_link", link)
        assert "simulated" in saved["message"]
        await ok(client, "delete_user_provider_link", {"id": link["user_provider_id"]})
        assert "HTTP 404" in await fails(
            client, "delete_user_provider_link", {"id": link["user_provider_id"]}
        )
