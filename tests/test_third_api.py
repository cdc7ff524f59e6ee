"""Adding an API is a new document, a new source row for the generator and a new runtime profile —
nothing else: a made-up third API goes through the real generator and the real engine, unchanged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mcp import Client

from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.app import build_server
from dealdesk_mcp.catalog import catalog_from, load_catalog
from dealdesk_mcp.config import Settings
from tests.conftest import ROOT, records, text_of
from tests.standin import Recorded, Reply, StandIn

sys.path.insert(0, str(ROOT / "scripts"))
import generate
from api_sources import ApiSource, Document

KEY = "acme-key-0f1e2d3c4b5a69788796"
WIDGET = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
DOCUMENT = {
    "openapi": "3.0.1",
    "info": {"title": "Acme", "version": "1"},
    "paths": {
        "/v1/widgets": {
            "get": {
                "operationId": "listWidgets",
                "tags": ["Widgets"],
                "parameters": [
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}},
                ],
                "responses": {"200": {"description": ""}},
            },
            "post": {
                "operationId": "addWidget",
                "tags": ["Widgets"],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}},
                                "required": ["name"],
                            }
                        }
                    }
                },
                "responses": {"201": {"description": ""}},
            },
        },
        "/v1/widgets/{id}": {
            "delete": {
                "operationId": "deleteWidget",
                "tags": ["Widgets"],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": ""}},
            }
        },
    },
    "components": {"schemas": {"widget": WIDGET}},
}
SOURCE = ApiSource("acme", (Document("acme.json", "v1"),), tool_prefix="acme_")


def generated_catalog(tmp_path: Path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "acme.json").write_text(json.dumps(DOCUMENT))
    ops = generate.collect(specs, (SOURCE,))
    descriptions = generate.load_descriptions()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    generate.write_tree(tmp_path, generate.render_modules(ops, descriptions), ops, descriptions)
    documents = [json.loads(p.read_text()) for p in sorted((tmp_path / "tool_schemas").glob("*.json"))]
    return catalog_from(documents)


def profile(origin: str) -> ApiProfile:
    return ApiProfile(
        name="acme",
        origin=origin,
        credential=KEY,
        credential_style="bearer",
        credential_header="authorization",
        credential_hint="set ACME_KEY",
        page_size_max=50,
        cursor_at=(("meta", "next_cursor"),),
    )


def widgets(request: Recorded) -> Reply:
    if request.method == "POST":
        return Reply(201, {"data": {"id": 9, "name": request.json["name"]}})
    start = int(request.args.get("cursor") or 0)
    limit = int(request.args.get("limit") or 10)
    items = [{"id": i, "name": f"Widget {i}"} for i in range(start + 1, min(25, start + limit) + 1)]
    following = str(start + limit) if start + limit < 25 else None
    return Reply(body={"data": items, "meta": {"next_cursor": following}})


async def test_a_third_api_is_a_source_row_a_document_and_a_profile(tmp_path: Path) -> None:
    catalog = generated_catalog(tmp_path)
    assert {t.name for t in catalog.tools.values()} == {
        "acme_list_widgets",
        "acme_add_widget",
        "acme_delete_widget",
    }
    assert catalog.tools["acme_delete_widget"].destructive
    api = StandIn().start()
    api.reply_with(widgets)
    settings = Settings(
        toolsets=("all",), writes="all", upload_roots=(tmp_path,), download_dir=tmp_path / "downloads"
    )
    try:
        server = build_server(settings, catalog=catalog, profiles={"acme": profile(api.origin)})
        async with Client(server) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            first = json.loads(text_of(await client.call_tool("acme_list_widgets", {"limit": 10})))
            walked = json.loads(text_of(await client.call_tool("acme_list_widgets", {"max_items": 100})))
            added = await client.call_tool("acme_add_widget", {"name": "Sprocket"})
            refused = await client.call_tool("acme_add_widget", {"title": "x"})
    finally:
        api.stop()
    assert {"acme_list_widgets", "acme_add_widget", "acme_delete_widget"} <= listed
    assert first["page"] == {"count": 10, "more": True, "next": {"cursor": "10"}}
    assert [w["id"] for w in records(walked)] == list(range(1, 26))
    assert json.loads(text_of(added))["data"] == {"id": 9, "name": "Sprocket"}
    assert refused.is_error and "nothing was sent" in text_of(refused)
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in api.requests)
    # The walk asks for the largest page the document allows (its limit maximum, 50): one request.
    assert [r.args.get("limit") for r in api.requests if r.method == "GET"][1:] == ["50"]


def test_the_built_in_apis_are_the_same_kind_of_rows() -> None:
    assert {source.api for source in generate.SOURCES} == {tool.api for tool in load_catalog().tools.values()}
