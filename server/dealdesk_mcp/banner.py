"""What the server says at start, on stderr: where it serves, what guards it, which folders it uses.

Printed, not logged: the bearer token made for a run is shown to the person who started it and must
never reach a log handler (or stdout, which belongs to the protocol in stdio mode).
"""

from __future__ import annotations

import sys

from dealdesk_mcp.config import Settings
from dealdesk_mcp.transports import WILDCARDS, is_loopback, mcp_url


def say(line: str) -> None:
    """One line for the person at the terminal: stderr only (stdout belongs to the protocol)."""
    print(f"dealdesk-mcp: {line}", file=sys.stderr, flush=True)


def announce(settings: Settings, token_made_here: bool, hosted_lines: list[str] | None = None) -> None:
    """Say at start what is served where, what guards it, and which folders it reads and writes
    (`hosted_lines`: what hosted mode serves, in place of the bearer token's lines)."""
    if settings.transport == "stdio":
        if sys.stdin.isatty():
            say(
                "this server speaks MCP on stdin/stdout, for an MCP host to start (for example "
                "`claude mcp add dealdesk -- dealdesk-mcp`; README: Connect a host), or run it with "
                "`--transport http` to serve http://127.0.0.1:8000/mcp. Ctrl-C stops it."
            )
    else:
        url = mcp_url(settings.transport, settings.host, settings.port)
        reach = (
            " (every network interface of this machine)"
            if settings.host in WILDCARDS
            else ""
            if is_loopback(settings.host)
            else " (reachable from the network)"
        )
        kind = "streamable HTTP" if settings.transport == "http" else "SSE"
        if hosted_lines:
            for line in hosted_lines:
                say(line)
        elif settings.no_auth:
            who = (
                "every program and user on this machine"
                if is_loopback(settings.host)
                else "anyone who can reach it"
            )
            say(
                f"WARNING: --no-auth: MCP ({kind}) at {url}{reach} with no bearer token; {who} can act with "
                "your CRM credentials and read the folders below."
            )
        elif token_made_here:
            token = settings.mcp_auth_token
            say(f"MCP ({kind}) at {url}{reach}, guarded by a bearer token made for this run. Connect with:")
            say(f"  header  Authorization: Bearer {token}")
            say(
                f"  e.g.    claude mcp add --transport {settings.transport} dealdesk {url} "
                f'--header "Authorization: Bearer {token}"'
            )
            say("  (PIPEDRIVE_MCP_AUTH_TOKEN keeps one token across restarts; --no-auth serves without one)")
        else:
            say(f"MCP ({kind}) at {url}{reach}, guarded by the bearer token in PIPEDRIVE_MCP_AUTH_TOKEN.")
    if hosted_lines:
        uploads = "content_base64" + (", file_url" if settings.upload_origins else "")
        if settings.user_files_dir is not None:
            uploads += f", or a path in {settings.user_files_dir}/<user>"
        say(
            f"each user's downloads and saved answers go to {settings.download_dir}/<user>; uploads take {uploads}"
        )
        return
    roots = ", ".join(str(r) for r in settings.upload_roots)
    note = ""
    if settings.unsafe_start is not None:
        note = (
            f" (started in {settings.unsafe_start}, too wide a folder to share, so this app's own folders are "
            "used; PIPEDRIVE_FILE_ROOTS and PIPEDRIVE_DOWNLOAD_DIR choose others)"
        )
    say(f"uploads may read files in {roots}; downloads and saved answers go to {settings.download_dir}{note}")
