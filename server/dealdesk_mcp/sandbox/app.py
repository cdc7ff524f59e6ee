"""The sandbox's ASGI app: Pipedrive at /api/v1 and /api/v2, Attio at /v2 and /scim/v2 (attio/), the
OAuth emulation both share at /oauth, all on one origin.

A request goes: match the documented operation -> token check -> rate budget -> read and check the
parameters and body -> the operation's handler -> the answer projected through the documented schema.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import api, attio
from .call import Answer, Call
from .db import Store, UnstorableValue
from .handlers import handler_for
from .inputs import parse_params, read_body
from .jsontypes import is_array, is_object
from .oauth import authorize_page, authorize_submit, token, user_for_token
from .project import MISSING, Context, conform_error, project
from .ratelimit import Budget, RateLimit
from .seed import ADMIN_ID, seed
from .spec import Operation, api_operations, match, path_exists
from .token import SANDBOX_TOKEN
from .views import expander
from .wire import ApiError, error, error_body, now

log = logging.getLogger("dealdesk_mcp.sandbox")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
REGISTERED = api  # importing it registers the special handlers (registry.SPECIAL) handler_for looks up
HANDLERS = {op.key: handler_for(op) for op in api_operations()}


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


def _credential(request: Request) -> str | None:
    header = request.headers.get("x-api-token", "").strip()
    if header:
        return header
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("api_token", "").strip() or None


def caller(store: Store, request: Request) -> int | None:
    """The user a request acts for: the fixed token is the admin, an issued OAuth token its user."""
    credential = _credential(request)
    if credential is None:
        return None
    if credential == SANDBOX_TOKEN:
        return ADMIN_ID
    return user_for_token(store, credential, time.time())


def _render(call: Call, answer: Answer) -> Any:
    if answer.bare:
        body: Any = answer.data
    else:
        body = {"success": True, "data": answer.data, **answer.top}
        if answer.additional_data is not None:
            body["additional_data"] = answer.additional_data
        if answer.related_objects is not None:
            body["related_objects"] = answer.related_objects
    projected = project(
        call.op.success_schema, body, Context(call.version, expander(call.store, call.version))
    )
    if projected is MISSING:
        return {"success": True}
    _keep_requested(call, body, projected)
    return projected


def _keep_requested(call: Call, body: Any, projected: Any) -> None:
    """Values asked for with include_fields that the document's schema does not list (notes_count on a
    v2 deal) are kept: the schemas leave additional properties open, and the caller asked for them."""
    wanted = [w.strip() for w in str(call.query.get("include_fields") or "").split(",") if w.strip()]
    if not wanted or not is_object(body) or not is_object(projected):
        return
    pairs = [(body.get("data"), projected.get("data"))]
    if is_array(pairs[0][0]) and is_array(pairs[0][1]):
        pairs = list(zip(pairs[0][0], pairs[0][1], strict=False))
    for source, target in pairs:
        if is_object(source) and is_object(target):
            for key in wanted:
                if key in source and key not in target and not isinstance(source[key], dict | list):
                    target[key] = source[key]


async def dispatch(request: Request) -> Response:
    version, path = request.path_params["version"], "/" + request.path_params["path"]
    store: Store = request.app.state.store
    found = match(version, request.method, path)
    if found is None:
        allowed = path_exists(version, path)
        if allowed:
            return error(405, f"{request.method} is not allowed here; use {', '.join(allowed)}")
        return error(404, f"Unknown endpoint {request.method} /api/{version}{path}")
    op, raw_path = found
    user_id = caller(store, request)
    if user_id is None:
        return _error(op, 401, "You need to be authorized to make this request.")
    headers: dict[str, str] = {}
    budget: Budget | None = request.app.state.budget
    if budget is not None:
        verdict = budget.spend(op.token_cost)
        headers = verdict.headers
        if not verdict.allowed:
            return _error(op, 429, "Request over limit", headers)
    try:
        path_values, query = parse_params(op, raw_path, request.query_params)
        body, uploads = await read_body(op, request)
        call = Call(request, store, op, path_values, query, body, uploads, user_id, now(), _origin(request))
        # The handler and the rendering of its answer are one unit of work, in a worker thread.
        response = await store.run(lambda: _answer(call, headers))
    except ApiError as exc:
        return _error(op, exc.status, exc.message, headers)
    except UnstorableValue as exc:
        return _error(op, 400, f"The request cannot be stored: {exc}", headers)
    except Exception:
        log.exception("sandbox handler failed: %s %s", request.method, request.url.path)
        return _error(op, 500, "The sandbox failed to handle this request", headers)
    return response


def _answer(call: Call, headers: dict[str, str]) -> Response:
    answer = HANDLERS[call.op.key](call)
    if isinstance(answer, Response):
        answer.headers.update(headers)
        return answer
    status = answer.status or call.op.success_status
    return JSONResponse(_render(call, answer), status_code=status, headers=headers)


def _error(op: Operation, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Pipedrive's error shape, without the null members this operation's document does not allow."""
    return JSONResponse(
        conform_error(op.response_schema(status), error_body(status, message)), status, headers
    )


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def root(request: Request) -> Response:
    """What this origin serves: both APIs' base paths, the OAuth emulation, and when it was seeded."""
    store: Store = request.app.state.store
    return JSONResponse(
        {
            "sandbox": "dealdesk-mcp",
            "seeded_at": store.get_meta("seeded_at"),
            "apis": {"pipedrive": ["/api/v1", "/api/v2"], "attio": ["/v2", "/scim/v2"]},
            "oauth": ["/oauth/authorize", "/oauth/token"],
        }
    )


async def not_api(request: Request) -> Response:
    return error(404, f"{request.url.path} is not an API path of this sandbox")


def create_app(db: str, reset: bool = False, rate_limit: RateLimit | int | None = None) -> Starlette:
    """A Starlette app serving the sandbox from the SQLite database at `db` (or ":memory:").

    `rate_limit` turns on Pipedrive's token budget (an int is a budget per 2-second window)."""
    store = open_store(db, reset=reset)
    routes = [
        Route("/", root, methods=["GET"]),
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize_submit, methods=["POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/token/", token, methods=["POST"]),
        Route("/api/{version}/{path:path}", dispatch, methods=METHODS),
        *attio.routes(),
    ]
    app = Starlette(routes=[*routes, Route("/{path:path}", not_api, methods=METHODS)])
    app.state.store = store
    limit = RateLimit(rate_limit) if isinstance(rate_limit, int) else rate_limit
    app.state.budget = Budget(limit) if limit is not None else None
    return app


class ServedOperation(NamedTuple):
    """One operation the sandbox answers: the document it comes from (a name in specs/), its method and
    its path template as that document writes it."""

    document: str
    method: str
    path: str


def served_operations() -> list[ServedOperation]:
    """Every operation of both APIs the sandbox answers: Pipedrive's v1 (OAuth's three included) and v2,
    and Attio's."""
    pipedrive = [ServedOperation(f"pipedrive-{version}", method, path) for version, method, path in HANDLERS]
    oauth = [
        ServedOperation("pipedrive-v1", "GET", "/oauth/authorize"),
        ServedOperation("pipedrive-v1", "POST", "/oauth/token"),
        ServedOperation("pipedrive-v1", "POST", "/oauth/token/"),
    ]
    return [*pipedrive, *oauth, *(ServedOperation("attio", m, p) for m, p in attio.served_operations())]
