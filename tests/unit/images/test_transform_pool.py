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


async def test_transforms_stay_on_the_pools_own_threads() -> None:
    # libvips keeps buffers per calling thread: transforms must not wander over a shared pool.
    pool = TransformPool(workers=2, max_waiting=20)
    seen: set[str] = set()

    async def load() -> bytes:
        return b""

    def record(_: bytes) -> None:
        seen.add(threading.current_thread().name)

    async with anyio.create_task_group() as tasks:
        for _ in range(20):
            tasks.start_soon(pool.run, load, record)
    assert 1 <= len(seen) <= 2
    assert all(name.startswith("transform") for name in seen)


async def test_a_cancelled_request_keeps_its_slot_until_the_thread_is_done() -> None:
    pool = TransformPool(workers=1, max_waiting=5)
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []
    scopes: list[anyio.CancelScope] = []

    async def load() -> bytes:
        return b""

    def slow(_: bytes) -> None:
        started.set()
        release.wait(5)
        finished.append("slow")

    def quick(_: bytes) -> None:
        finished.append("quick")

    async def cancelled_slow() -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await pool.run(load, slow)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(cancelled_slow)
        await anyio.to_thread.run_sync(started.wait, 5)
        scopes[0].cancel()
        tasks.start_soon(pool.run, load, quick)
        await anyio.sleep(0.1)
        # The slow transform still runs, so its request still counts and holds the slot.
        assert pool.in_flight == 2
        assert finished == []
        release.set()
    assert finished == ["slow", "quick"]
    assert pool.in_flight == 0
