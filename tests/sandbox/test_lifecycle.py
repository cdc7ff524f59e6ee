"""Starting, persisting, resetting: the sandbox as a process-level component."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


def test_an_in_memory_sandbox_is_seeded_when_made() -> None:
    # How long seeding takes is a figure for bench/, not a test's business.
    app = create_app(":memory:")
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_standalone_takes_concurrent_writes_from_many_clients_and_stops_promptly(tmp_path: Path) -> None:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "dealdesk_mcp.sandbox",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "s.db"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
    reader.start()
    try:
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not any(line.startswith("token: ") for line in lines):
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        token = next(line.split(" ", 1)[1].strip() for line in lines if line.startswith("token: "))
        assert token == SANDBOX_TOKEN and lines[0].startswith(f"Pipedrive and Attio sandbox on {origin}")

        def client(n: int) -> list[tuple[int, int]]:
            made = []
            auth = {"x-api-token": token, "authorization": f"Bearer {token}"}
            with httpx.Client(base_url=origin, headers=auth, timeout=30) as api:
                for round_ in range(4):
                    deal = api.post("/api/v2/deals", json={"title": f"Client {n} deal {round_}"})
                    assert deal.status_code in (200, 201), deal.text
                    deal_id = deal.json()["data"]["id"]
                    value = 100 * n + round_
                    assert api.patch(f"/api/v2/deals/{deal_id}", json={"value": value}).status_code == 200
                    note = api.post("/api/v1/notes", json={"content": f"from {n}", "deal_id": deal_id})
                    assert note.status_code in (200, 201), note.text
                    company = {"data": {"values": {"name": [{"value": f"Client {n} company {round_}"}]}}}
                    assert api.post("/v2/objects/companies/records", json=company).status_code == 200
                    made.append((deal_id, value))
            return made

        with ThreadPoolExecutor(max_workers=8) as pool:
            made = [pair for result in pool.map(client, range(8)) for pair in result]
        assert len({deal_id for deal_id, _ in made}) == 32  # every create got its own id
        with httpx.Client(base_url=origin, headers=HEADERS, timeout=30) as api:
            for deal_id, value in made:
                deal = api.get(f"/api/v2/deals/{deal_id}", params={"include_fields": "notes_count"})
                assert deal.json()["data"]["value"] == value and deal.json()["data"]["notes_count"] == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(5)
    assert not any("Traceback" in line for line in lines), "".join(lines)
