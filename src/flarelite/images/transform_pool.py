"""A bounded pool for image transforms: N threads and a short queue in front; fails fast when full.

Like imgproxy's workers (design §4.10): past ``workers + max_waiting`` transforms in flight the
caller gets Busy (9522, 503 + Retry-After) instead of an unbounded wait.

The pool owns its threads rather than borrowing from anyio's shared pool: libvips keeps
buffers per calling thread until that thread exits, so transforms that wander over every
pooled thread leave such buffers on each of them (measured: the delivery bench's two
workers peaked 6 MB lower). ``on_own_thread`` is that rule for other libvips work (upload
inspection). The original's bytes are read only once a thread is free
(``load`` runs inside the slot), so requests waiting in the queue hold no image in memory:
peak memory follows the number of threads, not the number of clients.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

from flarelite.images.errors import Busy

_T = TypeVar("_T")


async def on_own_thread(threads: ThreadPoolExecutor, fn: Callable[..., _T], *args: object) -> _T:
    """``fn(*args)`` on one of ``threads``; the caller waits for it even when cancelled."""
    call = contextvars.copy_context().run  # log lines keep the request id
    done = asyncio.wrap_future(threads.submit(call, fn, *args))
    with anyio.CancelScope(shield=True):
        return await done


class TransformPool:
    def __init__(self, workers: int, max_waiting: int) -> None:
        self._slots = anyio.CapacityLimiter(max(1, workers))
        # Threads are only ever asked for while a slot is held, so this never makes anyone wait.
        self._threads = ThreadPoolExecutor(max(1, workers), thread_name_prefix="transform")
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
                # The slot stays held until the thread is done, even for a cancelled request.
                return await on_own_thread(self._threads, fn, data, *args)
        finally:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        return self._in_flight
