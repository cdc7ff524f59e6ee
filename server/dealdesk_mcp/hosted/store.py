"""The hosted server's state behind one small interface: keys to bytes, with lifetimes.

Two backends: an SQLite file (one replica; the default) and Redis (any number of replicas). Both
give the few atomic steps the rest needs: add-if-absent, take (read and delete at once: a code or
refresh token works once, whichever replica sees it), and delete-if-unchanged (releasing a lock only
its holder may release). A lock across processes is built from those two.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

import anyio

from dealdesk_mcp.errors import ToolError

log = logging.getLogger(__name__)

# How often a waiter looks again whether a lock is free.
LOCK_POLL_SECONDS = 0.02


class StoreUnavailable(ToolError):
    """The store did not answer (Redis down, the SQLite file unwritable)."""


class LockTimeout(ToolError):
    """A lock stayed taken longer than a waiter may wait."""


class KeyValueStore(Protocol):
    """Keys to bytes. `ttl` is in seconds; a key past its lifetime reads as absent."""

    # "sqlite" or "redis", and where, for /healthz and the start-up line (never a password).
    kind: str
    where: str
    # Whether processes other than this one may share it (then HTTP sessions must not live in memory).
    shared: bool

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, *, ttl: float | None = None) -> None: ...

    async def add(self, key: str, value: bytes, *, ttl: float) -> bool:
        """Set `key` only if it is absent; whether it was set."""
        ...

    async def take(self, key: str) -> bytes | None:
        """Read and delete `key` in one step: of several callers, one gets the value."""
        ...

    async def delete(self, *keys: str) -> None: ...

    async def delete_if(self, key: str, value: bytes) -> bool:
        """Delete `key` only while it still holds `value`."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""
        ...

    async def aclose(self) -> None: ...


@asynccontextmanager
async def lock(store: KeyValueStore, name: str, *, hold: float, wait: float) -> AsyncGenerator[None, None]:
    """Mutual exclusion across every process sharing `store`. A holder that dies frees the lock after
    `hold` seconds; a waiter gives up with LockTimeout after `wait`."""
    key = f"lock:{name}"
    mine = secrets.token_bytes(16)
    deadline = time.monotonic() + wait
    while not await store.add(key, mine, ttl=hold):
        if time.monotonic() >= deadline:
            raise LockTimeout(f"{name} stayed locked for more than {wait:g} s")
        await anyio.sleep(LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):
            await store.delete_if(key, mine)


def open_store(url: str | None, sqlite_path: Path | str) -> KeyValueStore:
    """Redis at `url` (redis://host:port/db), or else the SQLite file `sqlite_path` (":memory:": nothing kept)."""
    if url:
        from dealdesk_mcp.hosted.redis_store import RedisStore

        return RedisStore(url)
    from dealdesk_mcp.hosted.sqlite_store import SqliteStore

    return SqliteStore(sqlite_path)
