"""Change feeds: a bump in one process (or node) is seen by the others."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis
from tests.backends import redis_client

from flarelite.storage.changes import FileChangeFeed, NodeAndClusterFeed
from flarelite.storage.redis import RedisChangeFeed, make_redis


def test_file_feed_sees_its_own_bump_at_once(tmp_path: Path) -> None:
    feed = FileChangeFeed(tmp_path / "changes")
    before = feed.version()
    feed.bump()
    assert feed.version() != before


def test_file_feed_sees_another_processes_bump_at_once(tmp_path: Path) -> None:
    mine = FileChangeFeed(tmp_path / "changes")
    before = mine.version()
    bump_in_another_process(tmp_path / "changes")
    assert mine.version() != before


def test_file_feed_never_misses_one_of_many_quick_bumps(tmp_path: Path) -> None:
    mine, theirs = FileChangeFeed(tmp_path / "changes"), FileChangeFeed(tmp_path / "changes")
    for _ in range(2000):  # an inode + mtime signal could repeat within one clock tick
        before = mine.version()
        theirs.bump()
        assert mine.version() != before


def bump_in_another_process(path: Path) -> None:
    code = "import sys; from flarelite.storage.changes import FileChangeFeed as F; "
    code += "F(__import__('pathlib').Path(sys.argv[1])).bump()"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)


async def _until(condition, within: float = 1.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.01)
    return bool(condition())


async def _stop(tasks: list[asyncio.Task[None]], *clients: Redis) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()


async def test_redis_feed_carries_a_bump_to_another_node_within_a_second() -> None:
    client_a, client_b = redis_client(), redis_client()
    node_a, node_b = RedisChangeFeed(client_a, "tokens"), RedisChangeFeed(client_b, "tokens")
    tasks = [asyncio.create_task(node_a.run()), asyncio.create_task(node_b.run())]
    try:
        assert await _until(lambda: node_a._connected and node_b._connected)
        before = node_b.version()
        node_a.bump()
        assert await _until(lambda: node_b.version() != before)
    finally:
        await _stop(tasks, client_a, client_b)


async def test_redis_feed_without_redis_expires_caches_every_fallback_interval() -> None:
    unreachable = make_redis("redis://127.0.0.1:1/0", timeout_seconds=0.2)
    feed = RedisChangeFeed(unreachable, "tokens", fallback_seconds=0.05)
    task = asyncio.create_task(feed.run())
    try:
        first = feed.version()
        assert await _until(lambda: feed.version() != first, within=0.5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await unreachable.aclose()


async def test_redis_feeds_of_different_topics_do_not_disturb_each_other() -> None:
    client = redis_client()
    namespace = f"test-{secrets.token_hex(6)}"  # no bump from a test running alongside
    tokens = RedisChangeFeed(client, "tokens", namespace=namespace)
    images = RedisChangeFeed(client, "images", namespace=namespace)
    tasks = [asyncio.create_task(tokens.run()), asyncio.create_task(images.run())]
    try:
        assert await _until(lambda: tokens._connected and images._connected)
        before = tokens.version()
        images.bump()
        await asyncio.sleep(0.1)  # long enough for a stray message to arrive
        assert tokens.version() == before
    finally:
        await _stop(tasks, client)


async def test_with_redis_the_other_workers_of_a_node_see_a_bump_at_once(tmp_path: Path) -> None:
    # Two workers of one node (one data dir) and one Redis: no waiting for the pub/sub trip.
    client_a, client_b = redis_client(), redis_client()
    namespace = f"test-{secrets.token_hex(6)}"  # other tests' feeds never hear these bumps
    worker_a = NodeAndClusterFeed(
        FileChangeFeed(tmp_path / "changes"),
        RedisChangeFeed(client_a, "tokens", namespace=namespace),
    )
    worker_b = NodeAndClusterFeed(
        FileChangeFeed(tmp_path / "changes"),
        RedisChangeFeed(client_b, "tokens", namespace=namespace),
    )
    tasks = [asyncio.create_task(worker_a.run()), asyncio.create_task(worker_b.run())]
    try:
        before = worker_b.version()
        worker_a.bump()
        assert worker_b.version() != before  # no await in between: the mapped page moved
        await worker_a.flush()
    finally:
        await _stop(tasks, client_a, client_b)
