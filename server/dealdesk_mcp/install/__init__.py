"""Setting the server up on a user's machine: `dealdesk-mcp init` and `dealdesk-mcp status`.

keystore   where the Pipedrive credential lives (OS keyring, else a 0600 file) and how the server reads it
hosts      the MCP hosts' configuration files: where they are, and merging our entry into them
verify     asking Pipedrive who a credential belongs to (GET /api/v1/users/me)
init_command, status_command   the two subcommands
"""

from __future__ import annotations

from collections.abc import Sequence

SUBCOMMANDS = ("init", "status")


def run_subcommand(argv: Sequence[str]) -> int | None:
    """Run `init` or `status` when argv starts with one; None means argv is the server's own."""
    if not argv or argv[0] not in SUBCOMMANDS:
        return None
    if argv[0] == "init":
        from dealdesk_mcp.install.init_command import main
    else:
        from dealdesk_mcp.install.status_command import main
    return main(list(argv[1:]))
