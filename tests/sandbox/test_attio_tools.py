"""Every Attio tool, called through the real MCP client against the sandbox: no answer is a 501 or
a server error, and the tools that read seeded data find it.

Arguments come from each tool's input schema (tests/contract/argbuilder.py); ids and slugs are then
pointed at the seeded workspace, so most calls succeed rather than meeting a 404.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SandboxHandle
from dealdesk_mcp.sandbox.attio import auth
from dealdesk_mcp.sandbox.attio.wire import seeded_id
from tests.conftest import assert_fits_output_schema, list_all_tools, text_of
from tests.contract.argbuilder import build_cases, takes_upload

ACME = seeded_id("record", "companies", "Acme Logistics")
SEEDED = {
    "object": "companies",
    "record_id": ACME,
    "parent_object": "companies",
    "parent_record_id": ACME,
    "linked_object": "companies",
    "linked_record_id": ACME,
    "target": "objects",
    "identifier": "companies",
    "attribute": "categories",
    "option": "SaaS",
    "matching_attribute": "domains",
    "list": "sales_pipeline",
    "entry_id": seeded_id("entry", "sales_pipeline", ACME),
    "meeting_id": seeded_id("meeting", "acme-review"),
    "call_recording_id": seeded_id("recording", "acme-review"),
    "note_id": seeded_id("note", "Kick-off call"),
    "task_id": seeded_id("task", "Send the security pack to Acme"),
    "thread_id": seeded_id("thread", "acme"),
    "comment_id": seeded_id("comment", "acme", "2"),
    "file_id": seeded_id("file", "acme-order-form"),
    "parent_folder_id": seeded_id("file", "acme-contracts"),
    "webhook_id": seeded_id("webhook", "crm-sync"),
    "workspace_member_id": seeded_id("member", "alex"),
    "user_id": seeded_id("member", "tomas"),
    "workspace_team_id": seeded_id("team", "sales"),
    "deadline_at": "2031-01-31T17:00:00Z",
    "created_at": "2024-05-17T09:30:00Z",
    "ends_from": "2020-01-01T00:00:00Z",
    "starts_before": "2040-01-01T00:00:00Z",
    "assignee": "alex.morgan@northwind-analytics.example",
    "cursor": None,  # a cursor comes from an earlier page, never from the schema
}
ALEX = seeded_id("member", "alex")
# Where a tool needs an attribute of another kind than the default above.
BY_TOOL: dict[str, dict[str, Any]] = {
    "attio_list_statuses": {"identifier": "deals", "attribute": "stage"},
    "attio_create_status": {"identifier": "deals", "attribute": "stage"},
    "attio_update_status": {"identifier": "deals", "attribute": "stage", "status": "Lost"},
    "attio_list_record_attribute_values": {"attribute": "name"},
    "attio_list_attribute_values_for_list_entry": {"attribute": "stage"},
    "attio_get_attribute": {"attribute": "domains"},
    "attio_update_attribute": {"attribute": "description"},
    "attio_create_attribute": {"identifier": "contracts"},
    "attio_list_views_for_object": {"object": "deals"},
    "attio_list_records": {"object": "people", "filter_view_id": None},
    "attio_list_entries": {"filter_view_id": None},
    "attio_update_object": {"object": "contracts", "api_slug": None},
    "attio_update_list": {"list": "key_contacts", "api_slug": None},
    "attio_assert_record": {"values": {"domains": ["acme-logistics.example"], "description": ["Asserted"]}},
    "attio_create_comment": {
        "data": {
            "format": "plaintext",
            "content": "Looks good",
            "author": {"type": "workspace-member", "id": ALEX},
            "thread_id": seeded_id("thread", "acme"),
        }
    },
    "attio_create_list": {"workspace_member_access": [{"workspace_member_id": ALEX, "level": "full-access"}]},
    "attio_create_task": {
        "linked_records": [{"target_object": "companies", "target_record_id": ACME}],
        "assignees": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": ALEX}],
    },
    "attio_update_task": {"linked_records": [{"target_object": "companies", "target_record_id": ACME}]},
}
# SCIM's operations carry no request body in the document, so their tools cannot send one: a SCIM
# create, replace or patch without a body is refused (400), as Attio's would be.
BODILESS = {
    "attio_create_scim_user",
    "attio_create_scim_group",
    "attio_update_scim_user",
    "attio_update_scim_group",
    "attio_patch_scim_user",
    "attio_patch_scim_group",
}
SERVER_ERROR = re.compile(r"answered HTTP (5\d\d)")
HTTP_STATUS = re.compile(r"answered HTTP (\d{3})")


def settings_for(sandbox: SandboxHandle, tmp_path: Path) -> Settings:
    return Settings(
        attio_base_url=sandbox.base_url,
        attio_api_key=auth.sandbox_token(),
        toolsets=("attio",),
        writes="all",
        confirm="never",  # every tool as sent; confirmation is tested apart
        upload_roots=(tmp_path,),
        download_dir=tmp_path / "downloads",
        max_retry_wait=3.0,
    )


def pointed_at_seeds(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    out = dict(arguments)
    for name in list(out):
        if name in SEEDED and SEEDED[name] is None:
            del out[name]
        elif name in SEEDED:
            out[name] = SEEDED[name]
    for name, value in BY_TOOL.get(tool, {}).items():
        if value is None:
            out.pop(name, None)
        elif name in out or name == "status":
            out[name] = value
    return out


def order(tool: str) -> tuple[int, str]:
    """Reads and writes first, then deletions, the seeded company's own deletion last of all."""
    if tool == "attio_delete_record":
        return (2, tool)
    return (1 if "_delete_" in tool else 0, tool)


async def test_every_attio_tool_answers_without_a_server_error(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    upload = tmp_path / "brief.txt"
    upload.write_bytes(b"A short brief for the sweep.\n")
    outcomes: list[tuple[str, str, str]] = []
    async with Client(build_server(settings_for(sandbox, tmp_path))) as client:
        listed = await list_all_tools(client)
        tools = sorted((t for t in listed if t.name.startswith("attio_")), key=lambda t: order(t.name))
        assert len(tools) == 83
        for tool in tools:
            schema = tool.input_schema
            for case in build_cases(tool.name, schema, upload=upload if takes_upload(schema) else None):
                arguments = pointed_at_seeds(tool.name, case.arguments)
                result = await client.call_tool(tool.name, arguments)
                assert_fits_output_schema(tool, result)
                text = text_of(result)
                status = HTTP_STATUS.search(text)
                if not result.is_error:
                    verdict = "ok"
                elif status:
                    verdict = f"HTTP {status.group(1)}"
                else:
                    verdict = "tool error"
                outcomes.append(
                    (tool.name, verdict, f"{json.dumps(arguments, default=str)[:200]} -> {text[:300]}")
                )
    tally = Counter(v for _, v, _ in outcomes)
    succeeded = {t for t, v, _ in outcomes if v == "ok"}
    print(
        f"\nattio sweep: {len(outcomes)} calls over {len({t for t, _, _ in outcomes})} tools: {dict(tally)}; {len(succeeded)} tools succeeded at least once"
    )
    bad = [
        f"{t} {v}: {d}"
        for t, v, d in outcomes
        if v in ("HTTP 501",) or SERVER_ERROR.search(d) or v == "tool error"
    ]
    assert not bad, "\n".join(bad)
    never = {t for t, _, _ in outcomes} - succeeded
    assert never == BODILESS, f"tools that never succeeded: {sorted(never)}"
