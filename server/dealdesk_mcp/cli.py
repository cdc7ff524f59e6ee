"""The `dealdesk-mcp` command (also installed as `pipedrive-mcp`, its former name)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from dealdesk_mcp import __version__, collector, logs
from dealdesk_mcp.config import TRANSPORTS, Settings
from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.install import keystore, run_subcommand

if TYPE_CHECKING:
    from dealdesk_mcp.sandbox import SandboxHandle

# Exit status after Ctrl-C, as shells report a process ended by SIGINT.
INTERRUPTED = 130


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dealdesk-mcp",
        description="MCP server for the Pipedrive API (v1 and v2) and Attio. Settings come from the "
        "environment and a .env file; flags override them.",
        epilog="Setup: `dealdesk-mcp init` stores a token and configures your MCP hosts; `dealdesk-mcp status`.",
    )
    parser.add_argument(
        "--toolsets",
        help="comma-separated toolsets, 'all', 'attio', or 'reports' (env PIPEDRIVE_TOOLSETS)",
    )
    parser.add_argument(
        "--writes",
        choices=("none", "safe", "all"),
        help="what may be written: none, safe (all but what cannot be undone; the default), all (env PIPEDRIVE_WRITES)",
    )
    parser.add_argument("--read-only", action="store_true", default=None, help="the same as --writes none")
    parser.add_argument(
        "--confirm",
        choices=("destructive", "writes", "never"),
        help="which calls the user confirms first (default destructive; env PIPEDRIVE_CONFIRM)",
    )
    parser.add_argument(
        "--tools", help="comma-separated tool names to offer besides the toolsets (env PIPEDRIVE_TOOLS)"
    )
    parser.add_argument(
        "--exclude-tools", help="comma-separated tool names not to offer (env PIPEDRIVE_EXCLUDE_TOOLS)"
    )
    parser.add_argument(
        "--discovery", action="store_true", default=None, help="a few tools that reach every operation"
    )
    parser.add_argument(
        "--transport", choices=TRANSPORTS, help="stdio (default), sse or http (streamable HTTP)"
    )
    parser.add_argument("--host", help="address to bind for sse/http (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port for sse/http (default 8000)")
    parser.add_argument(
        "--auth",
        choices=("token", "oauth"),
        help="how sse/http clients are let in: token (one bearer token; the default) or oauth (hosted mode: "
        "each user signs in with Pipedrive and acts as themselves; http only; env PIPEDRIVE_MCP_AUTH)",
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="serve sse/http without a bearer token (by default one is made at start and printed on stderr); "
        "anyone who can reach the address can then act with your CRM credentials",
    )
    parser.add_argument(
        "--sandbox",
        nargs="?",
        const="file",
        choices=("file", "memory"),
        help="serve a local demo CRM instead of pipedrive.com ('memory' keeps nothing)",
    )
    parser.add_argument("--sandbox-reset", action="store_true", help="reseed the sandbox's demo data")
    parser.add_argument(
        "--sandbox-rate-limit",
        metavar="BUDGET[/SECONDS]",
        help="the sandbox spends Pipedrive's token costs from BUDGET per window (2 s unless given) and "
        "answers 429 once it is spent",
    )
    parser.add_argument("--env-file", default=".env", help="a .env file to read (default ./.env)")
    parser.add_argument("--version", action="version", version=f"dealdesk-mcp {__version__}")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace, env: dict[str, str], env_file: Path | None = None) -> Settings:
    """Settings from the environment, with the command line's flags taking precedence."""
    flags = {
        "PIPEDRIVE_TOOLSETS": args.toolsets,
        "PIPEDRIVE_READ_ONLY": "true" if args.read_only else None,
        "PIPEDRIVE_WRITES": args.writes,
        "PIPEDRIVE_CONFIRM": args.confirm,
        "PIPEDRIVE_TOOLS": args.tools,
        "PIPEDRIVE_EXCLUDE_TOOLS": args.exclude_tools,
        "PIPEDRIVE_DISCOVERY": "true" if args.discovery else None,
        "PIPEDRIVE_MCP_TRANSPORT": args.transport,
        "PIPEDRIVE_MCP_HOST": args.host,
        "PIPEDRIVE_MCP_PORT": None if args.port is None else str(args.port),
        "PIPEDRIVE_MCP_AUTH": getattr(args, "auth", None),
    }
    env.update({name: value for name, value in flags.items() if value is not None})
    settings = Settings.from_env(env, env_file=env_file)
    if getattr(args, "no_auth", False):
        if settings.hosted:
            raise ConfigError("--no-auth and --auth oauth contradict each other; drop one")
        if settings.mcp_auth_token:
            raise ConfigError(
                "--no-auth asks for no bearer token, but PIPEDRIVE_MCP_AUTH_TOKEN sets one; drop one"
            )
        settings = dataclasses.replace(settings, no_auth=True)
    return settings


def with_bearer_token(settings: Settings) -> tuple[Settings, bool]:
    """HTTP is guarded by default: without PIPEDRIVE_MCP_AUTH_TOKEN (or --no-auth) a token is made now.
    Returns the settings holding it and whether it was made here."""
    if settings.transport == "stdio" or settings.mcp_auth_token or settings.no_auth or settings.hosted:
        return settings, False
    return dataclasses.replace(settings, mcp_auth_token=secrets.token_urlsafe(32)), True


