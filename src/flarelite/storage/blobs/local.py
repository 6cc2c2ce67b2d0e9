"""Blobs in a local folder (``file://`` URLs): obstore's LocalStore, with durable writes.

obstore writes a staging file and renames it into place (atomic), but never calls fsync:
after a power loss the renamed file may be empty while the database row naming it
survived. ``put`` therefore writes the staging file itself: write, fsync, rename, fsync
the folder, so the bytes are on disk before the caller commits the row that names them.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from obstore.store import LocalStore

from flarelite.storage.blobs.base import BlobMeta
from flarelite.storage.blobs.objects import ObjectBlobs

# A key segment we map to a file name ourselves; anything else goes through obstore as-is.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
# obstore hides "<name>#<digits>" from listings as its own staging files; ours use the
# same form, so a crash mid-write leaves a file no listing shows (see ``staging``).
_STAGING = re.compile(r".#\d+$")


class LocalBlobs(ObjectBlobs):
    """A folder of blobs; ``staging`` also finds the temporary files a crash left behind."""

    def __init__(self, root: Path) -> None:
        super().__init__(LocalStore(prefix=root, mkdir=True), name=f"local:{root}")
        self.root = root

    async def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        path = self._path(key)
        if path is None or not durable:  # obstore: atomic rename, no fsync
            await super().put(key, data)
            return
        await self._run(f"put {key}", lambda: write_durably(self.root, path, data))

    def _path(self, key: str) -> Path | None:
        segments = key.split("/")
        if all(_PLAIN_SEGMENT.fullmatch(s) for s in segments):
            return self.root.joinpath(*segments)
        return None

    async def staging(self) -> AsyncIterator[BlobMeta]:
        """Staging files under the root (a write that never finished); keys are relative paths."""
        found = await self._run("walk staging", lambda: _staging_files(self.root))
        for meta in found:
            yield meta

    async def remove_staging(self, key: str) -> None:
        """Remove one file ``staging`` named; a missing one is not an error."""
        path = self.root / key
        if not _STAGING.search(path.name):
            raise ValueError(f"{key!r} is not a staging file")
        await self._run(f"remove {key}", lambda: path.unlink(missing_ok=True))


def local_blobs(root: Path) -> LocalBlobs:
    """A store rooted at ``root``, created if missing."""
    return LocalBlobs(root)


def write_durably(root: Path, path: Path, data: bytes) -> None:
    """Write ``path`` so that after any crash it holds the old bytes, or all the new ones."""
    made = _make_parents(root, path.parent)
    staging = path.with_name(f"{path.name}#{secrets.randbelow(10**12)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    # The new name, and every folder made for it, must reach the disk before the caller
    # commits a row naming the blob.
    for folder in [path.parent, *(m.parent for m in made)]:
        _fsync_folder(folder)


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


def _staging_files(root: Path) -> list[BlobMeta]:
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if _STAGING.search(name):
                path = Path(folder, name)
                try:
                    stat = path.stat()
                except FileNotFoundError:  # renamed or removed meanwhile
                    continue
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(BlobMeta(path.relative_to(root).as_posix(), stat.st_size, modified))
    return found
