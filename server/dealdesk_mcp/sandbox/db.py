"""SQLite storage for the sandbox: every record is the JSON document it is served as, keyed by kind and id.

A relational schema would buy nothing here: the company is small, filters run in Python over one kind
at a time, and keeping the served shape avoids a mapping layer per resource.

Work happens in units. A unit (`Store.unit()`, also spelled `transaction()`) is one SQLite transaction
and one read cache, held by one thread (and, on an event loop, one task) from its start to its end, with
the store's lock held all the while: two requests can never interleave inside each other's units. The
app runs every request's unit in a worker thread (`await store.run(work)`), so a slow answer never holds
up the event loop. A unit opened inside another by its owner is a savepoint: its failure undoes only its
own writes. Outside a unit each call takes the lock for that one statement.

Inside a unit each record is parsed from JSON at most once, and `index(kind, key)` groups a kind by one
field once: a page of 100 deals counts their activities from one grouping instead of 100 scans.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread

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
T = TypeVar("T")
SQLITE_MAX = 2**63 - 1


class StoreError(RuntimeError):
    """The root of the store's own errors."""


class InterleavedUnit(StoreError):
    """A second task on the thread that holds a unit tried to use the store before the unit ended.

    Joining would mix its writes into another request's transaction (and lose them if that one rolled
    back), and waiting would block the event loop the owner needs to finish: so it is refused."""


class UnstorableValue(StoreError, ValueError):
    """A record holds a number JSON cannot carry (infinite or not a number)."""


def storable_id(record_id: object) -> bool:
    """Whether a value can name a row: text, or an integer in SQLite's range."""
    if isinstance(record_id, str):
        return True
    if isinstance(record_id, int):
        return -SQLITE_MAX - 1 <= record_id <= SQLITE_MAX
    return isinstance(record_id, float) and math.isfinite(record_id) and abs(record_id) <= SQLITE_MAX


