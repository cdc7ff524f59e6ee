"""The store's units of work: requests running at the same time never share one (the bug behind a
hang and lost writes), a failed inner unit undoes only its own writes, and reads inside a unit see
the unit's own writes, groupings included."""

from __future__ import annotations

import asyncio
import threading

import pytest

from dealdesk_mcp.sandbox.db import Store


async def test_a_second_task_cannot_slip_into_another_tasks_unit() -> None:
    """Two coroutines on one event loop: the first holds a unit across an await and then fails. The
    second's work must either be kept or be refused; silently joining the first unit (and being rolled
    back with it) was the old behaviour."""
    store = Store(":memory:")
    first_inside = asyncio.Event()
    second_done = asyncio.Event()

    async def failing() -> None:
        with store.transaction():
            store.put("note", 1, {"id": 1, "by": "first"})
            first_inside.set()
            await second_done.wait()
            raise RuntimeError("the first request fails after the second wrote")

    async def writing() -> bool:
        await first_inside.wait()
        try:
            with store.transaction():
                store.put("note", 2, {"id": 2, "by": "second"})
        except Exception:
            return False
        finally:
            second_done.set()
        return True

    results = await asyncio.gather(failing(), writing(), return_exceptions=True)
    committed = results[1]
    assert isinstance(results[0], RuntimeError)
    assert store.get("note", 1) is None
    # What the second was told matches what the store holds.
    assert (store.get("note", 2) is not None) == committed


async def test_units_from_many_requests_at_once_lose_no_update() -> None:
    """Read-modify-write from 40 concurrent requests (each a unit in a worker thread)."""
    store = Store(":memory:")
    store.put("counter", 1, {"id": 1, "n": 0})

    def bump() -> None:
        rec = store.get("counter", 1)
        assert rec is not None
        threading.Event().wait(0.001)  # give another thread every chance to interleave
        store.put("counter", 1, {**rec, "n": rec["n"] + 1})

    await asyncio.gather(*(store.run(bump) for _ in range(40)))
    assert store.get("counter", 1) == {"id": 1, "n": 40}


def test_a_failed_inner_unit_undoes_only_its_own_writes() -> None:
    store = Store(":memory:")
    with store.transaction():
        store.put("deal", 1, {"id": 1})
        with pytest.raises(KeyError), store.transaction():
            store.put("deal", 2, {"id": 2})
            raise KeyError("inner")
        assert store.get("deal", 2) is None  # the unit's cache forgot it too
        store.put("deal", 3, {"id": 3})
    assert [r["id"] for r in store.all("deal")] == [1, 3]


def test_reads_in_a_unit_see_its_writes_and_groupings_follow() -> None:
    store = Store(":memory:")
    store.put_many("activity", [{"id": 1, "deal_id": 7}, {"id": 2, "deal_id": 8}])
    with store.unit():
        assert [a["id"] for a in store.index("activity", "deal_id")[7]] == [1]
        store.put("activity", 2, {"id": 2, "deal_id": 7})
        store.put("activity", 3, {"id": 3, "deal_id": 7})
        assert [a["id"] for a in store.index("activity", "deal_id")[7]] == [1, 2, 3]
        store.delete("activity", 1)
        assert [a["id"] for a in store.all("activity")] == [2, 3]
        assert store.get("activity", 1) is None
    assert [a["id"] for a in store.index("activity", "deal_id")[7]] == [2, 3]


def test_ids_no_row_can_have_find_nothing() -> None:
    store = Store(":memory:")
    for impossible in (2**70, -(2**70), [1], {"id": 1}, float("inf")):
        assert store.get("deal", impossible) is None
        assert store.delete("deal", impossible) is False


def test_every_read_works_inside_its_own_unit() -> None:
    """A unit's holder reads ids, records and kinds without waiting on the lock it holds itself (in a
    thread here, so a read that waited fails the test instead of hanging it)."""
    store = Store(":memory:")
    store.put_many("deal", [{"id": 1}, {"id": 2}])
    seen: list[object] = []

    def in_unit() -> None:
        with store.unit():
            seen.extend([store.ids("deal"), store.get("deal", 2), len(store.all("deal"))])

    worker = threading.Thread(target=in_unit, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "a read inside its own unit waited on the unit's own lock"
    assert seen == [[1, 2], {"id": 2}, 2]
