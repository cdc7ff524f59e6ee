"""Build the generic baseline's own virtualenv (fastmcp) and its JSON copies of the documents.

fastmcp lives apart from the project's virtualenv so neither constrains the other's
dependencies. The newest fastmcp (4.1.6 when this was written) requires
certifi>=2026.10.19, which the registries here do not have; 4.1.2 is the newest release
that installs with its own dependency pins, so that is the pin.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import SPECS, WORK, BenchError

FASTMCP_PIN = "fastmcp==4.1.2"
VENV = WORK / "fastmcp-venv"
SPEC_JSON = SPECS


def venv_python() -> Path:
    return VENV / "bin" / "python"


def installed_version() -> str | None:
    python = venv_python()
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import fastmcp; print(fastmcp.__version__)"],
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_venv(log=print) -> Path:
    """The fastmcp interpreter, creating the virtualenv on first use. Raises BenchError."""
    wanted = FASTMCP_PIN.split("==")[1]
    if installed_version() == wanted:
        return venv_python()
    log(f"creating {VENV} with {FASTMCP_PIN} (first run only)")
    WORK.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [str(venv_python()), "-m", "pip", "install", "--quiet", FASTMCP_PIN],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise BenchError(f"could not build fastmcp's virtualenv ({' '.join(step[:4])} ...): {tail}")
    if installed_version() != wanted:
        raise BenchError("fastmcp's virtualenv was built but fastmcp does not import")
    return venv_python()


def ensure_spec_json() -> Path:
    """The folder of the two Pipedrive documents as JSON (the generic side reads these)."""
    for version in ("v1", "v2"):
        if not (SPEC_JSON / f"pipedrive-{version}.json").is_file():
            raise BenchError(f"pipedrive-{version}.json is missing from {SPEC_JSON}")
    return SPEC_JSON
