"""BlobStore over any obstore ObjectStore; obstore's exceptions are translated here, only here.

Calls go through obstore's blocking API in worker threads of the store's own limiter:
its async API leaves tokio tasks behind that abort the interpreter at exit (measured
here with obstore 0.12: about one run in three after a get or a list).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC
from typing import TypeVar

import anyio
import anyio.to_thread
import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import ObjectStore

from flarelite.storage.blobs.base import BlobMeta, BlobNotFound, BlobStoreFailed, delete_listed

_T = TypeVar("_T")
IO_THREADS = 16


class ObjectBlobs:
    """One implementation for every backend: local.py and s3.py only build the store."""

    def __init__(self, store: ObjectStore, *, name: str, threads: int = IO_THREADS) -> None:
        self._store = store
        self._limiter = anyio.CapacityLimiter(threads)
        self.name = name

    async def _run(self, what: str, call: Callable[[], _T]) -> _T:
        try:
            return await anyio.to_thread.run_sync(call, limiter=self._limiter)
        except (NotFoundError, FileNotFoundError) as exc:
            raise BlobNotFound(f"{self.name}: {what}: not found") from exc
        except (BaseError, OSError) as exc:
            raise BlobStoreFailed(f"{self.name}: {what}: {exc}") from exc

    async def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        # object_store writes to a staging file and renames it (local) or PUTs in one
        # request (S3): a reader never sees a half-written blob.
        await self._run(f"put {key}", lambda: obstore.put(self._store, key, data))

    async def get(self, key: str) -> bytes:
        return await self._run(f"get {key}", lambda: bytes(obstore.get(self._store, key).bytes()))

    async def delete(self, key: str) -> None:
        try:
            await self._run(f"delete {key}", lambda: obstore.delete(self._store, key))
        except BlobNotFound:
            return

    async def delete_prefix(self, prefix: str) -> int:
        return await delete_listed(self, prefix)

    async def list(self, prefix: str = "") -> AsyncIterator[BlobMeta]:
        path = prefix.rstrip("/") or None
        try:
            metas = await self._run(
                f"list {prefix}", lambda: obstore.list(self._store, path).collect()
            )
        except BlobNotFound:
            return
        for meta in metas:
            yield BlobMeta(
                key=meta["path"],
                size=int(meta["size"]),
                last_modified=meta["last_modified"].astimezone(UTC),
            )
