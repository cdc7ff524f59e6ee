"""Completions for prompt arguments and resource-template variables, read from the sandbox through
the engine and kept briefly: matching names first, ids by name, stages of the chosen pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference

from dealdesk_mcp.sandbox import SandboxHandle
from tests.protocol.conftest import client_of, server_for


def prompt(name: str) -> PromptReference:
    return PromptReference(type="ref/prompt", name=name)


def template(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


async def test_prompt_arguments_complete_from_the_crm(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        pipelines = await client.complete(
            prompt("weekly_pipeline_review"), {"name": "pipeline", "value": "ren"}
        )
        every = await client.complete(prompt("weekly_pipeline_review"), {"name": "pipeline", "value": ""})
        owners = await client.complete(prompt("weekly_pipeline_review"), {"name": "owner", "value": "pri"})
        stages = await client.complete(
            prompt("qualify_lead"),
            {"name": "stage", "value": ""},
            context_arguments={"pipeline": "Partnerships"},
        )
        people = await client.complete(prompt("log_call_and_follow_up"), {"name": "who", "value": "olivia"})
        fields = await client.complete(
            prompt("clean_up_duplicates"),
            {"name": "field", "value": "em"},
            context_arguments={"kind": "persons"},
        )
        kinds = await client.complete(prompt("clean_up_duplicates"), {"name": "kind", "value": "org"})
        free = await client.complete(prompt("prepare_meeting"), {"name": "topic", "value": "x"})
    assert pipelines.completion.values == ["Renewals"]
    assert every.completion.values == ["Sales", "Partnerships", "Renewals"] and every.completion.total == 3
    assert owners.completion.values == ["Priya Natarajan"]
    assert stages.completion.values == ["Prospecting", "Intro call", "Agreement drafted", "Signed"]
    assert "Olivia Tanaka" in people.completion.values
    assert fields.completion.values[0] == "Email"
    assert kinds.completion.values == ["organizations"]
    assert free.completion.values == []


async def test_template_variables_complete_ids_by_name(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        deals = await client.complete(template("pipedrive://deals/{id}"), {"name": "id", "value": "Dunmore"})
        objects = await client.complete(
            template("attio://objects/{object}/attributes"), {"name": "object", "value": "pe"}
        )
        toolsets = await client.complete(
            template("dealdesk://toolsets/{toolset}"), {"name": "toolset", "value": "lead"}
        )
        short = await client.complete(template("pipedrive://persons/{id}"), {"name": "id", "value": "o"})
        deal = await client.read_resource(f"pipedrive://deals/{deals.completion.values[0]}")
    assert deals.completion.values and all(v.isdigit() for v in deals.completion.values)
    assert "Dunmore" in deal.contents[0].text
    assert objects.completion.values == ["people"]
    assert toolsets.completion.values == ["leads", "lead_labels"]
    assert short.completion.values == []  # a search needs two characters


async def test_lists_are_read_once_while_fresh(sandbox: SandboxHandle, tmp_path: Path) -> None:
    server = server_for(sandbox, tmp_path)
    account = server.runtime.account  # type: ignore[attr-defined]
    async with client_of(server) as (client, _):
        for typed in ("", "s", "sa", "sal"):
            await client.complete(prompt("weekly_pipeline_review"), {"name": "pipeline", "value": typed})
    assert account.tally.by_api == {"pipedrive": 1}


async def test_unknown_references_are_protocol_errors(sandbox: SandboxHandle, tmp_path: Path) -> None:
    async with client_of(server_for(sandbox, tmp_path)) as (client, _):
        for ref, argument in (
            (prompt("no_such_prompt"), "x"),
            (prompt("prepare_meeting"), "nobody"),
            (template("pipedrive://nothing/{id}"), "id"),
        ):
            with pytest.raises(MCPError) as refused:
                await client.complete(ref, {"name": argument, "value": ""})
            assert refused.value.code == -32602
