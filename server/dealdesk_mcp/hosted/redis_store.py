"""The shared store: Redis, for any number of replicas serving the same users."""

from __future__ import annotations

from urllib.parse import urlsplit

import redis.asyncio as redis
from redis.exceptions import RedisError

from dealdesk_mcp.hosted.store import StoreUnavailable

# Delete a key only while it holds the given value (a lock released by its holder alone).
DELETE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
)
SOCKET_SECONDS = 5.0


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _bytes(value: object) -> bytes | None:
    # The client answers bytes (no decode_responses): anything else means no value.
    return value if isinstance(value, bytes) else None


class RedisStore:
    kind = "redis"
    shared = True

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        # Shown at start and in /healthz: the address without any password in it.
        self.where = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
        self._redis = redis.Redis.from_url(
            url, socket_timeout=SOCKET_SECONDS, socket_connect_timeout=SOCKET_SECONDS
        )

    def _failed(self, exc: RedisError) -> StoreUnavailable:
        return StoreUnavailable(f"Redis at {self.where} failed: {type(exc).__name__}")

    async def get(self, key: str) -> bytes | None:
        try:
            return _bytes(await self._redis.get(key))
        except RedisError as exc:
            raise self._failed(exc) from None

    async def put(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        try:
            await self._redis.set(key, value, px=None if ttl is None else _millis(ttl))
        except RedisError as exc:
            raise self._failed(exc) from None

    async def add(self, key: str, value: bytes, *, ttl: float) -> bool:
        try:
            return bool(await self._redis.set(key, value, px=_millis(ttl), nx=True))
        except RedisError as exc:
            raise self._failed(exc) from None

    async def take(self, key: str) -> bytes | None:
        try:
            return _bytes(await self._redis.getdel(key))
        except RedisError as exc:
            raise self._failed(exc) from None

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        try:
            await self._redis.delete(*keys)
        except RedisError as exc:
            raise self._failed(exc) from None

    async def delete_if(self, key: str, value: bytes) -> bool:
        try:
            return bool(await self._redis.eval(DELETE_IF, 1, key, value))  # type: ignore[misc]
        except RedisError as exc:
            raise self._failed(exc) from None

    async def ping(self) -> None:
        try:
            await self._redis.ping()  # type: ignore[misc]
        except RedisError as exc:
            raise self._failed(exc) from None

    async def aclose(self) -> None:
        await self._redis.aclose()
