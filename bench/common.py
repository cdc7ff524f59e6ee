"""Paths, process helpers and statistics shared by the benchmark modules."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
# The facts-only vendor documents in this repository (scripts/strip_specs.py writes them).
SPECS = REPO / "specs"
MAIN_PYTHON = REPO / ".venv" / "bin" / "python"
OUR_SCRIPT = REPO / ".venv" / "bin" / "dealdesk-mcp"
TOKEN = "bench-token-0123456789"


class BenchError(RuntimeError):
    """A side of the benchmark could not be set up or answered wrongly."""


@dataclass(frozen=True)
class Sides:
    """Where each measured program lives."""

    main_python: Path
    our_script: Path
    generic_python: Path | None  # None when fastmcp's virtualenv could not be built


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any project settings, plus `extra`.

    A developer's own PIPEDRIVE_* or ATTIO_* variables must not change what is measured.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPEDRIVE_", "ATTIO_", "FASTMCP_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"process {proc.args!r} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"nothing listened on port {port} within {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def standin(*more: str) -> Iterator[str]:
    """Start the loopback Pipedrive stand-in (more: its options); yields its origin."""
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "standin.py"), "--port", "0", *more],
        stdout=subprocess.PIPE,
        env=clean_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            raise BenchError(f"the stand-in did not start: {line!r}")
        yield f"http://127.0.0.1:{line[1]}"
    finally:
        stop(proc)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation), enough for thousands of samples."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def put_section(results: Path, heading: str, text: str) -> None:
    """Put `text` (starting with `heading`) into the results file: in place of an earlier section under
    that heading, or at the end. The scripts run apart from run.py keep their sections this way."""
    current = results.read_text(encoding="utf-8")
    start = current.find(heading)
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(heading))
        updated = current[:start] + text + (current[end + 1 :] if end >= 0 else "")
    results.write_text(updated, encoding="utf-8")
