"""Consistency check of image rows against blobs: what ``flarelite fsck`` runs.

Finds rows whose original is missing or of the wrong size, originals and built variants
no row names, and staging files of interrupted writes. Repair removes only bytes: a row
is deleted only when the caller asks for it explicitly (``delete_rows_without_bytes``).
Safe while the server runs: every finding is confirmed once more before it is reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.images import repo
from flarelite.images.records import id_hash, variant_prefix
from flarelite.storage.blobs import BlobMeta, BlobNotFound, BlobStore, StagingFiles

CHUNK = 500
# Bytes are written before their row: an orphan younger than this may be an upload in flight.
DEFAULT_GRACE = timedelta(minutes=10)

OrphanKind = Literal["original", "variant", "staging"]


@dataclass
class RowWithoutBytes:
    account_id: str
    image_id: str
    blob_key: str
    expected_size: int | None
    found_size: int | None  # None: the blob is missing; else it is damaged (wrong size)
    deleted: bool = False


@dataclass
class OrphanBlob:
    key: str
    kind: OrphanKind
    size: int
    age_seconds: int
    removed: bool = False


@dataclass
class FsckReport:
    rows_checked: int = 0
    originals_checked: int = 0
    variants_checked: int = 0
    rows_without_bytes: list[RowWithoutBytes] = field(default_factory=list)
    orphan_blobs: list[OrphanBlob] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        """Nothing left to fix: every finding was repaired (or there were none)."""
        return all(r.deleted for r in self.rows_without_bytes) and all(
            o.removed for o in self.orphan_blobs
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.is_clean,
            "checked": {
                "rows": self.rows_checked,
                "originals": self.originals_checked,
                "variants": self.variants_checked,
            },
            "rows_without_bytes": [asdict(r) for r in self.rows_without_bytes],
            "orphan_blobs": [asdict(o) for o in self.orphan_blobs],
        }


@dataclass(frozen=True, slots=True)
class Repair:
    """What to fix. Orphans younger than ``grace`` are reported but kept (uploads in flight)."""

    orphans: bool = False
    delete_rows_without_bytes: bool = False
    grace: timedelta = DEFAULT_GRACE


class ImagesFsck:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], blobs: BlobStore, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._blobs = blobs
        self._clock = clock

    async def run(self, repair: Repair | None = None) -> FsckReport:
        repair = repair or Repair()
        report = FsckReport()
        # Blobs are listed before rows are read: a blob whose row appears meanwhile is
        # re-checked below, never reported as an orphan.
        originals = {m.key: m async for m in self._blobs.list("originals/")}
        variants = [m async for m in self._blobs.list("variants/")]
        report.originals_checked, report.variants_checked = len(originals), len(variants)
        unclaimed = dict(originals)
        report.rows_checked = await self._check_rows(originals, unclaimed, report)
        now = self._clock.now()
        for meta in await self._unnamed_originals(list(unclaimed.values())):
            report.orphan_blobs.append(_orphan(meta, "original", now))
        for meta in await self._variants_of_gone_images(variants):
            report.orphan_blobs.append(_orphan(meta, "variant", now))
        if isinstance(self._blobs, StagingFiles):
            async for meta in self._blobs.staging():
                report.orphan_blobs.append(_orphan(meta, "staging", now))
        if repair.orphans:
            await self._remove_orphans(report.orphan_blobs, repair.grace)
        if repair.delete_rows_without_bytes:
            await self._delete_rows(report.rows_without_bytes)
        return report

    async def _check_rows(
        self, originals: dict[str, BlobMeta], unclaimed: dict[str, BlobMeta], report: FsckReport
    ) -> int:
        checked, after = 0, 0
        while True:
            async with self._sessions() as session:
                rows = await repo.rows_with_bytes(session, after, CHUNK)
            for row in rows:
                key = row.blob_key or ""
                meta = originals.get(key)
                unclaimed.pop(key, None)
                if meta is None or meta.size != row.size:
                    found = await self._confirm_missing(row.account_id, row.id_hash, key)
                    if found is not None:
                        report.rows_without_bytes.append(found)
            checked += len(rows)
            if len(rows) < CHUNK:
                return checked
            after = rows[-1].seq

    async def _confirm_missing(
        self, account_id: str, image_hash: str, key: str
    ) -> RowWithoutBytes | None:
        """Read the row and its blob again: deleted or replaced meanwhile is not a finding."""
        async with self._sessions() as session:
            row = await repo.image_by_hash(session, account_id, image_hash)
        if row is None or row.blob_key != key:
            return None
        try:
            size: int | None = len(await self._blobs.get(key))
        except BlobNotFound:
            size = None
        if size == row.size:
            return None
        return RowWithoutBytes(account_id, row.image_id, key, row.size, size)

    async def _unnamed_originals(self, candidates: list[BlobMeta]) -> list[BlobMeta]:
        found = []
        for start in range(0, len(candidates), CHUNK):
            batch = candidates[start : start + CHUNK]
            async with self._sessions() as session:
                known = await repo.known_blob_keys(session, [m.key for m in batch])
            found += [m for m in batch if m.key not in known]
        return found

    async def _variants_of_gone_images(self, variants: list[BlobMeta]) -> list[BlobMeta]:
        """Built variants stored under ``variants/<account>/<id hash>/`` with no such image."""
        owners = {m.key: _variant_owner(m.key) for m in variants}
        hashes = sorted({owner[1] for owner in owners.values() if owner is not None})
        existing: set[tuple[str, str]] = set()
        for start in range(0, len(hashes), CHUNK):
            async with self._sessions() as session:
                existing |= await repo.known_image_hashes(session, hashes[start : start + CHUNK])
        return [m for m in variants if owners[m.key] not in existing]

    async def _remove_orphans(self, orphans: list[OrphanBlob], grace: timedelta) -> None:
        for orphan in orphans:
            # Variants of a gone image are never read again, whatever their age.
            if orphan.kind != "variant" and orphan.age_seconds < grace.total_seconds():
                continue
            if orphan.kind == "staging" and isinstance(self._blobs, StagingFiles):
                await self._blobs.remove_staging(orphan.key)
            else:
                await self._blobs.delete(orphan.key)
            orphan.removed = True

    async def _delete_rows(self, findings: list[RowWithoutBytes]) -> None:
        for finding in findings:
            async with self._sessions.begin() as session:
                image_hash = id_hash(finding.image_id)
                row = await repo.image_by_hash(session, finding.account_id, image_hash)
                if row is None or row.blob_key != finding.blob_key:
                    continue  # changed since the check: leave it to the next run
                await session.delete(row)
            await self._blobs.delete(finding.blob_key)  # damaged bytes, if any
            await self._blobs.delete_prefix(variant_prefix(finding.account_id, image_hash))
            finding.deleted = True


def _variant_owner(key: str) -> tuple[str, str] | None:
    parts = key.split("/")
    return (parts[1], parts[2]) if len(parts) >= 4 else None


def _orphan(meta: BlobMeta, kind: OrphanKind, now: datetime) -> OrphanBlob:
    age = max(0, int((now - meta.last_modified).total_seconds()))
    return OrphanBlob(meta.key, kind, meta.size, age)
