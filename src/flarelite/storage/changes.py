"""Change feeds: a cheap way for every worker to learn that cached authorisations went stale.

``version()`` is called on every request, so it must cost no round trip. The local feed is
one file in the data dir, replaced on every change (a ``stat`` per request, about a microsecond);
the Redis feed (scale-out) counts pub/sub messages and degrades to a one-second cache TTL.
"""

from __future__ import annotations

import os
import secrets
import time
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

    async def run(self) -> None:
        return None  # the file itself is the signal: nothing to listen to

    def _stat(self) -> object:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            return None
        # os.replace gives the file a new inode, so (inode, mtime) changes on every bump.
        return (stat.st_ino, stat.st_mtime_ns)


TOKENS_TOPIC = "tokens"  # tokens, memberships: cached authorisations
IMAGES_TOPIC = "images"  # images, variants, keys, config: cached delivery lookups
