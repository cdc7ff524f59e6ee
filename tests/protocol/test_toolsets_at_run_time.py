"""Toolsets switched during a session (switch_toolsets), and tools/list in pages: switching sends
tools/list_changed and the listing changes for that connection only, within the write level; every
tool comes exactly once across pages; a cursor from a list that changed since is refused."""

from __future__ import annotations

import json
from pathlib import Path

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.sandbox import SandboxHandle
from tests.conftest import SERVER_TOOLS, list_all_tools
from tests.protocol.conftest import client_of, server_for


def answer_of(result: types.CallToolResult) -> dict:
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


def toolset_rows(answer: dict) -> dict[str, dict]:
    table = answer["toolsets"]
    return {row[0]: dict(zip(table["columns"], row, strict=True)) for row in table["rows"]}


async def test_switching_a_toolset_on_and_off(sandbox: SandboxHandle, tmp_path: Path) -> None:
    catalog = load_catalog()
    users = {t.name for t in catalog.toolsets["users"]}
    async with client_of(server_for(sandbox, tmp_path, ATTIO_API_KEY=""), legacy=True) as (client, heard):
        before = {t.name for t in await list_all_tools(client)}
        listing = answer_of(await client.call_tool("switch_toolsets", {}))
        assert heard.methods() == []  # listing changes nothing
        assert toolset_rows(listing)["users"]["on"] is False
        not_yet = await client.call_tool("get_users", {})  # not offered yet: the agent is told which toolset
        assert not_yet.is_error and "'users' toolset" in not_yet.content[0].text
        switched = answer_of(await client.call_tool("switch_toolsets", {"enable": ["users"]}))
        assert heard.methods() == ["notifications/tools/list_changed"]
        on = {t.name for t in await list_all_tools(client)}
        users_answer = await client.call_tool("get_users", {})
        heard.clear()
        answer_of(await client.call_tool("switch_toolsets", {"disable": ["users", "notes"]}))
        off = {t.name for t in await list_all_tools(client)}
        assert heard.methods() == ["notifications/tools/list_changed"]
    assert toolset_rows(switched)["users"]["on"] is True
    assert on == before | (users - {t.name for t in catalog.tools.values() if t.destructive})
    assert not users_answer.is_error and "Alex Morgan" in users_answer.content[0].text
    assert off == before - {t.name for t in catalog.toolsets["notes"]}


async def test_a_switch_obeys_the_write_level_and_exclusions(sandbox: SandboxHandle, tmp_path: Path) -> None:
    catalog = load_catalog()
    server = server_for(sandbox, tmp_path, PIPEDRIVE_WRITES="none", PIPEDRIVE_EXCLUDE_TOOLS="get_deal_fields")
    async with client_of(server, legacy=True) as (client, _):
        answer = answer_of(await client.call_tool("switch_toolsets", {"enable": ["fields", "deals"]}))
        names = {t.name for t in await list_all_tools(client)}
    fields = {t.name for t in catalog.toolsets["fields"]}
    assert names & fields == {n for n in fields if not catalog.tools[n].writes} - {"get_deal_fields"}
    assert not any(catalog.tools[n].writes for n in names - SERVER_TOOLS)
    assert any("write level 'none'" in note for note in answer["notes"])


async def test_each_connection_keeps_its_own_tools(sandbox: SandboxHandle, tmp_path: Path) -> None:
    server = server_for(sandbox, tmp_path)
    async with client_of(server, legacy=True) as (one, _), client_of(server, legacy=True) as (other, heard):
        start = {t.name for t in await list_all_tools(other)}
        await one.call_tool("switch_toolsets", {"enable": ["webhooks"], "disable": ["deals"]})
        mine = {t.name for t in await list_all_tools(one)}
        theirs = {t.name for t in await list_all_tools(other)}
        refused = await other.call_tool("switch_toolsets", {})
    assert "get_webhooks" in mine and "get_deals" not in mine
    assert theirs == start and heard.methods() == []
    assert toolset_rows(answer_of(refused))["webhooks"]["on"] is False


async def test_unknown_toolsets_and_missing_credentials_are_clear_errors(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with client_of(server_for(sandbox, tmp_path, ATTIO_API_KEY=""), legacy=True) as (client, heard):
        unknown = await client.call_tool("switch_toolsets", {"enable": ["dealz"]})
        attio = await client.call_tool("switch_toolsets", {"enable": ["attio_records"]})
        everything = answer_of(await client.call_tool("switch_toolsets", {"enable": ["all"]}))
        names = {t.name for t in await list_all_tools(client)}
    assert unknown.is_error and "dealz" in unknown.content[0].text and "persons" in unknown.content[0].text
    assert attio.is_error and "ATTIO_API_KEY" in attio.content[0].text
    assert not any(n.startswith("attio_") for n in names)  # 'all' takes what has credentials
    assert toolset_rows(everything)["webhooks"]["on"] is True
    assert heard.methods() == ["notifications/tools/list_changed"]


async def test_a_2026_request_cannot_switch_for_a_session_it_does_not_have(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        assert client.protocol_version == "2026-07-28"
        refused = await client.call_tool("switch_toolsets", {"enable": ["users"]})
        listed = answer_of(await client.call_tool("switch_toolsets", {}))
    assert refused.is_error and "--toolsets" in refused.content[0].text
    assert toolset_rows(listed)["users"]["on"] is False


async def test_pages_hold_every_tool_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    server = server_for(sandbox, tmp_path, PIPEDRIVE_TOOLSETS="all", PIPEDRIVE_WRITES="all")
    async with client_of(server) as (client, _):
        pages: list[types.ListToolsResult] = []
        cursor = None
        while True:
            page = await client.list_tools(cursor=cursor, cache_mode="bypass")
            pages.append(page)
            if (cursor := page.next_cursor) is None:
                break
        with pytest.raises(MCPError) as bad:
            await client.list_tools(cursor="not-a-cursor", cache_mode="bypass")
    names = [t.name for p in pages for t in p.tools]
    assert len(names) == len(set(names)) == len(load_catalog().tools) + len(SERVER_TOOLS)
    assert len(pages) > 2
    sizes = [len(p.model_dump_json(by_alias=True, exclude_none=True)) for p in pages]
    assert max(sizes) <= 61_000  # a page is at most the default selection's budget (and its envelope)
    assert names[:2] == ["get_session_info", "switch_toolsets"]
    assert bad.value.code == -32602


async def test_a_cursor_from_before_a_switch_is_refused(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path), legacy=True) as (client, _):
        first = await client.list_tools()
        assert first.next_cursor  # with Attio, the default is more than one page
        await client.call_tool("switch_toolsets", {"enable": ["users"]})
        with pytest.raises(MCPError) as stale:
            await client.list_tools(cursor=first.next_cursor)
    assert stale.value.code == -32602 and "list again" in stale.value.message


async def test_the_default_selection_is_one_page(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path, ATTIO_API_KEY="")) as (client, _):
        page = await client.list_tools()
    assert page.next_cursor is None and "get_deals" in {t.name for t in page.tools}
