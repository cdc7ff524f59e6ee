"""What makes an upsert happen once per key in this process: a lock per key (two upserts of one email
take turns, so the second finds what the first created), and a short memory of records this process
created, because a CRM's search index may list a new record only seconds later.

Both live in this process only. Several replicas behind one address would need the same two things
shared: a lock with expiry in the shared store (Redis SET NX PX, say) and the memory beside it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio

# How long a created record is remembered: far longer than any search index takes to list it.
REMEMBER_SECONDS = 600.0


@dataclass
class _Held:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    users: int = 0


class KeyLocks:
    """One lock per key, kept only while someone holds it or waits for it."""

    def __init__(self) -> None:
        self._held: dict[Hashable, _Held] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncGenerator[None]:
        held = self._held.setdefault(key, _Held())
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if held.users == 0:
                del self._held[key]

    def __len__(self) -> int:
        return len(self._held)


class Recent:
    """Ids of records created here lately, by key."""

    def __init__(self, seconds: float = REMEMBER_SECONDS) -> None:
        self._seconds = seconds
        self._ids: dict[Hashable, tuple[float, Any]] = {}

    def remember(self, key: Hashable, record_id: Any) -> None:
        now = time.monotonic()
        self._ids = {k: v for k, v in self._ids.items() if now - v[0] < self._seconds}
        self._ids[key] = (now, record_id)

    def recall(self, key: Hashable) -> Any:
        found = self._ids.get(key)
        if found is None or time.monotonic() - found[0] >= self._seconds:
            return None
        return found[1]

    def forget(self, key: Hashable) -> None:
        self._ids.pop(key, None)


LOCKS = KeyLocks()
RECENT = Recent()
