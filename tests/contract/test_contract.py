"""Every tool, called through the real MCP client, sends a request the vendor's document accepts.

For each tool listed with all toolsets enabled, two argument sets are built from its input schema
(required fields only; plus every simple optional field) and the call goes through our server to Prism
mocks of the published OpenAPI documents. Any rejection (422, 400 with violations, 401, 404, 405, 415)
fails the test with the tool, its arguments and Prism's complaint.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings
from tests.conftest import SERVER_TOOLS, list_all_tools
from tests.contract.argbuilder import Case, UnbuildableSchema, build_cases, takes_upload
from tests.contract.conftest import Mocks

CONCURRENCY = 8
CALL_SECONDS = 60
HTTP_STATUS = re.compile(r"answered HTTP (\d{3})")


@dataclass
class Outcome:
    case: Case
    verdict: str  # accepted | rejected | not_sent | error
    text: str = ""
    status: int | None = None

    def describe(self) -> str:
        args = json.dumps(self.case.arguments, default=str)
        return f"{self.case.tool} [{self.case.label}] {self.verdict}: args={args}\n    {self.text}"


def _settings(mocks: Mocks, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "PIPEDRIVE_API_TOKEN": "contract-token",
            "PIPEDRIVE_BASE_URL": mocks.pipedrive.origin,
            "ATTIO_API_KEY": "contract-attio-key",
            "ATTIO_BASE_URL": mocks.attio.origin,
            "PIPEDRIVE_TOOLSETS": "all",
            "PIPEDRIVE_WRITES": "all",
            "PIPEDRIVE_CONFIRM": "never",  # every operation as sent; confirmation is tested apart
            "PIPEDRIVE_FILE_ROOTS": str(tmp_path),
            "PIPEDRIVE_DOWNLOAD_DIR": str(tmp_path / "downloads"),
            "PIPEDRIVE_MAX_RETRIES": "1",
            "PIPEDRIVE_MAX_RETRY_WAIT": "2",
            "PIPEDRIVE_TIMEOUT": "30",
        }
    )


def _text(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def _call(client: Client, case: Case, limit: anyio.Semaphore) -> Outcome:
    async with limit:
        with anyio.fail_after(CALL_SECONDS):
            result = await client.call_tool(case.tool, case.arguments)
    text = _text(result)
    if not result.is_error:
        return Outcome(case, "accepted")
    match = HTTP_STATUS.search(text)
    if match:
        return Outcome(case, "rejected", text, int(match.group(1)))
    if text.startswith("Invalid arguments") or text.startswith("path:"):
        return Outcome(case, "not_sent", text)
    return Outcome(case, "error", text)


async def test_every_tool_request_is_accepted(
    mocks: Mocks, upload_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Client(build_server(_settings(mocks, tmp_path))) as client:
        # The server's own tools send requests through the catalog's tools (tests/workflows checks them)
        # or none at all: nothing for Prism to judge.
        tools = [t for t in await list_all_tools(client) if t.name not in SERVER_TOOLS]
        cases: list[Case] = []
        unbuildable: list[str] = []
        for tool in tools:
            schema = tool.input_schema
            try:
                cases += build_cases(tool.name, schema, upload=upload_file if takes_upload(schema) else None)
            except UnbuildableSchema as exc:
                unbuildable.append(f"{tool.name}: {exc}")

        outcomes: list[Outcome] = []
        limit = anyio.Semaphore(CONCURRENCY)

        async def run(case: Case) -> None:
            outcomes.append(await _call(client, case, limit))

        async with anyio.create_task_group() as group:
            for case in cases:
                group.start_soon(run, case)

    failed = [o for o in outcomes if o.verdict != "accepted"]
    failed_tools = {o.case.tool for o in failed}
    verdicts = Counter(o.verdict for o in outcomes)
    accepted_tools = len(tools) - len(failed_tools) - len(unbuildable)
    # Requests Prism rejected that no tool reported (a tool that swallowed an API error).
    reported = " ".join(o.text for o in failed)
    unreported = [e for e in mocks.rejected() if e.path not in reported]

    tally = (
        f"{len(tools)} tools: {accepted_tools} accepted"
        f" ({len(outcomes)} calls: {', '.join(f'{n} {v}' for v, n in sorted(verdicts.items()))})"
    )
    with capsys.disabled():
        print(f"\ncontract: {tally}; Prism answered {mocks.start_seconds():.1f} s after start")

    problems = [o.describe() for o in sorted(failed, key=lambda o: (o.case.tool, o.case.label))]
    problems += [f"unbuildable arguments: {u}" for u in unbuildable]
    problems += [f"unreported rejection: {e.method} {e.path}?{e.query} -> {e.complaint}" for e in unreported]
    assert not problems, f"{tally}\n" + "\n".join(problems)


def _ids(value: Any) -> set[str]:
    """Every value under an "id" key, anywhere in an answer (but the actor behind each of Attio's
    versioned values: the shaped answer gives the current value, raw=true its history)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "created_by_actor":
                continue
            if key == "id" and not isinstance(item, (dict, list)):
                found.add(json.dumps(item))
            found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


async def test_answers_are_prisms_reshaped_only_by_the_rules(mocks: Mocks, tmp_path: Path) -> None:
    """For every read tool: raw=true gives exactly the body Prism sent, under `data` (beside our page
    summary), and the shaped answer keeps every id of it."""
    checked = 0
    problems: list[str] = []
    async with Client(build_server(_settings(mocks, tmp_path))) as client:
        for tool in await list_all_tools(client):
            if not (tool.annotations and tool.annotations.read_only_hint) or tool.name in SERVER_TOOLS:
                continue
            if "save_as" in tool.input_schema["properties"]:
                continue  # downloads answer with a saved file, checked in test_files
            (case, *_) = build_cases(tool.name, tool.input_schema)
            seen = len(mocks.pipedrive.exchanges), len(mocks.attio.exchanges)
            raw = await client.call_tool(tool.name, {**case.arguments, "raw": True})
            exchanges = mocks.pipedrive.exchanges[seen[0] :] + mocks.attio.exchanges[seen[1] :]
            if raw.is_error or len(exchanges) != 1:
                problems.append(f"{tool.name}: raw call failed: {_text(raw)[:200]}")
                continue
            prism = json.loads(exchanges[0].body)
            answer = json.loads(_text(raw)).get("data")
            if "cut" not in json.loads(_text(raw)) and answer != prism:
                diff = [k for k in set(answer) | set(prism) if answer.get(k) != prism.get(k)]
                problems.append(
                    f"{tool.name}: raw answer differs from Prism's body in {diff}: {json.dumps(answer)[:300]} vs {json.dumps(prism)[:300]}"
                )
            shaped = await client.call_tool(tool.name, case.arguments)
            text = _text(shaped)
            missing = [i for i in _ids(prism.get("data", prism)) if i not in text]
            if shaped.is_error or (missing and "full_answer_file" not in text):
                problems.append(f"{tool.name}: shaped answer lost ids {missing[:5]}: {text[:200]}")
            checked += 1
    print(f"\ncontract answers: {checked} read tools checked, {len(problems)} problems")
    assert checked > 150
    assert not problems, "\n".join(problems)
