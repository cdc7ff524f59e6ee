"""A load balancer as a client transport: requests to the public origin go to the replicas in turn, and a
request whose replica cannot be reached, or whose answer breaks off, goes to the next one (as a
balancer does when a backend dies). Requests to any other origin pass through untouched."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import httpx
import httpx2


@dataclass
class Pool:
    public_port: int
    ports: list[int]
    dead: set[int] = field(default_factory=set[int])
    served: dict[int, int] = field(default_factory=dict[int, int])
    # Answers to requests sent after mark() (one sent before may still be answered by a replica killed
    # after it: its answer was already on the way).
    served_after_mark: dict[int, int] = field(default_factory=dict[int, int])
    marked: bool = False
    retried: int = 0
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def order(self) -> list[int]:
        """The live replicas, starting with the next one in turn."""
        live = [p for p in self.ports if p not in self.dead]
        if not live:
            raise AssertionError("no replica left")
        first = next(self._turn) % len(live)
        return live[first:] + live[:first]

    def kill(self, port: int) -> None:
        self.dead.add(port)

    def mark(self) -> None:
        self.marked = True

    def count(self, port: int, sent_after_mark: bool) -> None:
        self.served[port] = self.served.get(port, 0) + 1
        if sent_after_mark:
            self.served_after_mark[port] = self.served_after_mark.get(port, 0) + 1


FRAMING = ("content-length", "transfer-encoding", "content-encoding")


def _plain(headers: httpx.Headers | httpx2.Headers) -> list[tuple[str, str]]:
    """An answer's headers without its framing (the body is handed on already read and decoded)."""
    return [(k, v) for k, v in headers.items() if k.lower() not in FRAMING]


class Balancer(httpx2.AsyncBaseTransport):
    """For the MCP client (httpx2)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.port != self.pool.public_port:
            return await self._inner.handle_async_request(request)
        body = await request.aread()
        failure: Exception | None = None
        after_mark = self.pool.marked
        for attempt, port in enumerate(self.pool.order()):
            if attempt:
                self.pool.retried += 1
            backend = httpx2.Request(
                request.method, request.url.copy_with(port=port), headers=request.headers, content=body
            )
            try:
                response = await self._inner.handle_async_request(backend)
                if request.method == "POST":  # read whole here, so a replica dying mid-answer is retried
                    content = await response.aread()
                    await response.aclose()
                    response = httpx2.Response(
                        response.status_code, headers=_plain(response.headers), content=content
                    )
                self.pool.count(port, after_mark)
                return response
            except httpx2.ConnectError as exc:
                self.pool.kill(port)  # nothing listens there any more
                failure = exc
            except (httpx2.RemoteProtocolError, httpx2.ReadError) as exc:
                failure = exc
        raise AssertionError(f"every replica failed: {failure!r}")

    async def aclose(self) -> None:
        await self._inner.aclose()


class BrowserBalancer(httpx.AsyncBaseTransport):
    """The same for the browser's pages (httpx)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.port != self.pool.public_port:
            return await self._inner.handle_async_request(request)
        body = await request.aread()
        for port in self.pool.order():
            backend = httpx.Request(
                request.method, request.url.copy_with(port=port), headers=request.headers, content=body
            )
            try:
                response = await self._inner.handle_async_request(backend)
                content = await response.aread()
                return httpx.Response(response.status_code, headers=_plain(response.headers), content=content)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                continue
        raise AssertionError("every replica failed")
