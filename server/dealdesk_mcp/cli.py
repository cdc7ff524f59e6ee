"""The `dealdesk-mcp` command (also installed as `pipedrive-mcp`, its former name)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence

import anyio

from dealdesk_mcp import __version__
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.install import keystore, run_subcommand

TRANSPORTS = ("stdio", "sse", "http")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dealdesk-mcp",
        description="MCP server for the Pipedrive API (v1 and v2) and Attio. Settings come from the "
        "environment and a .env file; flags override them.",
        epilog="Setup: `dealdesk-mcp init` stores a token and configures your MCP hosts; `dealdesk-mcp status`.",
    )
    parser.add_argument(
        "--toolsets", help="comma-separated toolsets, 'all', or 'attio' (env PIPEDRIVE_TOOLSETS)"
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
        "--sandbox",
        nargs="?",
        const="file",
        choices=("file", "memory"),
        help="serve a local demo CRM instead of pipedrive.com ('memory' keeps nothing)",
    )
    parser.add_argument("--sandbox-reset", action="store_true", help="reseed the sandbox's demo data")
    parser.add_argument("--env-file", default=".env", help="a .env file to read (default ./.env)")
    parser.add_argument("--version", action="version", version=f"dealdesk-mcp {__version__}")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace, env: dict[str, str]) -> Settings:
    if args.toolsets is not None:
        env["PIPEDRIVE_TOOLSETS"] = args.toolsets
    if args.read_only:
        env["PIPEDRIVE_WRITES"] = "none"
    for flag, name in (
        ("writes", "PIPEDRIVE_WRITES"),
        ("confirm", "PIPEDRIVE_CONFIRM"),
        ("tools", "PIPEDRIVE_TOOLS"),
        ("exclude_tools", "PIPEDRIVE_EXCLUDE_TOOLS"),
    ):
        if getattr(args, flag) is not None:
            env[name] = getattr(args, flag)
    if args.discovery:
        env["PIPEDRIVE_DISCOVERY"] = "true"
    return Settings.from_env(env)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if (status := run_subcommand(argv)) is not None:  # `init` or `status`
        return status
    args = parse_args(argv)
    env = dict(os.environ)
    if args.env_file and os.path.isfile(args.env_file):
        from dotenv import dotenv_values

        # The real environment wins over the file.
        env = {**{k: v for k, v in dotenv_values(args.env_file).items() if v is not None}, **env}
    logging.basicConfig(
        stream=sys.stderr,  # stdout belongs to the protocol in stdio mode
        level=env.get("PIPEDRIVE_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not (args.sandbox or args.sandbox_reset):  # the sandbox never receives the user's real token
        env = keystore.fill_environment(env)  # the credential `dealdesk-mcp init` stored, if env has none
    try:
        settings = settings_from(args, env)
    except ConfigError as exc:
        print(f"dealdesk-mcp: {exc.message}", file=sys.stderr)
        return 2

    transport = args.transport or env.get("PIPEDRIVE_MCP_TRANSPORT", "stdio")
    if transport not in TRANSPORTS:
        print(
            f"dealdesk-mcp: unknown transport {transport!r}; use one of {', '.join(TRANSPORTS)}",
            file=sys.stderr,
        )
        return 2
    host = args.host or env.get("PIPEDRIVE_MCP_HOST", "127.0.0.1")
    if args.port is not None:
        port = args.port
    else:
        try:
            port = int(env.get("PIPEDRIVE_MCP_PORT") or 8000)
        except ValueError:
            print("dealdesk-mcp: PIPEDRIVE_MCP_PORT must be an integer", file=sys.stderr)
            return 2

    sandbox = None
    if args.sandbox or args.sandbox_reset:
        from dealdesk_mcp.sandbox import SANDBOX_TOKEN, default_db_path, start_sandbox

        db = ":memory:" if args.sandbox == "memory" else default_db_path()
        sandbox = start_sandbox(db, reset=args.sandbox_reset)
        # Both APIs go to the sandbox's one origin with its fixed token (Attio's twin lives under /v2).
        settings = dataclasses.replace(
            settings,
            pipedrive_base_url=sandbox.base_url,
            pipedrive_api_token=SANDBOX_TOKEN,
            pipedrive_access_token=None,
            pipedrive_refresh_token=None,
            attio_base_url=sandbox.base_url,
            attio_api_key=SANDBOX_TOKEN,
        )
        print(f"dealdesk-mcp: sandbox CRM at {sandbox.base_url} (data: {db})", file=sys.stderr)
        print(f"token: {SANDBOX_TOKEN}", file=sys.stderr)

    from dealdesk_mcp.app import build_server

    try:
        server = build_server(settings)
    except ConfigError as exc:
        print(f"dealdesk-mcp: {exc.message}", file=sys.stderr)
        return 2
    from dealdesk_mcp import transports

    try:
        if transport == "stdio":
            anyio.run(transports.serve_stdio, server)
        else:
            auth = env.get("PIPEDRIVE_MCP_AUTH_TOKEN") or None
            anyio.run(
                lambda: transports.serve_http(
                    server, transport=transport, host=host, port=port, auth_token=auth
                )
            )
    except KeyboardInterrupt:
        pass
    finally:
        if sandbox is not None:
            sandbox.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
