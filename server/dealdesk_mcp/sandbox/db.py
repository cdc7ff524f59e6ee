"""SQLite storage for the sandbox: every record is the JSON document it is served as, keyed by kind and id.

A relational schema would buy nothing here: the company is small, filters run in Python over one kind
at a time, and keeping the served shape avoids a mapping layer per resource.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id NOT NULL,            -- no affinity: integers stay integers, lead UUIDs and field codes stay text
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS counters (kind TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (file_id INTEGER PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Record = dict[str, Any]
RecordId = int | str


class Store:
    """One SQLite connection shared by the server thread; a lock keeps writes from interleaving."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._depth = 0
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes atomically; nested use joins the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    # -- records ----------------------------------------------------------------------------------

    def get(self, kind: str, record_id: RecordId) -> Record | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM records WHERE kind = ? AND id = ?", (kind, record_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str) -> list[Record]:
        """Every record of a kind in insertion order (ids are handed out in that order too)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT body FROM records WHERE kind = ? ORDER BY rowid", (kind,)
            ).fetchall()
        return [json.loads(body) for (body,) in rows]

    def ids(self, kind: str) -> list[RecordId]:
        """The ids of every record of a kind, in insertion order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id FROM records WHERE kind = ? ORDER BY rowid", (kind,)
            ).fetchall()
        return [record_id for (record_id,) in rows]

    def put(self, kind: str, record_id: RecordId, body: Record) -> Record:
        text = json.dumps(body, separators=(",", ":"))
        with self._lock:
            cur = self._conn.execute(
                "UPDATE records SET body = ? WHERE kind = ? AND id = ?", (text, kind, record_id)
            )
            if cur.rowcount == 0:
                self._conn.execute(
                    "INSERT INTO records (kind, id, body) VALUES (?, ?, ?)", (kind, record_id, text)
                )
        return body

    def put_many(self, kind: str, bodies: list[Record], key: str = "id") -> None:
        rows = [(kind, body[key], json.dumps(body, separators=(",", ":"))) for body in bodies]
        with self._lock:
            self._conn.executemany("INSERT INTO records (kind, id, body) VALUES (?, ?, ?)", rows)

    def delete(self, kind: str, record_id: RecordId) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, record_id))
        return cur.rowcount > 0

    def next_id(self, kind: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "INSERT INTO counters (kind, last) VALUES (?, 1) "
                "ON CONFLICT(kind) DO UPDATE SET last = last + 1 RETURNING last",
                (kind,),
            ).fetchone()
        return int(row[0])

    def set_counter(self, kind: str, last: int) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO counters (kind, last) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET last = ?",
                (kind, last, last),
            )

    # -- file contents ----------------------------------------------------------------------------

    def put_blob(self, file_id: int, content: bytes) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO blobs (file_id, content) VALUES (?, ?)", (file_id, content)
            )

    def get_blob(self, file_id: int) -> bytes | None:
        with self._lock:
            row = self._conn.execute("SELECT content FROM blobs WHERE file_id = ?", (file_id,)).fetchone()
        return bytes(row[0]) if row else None

    def delete_blob(self, file_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM blobs WHERE file_id = ?", (file_id,))

    # -- bookkeeping ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def wipe(self) -> None:
        with self.transaction():
            for table in ("records", "counters", "blobs", "meta"):
                self._conn.execute(f"DELETE FROM {table}")  # table names are our constants
