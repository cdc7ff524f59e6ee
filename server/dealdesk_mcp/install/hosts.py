"""The MCP hosts' own configuration files: where each keeps its servers, and merging our entry in.

A merge keeps everything else in the file, backs the file up first (a copy beside it, mode 0600, since
an older entry may hold a token), writes atomically, and refuses files that are not plain JSON rather
than guessing (VS Code allows comments; such a file is left for the user to edit).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dealdesk_mcp.install.keystore import SECRET_VARIABLES
from dealdesk_mcp.install.paths import app_data_root, home_dir
from dealdesk_mcp.jsonvalues import is_object

HOST_IDS = ("claude-desktop", "claude-code", "cursor", "vscode")
# Commands that start this server, whichever way it was installed.
OUR_COMMANDS = ("dealdesk-mcp", "pipedrive-mcp")
OUR_ARGUMENTS = ("dealdesk-mcp", "pipedrive-mcp", "dealdesk_mcp")


class HostConfigError(Exception):
    """A host's configuration file cannot be merged; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Host:
    id: str
    title: str
    config_file: Path
    app_dir: Path  # exists once the host is installed (or has run), before it writes config_file
    servers_key: str  # the object in config_file that maps server names to entries
    typed_entries: bool  # entries say "type": "stdio"
    restart_hint: str

    def installed(self) -> bool:
        return self.config_file.exists() or self.app_dir.is_dir()


def known_hosts(env: Mapping[str, str] | None = None, platform: str | None = None) -> list[Host]:
    """Each supported host with its user-level configuration file on this platform."""
    env = os.environ if env is None else env
    home = home_dir(env)
    apps = app_data_root(env, platform)
    return [
        Host(
            "claude-desktop",
            "Claude Desktop",
            apps / "Claude" / "claude_desktop_config.json",
            apps / "Claude",
            "mcpServers",
            typed_entries=False,
            restart_hint="quit and reopen Claude Desktop",
        ),
        Host(
            "claude-code",
            "Claude Code",
            home / ".claude.json",
            home / ".claude",
            "mcpServers",
            typed_entries=True,
            restart_hint="start a new Claude Code session (`claude mcp list` shows it)",
        ),
        Host(
            "cursor",
            "Cursor",
            home / ".cursor" / "mcp.json",
            home / ".cursor",
            "mcpServers",
            typed_entries=False,
            restart_hint="reload Cursor's MCP settings",
        ),
        Host(
            "vscode",
            "VS Code",
            apps / "Code" / "User" / "mcp.json",
            apps / "Code" / "User",
            "servers",
            typed_entries=True,
            restart_hint="run 'MCP: List Servers' in VS Code and start it",
        ),
    ]


def host_by_id(host_id: str, hosts: list[Host] | None = None) -> Host:
    for host in hosts or known_hosts():
        if host.id == host_id:
            return host
    raise HostConfigError(f"unknown host {host_id!r}; use one of {', '.join(HOST_IDS)}")


@dataclass(frozen=True)
class ServerEntry:
    """What a host needs to start the server: no secrets, the store holds those."""

    command: str
    args: list[str] = field(default_factory=list[str])
    env: dict[str, str] = field(default_factory=dict[str, str])

    def as_json(self, host: Host) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "stdio"} if host.typed_entries else {}
        entry.update(command=self.command, args=list(self.args))
        if self.env:
            entry["env"] = dict(self.env)
        return entry


@dataclass(frozen=True)
class MergeResult:
    host: Host
    action: Literal["created", "updated", "unchanged"]
    backup: Path | None = None
    dropped_secrets: tuple[str, ...] = ()  # credential variables the replaced entry held in plain text


def read_config(path: Path) -> dict[str, Any] | None:
    """The file as a JSON object, None when absent; HostConfigError when it is something else."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HostConfigError(f"cannot read {path}: {exc.strerror}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HostConfigError(
            f"{path} is not plain JSON (line {exc.lineno}: {exc.msg}; comments are not merged); "
            "nothing was changed"
        ) from None
    if not is_object(data):
        raise HostConfigError(
            f"{path} holds a JSON {type(data).__name__}, not an object; nothing was changed"
        )
    return data


def _servers(data: dict[str, Any], host: Host, path: Path) -> dict[str, Any]:
    servers = data.get(host.servers_key, {})
    if not is_object(servers):
        raise HostConfigError(f"{path}: {host.servers_key!r} is not an object; nothing was changed")
    return servers


def plain_secrets(entry: Any) -> tuple[str, ...]:
    """Credential variables an entry holds as literal text (VS Code's ${input:...} references are not)."""
    env = entry.get("env") if is_object(entry) else None
    if not is_object(env):
        return ()
    return tuple(
        name
        for name in SECRET_VARIABLES
        if isinstance(env.get(name), str) and env[name].strip() and not env[name].startswith("${")
    )


def is_ours(entry: Any) -> bool:
    """Whether a host entry starts this server (by either command name, uvx/pipx, or python -m)."""
    if not is_object(entry) or not isinstance(entry.get("command"), str):
        return False
    command = Path(entry["command"]).name.removesuffix(".exe")
    listed: list[Any] = entry.get("args") or []
    args = [a for a in listed if isinstance(a, str)]
    return command in OUR_COMMANDS or any(a.split("@")[0] in OUR_ARGUMENTS for a in args)


def our_entries(host: Host) -> dict[str, dict[str, Any]]:
    data = read_config(host.config_file)
    if not data:
        return {}
    servers = data.get(host.servers_key)
    if not is_object(servers):
        return {}
    return {name: entry for name, entry in servers.items() if is_ours(entry)}


def _backup(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    number = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{number}")
        number += 1
    shutil.copy2(path, backup)
    os.chmod(backup, 0o600)
    return backup


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = (path.stat().st_mode & 0o777) if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def merge_entry(host: Host, name: str, entry: ServerEntry) -> MergeResult:
    """Add or replace server `name` in the host's file, keeping every other key and server."""
    path = host.config_file
    existing = read_config(path)
    data = dict(existing or {})
    servers = dict(_servers(data, host, path))
    new = entry.as_json(host)
    old = servers.get(name)
    if old == new:
        return MergeResult(host, "unchanged")
    servers[name] = new
    data[host.servers_key] = servers
    backup = _backup(path) if existing is not None else None
    _write_json(path, data)
    return MergeResult(host, "updated" if existing is not None else "created", backup, plain_secrets(old))


def default_command() -> list[str]:
    """How hosts should start this installation: uvx or pipx for their throwaway environments (the
    path inside would vanish with the cache), else this environment's own script, else python -m."""
    parts = {p.lower() for p in Path(sys.prefix).parts}
    if "uv" in parts and ("archive-v0" in parts or "builds-v0" in parts or "environments-v2" in parts):
        return ["uvx", "dealdesk-mcp"]
    if "pipx" in parts and ".cache" in parts:
        return ["pipx", "run", "dealdesk-mcp"]
    scripts = Path(sys.executable).parent
    for candidate in (scripts / "dealdesk-mcp", scripts / "dealdesk-mcp.exe"):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", "dealdesk_mcp"]
