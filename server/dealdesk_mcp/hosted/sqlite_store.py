"""The embedded store: one SQLite file (WAL), for a server that runs as one replica.

Each step is one statement, run in a worker thread so a slow disk never
stalls the event loop. Expired rows read as absent and are swept now and then.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import anyio

from dealdesk_mcp.hosted.store import StoreUnavailable

SCHEMA = "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL)"
# Sweep expired rows once per this many writes.
SWEEP_EVERY = 500


class SqliteStore:
    kind = "sqlite"
    shared = False

    def __init__(self, path: Path | str) -> None:
        self.where = str(path)
        if self.where != ":memory:":
            Path(self.where).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._db = sqlite3.connect(self.where, check_same_thread=False, isolation_level=None, timeout=10)
            if self.where != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                Path(self.where).chmod(0o600)
            self._db.execute(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open the store {self.where}: {exc}") from None
        self._lock = threading.Lock()
        self._writes = 0

    async def _run(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """One statement (each is atomic on its own, across processes sharing the file too)."""

        def work() -> list[tuple[object, ...]]:
            with self._lock:
                try:
                    return self._db.execute(sql, args).fetchall()
                except sqlite3.Error as exc:
                    raise StoreUnavailable(f"the store {self.where} failed: {exc}") from None

        return await anyio.to_thread.run_sync(work)

    @staticmethod
    def _expires(ttl: float | None) -> float | None:
        return None if ttl is None else time.time() + ttl

    async def get(self, key: str) -> bytes | None:
        rows = await self._run(
            "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)", key, time.time()
        )
        return bytes(rows[0][0]) if rows else None  # type: ignore[arg-type]

    async def put(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self._run("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", key, value, self._expires(ttl))
        await self._wrote()

    async def add(self, key: str, value: bytes, *, ttl: float) -> bool:
        # An expired row counts as absent: replace it only then (one statement, so atomic).
        rows = await self._run(
            "INSERT INTO kv VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
            "expires = excluded.expires WHERE kv.expires IS NOT NULL AND kv.expires <= ? RETURNING key",
            key,
            value,
            self._expires(ttl),
            time.time(),
        )
        await self._wrote()
        return bool(rows)

    async def take(self, key: str) -> bytes | None:
        rows = await self._run("DELETE FROM kv WHERE key = ? RETURNING value, expires", key)
        if not rows:
            return None
        value, expires = rows[0]
        if isinstance(expires, float) and expires <= time.time():
            return None
        return bytes(value)  # type: ignore[arg-type]

    async def delete(self, *keys: str) -> None:
        for key in keys:
            await self._run("DELETE FROM kv WHERE key = ?", key)

    async def delete_if(self, key: str, value: bytes) -> bool:
        rows = await self._run("DELETE FROM kv WHERE key = ? AND value = ? RETURNING key", key, value)
        return bool(rows)

    async def ping(self) -> None:
        await self._run("SELECT 1")

    async def aclose(self) -> None:
        with self._lock:
            self._db.close()

    async def _wrote(self) -> None:
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:
            await self._run("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?", time.time())