def _dumps(body: Record) -> str:
    try:
        return json.dumps(body, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise UnstorableValue("a number is too large to store (it is not finite)") from None


def _current_task() -> object | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop on this thread
        return None


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


@dataclass
class _Unit:
    """The open unit: who holds it, how deep its savepoints go, and what it has read."""

    thread: int
    task: object | None
    depth: int = 0
    kinds: dict[str, dict[Any, Record]] = field(
        default_factory=dict[str, dict[Any, Record]]
    )  # kinds read whole, in stored order
    singles: dict[tuple[str, Any], Record | None] = field(
        default_factory=dict[tuple[str, Any], Record | None]
    )
    indexes: dict[tuple[str, str], dict[Any, list[Record]]] = field(
        default_factory=dict[tuple[str, str], dict[Any, list[Record]]]
    )

    def forget(self) -> None:
        self.kinds.clear()
        self.singles.clear()
        self.indexes.clear()

    def wrote(self, kind: str, record_id: Any, body: Record | None) -> None:
        rows = self.kinds.get(kind)
        if rows is not None:
            if body is None:
                rows.pop(record_id, None)
            else:
                rows[record_id] = body  # an update keeps its place, an insert goes last, as rowid order does
        self.singles[(kind, record_id)] = body
        for key in [k for k in self.indexes if k[0] == kind]:
            del self.indexes[key]


class Store:
    """One SQLite connection; work on it happens in units (see the module's docstring)."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._unit: _Unit | None = None
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            # No fsync per commit: a power cut may cost the last few writes of made-up data, never the file.
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- units ------------------------------------------------------------------------------------

    def _mine(self) -> _Unit | None:
        """The unit this caller holds, None when it holds none; refuses a second task on the owner's thread."""
        unit = self._unit
        if unit is None or unit.thread != threading.get_ident():
            return None
        # A unit opened off any event loop (a worker thread's) has only its own caller on that thread.
        if unit.task is not None and unit.task is not _current_task():
            raise InterleavedUnit("the store is inside another task's unit of work on this thread")
        return unit

    @contextmanager
    def unit(self) -> Generator[Store]:
        """One unit of work; nested use by its holder is a savepoint."""
        unit = self._mine()
        if unit is not None:
            yield from self._savepoint(unit)
            return
        with self._lock:
            self._unit = _Unit(threading.get_ident(), _current_task())
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._unit = None

    transaction = unit

    def _savepoint(self, unit: _Unit) -> Iterator[Store]:
        unit.depth += 1
        name = f"unit_{unit.depth}"
        self._conn.execute(f"SAVEPOINT {name}")  # the name is ours: a counter
        try:
            yield self
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            unit.forget()  # what was read may include what was just undone
            raise
        else:
            self._conn.execute(f"RELEASE {name}")
        finally:
            unit.depth -= 1

    async def run(self, work: Callable[[], T]) -> T:
        """Do `work` as one unit in a worker thread, so the event loop stays free while it runs."""

        def in_unit() -> T:
            with self.unit():
                return work()

        return await anyio.to_thread.run_sync(in_unit)

    @contextmanager
    def _statement(self) -> Generator[_Unit | None]:
        """Access for one statement: inside the caller's unit, or alone under the lock."""
        unit = self._mine()
        if unit is not None:
            yield unit
            return
        with self._lock:
            yield None

    # -- records ----------------------------------------------------------------------------------

    def get(self, kind: str, record_id: object) -> Record | None:
        if not storable_id(record_id):
            return None  # no row can have it (a list, an object, a number beyond 64 bits)
        unit = self._mine()
        if unit is None:
            with self._lock:
                return self._read_one(kind, record_id)
        rows = unit.kinds.get(kind)
        if rows is not None:
            return rows.get(record_id)
        key = (kind, record_id)
        if key not in unit.singles:
            unit.singles[key] = self._read_one(kind, record_id)
        return unit.singles[key]

    def _read_one(self, kind: str, record_id: object) -> Record | None:
        row = self._conn.execute(
            "SELECT body FROM records WHERE kind = ? AND id = ?", (kind, record_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str) -> list[Record]:
        """Every record of a kind in insertion order (ids are handed out in that order too)."""
        unit = self._mine()
        if unit is None:
            with self._lock:
                return [json.loads(body) for _, body in self._read_kind(kind)]
        rows = unit.kinds.get(kind)
        if rows is None:
            # Records this unit already holds stay the same objects, so a change made to one shows.
            known = unit.singles
            rows = {rid: known.get((kind, rid)) or json.loads(body) for rid, body in self._read_kind(kind)}
            unit.kinds[kind] = rows
        return list(rows.values())

    def _read_kind(self, kind: str) -> list[tuple[Any, str]]:
        return self._conn.execute(
            "SELECT id, body FROM records WHERE kind = ? ORDER BY rowid", (kind,)
        ).fetchall()

    def index(self, kind: str, key: str) -> dict[Any, list[Record]]:
        """The records of a kind grouped by the value of one field, kept for the unit until it writes
        that kind (outside a unit, worked out afresh). Read it, do not change it."""
        unit = self._mine()
        if unit is not None and (kind, key) in unit.indexes:
            return unit.indexes[(kind, key)]
        groups: dict[Any, list[Record]] = {}
        for rec in self.all(kind):
            value = rec.get(key)
            if _hashable(value):
                groups.setdefault(value, []).append(rec)
        if unit is not None:
            unit.indexes[(kind, key)] = groups
        return groups

    def ids(self, kind: str) -> list[RecordId]:
        """The ids of every record of a kind, in insertion order."""
        with self._statement():  # inside the caller's own unit too (its lock is already held)
            rows = self._conn.execute(
                "SELECT id FROM records WHERE kind = ? ORDER BY rowid", (kind,)
            ).fetchall()
        return [record_id for (record_id,) in rows]

    def put(self, kind: str, record_id: RecordId, body: Record) -> Record:
        text = _dumps(body)
        with self._statement() as unit:
            cur = self._conn.execute(
                "UPDATE records SET body = ? WHERE kind = ? AND id = ?", (text, kind, record_id)
            )
            if cur.rowcount == 0:
                self._conn.execute(
                    "INSERT INTO records (kind, id, body) VALUES (?, ?, ?)", (kind, record_id, text)
                )
            if unit is not None:
                unit.wrote(kind, record_id, body)
        return body

    def put_many(self, kind: str, bodies: list[Record], key: str = "id") -> None:
        rows = [(kind, body[key], _dumps(body)) for body in bodies]
        with self._statement() as unit:
            self._conn.executemany("INSERT INTO records (kind, id, body) VALUES (?, ?, ?)", rows)
            if unit is not None:
                for body in bodies:
                    unit.wrote(kind, body[key], body)

    def delete(self, kind: str, record_id: object) -> bool:
        if not storable_id(record_id):
            return False
        with self._statement() as unit:
            cur = self._conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, record_id))
            if unit is not None:
                unit.wrote(kind, record_id, None)
        return cur.rowcount > 0

    def next_id(self, kind: str) -> int:
        with self._statement():
            row = self._conn.execute(
                "INSERT INTO counters (kind, last) VALUES (?, 1) "
                "ON CONFLICT(kind) DO UPDATE SET last = last + 1 RETURNING last",
                (kind,),
            ).fetchone()
        return int(row[0])

    def set_counter(self, kind: str, last: int) -> None:
        with self._statement():
            self._conn.execute(
                "INSERT INTO counters (kind, last) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET last = ?",
                (kind, last, last),
            )

    # -- file contents ----------------------------------------------------------------------------

    def put_blob(self, file_id: int, content: bytes) -> None:
        with self._statement():
            self._conn.execute(
                "INSERT OR REPLACE INTO blobs (file_id, content) VALUES (?, ?)", (file_id, content)
            )

    def get_blob(self, file_id: object) -> bytes | None:
        if not storable_id(file_id):
            return None
        with self._statement():
            row = self._conn.execute("SELECT content FROM blobs WHERE file_id = ?", (file_id,)).fetchone()
        return bytes(row[0]) if row else None

    def delete_blob(self, file_id: int) -> None:
        with self._statement():
            self._conn.execute("DELETE FROM blobs WHERE file_id = ?", (file_id,))

    # -- bookkeeping ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._statement():
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._statement():
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def wipe(self) -> None:
        with self.unit():
            for table in ("records", "counters", "blobs", "meta"):
                self._conn.execute(f"DELETE FROM {table}")  # table names are our constants
            unit = self._mine()
            if unit is not None:
                unit.forget()
