"""An agent's day in the sandbox CRM, through the real MCP client and our tools end to end."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle, start_sandbox
from tests.conftest import connect, records, text_of


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(":memory:")
    yield handle
    handle.close()


def settings_for(sandbox: SandboxHandle, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN,
            "PIPEDRIVE_BASE_URL": sandbox.base_url,
            "PIPEDRIVE_TOOLSETS": "all",
            "PIPEDRIVE_WRITES": "all",
            "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
            "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
        }
    )


async def ok(client, tool: str, args: dict) -> dict:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool}: {text_of(result)}"
    return json.loads(text_of(result))


async def test_a_sales_flow_from_new_company_to_won_deal(sandbox, tmp_path):
    proposal = tmp_path / "proposal.pdf"
    proposal.write_bytes(b"%PDF-1.7 proposal " * 500)
    async with connect(settings_for(sandbox, tmp_path)) as client:
        org = (await ok(client, "add_organization", {"name": "Nordlicht Solar GmbH"}))["data"]
        person = (
            await ok(
                client,
                "add_person",
                {
                    "name": "Ada Tester",
                    "org_id": org["id"],
                    "emails": [{"value": "ada@nordlicht.example", "primary": True}],
                },
            )
        )["data"]
        assert person["org_id"] == org["id"]
        deal = (
            await ok(
                client,
                "add_deal",
                {"title": "Rooftop pilot", "value": 12000, "person_id": person["id"], "org_id": org["id"]},
            )
        )["data"]
        await ok(client, "add_activity", {"subject": "Kick-off call", "type": "call", "deal_id": deal["id"]})
        await ok(client, "add_note", {"content": "Wants a pilot on two sites.", "deal_id": deal["id"]})

        uploaded = (await ok(client, "add_file", {"path": "proposal.pdf", "deal_id": deal["id"]}))["data"]
        saved = (await ok(client, "download_file", {"id": uploaded["id"]}))["saved"]
        assert Path(saved["path"]).read_bytes() == proposal.read_bytes()
        assert saved["sha256"] == hashlib.sha256(proposal.read_bytes()).hexdigest()

        stages = records(await ok(client, "get_stages", {"pipeline_id": deal["pipeline_id"]}))
        for stage in sorted(stages, key=lambda s: s["order_nr"])[1:3]:
            moved = (await ok(client, "update_deal", {"id": deal["id"], "stage_id": stage["id"]}))["data"]
            assert moved["stage_id"] == stage["id"]
        won = (await ok(client, "update_deal", {"id": deal["id"], "status": "won"}))["data"]
        assert won["status"] == "won"

        notes = records(await ok(client, "get_notes", {"deal_id": deal["id"]}))
        assert [n["content"] for n in notes] == ["Wants a pilot on two sites."]


async def test_paging_both_styles_over_seeded_data(sandbox, tmp_path):
    async with connect(settings_for(sandbox, tmp_path)) as client:
        first = await ok(client, "get_deals", {"limit": 20})
        assert first["page"]["more"] is True and "cursor" in first["page"]["next"]
        walked = await ok(client, "get_deals", {"max_items": 1000})
        ids = [d["id"] for d in records(walked)]
        assert len(ids) == len(set(ids)) >= 45 and walked["page"]["more"] is False

        notes = await ok(client, "get_notes", {"limit": 5})
        assert notes["page"]["next"] == {"start": 5}
        rest = await ok(client, "get_notes", {"start": 5, "limit": 5})
        assert not {n["id"] for n in records(notes)} & {n["id"] for n in records(rest)}


async def test_custom_fields_by_name_round_trip(sandbox, tmp_path):
    async with connect(settings_for(sandbox, tmp_path)) as client:
        fields = records(await ok(client, "get_deal_fields", {"limit": 500}))
        custom = [f for f in fields if len(f.get("field_code", "")) == 40]
        enum = next(f for f in custom if f.get("field_type") == "enum")
        label = enum["options"][0]["label"]
        deal = records(await ok(client, "get_deals", {"limit": 1}))[0]
        updated = await ok(
            client, "update_deal", {"id": deal["id"], "custom_fields": {enum["field_name"]: label}}
        )
        assert updated["data"]["custom_fields"][enum["field_name"]] == label
        bad = await client.call_tool("update_deal", {"id": deal["id"], "custom_fields": {"No such field": 1}})
        assert bad.is_error and "no custom field named 'No such field'" in text_of(bad)


async def test_goals_are_served_and_measured_on_the_crm_data(sandbox, tmp_path):
    async with connect(settings_for(sandbox, tmp_path)) as client:
        found = await ok(client, "get_goals", {})
        goal = found["data"]["goals"][0]
        result = await ok(
            client,
            "get_goal_result",
            {"id": goal["id"], "period.start": "2000-01-01", "period.end": "2100-01-01"},
        )
    won = sum(
        1
        for d in records(await _all_deals(sandbox, tmp_path))
        if d.get("status") == "won" and d.get("pipeline_id") == 1
    )
    assert result["data"]["progress"] == won > 0


async def _all_deals(sandbox, tmp_path):
    async with connect(settings_for(sandbox, tmp_path)) as client:
        return await ok(client, "get_deals", {"status": ["won"], "max_items": 500})
