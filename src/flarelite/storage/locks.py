"""Single-flight build locks: per-process asyncio locks, plus a Redis lease across processes.

Redis lease: ``SET key token NX PX ttl``, polled while held elsewhere, released only by its
holder (compare-and-delete). A lease that outlives a crashed holder expires after ``ttl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class BuildLocks(Protocol):
    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the lock for ``key``; waits while another holder has it."""
        ...


class LocalLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class RedisLocks:
    """The local lock first (one waiter per process polls Redis), then a Redis lease."""

    def __init__(self, client: Redis, *, ttl_ms: int = 30_000, poll_seconds: float = 0.02) -> None:
        self._client = client
        self._ttl_ms = ttl_ms
        self._poll = poll_seconds
        self._local = LocalLocks()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self._local.hold(key):
            name = f"flarelite:build:{key}"
            token = secrets.token_hex(8)
            acquired = await self._acquire(name, token)
            try:
                yield
            finally:
                if acquired:
                    await self._release(name, token)

    async def _acquire(self, name: str, token: str) -> bool:
        """True once the lease is ours; False when Redis fails or the wait passes the TTL.

        Either way the caller goes on: a lost lock costs a duplicate build, never an error.
        """
        deadline = time.monotonic() + self._ttl_ms / 1000
        while time.monotonic() < deadline:
            try:
                if await self._client.set(name, token, nx=True, px=self._ttl_ms):
                    return True
            except (RedisError, OSError) as exc:
                log.warning("build_lock_unavailable", error=str(exc))
                return False
            await asyncio.sleep(self._poll)
        return False

    async def _release(self, name: str, token: str) -> None:
        try:
            await self._client.eval(_RELEASE, 1, name, token)  # type: ignore[misc]
        except (RedisError, OSError) as exc:
            log.warning("build_lock_release_failed", error=str(exc))
