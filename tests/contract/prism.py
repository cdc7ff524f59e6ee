"""Stoplight Prism in mock mode: one loopback server per vendor document, validating every request.

Prism answers a request the document accepts with a mocked example, and a request it does not accept
with an error: 422 (its own problem+json with a `validation` list, or the document's own 400/422 example
with the list in the `sl-violations` header), 401 when the security header is missing, 404 for a path
the document lacks, 405 for a method the path lacks, 415 for a wrong content type.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".tools" / "prism" / "node_modules" / ".bin" / "prism"
SPECS = ROOT / "specs"
DOCUMENTS = {
    "pipedrive-v1": "pipedrive-v1.json",
    "pipedrive-v2": "pipedrive-v2.json",
    "attio": "attio.json",
}
STARTUP_SECONDS = 90.0


class PrismError(RuntimeError):
    """Prism did not start, or stopped answering."""


def missing_requirements() -> str | None:
    """Why the contract suite cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed (the contract suite runs Prism on Node.js)"
    if not PRISM.exists():
        return (
            f"Prism is not installed at {PRISM.relative_to(ROOT)}; run scripts/install_prism.sh (needs npm)"
        )
    missing = [name for name in DOCUMENTS.values() if not (SPECS / name).is_file()]
    if missing:
        return f"vendor OpenAPI documents missing under {SPECS}: {', '.join(missing)}"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrismServer:
    """One `prism mock` process serving one document on 127.0.0.1."""

    name: str
    document: Path
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    start_seconds: float | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrismServer:
        # No --errors: it only adds response validation, which judges the vendor's examples, not us.
        # Request validation is on in mock mode regardless.
        command = [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(self.port), "-v", "warn"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [*command, str(self.document)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.started_at = time.monotonic()
        return self

    def wait_ready(self, deadline: float) -> None:
        """Block until Prism answers HTTP (any status: `/` itself is a 404)."""
        assert self.process is not None
        while True:
            if self.process.poll() is not None:
                raise PrismError(
                    f"Prism for {self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                httpx.get(self.origin + "/", timeout=1.0)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise PrismError(
                        f"Prism for {self.name} did not answer within {STARTUP_SECONDS:g} s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.1)
                continue
            self.start_seconds = time.monotonic() - self.started_at
            return

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def start_all(log_dir: Path) -> dict[str, PrismServer]:
    """Start one Prism per document at once (they parse in parallel) and wait for all of them."""
    servers = {
        name: PrismServer(name, SPECS / file, free_port(), log_dir / f"prism-{name}.log")
        for name, file in DOCUMENTS.items()
    }
    try:
        for server in servers.values():
            server.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in servers.values():
            server.wait_ready(deadline)
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers
