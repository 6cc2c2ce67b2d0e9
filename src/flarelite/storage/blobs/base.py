"""The BlobStore protocol every backend meets, and the two errors a caller may see from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from flarelite.core.errors import NotFound, Unavailable


@dataclass(frozen=True, slots=True)
class BlobMeta:
    key: str
    size: int
    last_modified: datetime  # timezone-aware UTC


class BlobNotFound(NotFound):
    """No blob under that key (callers usually translate it into their own not-found)."""


class BlobStoreFailed(Unavailable):
    """The backend failed (I/O, network, credentials): a 503 the client may retry."""

    should_retry = True


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Store ``data`` under ``key`` atomically: readers see all of it or nothing.

        ``durable=False`` is for rebuildable data (built variants): the write may be lost to a
        power cut, which saves the local store its fsyncs.
        """
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises BlobNotFound."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every blob whose key starts with the path ``prefix``; returns how many."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[BlobMeta]:
        """Every blob under the path ``prefix`` (recursive), in no particular order."""
        ...


@runtime_checkable
class StagingFiles(Protocol):
    """A store whose interrupted writes leave files its listings hide (the local folder)."""

    def staging(self) -> AsyncIterator[BlobMeta]:
        """Every leftover staging file; ``key`` is what ``remove_staging`` takes."""
        ...

    async def remove_staging(self, key: str) -> None: ...


async def delete_listed(store: BlobStore, prefix: str) -> int:
    """``delete_prefix`` for stores without a bulk delete: list, then delete one by one."""
    keys = [meta.key async for meta in store.list(prefix)]
    for key in keys:
        await store.delete(key)
    return len(keys)
