"""Per-user folders, by platform: ours, and the ones MCP hosts keep their configuration in."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_FOLDER = "dealdesk-mcp"


def app_data_root(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where desktop apps keep per-user settings: Application Support on macOS, %APPDATA% on Windows,
    $XDG_CONFIG_HOME (or ~/.config) elsewhere."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming")
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config")


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())


def config_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """This server's own folder: the credential index (and, without a keyring, the secret) live here."""
    return app_data_root(env, platform) / APP_FOLDER
