"""Issue 16, item 6: get_archived_deals, get_deals_products and get_installments always failed with
"id must be an integer": /deals/archived was taken for /deals/{id}. The class: a literal path segment
read as a parameter. Every list tool without path parameters answers with no arguments (or only its
required ones) in the sandbox, where literal segments and parameters meet for real."""

from __future__ import annotations

import json
from pathlib import Path

from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.config import Settings
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, start_sandbox
from tests.conftest import text_of

# Required arguments of list tools that take no path parameter, pointed at seeded data.
REQUIRED = {
    "get_deals_products": {"deal_ids": [1, 2]},
    "get_installments": {"deal_ids": [1, 2]},
    "search_deals": {"term": "deal"},
    "search_persons": {"term": "an"},
    "search_organization": {"term": "an"},
    "search_leads": {"term": "an"},
    "search_products": {"term": "an"},
    "search_item": {"term": "an"},
    "search_item_by_field": {"term": "an", "entity_type": "deal", "field": "title"},
    "search_projects": {"term": "an"},
    "find_users_by_name": {"term": "an"},
    "get_mail_threads": {"folder": "inbox"},
    "get_recents": {"since_timestamp": "2020-01-01 00:00:00"},
}


def list_tools_without_path_parameters() -> list[str]:
    catalog = load_catalog()
    return sorted(
        t.name
        for t in catalog.tools.values()
        if t.api == "pipedrive" and t.method == "GET" and "{" not in t.path and t.answer == "list"
    )


async def test_every_list_tool_without_path_parameters_answers(tmp_path: Path) -> None:
    names = list_tools_without_path_parameters()
    assert {"get_archived_deals", "get_deals_products", "get_installments"} <= set(names)
    failures = {}
    with start_sandbox(":memory:") as sandbox:
        settings = Settings(
            pipedrive_base_url=sandbox.base_url,
            pipedrive_api_token=SANDBOX_TOKEN,
            toolsets=("all",),
            upload_roots=(tmp_path,),
            download_dir=tmp_path / "downloads",
        )
        async with Client(build_server(settings)) as client:
            for name in names:
                result = await client.call_tool(name, REQUIRED.get(name, {}))
                if result.is_error:
                    failures[name] = text_of(result)[:200]
                else:
                    json.loads(text_of(result))
    assert failures == {}, json.dumps(failures, indent=1)
