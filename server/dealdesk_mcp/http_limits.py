"""Limits for the HTTP transports: how many MCP sessions stay open, and how long a client may take to
send its request and how many connections it may hold.

Both answer floods from clients that are allowed in (a bearer token does not help against a client that
has it, or against any local program when the server runs with --no-auth).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, cast

import anyio
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

log = logging.getLogger(__name__)

SESSION_HEADER = b"mcp-session-id"
VERSION_HEADER = b"mcp-protocol-version"
# Sessions: enough for many real clients, few enough that a flood costs little memory (~40 KB each).
MAX_SESSIONS = 256
MAX_SESSIONS_PER_CLIENT = 64
# A session that never went past its opening request is dropped after this long.
UNPROVEN_SESSION_SECONDS = 60.0
# The SDK ends a session with no request in flight for this long (its default is 30 minutes).
SESSION_IDLE_SECONDS = 15 * 60.0
# Connections: the request line and headers must arrive within this, the body within the next.
HEADER_SECONDS = 10.0
BODY_SECONDS = 30.0
MAX_CONNECTIONS = 512
# Descriptors kept free for the API client, files and the listening socket.
SPARE_DESCRIPTORS = 64


# -- sessions ---------------------------------------------------------------------------------------
@dataclass
class _Session:
    client: str
    host: bytes  # the Host header it was opened with, for closing it ourselves
    opened: float
    last: float  # when a request last began or ended
    requests: int = 0
    posting: int = 0  # POSTs in flight (an open GET stream alone does not count)

    @property
    def proven(self) -> bool:
        """It did more than open (initialize) and say so (notifications/initialized)."""
        return self.requests >= 2

    def worth(self) -> tuple[bool, float]:
        """Sessions sort by this; the lowest is closed first: unproven ones, then the least recent."""
        return (self.proven, self.last)


def _refusal(status: int, message: str) -> Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": message}}
    return JSONResponse(body, status_code=status, headers={"retry-after": "5"})


class SessionGuard:
    """Bounds the streamable-HTTP sessions the SDK keeps, per server and per client address.

    A new session that would pass a bound first closes the one least worth keeping (one that never went
    past its opening request, else the least recently used) by sending the SDK a DELETE for it, the
    protocol's own way to end a session. A session serving a POST is never closed. So a flood of opens
    churns through its own slots, and clients that use their sessions keep them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str = "/mcp",
        max_sessions: int = MAX_SESSIONS,
        max_per_client: int = MAX_SESSIONS_PER_CLIENT,
        unproven_seconds: float = UNPROVEN_SESSION_SECONDS,
    ) -> None:
        self.app = app
        self.path = path
        self.max_sessions = max_sessions
        self.max_per_client = max_per_client
        self.unproven_seconds = unproven_seconds
        self.sessions: dict[str, _Session] = {}
        self.closed_by_guard = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers") or ())
        sid = headers.get(SESSION_HEADER, b"").decode("latin-1")
        version = headers.get(VERSION_HEADER, b"").decode("latin-1")
        if sid:
            await self._use(sid, scope, receive, send)
        elif scope["method"] == "POST" and (not version or version in HANDSHAKE_PROTOCOL_VERSIONS):
            await self._open(scope, receive, send, headers.get(b"host", b""))
        else:  # other methods, and the stateless protocol era, open no session
            await self.app(scope, receive, send)

    async def _use(self, sid: str, scope: Scope, receive: Receive, send: Send) -> None:
        session = self.sessions.get(sid)
        if session is None:
            await self.app(scope, receive, send)
            return
        posting = scope["method"] == "POST"
        session.requests += 1
        session.posting += posting
        session.last = time.monotonic()
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            session.posting -= posting
            session.last = time.monotonic()
            if status and (status[0] == 404 or (scope["method"] == "DELETE" and status[0] < 300)):
                self.sessions.pop(sid, None)

    async def _open(self, scope: Scope, receive: Receive, send: Send, host: bytes) -> None:
        # The whole request first: the SDK admits a session before reading the body, so a client sending
        # its body slowly would hold a session (and here, a slot) for as long as it liked.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > DEFAULT_MAX_REQUEST_BODY_SIZE:
                await _refusal(413, "the request body is too large")(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        client = str(scope["client"][0]) if scope.get("client") else "unknown"
        await self._make_room(client)
        if self._count(client) >= self.max_per_client or self._count() >= self.max_sessions:
            log.warning("refused a new MCP session: all %d sessions are serving calls", len(self.sessions))
            await _refusal(503, "every session is busy; try again shortly")(scope, replay, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 300:
                # Registered as soon as the SDK answers, before its answer stream ends.
                for key, value in message.get("headers") or ():
                    if key.lower() == SESSION_HEADER:
                        now = time.monotonic()
                        self.sessions[value.decode("latin-1")] = _Session(client, host, now, now)
            await send(message)

        try:
            await self.app(scope, replay, watch)
        finally:
            # Opens that ran side by side may have passed a bound together: trim back to it.
            with anyio.CancelScope(shield=True):
                await self._make_room(client, room=0)

    def _count(self, client: str | None = None) -> int:
        if client is None:
            return len(self.sessions)
        return sum(1 for s in self.sessions.values() if s.client == client)

    async def _make_room(self, client: str, room: int = 1) -> None:
        """Close sessions until `room` more fit within both bounds (expired unproven ones first)."""
        now = time.monotonic()
        for sid, session in list(self.sessions.items()):
            if not session.proven and not session.posting and now - session.opened > self.unproven_seconds:
                await self._close(sid)
        while self._count(client) + room > self.max_per_client and await self._close_least(client):
            pass
        while self._count() + room > self.max_sessions and await self._close_least(None):
            pass

    async def _close_least(self, client: str | None) -> bool:
        candidates = [
            (s.worth(), sid)
            for sid, s in self.sessions.items()
            if (client is None or s.client == client) and not s.posting
        ]
        if not candidates:
            return False
        await self._close(min(candidates)[1])
        return True

    async def _close(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is None:
            return
        self.closed_by_guard += 1
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "DELETE",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", session.host), (SESSION_HEADER, sid.encode())],
            "client": (session.client, 0),
            "server": None,
            "state": {},
        }
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            return None

        with anyio.CancelScope(shield=True):
            await self.app(scope, receive, discard)


# -- connections --------------------------------------------------------------------------------
def connection_limit() -> int:
    """MAX_CONNECTIONS, or fewer when the process may not open that many descriptors."""
    try:
        import resource  # POSIX only

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - SPARE_DESCRIPTORS))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with deadlines for receiving a request and a bound on connections.

    uvicorn times out idle keep-alive connections only: a client that sends a request a byte at a time
    (or never finishes its headers) held its connection forever. Here the request line and headers must
    arrive within HEADER_SECONDS of the first byte (or of connecting), the body within BODY_SECONDS after.
    At the connection bound, a new connection first displaces the oldest one still waiting for its
    request; only if every connection is busy serving is the new one refused.
    """

    header_seconds = HEADER_SECONDS
    body_seconds = BODY_SECONDS
    max_connections = MAX_CONNECTIONS
    _deadline: Any
    _waiting_since: float
    _timed_cycle: Any

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: Any = None
        self._waiting_since = self.loop.time()
        self._timed_cycle: Any = None
        self._arm(self.header_seconds)
        if sum(not c.transport.is_closing() for c in self.connections) > self.max_connections:
            self._shed()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self._between_requests():
            self._waiting_since = self.loop.time()
            self._arm(self.header_seconds)
        super().data_received(data)
        cycle = self._cycle()
        if cycle is None or cycle.response_complete:
            return  # still waiting for the headers of the next request
        if cycle is not self._timed_cycle:
            self._timed_cycle = cycle  # the headers are in: now the body has its own deadline
            self._disarm()
            if cycle.more_body:
                self._arm(self.body_seconds)
        elif not cycle.more_body:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._waiting_since = self.loop.time()  # idle from now: newer than slow clients already waiting

    def _cycle(self) -> RequestResponseCycle | None:
        # uvicorn types it as always set; before the first request it is None.
        return cast("RequestResponseCycle | None", getattr(self, "cycle", None))

    def _between_requests(self) -> bool:
        cycle = self._cycle()
        return cycle is None or cycle.response_complete

    def _waiting_for_request(self) -> bool:
        """No request being served: the request is still arriving, or the connection idles."""
        cycle = self._cycle()
        return self._between_requests() or bool(cycle and cycle.more_body)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        client = self.client[0] if self.client else "a client"
        log.warning("closed a connection from %s: its request did not arrive in time", client)
        self._drop(b"408 Request Timeout")

    def _drop(self, status: bytes) -> None:
        if self.transport.is_closing():
            return
        cycle = self._cycle()
        if cycle is None or not cycle.response_started:
            self.transport.write(
                b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
        self.transport.close()

    def _shed(self) -> None:
        # Closed ones stay in the set until the event loop reports them lost: skip those.
        guarded = [cast(GuardedH11Protocol, c) for c in self.connections if isinstance(c, GuardedH11Protocol)]
        waiting = [
            c for c in guarded if c is not self and not c.transport.is_closing() and c._waiting_for_request()
        ]
        if waiting:
            oldest = min(waiting, key=lambda c: c._waiting_since)
            oldest._disarm()
            oldest._drop(b"408 Request Timeout")
            return
        log.warning("refused a connection: %d connections are all busy", len(self.connections) - 1)
        self._disarm()
        self._drop(b"503 Service Unavailable")


def guarded_protocol(max_connections: int) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"max_connections": max_connections})
