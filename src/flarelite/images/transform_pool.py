"""A bounded pool for image transforms: N threads and a short queue in front; fails fast when full.

Like imgproxy's workers (design §4.10): past ``workers + max_waiting`` transforms in flight the
caller gets Busy (9522, 503 + Retry-After) instead of an unbounded wait. Never anyio's shared pool.

The original's bytes are read only once a thread is free (``load`` runs inside the slot), so
requests waiting in the queue hold no image in memory: peak memory follows the number of
threads, not the number of clients.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from flarelite.images.errors import Busy

_T = TypeVar("_T")


class TransformPool:
    def __init__(self, workers: int, max_waiting: int) -> None:
        self._slots = anyio.CapacityLimiter(max(1, workers))
        # Threads are only ever asked for while a slot is held, so this never makes anyone wait.
        self._threads = anyio.CapacityLimiter(max(1, workers))
        self._capacity = max(1, workers) + max(0, max_waiting)
        self._in_flight = 0

    async def run(
        self, load: Callable[[], Awaitable[bytes]], fn: Callable[..., _T], *args: object
    ) -> _T:
        """``fn(await load(), *args)`` in a pool thread; raises Busy when the queue is full."""
        if self._in_flight >= self._capacity:
            raise Busy(f"{self._in_flight} transforms in flight")
        self._in_flight += 1
        try:
            async with self._slots:
                data = await load()
                return await anyio.to_thread.run_sync(fn, data, *args, limiter=self._threads)
        finally:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight
