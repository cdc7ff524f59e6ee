"""Toolsets, read-only mode and discovery mode: what is listed, what is reachable, what it costs."""

from __future__ import annotations

import json

import pytest
from mcp_types import ListToolsResult

from dealdesk_mcp.app import build_server
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.toolsets import DEFAULTS as DEFAULT_TOOLSETS
from tests.conftest import SERVER_TOOLS, connect, list_all_tools, make_settings, text_of

WRITES = ("POST", "PUT", "PATCH", "DELETE")
UPSERTS = {"upsert_person", "upsert_organization", "upsert_deal"}
REPORTS = {
    "pipeline_summary",
    "deals_forecast",
    "win_loss_report",
    "stale_deals",
    "activity_summary",
    "lead_conversion",
}


def listed_chars(tools) -> int:
    """Characters of the tools/list answer as it travels (compact JSON, as the SDK sends it)."""
    return len(ListToolsResult(tools=tools).model_dump_json(by_alias=True, exclude_none=True))


async def listed(standin, tmp_path, **env):
    async with connect(make_settings(standin, tmp_path, **env)) as client:
        return await list_all_tools(client)


async def test_every_tool_belongs_to_exactly_one_toolset():
    catalog = load_catalog()
    assert sum(len(v) for v in catalog.toolsets.values()) == len(catalog.tools) == 398
    for name in DEFAULT_TOOLSETS:
        assert name in catalog.toolsets


async def test_toolset_choice_lists_exactly_those_toolsets(standin, tmp_path):
    tools = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="deals,notes")
    catalog = load_catalog()
    expected = {t.name for t in catalog.tools.values() if t.toolset in ("deals", "notes")}
    # batch always; an upsert where the tools it calls are enabled (deals has all that upsert_deal needs)
    assert {t.name for t in tools} == expected | {
        "get_session_info",
        "switch_toolsets",
        "batch",
        "upsert_deal",
    }


async def test_the_default_set_covers_everyday_work_within_budget(standin, tmp_path):
    # The default settings: the default toolsets at the default write level.
    tools = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="", PIPEDRIVE_WRITES="", ATTIO_API_KEY="")
    names = {t.name for t in tools}
    for everyday in (
        "get_deals",
        "add_deal",
        "update_deal",
        "search_persons",
        "add_organization",
        "add_activity",
        "add_note",
        "add_file",
        "download_file",
        "get_leads",
        "search_item",
    ):
        assert everyday in names
    assert not any(n.startswith("attio_") for n in names)
    assert {"batch", *UPSERTS} <= names and not names & REPORTS  # reports are a group of their own
    assert listed_chars(tools) <= 60_000


async def test_default_set_includes_attio_everyday_tools_only_with_its_key(standin, tmp_path):
    with_key = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="", PIPEDRIVE_WRITES="safe")
    attio = {t.name for t in with_key if t.name.startswith("attio_")}
    # Everyday Attio work: records, lists and entries, notes, tasks, comments, meetings, files ...
    for everyday in (
        "attio_list_records",
        "attio_create_record",
        "attio_assert_record",
        "attio_list_entries",
        "attio_create_note",
        "attio_create_task",
        "attio_create_comment",
        "attio_list_meetings",
        "attio_upload_file",
        "attio_list_workspace_members",
        "attio_identify",
        # ... and the workspace's shape, read (records need the slugs of objects and attributes).
        "attio_list_objects",
        "attio_list_attributes",
        "attio_list_select_options",
        "attio_list_statuses",
    ):
        assert everyday in attio
    # Workspace set-up (objects, attributes, options, statuses), webhooks and SCIM are named when needed.
    for setup in (
        "attio_create_object",
        "attio_create_attribute",
        "attio_update_status",
        "attio_create_select_option",
        "attio_create_webhook",
        "attio_list_webhooks",
    ):
        assert setup not in attio
    assert not any(t.startswith("attio_scim") or "scim" in t for t in attio)
    without_key = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="", ATTIO_API_KEY="")
    assert not any(t.name.startswith("attio_") for t in without_key)


async def test_attio_alone_default_set_within_budget(standin, tmp_path):
    tools = await listed(
        standin, tmp_path, PIPEDRIVE_TOOLSETS="", PIPEDRIVE_WRITES="", PIPEDRIVE_API_TOKEN=""
    )
    assert all(t.name.startswith("attio_") for t in tools if t.name not in SERVER_TOOLS)
    assert len(tools) > 40
    assert listed_chars(tools) <= 60_000


async def test_all_lists_every_operation(standin, tmp_path):
    tools = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="all")
    assert len(tools) == 398 + len(SERVER_TOOLS)


async def test_all_leaves_out_the_api_without_credentials_and_keeps_the_budget(standin, tmp_path):
    tools = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="all", PIPEDRIVE_WRITES="", ATTIO_API_KEY="")
    names = {t.name for t in tools}
    catalog = load_catalog()
    safe_pipedrive = {t.name for t in catalog.tools.values() if t.api == "pipedrive" and not t.destructive}
    assert safe_pipedrive <= names and not any(n.startswith("attio_") for n in names)
    assert listed_chars(tools) <= 250_000
    # Named by its API, Attio is still listed: the server then answers that it has no credentials.
    named = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="all,attio", ATTIO_API_KEY="")
    assert {t.name for t in named} > names | {"attio_list_records"}


