"""Single-flight build locks: the protocol and per-process asyncio locks.

The Redis lease that works across processes and nodes is in storage/redis.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol


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
