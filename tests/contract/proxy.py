"""A loopback routing proxy in front of the Prism mocks, so the server under test uses its real base URLs.

Pipedrive tools call ORIGIN/api/v1/X and ORIGIN/api/v2/X; the documents declare the servers
https://api.pipedrive.com/v1 and https://api.pipedrive.com/api/v2, and Prism serves their paths without
that prefix, so the proxy strips it. Attio paths (/v2/..., /scim/v2/...) are the document's own and pass
through unchanged on a second origin.

The proxy also makes each rejection readable: when Prism answers a bad request with the document's own
400 example (its complaint is then only in the `sl-violations` header), the proxy puts the complaint in
the body, which our server quotes in the tool's error text. Every exchange is kept for the tests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.contract.declared import Declared

PRISM_ERRORS = "https://stoplight.io/prism/errors#"
# Hop-by-hop or recomputed headers that must not be copied across the proxy.
DROPPED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "accept-encoding",
        "content-encoding",
    }
)


@dataclass(frozen=True)
class Exchange:
    """One request as the server under test sent it, and Prism's verdict."""

    method: str
    path: str  # as received, before the prefix was stripped
    query: str
    status: int
    violations: tuple[dict[str, Any], ...] = ()
    complaint: str | None = None
    body: bytes = b""  # what Prism answered, for the response checks

    @property
    def rejected(self) -> bool:
        return self.complaint is not None


def _violation_text(violation: dict[str, Any]) -> str:
    location = ".".join(str(p) for p in violation.get("location", ()) if p != "request")
    return f"{location}: {violation.get('message', violation)}" if location else str(violation.get("message"))


def judge(status: int, headers: httpx.Headers, body: bytes) -> tuple[tuple[dict[str, Any], ...], str | None]:
    """Request violations Prism reported (errors only) and a one-line complaint when it rejected the request."""
    violations: list[dict[str, Any]] = []
    raw = headers.get("sl-violations")
    if raw:
        try:
            violations.extend(v for v in json.loads(raw) if isinstance(v, dict))
        except ValueError:
            # Past a size, Prism sends "Too many violations! [...]", cut short: judge it by its locations.
            if '"location":["request"' in raw:
                violations.append({"location": ["request"], "message": raw[:500], "severity": "Error"})
    problem: dict[str, Any] = {}
    if "json" in headers.get("content-type", ""):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and str(parsed.get("type", "")).startswith(PRISM_ERRORS):
            problem = parsed
            violations.extend(v for v in parsed.get("validation") or () if isinstance(v, dict))
    # Response-side findings judge the vendor's examples, not the request.
    errors = tuple(
        v
        for v in violations
        if v.get("severity", "Error") == "Error" and (v.get("location") or ["request"])[0] != "response"
    )
    if errors:
        return errors, f"Prism rejected the request ({status}): " + "; ".join(
            _violation_text(v) for v in errors
        )
    if status >= 400:
        reason = " ".join(str(problem[k]) for k in ("title", "detail") if problem.get(k)) or "no details"
        return errors, f"Prism rejected the request ({status}): {reason}"
    return errors, None


@dataclass(frozen=True)
class Upstream:
    """Where requests under `prefix` go, and the document that declares them."""

    prefix: str
    origin: str
    strip: bool  # drop the prefix: Prism serves the document's paths without its server's base path
    declared: Declared | None = None

    def target(self, path: str) -> str | None:
        """The path at the upstream, or None when `path` is not under the prefix."""
        head = self.prefix.rstrip("/")
        if path != head and not path.startswith(head + "/"):
            return None
        return (path[len(head) :] or "/") if self.strip else path


@dataclass
class RoutingProxy:
    """A Starlette app on its own uvicorn thread, forwarding by path prefix to upstream origins."""

    routes: list[Upstream]
    exchanges: list[Exchange] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _socket: socket.socket | None = None
    _client: httpx.AsyncClient | None = None

    @property
    def origin(self) -> str:
        assert self._socket is not None
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def _route(self, path: str) -> tuple[Upstream, str] | None:
        for upstream in self.routes:
            target = upstream.target(path)
            if target is not None:
                return upstream, target
        return None

    async def _forward(self, request: Request) -> Response:
        path = request.url.path
        query = request.url.query
        routed = self._route(path)
        if routed is None:
            complaint = f"no upstream for {path} on this origin (a request to the wrong API?)"
            self.exchanges.append(Exchange(request.method, path, query, 404, complaint=complaint))
            return JSONResponse({"error": complaint}, status_code=404)
        upstream, target = routed
        assert self._client is not None
        body = await request.body()
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in DROPPED_HEADERS]
        answer = await self._client.request(
            request.method,
            upstream.origin + target + (f"?{query}" if query else ""),
            headers=headers,
            content=body,
        )
        status = answer.status_code
        violations, complaint = judge(status, answer.headers, answer.content)
        if complaint is None and upstream.declared is not None:
            extra = await self._undeclared(upstream.declared, request, target, query, body)
            if extra:
                status = 422
                complaint = "sent but not declared by the document (our check, beyond Prism's): " + "; ".join(
                    extra
                )
        self.exchanges.append(
            Exchange(request.method, path, query, status, violations, complaint, answer.content)
        )
        if complaint is not None:
            return JSONResponse({"error": complaint, "validation": list(violations)}, status_code=status)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in DROPPED_HEADERS}
        location = kept.get("location", "")
        if location and not location.startswith(("/", "http://127.0.0.1")):
            kept.pop("location")  # a mocked redirect must not send the client off the machine
        return Response(answer.content, status_code=status, headers=kept)

    @staticmethod
    async def _undeclared(
        declared: Declared, request: Request, target: str, query: str, body: bytes
    ) -> list[str]:
        content_type = request.headers.get("content-type", "")
        form: list[str] = []
        if content_type.startswith("multipart/form-data"):
            async with request.form() as parsed:
                form = list(parsed.keys())
        return declared.undeclared(request.method, target, query, content_type, body, form)

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=60.0, follow_redirects=False) as client:
            self._client = client
            yield

    def start(self) -> RoutingProxy:
        app = Starlette(
            routes=[
                Route(
                    "/{rest:path}",
                    self._forward,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                )
            ],
            lifespan=self._lifespan,
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="contract-proxy", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the contract routing proxy did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def rejected(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.rejected]
