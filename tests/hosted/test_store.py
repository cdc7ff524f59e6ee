"""The hosted store's two backends keep the same promises: lifetimes, add-if-absent, take-once,
delete-if-unchanged, a lock across holders; and what the state keeps is sealed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from cryptography.fernet import Fernet

from dealdesk_mcp.auth import OAuthTokens
from dealdesk_mcp.hosted import store as kv
from dealdesk_mcp.hosted.redis_store import RedisStore
from dealdesk_mcp.hosted.sealing import Sealer
from dealdesk_mcp.hosted.sqlite_store import SqliteStore
from dealdesk_mcp.hosted.state import State
from tests.hosted.conftest import RedisServer


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[kv.KeyValueStore]:
    if request.param == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        opened: kv.KeyValueStore = RedisStore(redis.url.replace("/0", "/1"))
    else:
        opened = SqliteStore(tmp_path / "hosted.sqlite3")
    prefix = f"test-{tmp_path.name}:"
    yield _Prefixed(opened, prefix)  # type: ignore[misc]
    await opened.aclose()


class _Prefixed:
    """Each test's keys apart from the others' in the one Redis."""

    def __init__(self, inner: kv.KeyValueStore, prefix: str) -> None:
        self._inner, self._prefix = inner, prefix
        self.kind, self.where, self.shared = inner.kind, inner.where, inner.shared

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(self._inner, name)

        async def call(key: str, *args, **kwargs):  # type: ignore[no-untyped-def]
            return await method(self._prefix + key, *args, **kwargs)

        return call


async def test_values_live_their_lifetime_and_no_longer(store: kv.KeyValueStore) -> None:
    await store.put("a", b"1", ttl=0.3)
    await store.put("b", b"2")
    assert await store.get("a") == b"1" and await store.get("b") == b"2"
    await anyio.sleep(0.45)
    assert await store.get("a") is None and await store.get("b") == b"2"
    # An expired key is absent to add-if-absent and to take as well.
    await store.put("c", b"old", ttl=0.1)
    await anyio.sleep(0.2)
    assert await store.take("c") is None
    assert await store.add("c", b"new", ttl=5)


async def test_of_many_takers_one_gets_the_value(store: kv.KeyValueStore) -> None:
    await store.put("code", b"once", ttl=30)
    got: list[bytes | None] = []

    async def take() -> None:
        got.append(await store.take("code"))

    async with anyio.create_task_group() as tasks:
        for _ in range(8):
            tasks.start_soon(take)
    assert sorted(got, key=lambda v: v is None) == [b"once"] + [None] * 7
    assert await store.add("k", b"first", ttl=30) and not await store.add("k", b"second", ttl=30)
    assert await store.get("k") == b"first"
    assert not await store.delete_if("k", b"second") and await store.get("k") == b"first"
    assert await store.delete_if("k", b"first") and await store.get("k") is None


async def test_the_lock_lets_one_holder_in_and_frees_itself_when_a_holder_dies(
    store: kv.KeyValueStore,
) -> None:
    inside = 0
    most = 0
    done: list[int] = []

    async def worker(n: int) -> None:
        nonlocal inside, most
        async with kv.lock(store, "job", hold=5, wait=10):
            inside += 1
            most = max(most, inside)
            await anyio.sleep(0.02)
            inside -= 1
            done.append(n)

    async with anyio.create_task_group() as tasks:
        for n in range(6):
            tasks.start_soon(worker, n)
    assert most == 1 and sorted(done) == list(range(6))
    # A holder that never releases (its process died) holds the lock for `hold` seconds only.
    assert await store.add("lock:stuck", b"dead holder", ttl=0.3)
    async with kv.lock(store, "stuck", hold=5, wait=3):
        pass
    with pytest.raises(kv.LockTimeout):
        await store.put("lock:busy", b"someone", ttl=30)
        async with kv.lock(store, "busy", hold=5, wait=0.2):
            pass


async def test_what_the_state_keeps_is_sealed(tmp_path: Path) -> None:
    db = SqliteStore(tmp_path / "hosted.sqlite3")
    key = Fernet.generate_key()
    state = State(db, Sealer(key))
    tokens = OAuthTokens("access-2b7c1d9e8f", "refresh-5a4b3c2d1e", 1e10, "https://acme.pipedrive.com")
    await state.put_upstream("pipedrive-1-7", "pipedrive", tokens)
    assert await state.upstream("pipedrive-1-7", "pipedrive") == tokens
    raw = (tmp_path / "hosted.sqlite3").read_bytes()
    wal = tmp_path / "hosted.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"access-2b7c1d9e8f" not in raw and b"refresh-5a4b3c2d1e" not in raw and b"acme" not in raw
    # Under another key, what was kept reads as absent (the user signs in again), never as garbage.
    assert await State(db, Sealer(Fernet.generate_key())).upstream("pipedrive-1-7", "pipedrive") is None
    await db.aclose()
