"""Pipedrive's official Node.js client (npm `pipedrive`, installed by scripts/install_pipedrive_client.sh)
pointed at the standalone sandbox: it does a small round of CRM work over /api/v2 and /api/v1 and must
get back what it sent, and the sandbox's own API (read with httpx) must agree. Skipped without node or
the client, except under CI=true."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle
from tests.conftest import ROOT

CLIENT_DIR = ROOT / ".tools" / "pipedrive-client"
SCRIPT = Path(__file__).with_name("official_client.cjs")


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None:
        reason = "node not on PATH; the official Pipedrive client needs Node.js"
    elif not (CLIENT_DIR / "node_modules" / "pipedrive" / "package.json").exists():
        reason = f"Pipedrive's Node.js client not installed in {CLIENT_DIR}; run scripts/install_pipedrive_client.sh"
    else:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def run_client(node: str, sandbox: SandboxHandle) -> dict[str, Any]:
    # The token goes by environment, never on the command line.
    env = {**os.environ, "PIPEDRIVE_API_TOKEN": SANDBOX_TOKEN}
    done = subprocess.run(
        [node, str(SCRIPT), str(CLIENT_DIR), sandbox.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_official_node_client_does_crm_work_against_the_sandbox(
    node: str, sandbox: SandboxHandle, api: httpx.Client
) -> None:
    seen = run_client(node, sandbox)
    org, person, deal_id = seen["organization"], seen["person"], seen["created"]["id"]
    first, second = seen["stages"]["first"], seen["stages"]["second"]
    assert first != second

    assert org["name"] == "Nodeclient Ltd" and isinstance(org["id"], int)
    assert person["name"] == "Nora Node" and person["org_id"] == org["id"]
    assert [email["value"] for email in person["emails"]] == ["nora@nodeclient.example"]

    linked = {"person_id": person["id"], "org_id": org["id"], "value": 4200, "currency": "EUR"}
    assert seen["created"] == {
        "id": deal_id,
        "title": "Node client deal",
        "stage_id": first,
        "pipeline_id": seen["stages"]["pipeline_id"],
        "status": "open",
        **linked,
    }
    assert seen["read"] == seen["created"]
    renamed = {**seen["created"], "title": "Node client deal, renamed", "stage_id": second}
    assert seen["updated"] == renamed
    # Listing by the new organization finds the deal, already renamed, and nothing else.
    assert seen["listed"] == renamed and seen["listed_count"] == 1
    note = {"id": seen["note"]["id"], "content": "Called from the Node client", "deal_id": deal_id}
    assert seen["note"] == note and seen["notes"] == [note]
    assert seen["deleted"] == {"id": deal_id}

    # The sandbox, asked directly, holds what the client did.
    assert api.get(f"/api/v2/deals/{deal_id}").status_code == 404
    gone = api.get("/api/v2/deals", params={"org_id": org["id"], "status": "deleted"}).json()["data"]
    assert [(d["id"], d["title"], d["stage_id"], d["is_deleted"]) for d in gone] == [
        (deal_id, "Node client deal, renamed", second, True)
    ]
    stored_person = api.get(f"/api/v2/persons/{person['id']}").json()["data"]
    assert (stored_person["name"], stored_person["org_id"]) == ("Nora Node", org["id"])
    assert api.get(f"/api/v2/organizations/{org['id']}").json()["data"]["name"] == "Nodeclient Ltd"
    stored_note = api.get(f"/api/v1/notes/{note['id']}").json()["data"]
    assert (stored_note["content"], stored_note["deal_id"]) == (note["content"], deal_id)
