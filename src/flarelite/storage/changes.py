"""Change feeds: a cheap way for every worker to learn that cached authorisations went stale.

``version()`` is called on every request, so it must cost no round trip. The local feed is
one file in the data dir, replaced on every change (a ``stat`` per request, about a microsecond);
the Redis feed (scale-out) counts pub/sub messages and degrades to a one-second cache TTL.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)


class ChangeFeed(Protocol):
    def version(self) -> object:
        """A value that differs after every ``bump()`` made by any process of this deployment."""
        ...

    def bump(self) -> None:
        """Announce a change (token rolled, disabled, deleted, edited; membership changed)."""
        ...


class FileChangeFeed:
    """Workers of one node share a data dir: an atomically replaced file is the signal.

    A bump made in this process is seen at once; one made by another worker within
    ``recheck_seconds`` (the file is stat-ed at most that often).
    """

    def __init__(self, path: Path, *, recheck_seconds: float = 0.05) -> None:
        self._path = path
        self._recheck = recheck_seconds
        self._local = 0
        self._file_version: object = None
        self._checked_at = -1.0
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            self.bump()

    def version(self) -> object:
        now = time.monotonic()
        if now - self._checked_at >= self._recheck:
            self._checked_at = now
            self._file_version = self._stat()
        return (self._local, self._file_version)

    def bump(self) -> None:
        self._local += 1
        temporary = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}")
        temporary.write_bytes(secrets.token_bytes(8))
        os.replace(temporary, self._path)

    def _stat(self) -> object:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            return None
        # os.replace gives the file a new inode, so (inode, mtime) changes on every bump.
        return (stat.st_ino, stat.st_mtime_ns)


class MemoryChangeFeed:
    """One process only (unit tests and tools)."""

    def __init__(self) -> None:
        self._version = 0

    def version(self) -> object:
        return self._version

    def bump(self) -> None:
        self._version += 1


TOKENS_TOPIC = "tokens"  # tokens, memberships: cached authorisations
IMAGES_TOPIC = "images"  # images, variants, keys, config: cached delivery lookups


class RedisChangeFeed:
    """Nodes share Redis: a bump is published, and every node's subscriber counts messages.

    While the subscription is down, ``version()`` also changes every ``fallback_seconds``,
    so cached authorisations expire that quickly and revocation falls back to the database.
    """

    def __init__(self, client: Redis, topic: str, *, fallback_seconds: float = 1.0) -> None:
        self._client = client
        self._channel = f"flarelite:changes:{topic}"
        self._fallback = fallback_seconds
        self._local = 0
        self._remote = 0
        self._connected = False
        self._pending: set[asyncio.Task[None]] = set()

    def version(self) -> object:
        if self._connected:
            return (self._local, self._remote)
        return (self._local, self._remote, int(time.monotonic() / self._fallback))

    def bump(self) -> None:
        self._local += 1
        task = asyncio.get_running_loop().create_task(self._publish())
        self._pending.add(task)  # keep a reference until done (asyncio holds only weak ones)
        task.add_done_callback(self._pending.discard)

    async def run(self) -> None:
        """Subscribe until cancelled, reconnecting after failures (call from the lifespan)."""
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._connected = True
                    self._remote += 1  # anything may have changed while we were away
                    log.info("change_feed_subscribed")
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._remote += 1
            except (RedisError, OSError) as exc:
                if self._connected:
                    log.error("change_feed_lost", error=str(exc), fallback_seconds=self._fallback)
                self._connected = False
                await asyncio.sleep(self._fallback)

    async def _publish(self) -> None:
        try:
            await self._client.publish(self._channel, "changed")
        except (RedisError, OSError) as exc:
            log.error("change_feed_publish_failed", error=str(exc))
