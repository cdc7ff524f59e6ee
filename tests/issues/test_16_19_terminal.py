"""Issue 16, item 19: started in a terminal, the stdio server looked hung and ignored Ctrl-C (only
SIGKILL, Ctrl-D or SIGTERM stopped it). Ctrl-C stops it at once; on a terminal it says what it is;
over HTTP it names the MCP address."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.standin import StandIn
from tests.transports.conftest import INITIALIZE, SCRIPT, StartServer, server_env

STOP_WITHIN = 2.0


def wait_for(path: Path, words: str, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while words not in path.read_text(errors="replace"):
        assert proc.poll() is None, path.read_text(errors="replace")
        assert time.monotonic() < deadline, path.read_text(errors="replace")
        time.sleep(0.05)


def interrupt(proc: subprocess.Popen[bytes]) -> float:
    """Send SIGINT (what Ctrl-C sends); how long the process took to end."""
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("Ctrl-C did not stop the server within 10 s")
    return time.monotonic() - began


def test_ctrl_c_stops_the_server_started_in_a_terminal(crm: StandIn, tmp_path: Path) -> None:
    terminal, other_end = pty.openpty()
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    try:
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [str(SCRIPT), "--toolsets", "deals"],
                env=server_env(crm),
                cwd=tmp_path,
                stdin=other_end,
                stdout=stdout,
                stderr=stderr,
            )
        wait_for(err, "Ctrl-C stops it", proc)
        took = interrupt(proc)
    finally:
        os.close(terminal)
        os.close(other_end)
    print(f"\nCtrl-C stopped the stdio server in {took:.2f} s")
    assert took < STOP_WITHIN
    assert proc.returncode == 130
    assert out.read_bytes() == b""
    [hint] = [line for line in err.read_text().splitlines() if "stdin/stdout" in line]
    assert "MCP" in hint and "claude mcp add" in hint and "--transport http" in hint


def test_ctrl_c_stops_a_server_a_host_is_talking_to(crm: StandIn, tmp_path: Path) -> None:
    err = tmp_path / "stderr"
    with err.open("wb") as stderr:
        proc = subprocess.Popen(
            [str(SCRIPT), "--toolsets", "deals"],
            env=server_env(crm),
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    assert answer["id"] == 1 and "result" in answer
    took = interrupt(proc)
    rest = proc.stdout.read()
    proc.stdin.close()
    proc.stdout.close()
    assert took < STOP_WITHIN, took
    assert all(json.loads(line)["jsonrpc"] == "2.0" for line in rest.splitlines())
    assert "stdin/stdout" not in err.read_text()  # the hint is for people at a terminal, not hosts
    assert "Traceback" not in err.read_text()


def test_http_names_the_mcp_address_next_to_the_sandbox(start_server: StartServer) -> None:
    server = start_server("http", "--sandbox", "memory")
    text = server.stderr()
    assert "sandbox CRM at" in text
    assert f"MCP (streamable HTTP) at http://127.0.0.1:{server.port}/mcp" in text
