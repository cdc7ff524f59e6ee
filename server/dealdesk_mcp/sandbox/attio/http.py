"""Routing and request handling for the Attio half: a table of documented paths, the per-request
context handed to handlers, and the dispatcher that checks the token and renders Attio's errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dealdesk_mcp.sandbox import jsonbody
from dealdesk_mcp.sandbox.db import Store, UnstorableValue

from ..jsontypes import is_object
from . import auth, documented
from .errors import AttioError, BadRequest, MethodNotAllowed, NotFound, Unauthorized
from .repo import Repo

log = logging.getLogger("dealdesk_mcp.sandbox.attio")


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class Ctx:
    """What a handler gets: the store, the request's parts, and one clock reading for the request."""

    repo: Repo
    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    origin: str
    moment: datetime
    raw_body: bytes = b""
    form: dict[str, Any] = field(default_factory=dict[str, Any])

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            return jsonbody.loads(self.raw_body)
        except ValueError:
            raise BadRequest("The request body is not valid JSON (numbers must be finite)") from None

    def body(self) -> dict[str, Any]:
        data = self.json()
        if data is None:
            raise BadRequest("A JSON body is required")
        if not is_object(data):
            raise BadRequest("The request body must be a JSON object")
        return data

    def data(self) -> dict[str, Any]:
        """Attio wraps write bodies as {"data": {...}}."""
        data = self.body().get("data")
        if not is_object(data):
            raise BadRequest('The body must be {"data": {...}} with an object under "data"')
        return data

    def upload(self, name: str) -> Upload | None:
        item = self.form.get(name)
        return item if isinstance(item, Upload) else None

    def form_text(self, name: str) -> str | None:
        item = self.form.get(name)
        return item if isinstance(item, str) else None


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict[str, str])
    content: bytes | None = None  # raw bytes instead of JSON
    media_type: str | None = None

    def response(self) -> Response:
        if self.content is not None:
            return Response(self.content, self.status, self.headers, media_type=self.media_type)
        if self.status == 204:
            return Response(status_code=204, headers=self.headers)
        return JSONResponse(self.body, self.status, self.headers)


Handler = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]
    literals: int
    public: bool  # reachable without the token (a signed download URL)


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, *, public: bool = False) -> Callable[[Handler], Handler]:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        pattern = re.compile(f"^{regex}/?$")
        literals = sum(1 for part in template.split("/") if part and not part.startswith("{"))

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, template, handler, pattern, literals, public))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The best route for the path; a literal segment beats a placeholder (/files/upload)."""
        found = [(r, m.groupdict()) for r in self.routes if (m := r.pattern.match(path))]
        if not found:
            return None
        for_method = [f for f in found if f[0].method == method]
        if not for_method:
            raise MethodNotAllowed(f"{method} is not allowed on {path}")
        return max(for_method, key=lambda f: f[0].literals)

    def served(self, *, documented_only: bool = True) -> list[tuple[str, str]]:
        return [(r.method, r.template) for r in self.routes if not (documented_only and r.public)]


TABLE = RouteTable()
route = TABLE.add


async def _read(request: Request) -> tuple[bytes, dict[str, Any]]:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form: dict[str, Any] = {}
        try:
            parsed = await request.form()
        except Exception:  # starlette raises its own parse errors for broken multipart
            raise BadRequest("The multipart body could not be read") from None
        for key, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                form[key] = Upload(value.filename or "upload.bin", await value.read(), value.content_type)
            else:
                form[key] = value
        return b"", form
    return await request.body(), {}


async def dispatch(request: Request) -> Response:
    store: Store = request.app.state.store
    matched: Route | None = None
    try:
        found = TABLE.match(request.method, request.url.path)
        if found is None:
            raise NotFound(f"{request.url.path} is not an Attio API path")
        matched, params = found
        if not matched.public:
            token = auth.bearer(request.headers.get("authorization", ""))
            if not auth.accepted(token, store):
                raise Unauthorized("Send Authorization: Bearer <token> with the sandbox's token")
        raw, form = await _read(request)
        ctx = Ctx(
            repo=Repo(store),
            method=request.method,
            path=request.url.path,
            params=params,
            query=request.query_params,
            origin=f"{request.url.scheme}://{request.url.netloc}",
            moment=datetime.now(UTC),
            raw_body=raw,
            form=form,
        )
        handler = matched.handler

        def work() -> Response:  # one unit of work, in a worker thread (db.py)
            answer = handler(ctx)
            return answer.response() if isinstance(answer, Reply) else JSONResponse(answer)

        return await store.run(work)
    except UnstorableValue as exc:
        return BadRequest(f"The request cannot be stored: {exc}").response()
    except AttioError as exc:
        if matched is None:
            return exc.response()
        body = documented.conform(matched.method, matched.template, exc.status, exc.body())
        return JSONResponse(body, status_code=exc.status, headers=exc.headers())
    except Exception:
        log.exception("Attio sandbox handler failed: %s %s", request.method, request.url.path)
        body = {
            "status_code": 500,
            "type": "internal_server_error",
            "code": "internal_error",
            "message": "The sandbox failed to handle this request",
        }
        return JSONResponse(body, status_code=500)
