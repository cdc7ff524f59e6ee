"""Starting, persisting, resetting: the sandbox as a process-level component."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dealdesk_mcp.sandbox import SANDBOX_TOKEN, create_app, default_db_path, start_sandbox

HEADERS = {"x-api-token": SANDBOX_TOKEN}


def test_state_survives_restart_and_reset_reseeds(tmp_path: Path) -> None:
    db = str(tmp_path / "nested" / "sandbox.sqlite3")
    with start_sandbox(db) as first:
        created = httpx.post(
            f"{first.base_url}/api/v2/organizations", json={"name": "Kept Ltd"}, headers=HEADERS
        )
        org_id = created.json()["data"]["id"]
        seeded = len(httpx.get(f"{first.base_url}/api/v2/organizations", headers=HEADERS).json()["data"])
    with start_sandbox(db) as second:
        again = httpx.get(f"{second.base_url}/api/v2/organizations/{org_id}", headers=HEADERS)
        assert again.status_code == 200 and again.json()["data"]["name"] == "Kept Ltd"
    with start_sandbox(db, reset=True) as third:
        gone = httpx.get(f"{third.base_url}/api/v2/organizations/{org_id}", headers=HEADERS)
        assert gone.status_code == 404
        count = len(httpx.get(f"{third.base_url}/api/v2/organizations", headers=HEADERS).json()["data"])
        assert count == seeded - 1


def test_seeding_in_memory_is_fast() -> None:
    started = time.perf_counter()
    app = create_app(":memory:")
    assert time.perf_counter() - started < 0.3
    assert app.state.store.get_meta("seeded_at")


def test_default_db_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == str(tmp_path / "dealdesk-mcp" / "sandbox.sqlite3")


def test_package_import_stays_light() -> None:
    code = "import sys, dealdesk_mcp.sandbox; print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.strip() == "[]"


def test_undocumented_paths_and_methods_are_refused_in_pipedrives_shape(api: httpx.Client) -> None:
    for method, path, status in [
        ("GET", "/api/v3/deals", 404),
        ("GET", "/api/v2/no-such-thing", 404),
        ("PUT", "/api/v2/deals/1", 405),  # v2 updates deals with PATCH
    ]:
        answer = api.request(method, path)
        assert answer.status_code == status, (method, path)
        body = answer.json()
        assert body["success"] is False and body["error"]
