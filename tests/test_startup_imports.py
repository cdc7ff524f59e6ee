"""Start-up loads only what the first tools/list needs (issue 17's start-up time is measured in bench/,
not here): no HTTP client, no OAuth flow, no search index, no models of answer parts; and it leaves the
process's cycle collector set for serving calls."""

from __future__ import annotations

import json
import subprocess
import sys

from dealdesk_mcp import collector
from tests.conftest import ATTIO_KEY, ROOT, TOKEN

# Imported with the first request or search instead; httpx also brings rich and pygments where installed.
NOT_AT_START = (
    "httpx",
    "rich",
    "dealdesk_mcp.auth",
    "dealdesk_mcp.discovery_index",
    "dealdesk_mcp.answer_parts",
)

LIST_ALL = f"""
import json, sys
from dealdesk_mcp.app import build_server, runtime_of
from dealdesk_mcp.config import Settings

env = {{"PIPEDRIVE_API_TOKEN": {TOKEN!r}, "ATTIO_API_KEY": {ATTIO_KEY!r}, "PIPEDRIVE_TOOLSETS": "all"}}
tools = runtime_of(build_server(Settings.from_env(env))).listed_tools()
print(json.dumps([len(tools), [m for m in {NOT_AT_START!r} if m in sys.modules]]))
"""


def test_listing_every_tool_loads_no_http_client_oauth_or_search_index():
    done = subprocess.run(
        [sys.executable, "-c", LIST_ALL], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    count, loaded = json.loads(done.stdout)
    assert count > 300
    assert loaded == []


# The CLI's start with its transport replaced by a report of the cycle collector's settings.
SERVE_AND_REPORT = f"""
import gc, os, sys
from dealdesk_mcp import cli, transports

async def report(server):
    print(gc.get_threshold()[0], gc.get_freeze_count() > 0, gc.isenabled())

transports.serve_stdio = report
os.environ.update({{"PIPEDRIVE_API_TOKEN": {TOKEN!r}, "PIPEDRIVE_TOOLSETS": "deals"}})
sys.exit(cli.main(["--env-file", ""]))
"""


def test_the_server_process_serves_with_start_up_frozen_and_a_young_generation_sized_for_calls():
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AND_REPORT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    young, frozen, enabled = done.stdout.split()
    assert (int(young), frozen, enabled) == (collector.YOUNG_GENERATION, "True", "True")
