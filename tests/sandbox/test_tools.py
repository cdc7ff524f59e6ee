"""Every Pipedrive tool, called through the real MCP client against the sandbox: none meets a server
error or an unserved operation, every structured answer validates against the tool's output schema
(the in-memory client checks), and each answer is a success or a 4xx carrying the sandbox's message.

Arguments come from each tool's input schema (tests/contract/argbuilder.py); ids then point at
seeded records, or at records made for the purpose just before (a comment, a discount, a conversion, a
pipeline with no deals to delete), so nearly every call succeeds. Tools run in the order reads, writes,
merges, deletes; a child's delete comes before its parent's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, start_sandbox
from tests.conftest import SERVER_TOOLS, assert_fits_output_schema, connect, list_all_tools, text_of
from tests.contract.argbuilder import UnbuildableSchema, build_cases, takes_upload

SEEDED = {
    "id": 1,
    "deal_id": 1,
    "person_id": 1,
    "org_id": 1,
    "product_id": 1,
    "user_id": 1,
    "stage_id": 1,
    "pipeline_id": 1,
    "project_id": 1,
    "board_id": 1,
    "phase_id": 1,
    "activity_id": 1,
    "task_id": 1,
    "merge_with_id": 2,
    "owner_id": 1,
}
ORDER = {"get": 0, "search": 0, "find": 0, "add": 1, "upload": 1, "update": 2, "merge": 3, "delete": 4}
# Reads of what an earlier write makes (a picture, an image) run among the updates.
AFTER_WRITES = {"get_person_picture", "get_product_image"}
ENTITIES = ("deal", "person", "organization", "product", "project")


def _rank(name: str) -> tuple[int, int, str]:
    if name in AFTER_WRITES:
        return (2, 0, name)
    rank = next((rank for prefix, rank in ORDER.items() if name.startswith(prefix)), 2)
    return (rank, -len(name), name)  # delete_deal_follower before delete_deal


def _data(answer: httpx.Response) -> Any:
    assert answer.status_code < 300, answer.text
    return answer.json()["data"]


def seeds(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """Per-tool arguments pointing at records that exist (seeded, or made here for the sweep)."""
    by_tool: dict[str, dict[str, Any]] = {}
    lead = _data(api.get("/api/v1/leads"))[0]["id"]
    label = _data(api.get("/api/v1/leadLabels"))[0]["id"]
    goal = _data(api.get("/api/v1/goals/find"))["goals"][0]["id"]
    permission_set = _data(api.get("/api/v1/permissionSets"))[0]["id"]
    for tool in ("get_lead", "update_lead", "delete_lead", "get_lead_users"):
        by_tool[tool] = {"id": lead}
    for tool in ("update_lead_label", "delete_lead_label"):
        by_tool[tool] = {"id": label}
    for tool in ("update_goal", "delete_goal", "get_goal_result"):
        by_tool[tool] = {"id": goal}
    for tool in ("get_permission_set", "get_permission_set_assignments"):
        by_tool[tool] = {"id": permission_set}
    for tool in ("get_call_log", "add_call_log_audio_file", "delete_call_log"):
        by_tool[tool] = {"id": "call00000000000000000001"}

    for entity in ENTITIES:
        fields = _data(api.get(f"/api/v2/{entity}Fields"))
        field = next(f for f in fields if f["is_custom_field"] and f["field_type"] == "enum")
        code, options = field["field_code"], field["options"]
        plural = "people" if entity == "person" else f"{entity}s"
        for tool in (f"get_{entity}_field", f"update_{entity}_field", f"add_{entity}_field_options"):
            by_tool[tool] = {"field_code": code}
        by_tool[f"update_{entity}_field_options"] = {
            "field_code": code,
            "options": [{"id": options[0]["id"], "label": "Renamed in the sweep"}],
        }
        by_tool[f"delete_{entity}_field_options"] = {
            "field_code": code,
            "options": [{"id": options[-1]["id"]}],
        }
        throwaway = api.post(
            f"/api/v2/{entity}Fields", json={"field_name": f"Sweep {plural}", "field_type": "varchar"}
        )
        by_tool[f"delete_{entity}_field"] = {"field_code": _data(throwaway)["field_code"]}
        if entity != "project":
            bulk = api.post(f"/api/v1/{entity}Fields", json={"name": "Sweep bulk", "field_type": "varchar"})
            by_tool[f"delete_{entity}_fields"] = {"ids": [str(_data(bulk)["id"])]}
    by_tool["get_activity_field"] = {"field_code": "subject"}

    comment = _data(api.post("/api/v1/notes/1/comments", json={"content": "For the sweep"}))["uuid"]
    for tool in ("get_comment", "update_comment_for_note", "delete_comment"):
        by_tool[tool] = {"id": 1, "commentId": comment}
    discount = _data(
        api.post(
            "/api/v2/deals/1/discounts", json={"description": "Sweep", "amount": 5, "type": "percentage"}
        )
    )
    for tool in ("update_additional_discount", "delete_additional_discount"):
        by_tool[tool] = {"id": 1, "discount_id": discount["id"]}
    to_lead = _data(api.post("/api/v2/deals/3/convert/lead"))["conversion_id"]
    by_tool["get_deal_conversion_status"] = {"id": 3, "conversion_id": to_lead}
    to_deal = _data(api.post(f"/api/v2/leads/{lead}/convert/deal"))["conversion_id"]
    by_tool["get_lead_conversion_status"] = {"id": lead, "conversion_id": to_deal}
    by_tool["convert_lead_to_deal"] = {"id": _data(api.get("/api/v1/leads"))[1]["id"]}

    channel = _data(api.post("/api/v1/channels", json={"name": "Sweep", "provider_channel_id": "sweep"}))[
        "id"
    ]
    message = {"id": "sweep-1", "channel_id": channel, "sender_id": "s", "conversation_id": "sweep-conv",
               "message": "Hi", "status": "sent", "created_at": "2030-01-01T10:00:00Z"}  # fmt: skip
    _data(api.post("/api/v1/channels/messages/receive", json=message))
    by_tool["receive_message"] = {**message, "id": "sweep-2"}
    by_tool["delete_conversation"] = {"channel-id": channel, "conversation-id": "sweep-conv"}
    by_tool["delete_channel"] = {"id": channel}

    pipeline = _data(api.post("/api/v2/pipelines", json={"name": "Sweep, empty"}))["id"]
    stage = _data(api.post("/api/v2/stages", json={"name": "Sweep, empty", "pipeline_id": 1}))["id"]
    by_tool["delete_pipeline"] = {"id": pipeline}
    by_tool["delete_stage"] = {"id": stage}
    filters = [_data(api.post("/api/v1/filters", json={"name": f"Sweep {n}", "type": "deals",
               "conditions": {"glue": "and", "conditions": []}}))["id"] for n in range(2)]  # fmt: skip
    by_tool["delete_filters"] = {"ids": [str(f) for f in filters]}
    planned = _data(api.post("/api/v2/activities", json={"subject": "Sweep plan", "project_id": 1}))["id"]
    by_tool["put_project_plan_activity"] = {"id": 1, "activityId": planned}

    line = _data(
        api.post("/api/v2/deals/1/products", json={"product_id": 2, "item_price": 10, "quantity": 1})
    )
    by_tool["delete_deal_product"] = {"id": 1, "product_attachment_id": line["id"]}
    by_tool["delete_many_deal_products"] = {"id": 2}  # it clears a deal's lines: not deal 1's
    plan = {"description": "Sweep", "amount": 5, "billing_date": "2030-01-01"}
    installment = _data(api.post("/api/v2/deals/1/installments", json=plan))
    for tool in ("update_installment", "delete_installment"):
        by_tool[tool] = {"id": 1, "installment_id": installment["id"]}
    # Merges and conversions use a record up: fresh ones, so later calls still find record 1.
    for tool, path, body in (
        ("merge_deals", "/api/v2/deals", {"title": "Sweep, to merge"}),
        ("merge_persons", "/api/v2/persons", {"name": "Sweep, to merge"}),
        ("merge_organizations", "/api/v2/organizations", {"name": "Sweep, to merge"}),
    ):
        by_tool[tool] = {"id": _data(api.post(path, json=body))["id"], "merge_with_id": 2}
    by_tool["convert_deal_to_lead"] = {
        "id": _data(api.post("/api/v2/deals", json={"title": "Sweep", "person_id": 2}))["id"]
    }
    by_tool.update(
        {
            "add_lead": {"person_id": 1},
            "add_note": {"deal_id": 1},
            "add_person": {"name": "Sweep Person"},
            "add_deal_follower": {"user_id": 4},
            "add_organization_relationship": {"rel_owner_org_id": 1, "rel_linked_org_id": 2},
            "get_deals_timeline": {"field_key": "add_time"},
            "search_item_by_field": {"entity_type": "deal", "field": "title", "term": "Pilot"},
            "delete_deal_follower": {"follower_id": 1},
        }
    )
    return by_tool


def _arguments(schema: dict[str, Any], upload: Path | None, fixed: dict[str, Any]) -> dict[str, Any]:
    try:
        args = dict(build_cases("tool", schema, upload=upload)[0].arguments)
    except UnbuildableSchema:
        args = {}
    for key, value in list(args.items()):
        if key in SEEDED and isinstance(value, int):
            args[key] = SEEDED[key]
    return {**args, **fixed}


async def test_every_pipedrive_tool_is_served(tmp_path: Path) -> None:
    picture = tmp_path / "upload.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with start_sandbox(":memory:") as sandbox:
        with httpx.Client(base_url=sandbox.base_url, headers={"x-api-token": SANDBOX_TOKEN}) as api:
            by_tool = seeds(api)
        settings = Settings.from_env(
            {
                "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN,
                "PIPEDRIVE_BASE_URL": sandbox.base_url,
                "PIPEDRIVE_TOOLSETS": "all",
                "PIPEDRIVE_WRITES": "all",
                "PIPEDRIVE_CONFIRM": "never",  # every tool as sent; confirmation is tested apart
                "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
                "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
                "PIPEDRIVE_MAX_RETRIES": "1",
            }
        )
        async with connect(settings) as client:
            listed = await list_all_tools(client)
            tools = [t for t in listed if not t.name.startswith("attio_") and t.name not in SERVER_TOOLS]
            # Every Pipedrive tool here, the Attio ones in test_attio_tools.py: all of --toolsets all.
            assert {t.name for t in tools} == {
                e.name for e in load_catalog().tools.values() if e.api == "pipedrive"
            }
            assert len(tools) == 315
            outcomes = {}
            # The server's own tools that need no arguments; the workflows have tests/workflows.
            for tool in [t for t in listed if t.name in SERVER_TOOLS and not t.input_schema.get("required")]:
                result = await client.call_tool(tool.name, {})
                assert not result.is_error, text_of(result)
                assert_fits_output_schema(tool, result)
            for tool in sorted(tools, key=lambda t: _rank(t.name)):
                schema = tool.input_schema
                args = _arguments(
                    schema, picture if takes_upload(schema) else None, by_tool.get(tool.name, {})
                )
                result = await client.call_tool(tool.name, args)
                assert_fits_output_schema(tool, result)
                outcomes[tool.name] = (result.is_error, text_of(result))
    server_side = {n: t[:200] for n, (err, t) in outcomes.items() if err and re.search(r"HTTP (5\d\d)", t)}
    assert server_side == {}
    refused = {n: t for n, (err, t) in outcomes.items() if err}
    # Every tool succeeds with these arguments: nothing is refused, not even with a documented 4xx.
    assert {n: t[:300] for n, t in refused.items()} == {}
    print(f"\npipedrive sweep: {len(outcomes) - len(refused)} of {len(outcomes)} tools succeeded")