def sandbox_sign_in(settings: Settings, origin: str) -> Settings:
    """Hosted mode against the sandbox: its OAuth emulation takes any app credentials, and without a key
    of the operator's one is made for this run, with a store that keeps nothing (a restart starts over)."""
    from cryptography.fernet import Fernet

    from dealdesk_mcp.config import SANDBOX_OAUTH_AUTHORIZE_PATH, SANDBOX_OAUTH_TOKEN_PATH
    from dealdesk_mcp.hosted import MEMORY_STORE

    key = settings.secret_key
    store = settings.store_url
    if key is None:
        key, store = Fernet.generate_key().decode(), store or MEMORY_STORE
    return dataclasses.replace(
        settings,
        pipedrive_api_token=None,
        attio_api_key=None,
        pipedrive_client_id=settings.pipedrive_client_id or "dealdesk-sandbox",
        pipedrive_client_secret=settings.pipedrive_client_secret or secrets.token_urlsafe(16),
        pipedrive_oauth_authorize_url=origin + SANDBOX_OAUTH_AUTHORIZE_PATH,
        pipedrive_oauth_token_url=origin + SANDBOX_OAUTH_TOKEN_PATH,
        secret_key=key,
        store_url=store,
    )


def prepare_file_folders(settings: Settings) -> None:
    """This app's own folders are made at start, so the person told about them finds them."""
    if settings.unsafe_start is None:
        return
    for folder in (*settings.upload_roots, settings.download_dir):
        with contextlib.suppress(OSError):  # if it fails, the first upload or download says why
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if (status := run_subcommand(argv)) is not None:  # `init` or `status`
        return status
    args = parse_args(argv)
    env = dict(os.environ)
    env_file: Path | None = None
    if args.env_file and os.path.isfile(args.env_file):
        from dotenv import dotenv_values

        env_file = Path(os.path.realpath(args.env_file))  # never uploaded: it holds the credentials
        # The real environment wins over the file.
        env = {**{k: v for k, v in dotenv_values(env_file).items() if v is not None}, **env}
    if not (
        args.sandbox or args.sandbox_reset or args.sandbox_rate_limit
    ):  # the sandbox never receives the user's real token
        env = keystore.fill_environment(env)  # the credential `dealdesk-mcp init` stored, if env has none
    try:
        settings = settings_from(args, env, env_file)
    except ConfigError as exc:
        print(f"dealdesk-mcp: {exc.message}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    settings, token_made_here = with_bearer_token(settings)
    transport, host, port = settings.transport, settings.host, settings.port

    sandbox = None
    if args.sandbox or args.sandbox_reset or args.sandbox_rate_limit:
        try:
            sandbox, settings = start_sandbox_for(args, settings)
        except ValueError as exc:
            print(f"dealdesk-mcp: --sandbox-rate-limit: {exc}", file=sys.stderr)
            return 2

    with collector.held_off():  # the SDK's imports come first under it: this module imports no SDK
        from dealdesk_mcp.app import build_server, runtime_of

        try:
            server = build_server(settings)
        except ConfigError as exc:
            print(f"dealdesk-mcp: {exc.message}", file=sys.stderr)
            return 2
        # What start-up made (modules, classes, the catalog, the server) lives as long as the process.
        collector.settle()
    from dealdesk_mcp import transports
    from dealdesk_mcp.banner import announce

    prepare_file_folders(settings)
    hosted = runtime_of(server).hosted
    announce(settings, token_made_here, hosted.describe() if hosted is not None else None)
    try:
        if transport == "stdio":
            anyio.run(transports.serve_stdio, server)
        else:
            anyio.run(
                lambda: transports.serve_http(
                    server,
                    transport=transport,
                    host=host,
                    port=port,
                    auth_token=settings.mcp_auth_token,
                    allowed_hosts=settings.allowed_hosts,
                    hosted=hosted,
                )
            )
    except KeyboardInterrupt:
        return INTERRUPTED
    finally:
        if sandbox is not None:
            sandbox.close()
    return 0


def start_sandbox_for(args: argparse.Namespace, settings: Settings) -> tuple[SandboxHandle, Settings]:
    """Start the sandbox the flags ask for; both APIs then go to its one origin with its fixed token
    (Attio's twin lives under /v2). ValueError: a --sandbox-rate-limit that does not parse."""
    from dealdesk_mcp.sandbox import SANDBOX_TOKEN, default_db_path, start_sandbox
    from dealdesk_mcp.sandbox.ratelimit import RateLimit

    limit = RateLimit.parse(args.sandbox_rate_limit) if args.sandbox_rate_limit else None
    db = ":memory:" if args.sandbox == "memory" else default_db_path()
    sandbox = start_sandbox(db, reset=args.sandbox_reset, rate_limit=limit)
    settings = dataclasses.replace(
        settings,
        pipedrive_base_url=sandbox.base_url,
        pipedrive_api_token=SANDBOX_TOKEN,
        pipedrive_access_token=None,
        pipedrive_refresh_token=None,
        attio_base_url=sandbox.base_url,
        attio_api_key=SANDBOX_TOKEN,
    )
    if settings.hosted:
        settings = sandbox_sign_in(settings, sandbox.base_url)
    print(f"dealdesk-mcp: sandbox CRM at {sandbox.base_url} (data: {db})", file=sys.stderr)
    if not settings.hosted:  # hosted, each user signs in at the sandbox's OAuth emulation instead
        print(f"token: {SANDBOX_TOKEN}", file=sys.stderr)
    return sandbox, settings


if __name__ == "__main__":
    raise SystemExit(main())
