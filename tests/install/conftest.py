"""Fixtures for init/status: a throwaway user (HOME and XDG folders under tmp_path, a file keyring
there) so nothing touches the real user's files or keyring, and the sandbox as the API."""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dealdesk_mcp import cli
from dealdesk_mcp.sandbox import SANDBOX_TOKEN

FILE_KEYRING = "keyrings.alt.file.PlaintextKeyring"
NO_KEYRING = "keyring.backends.fail.Keyring"
SCRIPT = Path(sys.executable).parent / "dealdesk-mcp"
# The sandbox accepts its own fixed token only, as Pipedrive accepts only a real one.
TOKEN = SANDBOX_TOKEN


@dataclass
class User:
    home: Path
    config: Path  # XDG_CONFIG_HOME
    data: Path  # XDG_DATA_HOME

    @property
    def credentials(self) -> Path:
        return self.config / "dealdesk-mcp" / "credentials.json"

    @property
    def claude_desktop(self) -> Path:
        return self.config / "Claude" / "claude_desktop_config.json"

    @property
    def cursor(self) -> Path:
        return self.home / ".cursor" / "mcp.json"

    @property
    def claude_code(self) -> Path:
        return self.home / ".claude.json"

    @property
    def vscode(self) -> Path:
        return self.config / "Code" / "User" / "mcp.json"

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for a subprocess run as this user, with none of the real user's settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPEDRIVE_", "ATTIO_"))}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.config),
            XDG_DATA_HOME=str(self.data),
            PYTHON_KEYRING_BACKEND=os.environ["PYTHON_KEYRING_BACKEND"],
        )
        env.update(extra)
        return env

    def keyring_value(self, name: str) -> str | None:
        from keyrings.alt.file import PlaintextKeyring

        return PlaintextKeyring().get_password("dealdesk-mcp", name)


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> User:
    who = User(tmp_path / "home", tmp_path / "home" / ".config", tmp_path / "home" / ".local" / "share")
    who.home.mkdir()
    for name in list(os.environ):
        if name.startswith(("PIPEDRIVE_", "ATTIO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(who.home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(who.config))
    monkeypatch.setenv("XDG_DATA_HOME", str(who.data))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FILE_KEYRING)
    monkeypatch.chdir(tmp_path)
    return who


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, str]:
    """Run the command in-process as a script would (stdin is no terminal); exit code and all output."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
