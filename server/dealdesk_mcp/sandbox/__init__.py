"""A local twin of Pipedrive's and Attio's APIs, for trying the MCP server without an account at either.

The sandbox serves every operation of Pipedrive's v1 and v2 documents (at /api/v1 and /api/v2) and of
Attio's (at /v2 and /scim/v2) on one loopback origin, in each vendor's own wire format, with an OAuth
emulation both share (/oauth/authorize lets you pick a seeded user, /oauth/token issues rotating tokens).
It keeps its state in SQLite (a file that survives restarts, or ":memory:") and starts with a seeded
company in both CRMs. It accepts SANDBOX_TOKEN (Pipedrive's x-api-token or a bearer token; Attio's bearer
token) or tokens its OAuth emulation issued. Point PIPEDRIVE_BASE_URL and ATTIO_BASE_URL at
`start_sandbox().base_url`, or run `python -m dealdesk_mcp.sandbox`.
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
