"""Prompts: listed with their arguments, filled from them, naming only real tools, telling the agent
which of those this connection does not offer; bad names and missing arguments are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from dealdesk_mcp import completions, prompts
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp.sandbox import SandboxHandle
from tests.protocol.conftest import client_of, server_for


def test_every_prompt_names_real_tools_and_known_sources() -> None:
    catalog = load_catalog()
    for spec in prompts.PROMPTS:
        named = spec.tools()
        assert len(named) >= 3, spec.name  # a workflow, not a one-liner
        assert set(named) <= set(catalog.tools), (spec.name, set(named) - set(catalog.tools))
        for arg in spec.arguments:
            assert arg.completes is None or arg.completes == "field" or arg.completes in completions.SOURCES
            assert f"{{{arg.name}}}" in spec.text, (spec.name, arg.name)  # every argument is used


async def test_lists_prompts_with_their_arguments(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        listed = (await client.list_prompts()).prompts
    by_name = {p.name: p for p in listed}
    assert set(by_name) == {
        "weekly_pipeline_review",
        "prepare_meeting",
        "log_call_and_follow_up",
        "clean_up_duplicates",
        "qualify_lead",
    }
    assert all(p.description and p.title for p in listed)
    meeting = {a.name: a.required for a in by_name["prepare_meeting"].arguments or []}
    assert meeting == {"who": True, "topic": False}


async def test_a_prompt_is_filled_from_its_arguments(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path, ATTIO_API_KEY="")) as (client, _):
        got = await client.get_prompt(
            "log_call_and_follow_up", {"who": "Olivia Tanaka", "summary": "Wants {a demo}"}
        )
        review = await client.get_prompt("weekly_pipeline_review", {"pipeline": "Renewals"})
    [message] = got.messages
    text = message.content.text
    assert message.role == "user"
    assert "Olivia Tanaka" in text and "Wants {a demo}" in text  # braces in a value stay as typed
    assert "in 3 working days" in text  # the default of an argument left out
    assert "`add_activity`" in text and "`add_note`" in text
    assert "Not offered" not in text  # every tool it names is in the default selection
    assert (
        "Renewals" in review.messages[0].content.text and "the last 7 days" in review.messages[0].content.text
    )


async def test_a_prompt_says_which_of_its_tools_are_not_offered(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    async with client_of(server_for(sandbox, tmp_path, PIPEDRIVE_WRITES="safe")) as (client, _):
        got = await client.get_prompt("clean_up_duplicates", {"kind": "organizations"})
    text = got.messages[0].content.text
    assert "Not offered on this connection now:" in text
    # Merging is destructive: beyond the write level, not a toolset to switch on.
    assert "merge_persons, merge_organizations need a higher write level than 'safe'" in text


async def test_bad_prompt_requests_are_protocol_errors(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        for name, arguments, words in (
            ("no_such_prompt", {}, "unknown prompt"),
            ("prepare_meeting", {}, "needs the argument 'who'"),
            ("prepare_meeting", {"who": "x", "whom": "y"}, "takes no argument whom"),
        ):
            with pytest.raises(MCPError) as refused:
                await client.get_prompt(name, arguments)
            assert refused.value.code == -32602 and words in refused.value.message


async def test_pipedrive_prompts_need_pipedrive_credentials(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path, PIPEDRIVE_API_TOKEN="")) as (client, _):
        listed = (await client.list_prompts()).prompts
    assert listed == []


async def test_the_way_to_missing_tools_fits_the_connection(sandbox: SandboxHandle, tmp_path: Path) -> None:
    server = server_for(sandbox, tmp_path)
    async with client_of(server, legacy=True) as (session, _), client_of(server) as (stateless, _):
        with_session = (await session.get_prompt("qualify_lead", {"lead": "Maple"})).messages[0].content.text
        await session.call_tool("switch_toolsets", {"enable": ["lead_labels", "pipelines", "stages"]})
        switched = (await session.get_prompt("qualify_lead", {"lead": "Maple"})).messages[0].content.text
        without = (await stateless.get_prompt("qualify_lead", {"lead": "Maple"})).messages[0].content.text
    assert "Not offered on this connection now: get_lead_labels." in with_session
    assert "`switch_toolsets` with enable ['lead_labels'] offers them." in with_session
    assert "Not offered" not in switched
    assert "started with --toolsets including lead_labels" in without
