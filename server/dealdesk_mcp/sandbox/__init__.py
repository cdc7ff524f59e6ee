"""A local, Pipedrive-compatible backend for trying the MCP server without a Pipedrive account.

The sandbox answers the everyday v1 and v2 operations our tools send (deals, persons, organizations,
activities, notes, files, leads, products, pipelines, stages, users and the *Fields catalogues) in
Pipedrive's own wire format, keeps its state in SQLite (a file that survives restarts, or ":memory:"),
and starts out with a small seeded company so agents and tests have realistic data to work on. Every
operation it does not model answers 501 with a Pipedrive-shaped error instead of inventing data.
Point PIPEDRIVE_BASE_URL at `start_sandbox().base_url` (or run `python -m dealdesk_mcp.sandbox`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import SandboxHandle, SandboxStartError, default_db_path, start_sandbox

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["SandboxHandle", "SandboxStartError", "create_app", "default_db_path", "start_sandbox"]


def create_app(db: str, reset: bool = False) -> Starlette:
    """The sandbox as an ASGI app (Starlette), for mounting or serving yourself."""
    from .app import create_app as build  # deferred: keeps `import dealdesk_mcp.sandbox` light

    return build(db, reset=reset)
