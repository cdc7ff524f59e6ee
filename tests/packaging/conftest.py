"""The built artefacts, once per test session: `python -m build` (sdist, then the wheel from the
sdist), and a fresh virtualenv with the wheel installed from it (dependencies from the package index).
Everything that runs the installed package does so from an empty folder, with no source tree in reach."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

BUILD_SECONDS = 600


@dataclass(frozen=True)
class Artefacts:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path  # an empty HOME: the installed commands see no user settings and no source tree

    def bin(self, name: str) -> Path:
        return self.venv / ("Scripts" if sys.platform == "win32" else "bin") / name

    def env(self, **extra: str) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        env.update(extra)
        return env


def project_version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "server" / "dealdesk_mcp" / "__init__.py").read_text(), namespace)
    return namespace["__version__"]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Artefacts:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return Artefacts(wheel, sdist)


@pytest.fixture(scope="session")
def installed(artefacts: Artefacts, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    home = base / "home"
    home.mkdir()
    target = Installed(venv, home)
    result = subprocess.run(
        [str(target.bin("python")), "-m", "pip", "install", "--quiet", str(artefacts.wheel)],
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        cwd=home,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return target
