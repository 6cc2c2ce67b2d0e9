"""The in-process LRU of built variants, bounded in bytes; no I/O, one per worker process.

Hot variants are answered from here without touching the blob store (performance.md: a hit
costs about 0.1 ms of CPU). Keys already hold every version input, so entries never go stale.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BuiltVariant:
    data: bytes
    content_type: str
    etag: str  # strong validator, quoted: '"<hex>"'

    def encode(self) -> bytes:
        """The blob-store form: two header lines, then the bytes."""
        return b"%s\n%s\n%s" % (self.content_type.encode(), self.etag.encode(), self.data)

    @classmethod
    def decode(cls, blob: bytes) -> BuiltVariant | None:
        """Inverse of ``encode``; None when the blob is not one of ours."""
        content_type, _, rest = blob.partition(b"\n")
        etag, sep, data = rest.partition(b"\n")
        known = content_type.startswith(b"image/") or content_type == b"application/json"
        if not sep or not known:
            return None
        return cls(data, content_type.decode("ascii", "replace"), etag.decode("ascii", "replace"))


class VariantCache:
    """Least-recently-used entries up to ``max_bytes``; bigger items than a quarter are skipped.

    An entry is kept from the second time it is offered (a "doorkeeper" of recently offered
    keys): a stream of one-off variants, such as resizes to random widths, then never pushes
    out the hot ones or fills the worker's memory; a hot variant is served from the blob
    store once more, then from here.
    """

    def __init__(self, max_bytes: int, *, doorkeeper_keys: int = 4096) -> None:
        self._max = max_bytes
        self._size = 0
        self._entries: OrderedDict[str, BuiltVariant] = OrderedDict()
        self._offered: OrderedDict[str, None] = OrderedDict()
        self._doorkeeper_keys = doorkeeper_keys

    def get(self, key: str) -> BuiltVariant | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: BuiltVariant) -> None:
        if len(entry.data) > self._max // 4:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old.data)
        elif not self._offered_before(key):
            return
        self._entries[key] = entry
        self._size += len(entry.data)
        while self._size > self._max:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped.data)

    def clear(self) -> None:
        self._entries.clear()
        self._offered.clear()
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def _offered_before(self, key: str) -> bool:
        if self._offered.pop(key, False) is None:
            return True
        self._offered[key] = None
        if len(self._offered) > self._doorkeeper_keys:
            self._offered.popitem(last=False)
        return False
