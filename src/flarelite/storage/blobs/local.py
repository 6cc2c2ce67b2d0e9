"""Blobs in a local folder (``file://`` URLs): plain files, written atomically and durably.

A blob is a file named by its key (``originals/<account>/<hash>/<nonce>``). ``put`` writes a
staging file next to it and renames it into place, so a reader sees the old bytes or all of
the new ones; a durable put also fsyncs the file and its folders, so the bytes are on disk
before the caller commits the row that names them (obstore's LocalStore, used here before,
never fsyncs: after a power loss the renamed file could be empty while the row survived).

Plain file calls rather than obstore: the embedded default then never loads obstore and its
tokio runtime (about 5 MB and a pool of threads per worker), and a read is one buffer of the
file's size where obstore's grew by doubling and was then copied.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from flarelite.storage.blobs.base import BlobMeta, BlobNotFound, BlobStoreFailed, delete_listed

_T = TypeVar("_T")
# Reads come from the page cache and writes wait on fsync: a few threads keep the disk busy.
IO_THREADS = 8
# Keys are slash-separated segments of these characters (every key flarelite makes is).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
# Staging files are "<name>#<digits>": no key segment can look like one, so a crash
# mid-write leaves a file that listings skip and ``staging`` finds.
_STAGING = re.compile(r".#\d+$")


class LocalBlobs:
    """A folder of blobs; ``staging`` also finds the temporary files a crash left behind."""

    def __init__(self, root: Path, *, threads: int = IO_THREADS) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.name = f"local:{root}"
        self._limiter = anyio.CapacityLimiter(threads)

    async def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        path = self._path(key)
        await self._run(
            f"put {key}", lambda: write_atomically(self.root, path, data, durable=durable)
        )

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        return await self._run(f"get {key}", lambda: _read(path))

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await self._run(f"delete {key}", lambda: path.unlink(missing_ok=True))

    async def delete_prefix(self, prefix: str) -> int:
        return await delete_listed(self, prefix)

    async def list(self, prefix: str = "") -> AsyncIterator[BlobMeta]:
        folder = self._folder(prefix)
        found = await self._run(f"list {prefix}", lambda: _walk(self.root, folder, staging=False))
        for meta in found:
            yield meta

    async def staging(self) -> AsyncIterator[BlobMeta]:
        """Staging files under the root (a write that never finished); keys are relative paths."""
        found = await self._run("walk staging", lambda: _walk(self.root, self.root, staging=True))
        for meta in found:
            yield meta

    async def remove_staging(self, key: str) -> None:
        """Remove one file ``staging`` named; a missing one is not an error."""
        path = self.root / key
        if not _STAGING.search(path.name) or not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"{key!r} is not a staging file")
        await self._run(f"remove {key}", lambda: path.unlink(missing_ok=True))

    def _path(self, key: str) -> Path:
        segments = key.split("/")
        if not all(_SEGMENT.fullmatch(s) for s in segments):
            raise ValueError(f"unsupported blob key {key[:200]!r}")
        return self.root.joinpath(*segments)

    def _folder(self, prefix: str) -> Path:
        trimmed = prefix.strip("/")
        return self._path(trimmed) if trimmed else self.root

    async def _run(self, what: str, call: Callable[[], _T]) -> _T:
        try:
            return await anyio.to_thread.run_sync(call, limiter=self._limiter)
        except FileNotFoundError as exc:
            raise BlobNotFound(f"{self.name}: {what}: not found") from exc
        except OSError as exc:
            raise BlobStoreFailed(f"{self.name}: {what}: {exc}") from exc


def local_blobs(root: Path) -> LocalBlobs:
    """A store rooted at ``root``, created if missing."""
    return LocalBlobs(root)


def write_atomically(root: Path, path: Path, data: bytes, *, durable: bool) -> None:
    """Write ``path`` so that readers see the old bytes or all the new ones, never a part.

    ``durable`` also holds across a crash or power loss: the bytes and the new name are on
    disk when this returns. Without it (rebuildable blobs) a crash may lose the file.
    """
    made = _make_parents(root, path.parent)
    staging = path.with_name(f"{path.name}#{secrets.randbelow(10**12)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    if not durable:
        return
    # The new name, and every folder made for it, must reach the disk before the caller
    # commits a row naming the blob.
    for folder in [path.parent, *(m.parent for m in made)]:
        _fsync_folder(folder)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (IsADirectoryError, NotADirectoryError) as exc:  # a key prefix, or below a blob
        raise FileNotFoundError(path) from exc


def _make_parents(root: Path, folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents below ``root``; return the ones created."""
    missing: list[Path] = []
    while folder != root and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(exist_ok=True)
    return missing


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _walk(root: Path, folder: Path, *, staging: bool) -> list[BlobMeta]:
    """Blobs (or, with ``staging``, only staging files) below ``folder``; keys relative to root."""
    found = []
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            if bool(_STAGING.search(name)) != staging:
                continue
            path = Path(parent, name)
            try:
                stat = path.stat()
            except FileNotFoundError:  # renamed or removed meanwhile
                continue
            modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            found.append(BlobMeta(path.relative_to(root).as_posix(), stat.st_size, modified))
    return found