async def test_read_only_registers_no_writing_tool(standin, tmp_path):
    tools = await listed(standin, tmp_path, PIPEDRIVE_TOOLSETS="all", PIPEDRIVE_READ_ONLY="true")
    catalog = load_catalog()
    # Reads: every GET, and Attio's queries and searches, which read by POST; and batch, which refuses
    # writes one by one.
    reads = {
        t.name
        for t in catalog.tools.values()
        if t.method == "GET" or (t.method == "POST" and t.path.endswith(("/query", "/search")))
    }
    names = {t.name for t in tools}
    assert names & set(catalog.tools) == reads
    assert "batch" in names and not names & UPSERTS
    assert all(t.annotations.read_only_hint is True for t in tools)


async def test_read_only_refuses_writes_even_through_call_operation(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_READ_ONLY="1", PIPEDRIVE_DISCOVERY="1")
    async with connect(settings) as client:
        direct = await client.call_tool("add_deal", {"title": "x"})
        via = await client.call_tool("call_operation", {"name": "delete_deal", "arguments": {"id": 1}})
        read = await client.call_tool("call_operation", {"name": "get_deal", "arguments": {"id": 1}})
    assert direct.is_error and "read-only" in text_of(direct)
    assert via.is_error and "read-only" in text_of(via)
    assert not read.is_error, text_of(read)
    assert [r.method for r in standin.requests] == ["GET"]


async def test_discovery_is_small_and_reaches_every_operation(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_DISCOVERY="true")
    async with connect(settings) as client:
        tools = await list_all_tools(client)
        assert {t.name for t in tools} == {
            *SERVER_TOOLS,
            "search_operations",
            "describe_operation",
            "call_operation",
            "batch",
            *UPSERTS,
            *REPORTS,  # --toolsets all names the reports too
        }
        assert listed_chars(tools) <= 9_000  # the trio, the server's own tools and the six reports (~4,000)
        found = json.loads(text_of(await client.call_tool("search_operations", {"query": "deal followers"})))
        assert "get_deal_followers" in [op["name"] for op in found["operations"]][:3]
        described = json.loads(text_of(await client.call_tool("describe_operation", {"name": "add_deal"})))
        assert described["input_schema"]["required"] == ["title"]
        reached = 0
        for tool in load_catalog().tools.values():
            result = await client.call_tool("describe_operation", {"name": tool.name})
            reached += not result.is_error
        bad = await client.call_tool("call_operation", {"name": "add_deal", "arguments": {"value": "lots"}})
        ok = await client.call_tool("call_operation", {"name": "get_deal", "arguments": {"id": 3}})
    assert reached == 398
    assert (
        bad.is_error
        and "Invalid arguments for add_deal" in text_of(bad)
        and "title: required" in text_of(bad)
    )
    assert not ok.is_error
    assert [r.path for r in standin.requests] == ["/api/v2/deals/3"]


async def test_discovery_searches_the_whole_catalog_but_calls_only_the_selection(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_DISCOVERY="1", PIPEDRIVE_TOOLSETS="notes")
    async with connect(settings) as client:
        found = json.loads(text_of(await client.call_tool("search_operations", {"query": "list deals"})))
        outside = await client.call_tool("call_operation", {"name": "get_deals", "arguments": {}})
    first = found["operations"][0]
    assert first["name"] == "get_deals" and first["callable"] is False
    assert first["to_call"] == "enable the deals toolset"
    notes = {t.name for t in load_catalog().toolsets["notes"]}
    assert all(op["callable"] == (op["name"] in notes) for op in found["operations"])
    assert outside.is_error and "--toolsets deals" in text_of(outside)
    assert standin.requests == []


def test_an_unknown_toolset_is_a_clear_startup_error(standin, tmp_path):
    with pytest.raises(ConfigError) as caught:
        build_server(make_settings(standin, tmp_path, PIPEDRIVE_TOOLSETS="deals,dealz"))
    assert "unknown toolset(s): dealz" in caught.value.message
    assert "persons" in caught.value.message and "all" in caught.value.message
    # beside 'all' too (which once ended the reading of the list)
    with pytest.raises(ConfigError) as caught:
        build_server(make_settings(standin, tmp_path, PIPEDRIVE_TOOLSETS="all,dealz"))
    assert "unknown toolset(s): dealz" in caught.value.message


async def test_session_info_shows_mode_and_toolsets(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_TOOLSETS="deals,persons", PIPEDRIVE_READ_ONLY="1")
    async with connect(settings) as client:
        info = json.loads(text_of(await client.call_tool("get_session_info", {})))
    assert info["mode"] == "tools" and info["read_only"] is True
    assert info["confirm"] == "never" and info["audit_log"] is False
    assert info["toolsets"] == ["deals", "persons"]
