"""Change feeds: a cheap way for every worker to learn that cached authorisations went stale.

``version()`` is called on every request, so it must cost no round trip. The local feed is
a few bytes of a file in the data dir that every worker maps into memory (a memory read);
the Redis feed (scale-out) counts pub/sub messages and degrades to a one-second cache TTL.
"""

from __future__ import annotations

import mmap
import os
import secrets
from pathlib import Path
from typing import Protocol


class ChangeFeed(Protocol):
    def version(self) -> object:
        """A value that differs after every ``bump()`` made by any process of this deployment."""
        ...

    def bump(self) -> None:
        """Announce a change (token rolled, disabled, deleted, edited; membership changed)."""
        ...

    async def run(self) -> None:
        """Listen for other nodes' changes until cancelled (returns at once when local)."""
        ...

    async def flush(self) -> None:
        """Wait until this process's bumps have been announced (before exiting)."""
        ...


class FileChangeFeed:
    """Workers of one node share a data dir: 8 random bytes in a file are the signal.

    ``bump`` overwrites them in place; every worker maps the file once and compares the bytes on
    each request (no system call), so a change made by any worker is seen by the next request
    of every other. Random values, not a counter: no lock, and no two bumps look alike (unlike
    a replaced file's inode and mtime, which can repeat within one clock tick).
    """

    SIZE = 8

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < self.SIZE:
            self.bump()
        self._view = mmap.mmap(self._fd, self.SIZE, access=mmap.ACCESS_READ)

    def version(self) -> object:
        return self._view[: self.SIZE]

    def bump(self) -> None:
        os.pwrite(self._fd, secrets.token_bytes(self.SIZE), 0)

    async def flush(self) -> None:
        return None  # written at once by bump()

    async def run(self) -> None:
        return None  # the shared page is the signal: nothing to listen to


class NodeAndClusterFeed:
    """The workers of this node learn of a change through ``node`` at once; other nodes
    through ``cluster`` (Redis pub/sub), which takes a message's trip, a few milliseconds
    during which this node's other workers would otherwise still trust their caches."""

    def __init__(self, node: ChangeFeed, cluster: ChangeFeed) -> None:
        self._node = node
        self._cluster = cluster

    def version(self) -> object:
        return (self._node.version(), self._cluster.version())

    def bump(self) -> None:
        self._node.bump()
        self._cluster.bump()

    async def flush(self) -> None:
        await self._cluster.flush()

    async def run(self) -> None:
        await self._cluster.run()


TOKENS_TOPIC = "tokens"  # tokens, memberships: cached authorisations
IMAGES_TOPIC = "images"  # images, variants, keys, config: cached delivery lookups
