"""Blobs in a local folder (``file://`` URLs), through obstore's LocalStore."""

from __future__ import annotations

from pathlib import Path

from obstore.store import LocalStore

from flarelite.storage.blobs.objects import ObjectBlobs


def local_blobs(root: Path) -> ObjectBlobs:
    """A store rooted at ``root``, created if missing.

    LocalStore writes each object to a staging file beside it and renames it into place,
    so a crash leaves either the old object, the new one, or a staging file (never a
    torn blob); staging files are not listed.
    """
    return ObjectBlobs(LocalStore(prefix=root, mkdir=True), name=f"local:{root}")
