"""The API rate budget, shared by every replica and every user of one company.

Pipedrive limits a company as a whole. When any replica learns that the budget is spent (a 429, or an
answer saying nothing remains), it notes until when in the shared store; every replica's next request
for that company waits out the rest rather than spending a request to learn it again.
"""

from __future__ import annotations

import time

import httpx

from dealdesk_mcp.account import Account
from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.hosted.state import PREFIX
from dealdesk_mcp.hosted.store import KeyValueStore
from dealdesk_mcp.session import BACKOFF_BASE, RETRY_AFTER_CAP, retry_after


class SharedBudget:
    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    @staticmethod
    def _key(account: Account, profile: ApiProfile) -> str:
        company = account.company.get(profile.name) or account.key
        return f"{PREFIX}rate:{profile.name}:{company}"

    async def delay(self, account: Account, profile: ApiProfile) -> float:
        raw = await self._store.get(self._key(account, profile))
        if raw is None:
            return 0.0
        try:
            until = float(raw)
        except ValueError:
            return 0.0
        return max(0.0, min(RETRY_AFTER_CAP, until - time.time()))

    async def observe(self, account: Account, profile: ApiProfile, response: httpx.Response) -> None:
        spent = (
            response.status_code == 429 or response.headers.get("x-ratelimit-remaining", "").strip() == "0"
        )
        if not spent:
            return
        wait = retry_after(response)
        if wait is None:
            wait = BACKOFF_BASE if response.status_code == 429 else 0.0
        if wait <= 0:
            return
        until = time.time() + wait
        await self._store.put(self._key(account, profile), repr(until).encode(), ttl=wait)
