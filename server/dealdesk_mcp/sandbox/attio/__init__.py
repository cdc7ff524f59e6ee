"""The sandbox's Attio half: every operation of Attio's API v2 (specs/attio.json), stateful, on the
same origin as the Pipedrive half (`/v2/...` and `/scim/v2/...`), kept in the shared Store under
kinds prefixed `attio_`, seeded with a small workspace of the same made-up company.

Two hooks for the sandbox app: `routes()` to mount before its catch-all, and `ensure_seeded(store,
moment)` after the store opens (it seeds once, also into a database seeded before this half existed).
"""

from __future__ import annotations

from datetime import datetime

from starlette.routing import Route

from dealdesk_mcp.sandbox.db import Store

from . import (
    attributes,
    comments,
    files,
    lists,
    meetings,
    members,
    notes,
    objects,
    records,
    scim,
    tasks,
    webhooks,
)
from .http import TABLE, dispatch
from .repo import Repo
from .seed import seed

__all__ = ["ensure_seeded", "routes", "served_operations"]
# Importing each of these adds its operations to the route table (TABLE).
REGISTERED = (
    attributes,
    comments,
    files,
    lists,
    meetings,
    members,
    notes,
    objects,
    records,
    scim,
    tasks,
    webhooks,
)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def routes() -> list[Route]:
    """Starlette routes for the Attio paths; mount them before any catch-all."""
    return [
        Route("/v2/{path:path}", dispatch, methods=METHODS),
        Route("/scim/v2/{path:path}", dispatch, methods=METHODS),
    ]


def ensure_seeded(store: Store, moment: datetime) -> None:
    repo = Repo(store)
    if repo.meta("seeded_at") is None:
        with store.transaction():
            seed(repo, moment)


def served_operations() -> list[tuple[str, str]]:
    """(method, path template) of every documented Attio operation the sandbox answers."""
    return TABLE.served()
