"""Cancellation: a caller that gives up on a slow call stops the server's HTTP request too, and the next
call is answered at once."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import httpx
from mcp import Client

from dealdesk_mcp.app import build_server
from tests.conftest import make_settings, text_of
from tests.standin import Recorded, Reply, StandIn

SLOW_SECONDS = 4.0


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real network, with a note of how each request ended: answered, failed or cancelled."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.events: list[tuple[str, str, float]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
        except anyio.get_cancelled_exc_class():
            self.events.append(("cancelled", request.url.path, time.monotonic()))
            raise
        except Exception:
            self.events.append(("failed", request.url.path, time.monotonic()))
            raise
        self.events.append(("answered", request.url.path, time.monotonic()))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_cancelled_call_cancels_its_http_request(standin: StandIn, tmp_path: Path) -> None:
    def handler(request: Recorded) -> Reply:
        if request.path == "/api/v2/deals/1":
            return Reply(body={"data": {"id": 1}}, delay=SLOW_SECONDS)
        return Reply(body={"data": {"id": 2, "name": "Quick"}})

    standin.reply_with(handler)
    transport = RecordingTransport()
    server = build_server(make_settings(standin, tmp_path), transport=transport)
    async with Client(server) as client:
        started = time.monotonic()
        with anyio.move_on_after(0.3) as scope:
            await client.call_tool("get_deal", {"id": 1})
        assert scope.cancelled_caught
        cancelled_at = time.monotonic()
        with anyio.fail_after(2):
            # The server learns of the cancel through notifications/cancelled; give it a moment.
            while not transport.events:
                await anyio.sleep(0.01)
            result = await client.call_tool("get_person", {"id": 2})
        answered_at = time.monotonic()
        assert not result.is_error and "Quick" in text_of(result)
        ends = {(kind, path) for kind, path, _ in transport.events}
        assert ("cancelled", "/api/v2/deals/1") in ends, transport.events
        assert ("answered", "/api/v2/deals/1") not in ends
        http_cancel = next(t for kind, _, t in transport.events if kind == "cancelled")
        print(
            f"\ncancellation: caller gave up at {cancelled_at - started:.2f} s, HTTP request cancelled "
            f"{http_cancel - cancelled_at:.3f} s later, next call answered in {answered_at - cancelled_at:.2f} s "
            f"(the slow reply would have taken {SLOW_SECONDS:.0f} s)"
        )
        assert http_cancel - cancelled_at < 1.0
        assert answered_at - started < 1.5
        # The session is still whole: one more slow-path call, answered this time.
        standin.reply_with(lambda request: Reply(body={"data": {"id": 1, "title": "Now fast"}}))
        with anyio.fail_after(2):
            again = await client.call_tool("get_deal", {"id": 1})
        assert "Now fast" in text_of(again)


async def test_a_cancelled_upload_stops_streaming(standin: StandIn, tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(b"\0" * (4 * 2**20))
    standin.reply_with(lambda request: Reply(body={"data": {"id": 9}}, delay=SLOW_SECONDS))
    transport = RecordingTransport()
    server = build_server(make_settings(standin, tmp_path), transport=transport)
    async with Client(server) as client:
        with anyio.move_on_after(0.3) as scope:
            await client.call_tool("add_file", {"path": "big.bin", "deal_id": 1})
        assert scope.cancelled_caught
        with anyio.fail_after(2):
            while not transport.events:
                await anyio.sleep(0.01)
        assert [kind for kind, _, _ in transport.events] == ["cancelled"]
        standin.reply_with(lambda request: Reply(body={"data": {"id": 2, "name": "Quick"}}))
        with anyio.fail_after(2):
            result = await client.call_tool("get_person", {"id": 2})
        assert not result.is_error
