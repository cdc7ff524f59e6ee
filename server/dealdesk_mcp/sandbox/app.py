"""The sandbox's ASGI app: token check, dispatch to the v1/v2 route tables, 501 for everything else."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import attio
from .db import Store
from .routes_v1 import routes as v1_routes
from .routes_v2 import routes as v2_routes
from .routing import Call
from .seed import seed
from .wire import ApiError, error, now

log = logging.getLogger("dealdesk_mcp.sandbox")
TABLES = {"v1": v1_routes, "v2": v2_routes}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def open_store(db: str, *, reset: bool = False) -> Store:
    """Open (and on first use or reset, seed) the sandbox database."""
    store = Store(db)
    if reset:
        store.wipe()
    if store.get_meta("seeded_at") is None:
        store.wipe()  # a half-written seed from an interrupted first start is discarded
        seed(store, now())
    attio.ensure_seeded(store, now())
    return store


def _has_token(request: Request) -> bool:
    if request.headers.get("x-api-token", "").strip():
        return True
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return True
    return bool(request.query_params.get("api_token", "").strip())


async def dispatch(request: Request) -> Response:
    version, path = request.path_params["version"], "/" + request.path_params["path"]
    if not _has_token(request):
        return error(401, "unauthorized access")
    table = TABLES.get(version)
    found = table.match(version, request.method, path.rstrip("/") or "/") if table else None
    if found is None:
        return error(501, f"{request.method} /{version}{path} is not available in the Pipedrive sandbox")
    route, params = found
    call = Call(request=request, store=request.app.state.store, params=params)
    try:
        return await route.handler(call)
    except ApiError as exc:
        return error(exc.status, exc.message)
    except Exception:
        log.exception("sandbox handler failed: %s %s", request.method, request.url.path)
        return error(500, "The sandbox failed to handle this request")


async def root(request: Request) -> Response:
    store: Store = request.app.state.store
    return JSONResponse(
        {
            "sandbox": "pipedrive",
            "db": store.path,
            "seeded_at": store.get_meta("seeded_at"),
            "api": ["/api/v1", "/api/v2"],
        }
    )


async def not_api(request: Request) -> Response:
    return error(404, f"{request.url.path} is not a Pipedrive API path; use /api/v1/... or /api/v2/...")


def create_app(db: str, reset: bool = False) -> Starlette:
    """A Starlette app serving the sandbox from the SQLite database at `db` (or ":memory:")."""
    store = open_store(db, reset=reset)
    app = Starlette(
        routes=[
            Route("/", root, methods=["GET"]),
            Route("/api/{version}/{path:path}", dispatch, methods=METHODS),
            *attio.routes(),
            Route("/{path:path}", not_api, methods=METHODS),
        ]
    )
    app.state.store = store
    return app


def served_operations() -> list[tuple[str, str, str]]:
    """(version, method, path template) of every operation the sandbox answers."""
    return [*v1_routes.served(), *v2_routes.served()]
