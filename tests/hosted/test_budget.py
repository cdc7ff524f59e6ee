"""The API's rate budget is one company's, whichever replica or user spends it: once one replica learns
it is spent, the others wait it out instead of each spending a request on a 429."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio

from dealdesk_mcp import apis
from dealdesk_mcp.account import Account
from dealdesk_mcp.hosted.ratelimit import SharedBudget
from dealdesk_mcp.hosted.redis_store import RedisStore
from dealdesk_mcp.request import OutgoingRequest
from dealdesk_mcp.session import Session
from dealdesk_mcp.static_auth import StaticAuth
from tests.conftest import make_settings
from tests.hosted.conftest import RedisServer
from tests.standin import Recorded, Reply, StandIn

BLOCK_SECONDS = 1.0


class Company:
    """Pipedrive's limiter for one company: one request spends the budget for BLOCK_SECONDS."""

    def __init__(self) -> None:
        self.until = 0.0
        self.limited = 0
        self.spent = False
        self.lock = threading.Lock()

    def __call__(self, request: Recorded) -> Reply:
        with self.lock:
            now = time.time()
            if now < self.until:
                self.limited += 1
                return Reply(429, {"success": False}, headers={"retry-after": f"{self.until - now:.2f}"})
            if request.args.get("spend") == "all" and not self.spent:
                self.spent = True
                self.until = now + BLOCK_SECONDS
                self.limited += 1
                return Reply(429, {"success": False}, headers={"retry-after": str(BLOCK_SECONDS)})
            return Reply(body={"success": True, "data": []})


async def test_one_replicas_429_holds_back_every_replica_of_that_company(
    redis_server: RedisServer, standin: StandIn, tmp_path: Path
) -> None:
    company = Company()
    standin.reply_with(company)
    settings = make_settings(standin, tmp_path)
    profile = apis.profiles(settings)["pipedrive"]
    replicas = [Session(settings), Session(settings)]
    stores = [RedisStore(redis_server.url) for _ in replicas]
    for session, store in zip(replicas, stores, strict=True):
        session.budget = SharedBudget(store)

    def user(n: int, company_id: str) -> Account:
        auth = StaticAuth("x-api-token", f"token-of-user-{n}-0123456789")
        return Account(f"u{n}", {"pipedrive": auth}, tmp_path, (), company={"pipedrive": company_id})

    first, second, elsewhere = user(1, "77"), user(2, "77"), user(3, "78")
    spend = OutgoingRequest("GET", "/api/v2/deals", params=[("spend", "all")])
    plain = OutgoingRequest("GET", "/api/v2/deals")
    async with anyio.create_task_group() as tasks:
        # Replica 0 spends the company's budget (and retries after the wait); replica 1, for a colleague,
        # starts once that is known.
        tasks.start_soon(replicas[0].send, first, profile, spend)
        while company.limited == 0:
            await anyio.sleep(0.01)
        await anyio.sleep(0.05)
        answer = await replicas[1].send(second, profile, plain)
    assert answer.response.status_code == 200
    assert second.tally.retries == 1  # it waited, without sending
    assert company.limited == 1  # only the first request met the limit
    # Another company's budget is its own.
    company.spent = False
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(replicas[0].send, first, profile, spend)
        while not company.spent:
            await anyio.sleep(0.01)
        company.until = 0.0  # the stand-in limits one company; the other company's budget is untouched
        await replicas[1].send(elsewhere, profile, plain)
    assert elsewhere.tally.retries == 0
    for session, store in zip(replicas, stores, strict=True):
        await session.aclose()
        await store.aclose()
