"""`dealdesk-mcp status`: which hosts run this server, where the credential is kept (never its value),
and whether it works."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from dealdesk_mcp import __version__
from dealdesk_mcp.install import hosts as host_configs
from dealdesk_mcp.install import keystore
from dealdesk_mcp.install.verify import VerifyError, origin_for, who_am_i


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dealdesk-mcp status",
        description="Show the configured hosts, where the Pipedrive credential is stored, and check it. "
        "Exit status 0 when a credential is there and works (or --no-check), 1 otherwise.",
    )
    parser.add_argument("--no-check", action="store_true", help="do not ask the API")
    return parser.parse_args(argv)


def host_lines() -> list[str]:
    lines: list[str] = []
    for host in host_configs.known_hosts():
        try:
            entries = host_configs.our_entries(host)
        except host_configs.HostConfigError as exc:
            lines.append(f"  {host.title}: {exc.message}")
            continue
        if not entries:
            state = "no configuration file" if not host.config_file.exists() else "not configured"
            lines.append(f"  {host.title}: {state} ({host.config_file})")
            continue
        for name, entry in entries.items():
            listed: list[Any] = entry.get("args") or []
            command = " ".join([str(entry["command"]), *[str(a) for a in listed]])
            lines.append(f"  {host.title}: server {name!r} runs `{command}` ({host.config_file})")
            plain = host_configs.plain_secrets(entry)
            if plain:
                lines.append(f"    warning: this entry holds {', '.join(plain)} in plain text")
    return lines


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    print(f"dealdesk-mcp {__version__}")
    print("Hosts:")
    for line in host_lines():
        print(line)

    env = dict(os.environ)
    secrets: dict[str, str] = {}
    settings: dict[str, str] = {}
    if keystore.environment_has_credential(env):
        names = [n for n in keystore.SECRET_VARIABLES if env.get(n)]
        print(f"Credential: {', '.join(names)} from the environment (it wins over any stored one)")
        secrets = {n: env[n] for n in names}
        settings = {n: env[n] for n in keystore.SETTING_VARIABLES if env.get(n)}
    try:
        stored = keystore.load()
    except keystore.KeystoreError as exc:
        print(f"Stored credential: unreadable: {exc.message}")
        stored = None
    if stored is not None:
        kind = "API token" if stored.kind == "token" else "OAuth tokens"
        print(f"Stored credential: {kind} ({', '.join(stored.secret_names)}) in {stored.where()}")
        for name, value in stored.settings.items():
            print(f"  {name}={value}")
        if not secrets:
            try:
                secrets = keystore.read_secrets(stored)
                settings = dict(stored.settings)
            except keystore.KeystoreError as exc:
                print(f"Check: cannot read the stored secret: {exc.message}")
                return 1
    elif not secrets:
        print("Stored credential: none (run `dealdesk-mcp init`)")
        return 1

    origin = origin_for({**settings, **{k: v for k, v in env.items() if k in keystore.SETTING_VARIABLES}})
    if args.no_check:
        print(f"Check: skipped (--no-check); the server would call {origin}")
        return 0
    try:
        identity = who_am_i(origin, secrets)
    except VerifyError as exc:
        print(f"Check: fails: {exc.message}")
        return 1
    print(f"Check: works at {origin}: {identity.describe()}")
    return 0
