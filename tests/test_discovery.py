"""Discovery mode's search: it finds the tool for a task among the whole catalog, says whether this
session can call it and what would enable it, and costs nothing until the first search."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from dealdesk_mcp import discovery_index
from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.catalog import load_catalog
from tests.conftest import ROOT, connect, make_settings, text_of

# Held-out phrasings: written after the ranker was tuned on bench/discovery_tasks.yaml, in other
# words than that set, and not tuned against afterwards. They check that the ranking carries over to
# wording it was not fitted to; bench/RESULTS.md has the figures of both sets. One change came after
# they were written (OBJECT_WEIGHT, chosen on the bench set): it moved their top 1 from 32 to 31 of
# 42 and their top 3 not at all. Each task lists the tools that would do it (any one counts).
HELD_OUT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("push this opportunity to the negotiation phase", ("update_deal",)),
    ("new contact for Sarah at Initech", ("add_person",)),
    ("find organizations named Acme", ("search_organization", "search_item")),
    ("book a demo call with the prospect", ("add_activity",)),
    ("tick off a completed to-do", ("update_activity",)),
    ("jot a quick note on the lead", ("add_note",)),
    ("promote this lead to a deal", ("convert_lead_to_deal",)),
    ("all persons linked to an organization", ("get_persons",)),
    ("remove a stage from the pipeline", ("delete_stage",)),
    ("what stages does the pipeline have", ("get_stages",)),
    ("store a contract file on the opportunity", ("add_file",)),
    ("save a file from the CRM to disk", ("download_file",)),
    ("which line items does the deal carry", ("get_deal_products",)),
    ("price list of products", ("get_products",)),
    ("deactivate a teammate's account", ("update_user",)),
    ("who is the current API user", ("get_current_user",)),
    ("list users allowed to view an organization", ("get_organization_users",)),
    ("subscribe a URL to deal events", ("add_webhook", "attio_create_webhook")),
    ("stop following an organization", ("delete_organization_follower",)),
    ("field change history of an organization", ("get_organization_changelog",)),
    ("create a dropdown custom field for deals", ("add_deal_field",)),
    ("project tasks overview", ("get_project_tasks", "get_tasks")),
    ("list the mailbox threads", ("get_mail_threads",)),
    ("query Attio records of the companies object", ("attio_list_records",)),
    ("remove an entry from an Attio list", ("attio_delete_list_entry",)),
    ("show the notes of an Attio record", ("attio_list_notes",)),
    ("give an Attio task a new deadline", ("attio_update_task",)),
    ("list everybody in the Attio workspace", ("attio_list_workspace_members",)),
    ("configure a webhook in Attio", ("attio_create_webhook",)),
    ("fetch transcript for a recorded meeting", ("attio_get_call_transcript",)),
    ("won deals revenue per currency", ("get_deals_summary",)),
    ("deal conversion rate between stages", ("get_pipeline_conversion_statistics",)),
    ("label a lead as warm", ("update_lead", "add_lead_label")),
    ("merge two duplicate person records", ("merge_persons",)),
    ("view a saved filter's conditions", ("get_filter",)),
    ("monthly quota for a sales rep", ("add_goal", "get_goals")),
    ("open email messages of an organization", ("get_organization_mail_messages",)),
    ("register a phone call that happened yesterday", ("add_call_log", "add_activity")),
    ("lead sources", ("get_lead_sources",)),
    ("rename an organization", ("update_organization",)),
    ("upload a picture for a product", ("upload_product_image",)),
    ("which roles exist", ("get_roles",)),
)
# Floors a little under the measured shares (bench/RESULTS.md), so that a change that loses
# ground fails here.
TOP3_FLOOR = 0.80
TOP1_FLOOR = 0.65


def shares(index: discovery_index.SearchIndex) -> tuple[float, float, list[str]]:
    """(share with a right tool first, share with one in the top 3, the tasks missed in the top 3)."""
    first = within = 0
    missed: list[str] = []
    for ask, right in HELD_OUT:
        top = [hit.entry.name for hit in index.rank(ask)[:3]]
        first += bool(top) and top[0] in right
        if any(name in right for name in top):
            within += 1
        else:
            missed.append(f"{ask!r}: {top}")
    return first / len(HELD_OUT), within / len(HELD_OUT), missed


def test_held_out_phrasings_name_real_tools() -> None:
    tools = load_catalog().tools
    assert len(HELD_OUT) >= 30
    assert [name for _, right in HELD_OUT for name in right if name not in tools] == []


def test_held_out_phrasings_find_their_tool() -> None:
    first, within, missed = shares(discovery_index.index_of(load_catalog()))
    assert within >= TOP3_FLOOR, missed
    assert first >= TOP1_FLOOR


def test_the_ranking_does_not_hang_on_the_descriptions_wording() -> None:
    # Descriptions cut to their first sentence, as a tighter wording might leave them: names, titles
    # and the word tables carry the ranking.
    catalog = load_catalog()
    tools = [dataclasses.replace(t, description=t.summary) for t in catalog.tools.values()]
    summaries = {t.name: t.summary for t in toolset_table.TOOLSETS}
    _, within, missed = shares(discovery_index.SearchIndex(tools, summaries))
    assert within >= TOP3_FLOOR - 0.05, missed


def test_scores_are_explained_by_their_parts() -> None:
    index = discovery_index.index_of(load_catalog())
    query = "move a deal to the next stage"
    best = index.rank(query)[0]
    why = index.explain(query, best.entry.name)
    assert why["score"] == pytest.approx(best.score, abs=1e-3)
    factors = why["factors"]
    product = factors["coverage"] * factors["kind"] * factors["api"] * factors["deprecated"]
    assert why["score"] == pytest.approx((why["words"] + why["pairs"]) * product, rel=1e-2)
    assert why["terms"]["deal (1)"]["name"] > 0 and why["pairs"] > 0  # "move ... stage" is near


def test_synonyms_and_phrasings_reach_the_tool() -> None:
    index = discovery_index.index_of(load_catalog())

    def first(query: str) -> str:
        return index.rank(query)[0].entry.name

    assert first("move a deal to the next stage") == "update_deal"
    assert first("who follows this opportunity") == "get_deal_followers"  # opportunity = deal
    assert first("merge two duplicate orgs") == "merge_organizations"  # org = organization
    assert first("archive a lead") == "update_lead"  # a changing verb first: not get_archived_leads
    assert first("list archived leads") == "get_archived_leads"


def test_a_query_naming_an_api_prefers_its_tools() -> None:
    index = discovery_index.index_of(load_catalog())
    assert index.rank("add a note to a deal")[0].entry.name == "add_note"
    assert index.rank("add a note to a deal in Attio")[0].entry.name == "attio_create_note"
    # A server with only Attio's credentials means Attio when the query names no API.
    assert index.rank("add a note to a deal", frozenset({"attio"}))[0].entry.name == "attio_create_note"


def test_the_index_is_built_once_and_not_at_start_up() -> None:
    catalog = load_catalog()
    assert discovery_index.index_of(catalog) is discovery_index.index_of(catalog)
    # A fresh process that builds a discovery server and lists its tools has not imported bm25s.
    code = (
        "import sys\n"
        "from dealdesk_mcp.app import Runtime\n"
        "from dealdesk_mcp.config import Settings\n"
        "runtime = Runtime(Settings.from_env({'PIPEDRIVE_API_TOKEN': 't', 'PIPEDRIVE_DISCOVERY': '1'}))\n"
        "runtime.listed_tools()\n"
        "print('bm25s' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


async def test_search_reaches_beyond_the_selection_and_says_how_to_enable(standin, tmp_path):
    # The default selection at the default write level: stages are offered for reading only.
    settings = make_settings(
        standin, tmp_path, PIPEDRIVE_DISCOVERY="1", PIPEDRIVE_TOOLSETS="", PIPEDRIVE_WRITES=""
    )
    async with connect(settings) as client:

        async def search(query: str) -> list[dict[str, object]]:
            answer = json.loads(text_of(await client.call_tool("search_operations", {"query": query})))
            return answer["operations"]

        stages = await search("stages")
        add_stage = (await search("add a stage to a pipeline"))[0]
        delete_deal = (await search("delete a deal"))[0]
        goals = (await search("create a sales goal"))[0]
        refused = await client.call_tool("call_operation", {"name": "add_stage", "arguments": {"name": "x"}})
    assert stages[0] == {
        "name": "get_stages",
        "title": load_catalog().tools["get_stages"].title,
        "summary": load_catalog().tools["get_stages"].summary,
        "toolset": "stages",
        "callable": True,
    }
    assert add_stage["name"] == "add_stage" and add_stage["callable"] is False
    assert add_stage["to_call"] == "enable the stages toolset"
    assert delete_deal["name"] == "delete_deal" and "--writes all" in delete_deal["to_call"]
    assert goals["name"] == "add_goal" and goals["to_call"] == "enable the goals toolset"
    assert refused.is_error and "--toolsets default,stages" in text_of(refused)
    assert standin.requests == []


async def test_an_empty_query_lists_the_toolsets_and_a_bad_toolset_is_named(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_DISCOVERY="1", PIPEDRIVE_TOOLSETS="deals")
    async with connect(settings) as client:
        listed = json.loads(text_of(await client.call_tool("search_operations", {})))
        one = json.loads(
            text_of(await client.call_tool("search_operations", {"toolset": "stages", "method": "GET"}))
        )
        bad = await client.call_tool("search_operations", {"query": "x", "toolset": "stagez"})
        nothing = json.loads(text_of(await client.call_tool("search_operations", {"query": "qwxzv"})))
    rows = {row["toolset"]: row for row in listed["toolsets"]}
    assert set(rows) == set(load_catalog().toolsets)
    assert rows["deals"]["enabled"] is True and rows["stages"]["enabled"] is False
    stage_reads = [t.name for t in load_catalog().toolsets["stages"] if t.method == "GET"]
    assert [op["name"] for op in one["operations"]] == stage_reads and len(stage_reads) >= 2
    assert bad.is_error and "toolset: unknown 'stagez'" in text_of(bad) and "stages" in text_of(bad)
    assert nothing["operations"] == [] and "empty query" in nothing["notes"][0]


async def test_search_without_an_apis_credentials_says_so(standin, tmp_path):
    settings = make_settings(
        standin, tmp_path, PIPEDRIVE_DISCOVERY="1", ATTIO_API_KEY="", PIPEDRIVE_TOOLSETS=""
    )
    async with connect(settings) as client:
        answer = json.loads(
            text_of(await client.call_tool("search_operations", {"query": "add a note in Attio", "limit": 1}))
        )
    note = answer["operations"][0]
    assert note["name"] == "attio_create_note" and note["callable"] is False
    assert note["to_call"].startswith("attio credentials")
    assert any("ATTIO_API_KEY" in n for n in answer["notes"])


async def test_call_operation_names_what_keeps_a_tool_back(standin, tmp_path):
    settings = make_settings(
        standin,
        tmp_path,
        PIPEDRIVE_DISCOVERY="1",
        PIPEDRIVE_TOOLSETS="",
        PIPEDRIVE_EXCLUDE_TOOLS="get_notes",
    )
    async with connect(settings) as client:
        occasional = await client.call_tool("call_operation", {"name": "get_archived_deals", "arguments": {}})
        excluded = await client.call_tool("call_operation", {"name": "get_notes", "arguments": {}})
    assert occasional.is_error and "left out of the default selection" in text_of(occasional)
    assert "--toolsets default,deals" in text_of(occasional)
    assert excluded.is_error and "excluded" in text_of(excluded)
    assert standin.requests == []
