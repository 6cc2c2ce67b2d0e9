"""A bounded pool for image transforms: N threads and a short queue in front; fails fast when full.

Like imgproxy's workers (design §4.10): past ``workers + max_waiting`` transforms in flight the
caller gets Busy (9522, 503 + Retry-After) instead of an unbounded wait. Never anyio's shared pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from flarelite.images.errors import Busy

_T = TypeVar("_T")


class TransformPool:
    def __init__(self, workers: int, max_waiting: int) -> None:
        self._limiter = anyio.CapacityLimiter(max(1, workers))
        self._capacity = max(1, workers) + max(0, max_waiting)
        self._in_flight = 0

    async def run(self, fn: Callable[..., _T], *args: object) -> _T:
        """Run ``fn(*args)`` in a pool thread; raises Busy when the queue is full."""
        if self._in_flight >= self._capacity:
            raise Busy(f"{self._in_flight} transforms in flight")
        self._in_flight += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        finally:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight
