"""Resources through the real MCP client against the sandbox: listed and read as the specification
says, read through the engine (shaped, scrubbed), templates filled, saved files offered as resource
links and readable (only those), unknown URIs refused, and writes announced to subscribers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from dealdesk_mcp import resources
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.sandbox import SandboxHandle
from tests.protocol.conftest import client_of, server_for


def content_of(result: types.ReadResourceResult) -> object:
    [item] = result.contents
    assert isinstance(item, types.TextResourceContents) and item.mime_type == "application/json"
    return json.loads(item.text)


def test_every_resource_reads_through_real_catalog_tools() -> None:
    catalog = load_catalog()
    for spec in resources.RESOURCES:
        for reading in spec.readings:
            entry = catalog.tools[reading.tool]
            assert entry.method == "GET", spec.uri  # a resource only ever reads
            assert entry.api == spec.api, spec.uri
            properties = entry.input_schema.get("properties", {})
            assert set(reading.arguments) | set(reading.fill.values()) <= set(properties), spec.uri
        if spec.is_template:
            variables = set(resources.template_of(spec.uri).variable_names)
            assert {v for r in spec.readings for v in r.fill} == variables, spec.uri


async def test_lists_reference_data_and_item_templates(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        listed = await client.list_resources()
        templates = await client.list_resource_templates()
    uris = [r.uri for r in listed.resources]
    for expected in (
        "pipedrive://me",
        "pipedrive://pipelines",
        "pipedrive://users",
        "pipedrive://currencies",
        "pipedrive://activity-types",
        "pipedrive://lead-labels",
        "pipedrive://fields/deals",
        "pipedrive://fields/persons",
        "attio://objects",
        "dealdesk://toolsets",
    ):
        assert expected in uris
    assert listed.next_cursor is None
    assert all(r.name and r.description and r.mime_type for r in listed.resources)
    shapes = {t.uri_template for t in templates.resource_templates}
    assert {
        "pipedrive://deals/{id}",
        "pipedrive://persons/{id}",
        "pipedrive://organizations/{id}",
        "pipedrive://leads/{id}",
        "pipedrive://activities/{id}",
        "attio://objects/{object}/attributes",
        "attio://records/{object}/{record_id}",
        "dealdesk://files/{name}",
    } <= shapes
    # Templates are not resources, and a resource is not a template.
    assert not any("{" in uri for uri in uris)


async def test_reads_are_tool_answers_as_json(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        me = content_of(await client.read_resource("pipedrive://me"))
        pipelines = content_of(await client.read_resource("pipedrive://pipelines"))
        fields = content_of(await client.read_resource("pipedrive://fields/deals"))
        deal = content_of(await client.read_resource("pipedrive://deals/1"))
        direct = await client.call_tool("get_deal", {"id": 1})
        attributes = content_of(await client.read_resource("attio://objects/people/attributes"))
    assert me["data"]["company_name"] and me["data"]["name"]  # the user and the company
    # Pipelines and their stages side by side; stages name their pipeline.
    assert {"pipelines", "stages"} == set(pipelines)
    assert "pipeline_id" in pipelines["stages"]["data"]["columns"]
    assert "field_name" in fields["data"]["columns"] and "options" in fields["data"]["columns"]
    assert deal == json.loads(direct.content[0].text)  # the same engine, the same answer
    assert "api_slug" in attributes["data"]["columns"]


async def test_a_template_fills_several_readings(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        one = content_of(await client.read_resource("pipedrive://pipelines/2"))
    assert one["pipeline"]["data"]["id"] == 2
    stages = one["stages"]["data"]
    rows = [dict(zip(stages["columns"], row, strict=True)) | stages.get("same", {}) for row in stages["rows"]]
    assert rows and all(row["pipeline_id"] == 2 for row in rows)


async def test_unknown_and_missing_resources_are_protocol_errors(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with client_of(server_for(sandbox, tmp_path), legacy=True) as (client, _):
        for uri in (
            "pipedrive://nothing",
            "file:///etc/passwd",
            "dealdesk://files/..%2Fstate",
            "pipedrive://deals/999999",
        ):
            with pytest.raises(MCPError) as refused:
                await client.read_resource(uri)
            assert refused.value.code == -32002 and "resource not found" in refused.value.message, uri
        with pytest.raises(MCPError) as bad:
            await client.read_resource("pipedrive://deals/abc")
    assert bad.value.code == -32602 and "id" in bad.value.message


async def test_attio_resources_need_attio_credentials(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path, ATTIO_API_KEY="")) as (client, _):
        uris = [r.uri for r in (await client.list_resources()).resources]
        with pytest.raises(MCPError):
            await client.read_resource("attio://objects")
    assert "pipedrive://me" in uris and not any(u.startswith("attio://") for u in uris)


async def test_saved_answers_come_as_resource_links_and_read_back(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    server = server_for(sandbox, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="2000")
    async with client_of(server, legacy=True) as (client, heard):
        result = await client.call_tool("get_persons", {"max_items": 40})
        [link] = [block for block in result.content if isinstance(block, types.ResourceLink)]
        answer = json.loads(result.content[0].text)
        assert link.uri.startswith("dealdesk://files/") and link.mime_type == "application/json"
        assert Path(answer["cut"]["full_answer_file"]).name == link.name
        listed = [r.uri for r in (await client.list_resources()).resources]
        whole = content_of(await client.read_resource(link.uri))
    assert link.uri in listed
    assert len(whole["data"]) == 40  # everything the walk gathered, not the cut page
    assert "notifications/resources/list_changed" in heard.methods()


async def test_only_files_the_server_wrote_are_readable(sandbox: SandboxHandle, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / "mine.txt").write_text("not written by the server")
    (tmp_path / "secret.txt").write_text("private")
    server = server_for(sandbox, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="2000")
    async with client_of(server) as (client, _):
        for name in ("mine.txt", "..%2Fsecret.txt", "secret.txt"):
            with pytest.raises(MCPError):
                await client.read_resource(f"dealdesk://files/{name}")
        result = await client.call_tool("get_persons", {"max_items": 40})
        [link] = [block for block in result.content if isinstance(block, types.ResourceLink)]
        saved = downloads / link.name
        # Another file put in its place is not the file the server wrote.
        os.replace(tmp_path / "secret.txt", saved)
        with pytest.raises(MCPError) as swapped:
            await client.read_resource(link.uri)
    assert "replaced" in swapped.value.message


async def test_a_download_is_a_resource_link_and_a_blob(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path, PIPEDRIVE_WRITES="all")) as (client, _):
        files = json.loads((await client.call_tool("get_files", {"limit": 5})).content[0].text)
        first = files["data"]["rows"][0][files["data"]["columns"].index("id")]
        result = await client.call_tool("download_file", {"id": first})
        assert not result.is_error, result.content[0].text
        [link] = [block for block in result.content if isinstance(block, types.ResourceLink)]
        read = await client.read_resource(link.uri)
    saved = json.loads(result.content[0].text)["saved"]
    [item] = read.contents
    data = Path(saved["path"]).read_bytes()
    if isinstance(item, types.BlobResourceContents):
        import base64

        assert base64.b64decode(item.blob) == data
    else:
        assert item.text == data.decode()
    assert link.size == saved["size"] and item.mime_type == saved["content_type"]


# resources/subscribe is the handshake protocol's way (the SDK warns that 2026-07-28 replaced it).
@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_a_write_announces_the_resources_it_changed(sandbox: SandboxHandle, tmp_path: Path) -> None:
    server = server_for(sandbox, tmp_path, PIPEDRIVE_WRITES="all", PIPEDRIVE_TOOLSETS="all")
    async with (
        client_of(server, legacy=True) as (watcher, heard),
        client_of(server, legacy=True) as (writer, _),
    ):
        await watcher.subscribe_resource("pipedrive://pipelines")
        await watcher.subscribe_resource("pipedrive://deals/2")
        await writer.call_tool("update_stage", {"id": 1, "name": "Qualified (renamed)"})
        await writer.call_tool("update_deal", {"id": 2, "title": "Renamed deal"})
        await writer.call_tool("update_deal", {"id": 3, "title": "Not watched"})
        await writer.call_tool("add_pipeline", {"name": "Dry", "dry_run": True})
        updated = [
            n.params.uri for n in heard.notifications if isinstance(n, types.ResourceUpdatedNotification)
        ]
        await watcher.unsubscribe_resource("pipedrive://pipelines")
        heard.clear()
        await writer.call_tool("update_stage", {"id": 1, "name": "Qualified"})
    assert updated == ["pipedrive://pipelines", "pipedrive://deals/2"]  # a dry run changes nothing
    assert heard.notifications == []


async def test_a_2026_client_hears_of_changes_on_its_listen_stream(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    server = server_for(sandbox, tmp_path, PIPEDRIVE_WRITES="all", PIPEDRIVE_TOOLSETS="all")
    async with client_of(server) as (client, _):
        assert client.protocol_version == "2026-07-28"
        async with client.listen(resource_subscriptions=["pipedrive://deals/4"]) as stream:
            await client.call_tool("update_deal", {"id": 4, "title": "Renamed on a listen stream"})
            with anyio.fail_after(5):
                event = await stream.__anext__()
    assert event == ResourceUpdated("pipedrive://deals/4")
