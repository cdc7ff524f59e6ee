"""`dealdesk-mcp init`: take a Pipedrive credential, confirm it, store it, and point the hosts at us.

Values come from flags, then the environment (PIPEDRIVE_*), then a prompt, and a prompt only when stdin
is a terminal: scripted runs fail fast, naming the missing flag, instead of waiting for input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dealdesk_mcp.install import hosts as host_configs
from dealdesk_mcp.install import keystore
from dealdesk_mcp.install.verify import VerifyError, origin_for, who_am_i

DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class InputError(Exception):
    """A value is missing or malformed; the message names the flag."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dealdesk-mcp init",
        description="Store a Pipedrive credential (OS keyring, else a 0600 file), check it with the API, "
        "and add this server to your MCP hosts' configuration (a backup of each changed file is kept).",
    )
    auth = parser.add_argument_group("credential")
    auth.add_argument("--token", help="Pipedrive API token (safer: the prompt, --token-stdin, or env)")
    auth.add_argument("--token-stdin", action="store_true", help="read the API token from stdin")
    auth.add_argument("--oauth", action="store_true", help="store OAuth tokens instead of an API token")
    auth.add_argument("--access-token", help="OAuth access token (env PIPEDRIVE_ACCESS_TOKEN)")
    auth.add_argument("--refresh-token", help="OAuth refresh token (env PIPEDRIVE_REFRESH_TOKEN)")
    auth.add_argument("--client-id", help="OAuth app client id (env PIPEDRIVE_CLIENT_ID)")
    auth.add_argument("--client-secret", help="OAuth app client secret (env PIPEDRIVE_CLIENT_SECRET)")
    auth.add_argument("--company-domain", help="ACME for acme.pipedrive.com (env PIPEDRIVE_COMPANY_DOMAIN)")
    auth.add_argument("--base-url", help="API origin override, e.g. the sandbox (env PIPEDRIVE_BASE_URL)")
    auth.add_argument(
        "--store",
        choices=("auto", "keyring", "file"),
        default="auto",
        help="where the secret goes: the OS keyring when there is one (auto), or a 0600 file",
    )
    auth.add_argument("--no-check", action="store_true", help="store without asking the API first")
    where = parser.add_argument_group("hosts")
    where.add_argument(
        "--host",
        action="append",
        choices=host_configs.HOST_IDS,
        help="host to configure (repeatable); default: every host found on this machine",
    )
    where.add_argument("--no-hosts", action="store_true", help="store the credential only")
    where.add_argument(
        "--name", default="pipedrive", help="the server's name in the hosts (default pipedrive)"
    )
    where.add_argument("--command", help="command the hosts run (default: this installation)")
    where.add_argument("--toolsets", help="toolsets the hosts' server offers (see dealdesk-mcp --help)")
    where.add_argument("--read-only", action="store_true", help="the hosts' server registers no write tool")
    where.add_argument("--file-roots", help="folders tools may read files from (default ~/Documents)")
    where.add_argument("--download-dir", help="where downloads go (default ~/Downloads/dealdesk-mcp)")
    parser.add_argument("--no-input", action="store_true", help="never prompt, even on a terminal")
    return parser.parse_args(argv)


@dataclass
class Asker:
    """Prompts, only where someone can answer."""

    interactive: bool
    read_secret: Callable[[str], str] = getpass.getpass
    read_line: Callable[[str], str] = input

    def value(self, label: str, flag: str, *, secret: bool = False) -> str:
        if not self.interactive:
            raise InputError(f"{label} is missing: give {flag} (no prompt without a terminal)")
        answer = (self.read_secret if secret else self.read_line)(f"{label}: ").strip()
        if not answer:
            raise InputError(f"{label} is missing: give {flag}")
        return answer


def _pick(flag_value: str | None, env_name: str) -> str | None:
    value = flag_value if flag_value is not None else os.environ.get(env_name)
    return value.strip() if value and value.strip() else None


def _check_secret(label: str, value: str) -> str:
    if any(c.isspace() for c in value) or len(value) < 8:
        raise InputError(f"{label} does not look like one: expected a single word of 8 or more characters")
    return value


def _check_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("https://").removesuffix("/").removesuffix(".pipedrive.com")
    if not DOMAIN.match(domain):
        raise InputError(f"--company-domain {value!r}: expected the name before .pipedrive.com, like 'acme'")
    return domain


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise InputError(f"--base-url {value!r}: expected an origin such as http://127.0.0.1:8765")
    return value.rstrip("/")


