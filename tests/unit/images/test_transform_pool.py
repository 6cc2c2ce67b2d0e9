"""TransformPool: bounded threads, a bounded queue, and originals loaded only inside a slot."""

from __future__ import annotations

import threading

import anyio
import pytest

from flarelite.images.errors import Busy
from flarelite.images.transform_pool import TransformPool


async def test_runs_the_function_on_the_loaded_bytes_in_a_thread() -> None:
    pool = TransformPool(workers=1, max_waiting=0)

    async def load() -> bytes:
        return b"abc"

    def upper(data: bytes, suffix: bytes) -> tuple[bytes, bool]:
        return data.upper() + suffix, threading.current_thread() is not threading.main_thread()

    assert await pool.run(load, upper, b"!") == (b"ABC!", True)
    assert pool.in_flight == 0


async def test_waiting_requests_hold_no_original_in_memory() -> None:
    pool = TransformPool(workers=2, max_waiting=10)
    loaded_now = peak = 0
    release = threading.Event()

    async def load() -> bytes:
        nonlocal loaded_now, peak
        loaded_now += 1
        peak = max(peak, loaded_now)
        return b"x" * 1000

    def work(data: bytes) -> int:
        release.wait(5)
        return len(data)

    async def one() -> None:
        nonlocal loaded_now
        await pool.run(load, work)
        loaded_now -= 1

    async with anyio.create_task_group() as tasks:
        for _ in range(8):
            tasks.start_soon(one)
        await anyio.sleep(0.2)
        assert pool.in_flight == 8
        release.set()
    assert peak == 2  # never more originals loaded than threads


async def test_answers_busy_past_threads_plus_queue() -> None:
    pool = TransformPool(workers=1, max_waiting=1)
    release = threading.Event()

    async def load() -> bytes:
        return b""

    def block(_: bytes) -> None:
        release.wait(5)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(pool.run, load, block)
        tasks.start_soon(pool.run, load, block)
        await anyio.sleep(0.1)
        with pytest.raises(Busy):
            await pool.run(load, block)
        release.set()
    assert pool.in_flight == 0
