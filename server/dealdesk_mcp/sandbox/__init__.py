"""A local, Pipedrive-compatible backend for trying the MCP server without a Pipedrive account.

The sandbox serves every operation of Pipedrive's v1 and v2 documents (and Pipedrive's OAuth server)
in Pipedrive's own wire format, keeps its state in SQLite (a file that survives restarts, or ":memory:"),
and starts out with a seeded company so agents and tests have realistic data to work on. It accepts
SANDBOX_TOKEN (or tokens its OAuth server issued). Point PIPEDRIVE_BASE_URL at
`start_sandbox().base_url` (or run `python -m dealdesk_mcp.sandbox`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .server import SandboxHandle, SandboxStartError, default_db_path, start_sandbox
from .token import SANDBOX_TOKEN

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = [
    "SANDBOX_TOKEN",
    "SandboxHandle",
    "SandboxStartError",
    "create_app",
    "default_db_path",
    "start_sandbox",
]


def create_app(db: str, reset: bool = False, rate_limit: Any = None) -> Starlette:
    """The sandbox as an ASGI app (Starlette), for mounting or serving yourself.

    `rate_limit`: a RateLimit (sandbox.ratelimit) or an int budget per 2 s; None (default) is no limit."""
    from .app import create_app as build  # deferred: keeps `import dealdesk_mcp.sandbox` light

    return build(db, reset=reset, rate_limit=rate_limit)