def gather(args: argparse.Namespace, ask: Asker) -> tuple[keystore.Kind, dict[str, str], dict[str, str]]:
    """(kind, secrets, settings) from flags, environment and prompts."""
    settings: dict[str, str] = {}
    base_url = _pick(args.base_url, "PIPEDRIVE_BASE_URL")
    if base_url:
        settings["PIPEDRIVE_BASE_URL"] = _check_url(base_url)
    domain = _pick(args.company_domain, "PIPEDRIVE_COMPANY_DOMAIN")
    if args.oauth:
        if not domain and not base_url:
            domain = ask.value("Company domain (the ACME in acme.pipedrive.com)", "--company-domain")
        if domain:
            settings["PIPEDRIVE_COMPANY_DOMAIN"] = _check_domain(domain)
        secrets: dict[str, str] = {}
        for env_name, flag, label in (
            ("PIPEDRIVE_ACCESS_TOKEN", "--access-token", "OAuth access token"),
            ("PIPEDRIVE_REFRESH_TOKEN", "--refresh-token", "OAuth refresh token"),
            ("PIPEDRIVE_CLIENT_SECRET", "--client-secret", "OAuth client secret"),
        ):
            value = _pick(getattr(args, flag[2:].replace("-", "_")), env_name)
            secrets[env_name] = _check_secret(label, value or ask.value(label, flag, secret=True))
        client_id = _pick(args.client_id, "PIPEDRIVE_CLIENT_ID") or ask.value(
            "OAuth client id", "--client-id"
        )
        settings["PIPEDRIVE_CLIENT_ID"] = client_id
        return "oauth", secrets, settings
    if domain:
        settings["PIPEDRIVE_COMPANY_DOMAIN"] = _check_domain(domain)
    token = sys.stdin.readline().strip() if args.token_stdin else _pick(args.token, "PIPEDRIVE_API_TOKEN")
    if not token:
        token = ask.value("Pipedrive API token", "--token, --token-stdin or PIPEDRIVE_API_TOKEN", secret=True)
    return "token", {"PIPEDRIVE_API_TOKEN": _check_secret("the API token", token)}, settings


def server_entry(args: argparse.Namespace, settings: dict[str, str]) -> host_configs.ServerEntry:
    """The hosts' entry: how to start us and where, never the secret (the store has it)."""
    import shlex

    command = shlex.split(args.command) if args.command else host_configs.default_command()
    extra: list[str] = []
    if args.toolsets:
        extra += ["--toolsets", args.toolsets]
    if args.read_only:
        extra.append("--read-only")
    home = Path.home()
    env = {k: v for k, v in settings.items() if k != "PIPEDRIVE_OAUTH_TOKEN_URL"}
    # Hosts may start us in "/", where the working-directory defaults make no sense.
    env["PIPEDRIVE_FILE_ROOTS"] = args.file_roots or str(home / "Documents")
    env["PIPEDRIVE_DOWNLOAD_DIR"] = args.download_dir or str(home / "Downloads" / "dealdesk-mcp")
    return host_configs.ServerEntry(command=command[0], args=[*command[1:], *extra], env=env)


def chosen_hosts(args: argparse.Namespace) -> list[host_configs.Host]:
    if args.no_hosts:
        return []
    known = host_configs.known_hosts()
    if args.host:
        return [host_configs.host_by_id(h, known) for h in dict.fromkeys(args.host)]
    return [host for host in known if host.installed()]


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    ask = Asker(interactive=not args.no_input and not args.token_stdin and sys.stdin.isatty())
    try:
        kind, secrets, settings = gather(args, ask)
    except InputError as exc:
        print(f"dealdesk-mcp init: {exc.message}", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\ndealdesk-mcp init: stopped; nothing was stored", file=sys.stderr)
        return 2

    origin = origin_for(settings)
    if args.no_check:
        print(f"Not checked against {origin} (--no-check).")
    else:
        try:
            identity = who_am_i(origin, secrets)
        except VerifyError as exc:
            print(f"dealdesk-mcp init: {exc.message}; nothing was stored", file=sys.stderr)
            return 1
        print(f"Credential works: {identity.describe()}.")
        if identity.company_domain and "PIPEDRIVE_COMPANY_DOMAIN" not in settings and kind == "oauth":
            settings["PIPEDRIVE_COMPANY_DOMAIN"] = identity.company_domain

    try:
        stored = keystore.save(secrets, settings, kind=kind, backend=args.store)
    except keystore.KeystoreError as exc:
        print(f"dealdesk-mcp init: {exc.message}", file=sys.stderr)
        return 1
    print(f"Stored {', '.join(stored.secret_names)} in {stored.where()}.")

    try:
        targets = chosen_hosts(args)
    except host_configs.HostConfigError as exc:
        print(f"dealdesk-mcp init: {exc.message}", file=sys.stderr)
        return 2
    if not targets:
        if not args.no_hosts:
            print("No MCP host found here; run again with --host claude-desktop|claude-code|cursor|vscode.")
        return 0
    entry = server_entry(args, settings)
    failed = False
    for host in targets:
        try:
            result = host_configs.merge_entry(host, args.name, entry)
        except host_configs.HostConfigError as exc:
            print(f"{host.title}: {exc.message}", file=sys.stderr)
            failed = True
            continue
        except OSError as exc:
            print(f"{host.title}: cannot write {host.config_file}: {exc.strerror}", file=sys.stderr)
            failed = True
            continue
        line = f"{host.title}: {result.action} server {args.name!r} in {host.config_file}"
        if result.backup:
            line += f" (backup: {result.backup})"
        print(line + f"; {host.restart_hint}.")
        if result.dropped_secrets:
            print(
                f"  The old entry held {', '.join(result.dropped_secrets)} in plain text; the new one reads "
                "the store instead. Delete the backup once the server works."
            )
    return 1 if failed else 0
