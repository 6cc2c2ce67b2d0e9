"""Images: upload (file or URL), get, edit, delete, the original's bytes, stats and listings.

Crash safety: bytes are written before their row and deleted after it, so the database
never names a missing blob; ``sweep`` removes blobs no row names (and expired drafts).
CPU work (sniffing, header reads, the verify decode) runs in the worker pool it is given.
"""

from __future__ import annotations

import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.audit.events import Action, Actor, Entry, ResourceType
from flarelite.audit.service import AuditLog
from flarelite.config import ImagesSettings
from flarelite.core.clock import Clock
from flarelite.identity.service import IdentityService
from flarelite.images import repo
from flarelite.images.errors import (
    DuplicateImageId,
    ImageNotFound,
    ImagesBadRequest,
    ImagesServiceLimit,
)
from flarelite.images.fetch import FetchPolicy, fetch_image
from flarelite.images.ingest import (
    Inspected,
    UploadLimits,
    inspect,
    validate_custom_id,
    validate_metadata,
)
from flarelite.images.listing import MetaFilter, decode_cursor, encode_cursor
from flarelite.images.models import StoredImage
from flarelite.images.records import (
    Delivery,
    ImageRecord,
    id_hash,
    original_key,
    record_of,
    variant_prefix,
)
from flarelite.images.transform_pool import on_own_thread
from flarelite.images.variants import variant_names
from flarelite.storage.blobs import BlobNotFound, BlobStore

log = structlog.get_logger(__name__)
UNSET: Any = object()  # "not given" for PATCH fields, where None is a real value
SWEEP_GRACE = timedelta(hours=1)
SCAN_CHUNK = 500  # rows read per query while metadata filters drop some


@dataclass(frozen=True, slots=True)
class UploadInput:
    account_id: str
    data: bytes | None = None
    url: str | None = None
    filename: str | None = None
    custom_id: str | None = None
    metadata: str | dict[str, Any] | None = None
    requires_signed_urls: bool = False
    creator: str | None = None


@dataclass(frozen=True, slots=True)
class RestoredImage:
    """An image copied from another Images service (import): its id and upload time are kept."""

    account_id: str
    image_id: str
    data: bytes
    filename: str | None = None
    creator: str | None = None
    metadata: dict[str, Any] | None = None
    requires_signed_urls: bool = False
    uploaded: datetime | None = None  # None: now


@dataclass(frozen=True, slots=True)
class ListQuery:
    per_page: int = 1000
    cursor: str | None = None
    descending: bool = True  # spec default `desc` by upload time (§2.4)
    creator: str | None = None
    filters: tuple[MetaFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredOriginal:
    key: str
    inspected: Inspected
    size: int


@dataclass
class SweepReport:
    orphaned_blobs: list[str] = field(default_factory=list)
    expired_drafts: int = 0


class ImagesService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        vips_threads: ThreadPoolExecutor,  # libvips work stays on these (transform_pool.py)
        blobs: BlobStore,
        identity: IdentityService,
        settings: ImagesSettings,
        limits: UploadLimits | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = audit or AuditLog(sessions, clock)  # deletes are always audited
        self._vips_threads = vips_threads
        self._blobs = blobs
        self._identity = identity
        self._settings = settings
        self._limits = limits or UploadLimits()
        self._hashes: dict[str, str] = {}  # account id → account hash (never changes)

    # --- upload -----------------------------------------------------------------------------

    async def upload(self, upload: UploadInput) -> ImageRecord:
        """Validate, inspect, store the bytes, then the row; raises an Images error (5xxx)."""
        delivery = await self.delivery(upload.account_id)  # AccountNotFound before any work
        image_id, is_custom = self._image_id(upload.custom_id)
        meta = validate_metadata(upload.metadata)
        if is_custom and upload.requires_signed_urls:
            raise _custom_id_private()
        data, filename = await self._source(upload)
        await self._check_room(upload.account_id, id_hash(image_id))
        stored = await self.store_original(upload.account_id, id_hash(image_id), data)
        row = StoredImage(
            account_id=upload.account_id,
            id_hash=id_hash(image_id),
            image_id=image_id,
            is_custom_id=is_custom,
            filename=filename,
            creator=upload.creator,
            meta=meta,
            require_signed_urls=upload.requires_signed_urls,
            uploaded=self._clock.now(),
            draft=False,
            **stored_columns(stored),
        )
        await self._insert(row, stored.key)
        return record_of(row, delivery)

    async def restore(self, image: RestoredImage) -> ImageRecord:
        """Store an image copied from elsewhere under its own id and upload time.

        Unlike ``upload``, a generated (UUID) id is kept as it is, so delivery URLs keep their
        image ids. Raises DuplicateImageId when the id is taken, like an upload would.
        """
        delivery = await self.delivery(image.account_id)
        is_custom = not is_generated_id(image.image_id)
        if is_custom:
            validate_custom_id(image.image_id)
            if image.requires_signed_urls:
                raise _custom_id_private()
        meta = validate_metadata(image.metadata)
        await self._check_room(image.account_id, id_hash(image.image_id))
        stored = await self.store_original(image.account_id, id_hash(image.image_id), image.data)
        row = StoredImage(
            account_id=image.account_id,
            id_hash=id_hash(image.image_id),
            image_id=image.image_id,
            is_custom_id=is_custom,
            filename=_clip(image.filename),
            creator=image.creator,
            meta=meta,
            require_signed_urls=image.requires_signed_urls,
            uploaded=image.uploaded or self._clock.now(),
            draft=False,
            **stored_columns(stored),
        )
        await self._insert(row, stored.key)
        return record_of(row, delivery)

    def _image_id(self, custom_id: str | None) -> tuple[str, bool]:
        if custom_id is None:
            return new_image_id(), False
        return validate_custom_id(custom_id), True

    async def _source(self, upload: UploadInput) -> tuple[bytes, str | None]:
        if (upload.data is None) == (upload.url is None):
            raise ImagesBadRequest(
                "file xor url", detail="Bad request: send exactly one of file or url"
            )
        if upload.data is not None:
            return upload.data, _clip(upload.filename)
        policy = FetchPolicy(
            max_bytes=self._limits.max_bytes, allow_private=self._settings.fetch_allow_private
        )
        fetched = await fetch_image(upload.url or "", policy)
        return fetched.data, _clip(fetched.filename)

    async def check_new_id(self, account_id: str, image_id: str) -> None:
        """Refuse an id in use (an expired draft holding it is removed); and a full account."""
        await self._check_room(account_id, id_hash(image_id))

    async def _check_room(self, account_id: str, image_hash: str) -> None:
        async with self._sessions.begin() as session:
            existing = await repo.image_by_hash(session, account_id, image_hash)
            if existing is not None and self._is_expired_draft(existing):
                await session.delete(existing)
            elif existing is not None:
                raise DuplicateImageId("image id in use")
            if await repo.count_images(session, account_id) >= self._settings.quota:
                raise ImagesServiceLimit(f"quota of {self._settings.quota} images reached")

    async def store_original(self, account_id: str, image_hash: str, data: bytes) -> StoredOriginal:
        """Inspect ``data`` in the worker pool (limits before decode), then write the blob."""
        inspected = await on_own_thread(self._vips_threads, inspect, data, self._limits)
        key = original_key(account_id, image_hash, secrets.token_hex(8))
        await self._blobs.put(key, data)
        return StoredOriginal(key, inspected, len(data))

    async def discard_blob(self, key: str) -> None:
        try:
            await self._blobs.delete(key)
        except Exception as exc:  # the sweeper removes it later; the caller's error matters
            log.warning("blob_discard_failed", key=key, error=str(exc))

    async def _insert(self, row: StoredImage, key: str) -> None:
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError as exc:  # a concurrent upload took the id
            await self.discard_blob(key)
            raise DuplicateImageId("image id taken concurrently") from exc
        except BaseException:
            await self.discard_blob(key)
            raise

    def _is_expired_draft(self, row: StoredImage) -> bool:
        return bool(
            row.draft and row.upload_expires is not None and row.upload_expires <= self._clock.now()
        )

    # --- read, edit, delete -----------------------------------------------------------------

    async def get(self, account_id: str, image_id: str) -> ImageRecord:
        return await self._record(await self._row(account_id, image_id))

    async def _row(self, account_id: str, image_id: str) -> StoredImage:
        async with self._sessions() as session:
            row = await repo.image_by_hash(session, account_id, id_hash(image_id))
        if row is None or self._is_expired_draft(row):
            raise ImageNotFound(f"no image {image_id[:100]!r}")
        return row

    async def edit(
        self,
        account_id: str,
        image_id: str,
        *,
        metadata: Any = UNSET,
        requires_signed_urls: bool | None = None,
        creator: Any = UNSET,
    ) -> ImageRecord:
        """Apply the given fields; metadata replaces, never merges (§2.5)."""
        meta = validate_metadata(metadata) if metadata is not UNSET else UNSET
        async with self._sessions.begin() as session:
            row = await repo.image_by_hash(session, account_id, id_hash(image_id))
            if row is None or self._is_expired_draft(row):
                raise ImageNotFound(f"no image {image_id[:100]!r}")
            if requires_signed_urls and row.is_custom_id:
                raise _custom_id_private()
            if meta is not UNSET:
                row.meta = meta
            if requires_signed_urls is not None:
                row.require_signed_urls = requires_signed_urls
            if creator is not UNSET:
                row.creator = creator
        return await self._record(row)

    async def delete(self, account_id: str, image_id: str, *, actor: Actor | None = None) -> None:
        """Delete the row (audited with ``actor``), then the original and every stored variant."""
        async with self._sessions.begin() as session:
            row = await repo.image_by_hash(session, account_id, id_hash(image_id))
            if row is None:
                raise ImageNotFound(f"no image {image_id[:100]!r}")
            await session.delete(row)
            entry = Entry(Action.DELETE, ResourceType.IMAGE, image_id, account_id=account_id)
            await self._audit.record(entry, actor, session=session)
        if row.blob_key:
            await self.discard_blob(row.blob_key)
        try:
            await self._blobs.delete_prefix(variant_prefix(account_id, row.id_hash))
        except Exception as exc:  # orphaned variants are swept later
            log.warning("variant_delete_failed", error=str(exc))

    async def original(self, account_id: str, image_id: str) -> tuple[bytes, str]:
        """The original upload's bytes and content type."""
        row = await self._row(account_id, image_id)
        if row.draft or not row.blob_key:
            raise ImageNotFound("draft has no bytes yet")
        try:
            data = await self._blobs.get(row.blob_key)
        except BlobNotFound as exc:  # deleted between the read and now
            raise ImageNotFound(f"blob {row.blob_key} gone") from exc
        return data, row.content_type or "application/octet-stream"

    async def stats(self, account_id: str) -> tuple[int, int]:
        """(current, allowed) image counts."""
        await self._account_hash(account_id)
        async with self._sessions() as session:
            return await repo.count_images(session, account_id), self._settings.quota

    # --- listings ---------------------------------------------------------------------------

    async def list_page(
        self, account_id: str, page: int, per_page: int, creator: str | None = None
    ) -> list[ImageRecord]:
        """List v1: page numbers over the oldest-first order; past the end is empty."""
        delivery = await self.delivery(account_id)
        async with self._sessions() as session:
            rows = await repo.page_of_images(
                session, account_id, creator, (page - 1) * per_page, per_page
            )
        return [record_of(row, delivery) for row in rows]

    async def list_after(
        self, account_id: str, query: ListQuery
    ) -> tuple[list[ImageRecord], str | None]:
        """List v2: a keyset page and the token of the next one (None on the last page)."""
        delivery = await self.delivery(account_id)
        after = decode_cursor(query.cursor) if query.cursor else None
        found: list[StoredImage] = []
        exhausted = False
        async with self._sessions() as session:
            while len(found) < query.per_page and not exhausted:
                chunk = await repo.images_after(
                    session, account_id, query.creator, after,
                    descending=query.descending, limit=max(query.per_page, SCAN_CHUNK),
                )  # fmt: skip
                exhausted = len(chunk) < max(query.per_page, SCAN_CHUNK)
                for row in chunk:
                    after = (row.uploaded, row.seq)
                    if all(f.matches(row.meta or {}) for f in query.filters):
                        found.append(row)
                        if len(found) == query.per_page:
                            break
            more = len(found) == query.per_page and not await self._is_last(
                session, account_id, query, (found[-1].uploaded, found[-1].seq)
            )
        token = encode_cursor(found[-1].uploaded, found[-1].seq) if more else None
        return [record_of(row, delivery) for row in found], token

    async def _is_last(
        self, session: AsyncSession, account_id: str, query: ListQuery, after: tuple[datetime, int]
    ) -> bool:
        # Only worth a look when no filters apply: with filters a last empty page is fine.
        if query.filters:
            return False
        rest = await repo.images_after(
            session, account_id, query.creator, after, descending=query.descending, limit=1
        )
        return not rest

    # --- shared -----------------------------------------------------------------------------

    async def delivery(self, account_id: str) -> Delivery:
        account_hash = await self._account_hash(account_id)
        async with self._sessions() as session:
            names = await variant_names(session, account_id)
        return Delivery(self._settings.public_url, account_hash, names)

    async def record(self, row: StoredImage) -> ImageRecord:
        return await self._record(row)

    async def _record(self, row: StoredImage) -> ImageRecord:
        return record_of(row, await self.delivery(row.account_id))

    async def _account_hash(self, account_id: str) -> str:
        if account_id not in self._hashes:
            account = await self._identity.get_account(account_id)
            self._hashes[account_id] = account.account_hash
        return self._hashes[account_id]

    # --- maintenance ------------------------------------------------------------------------

    async def sweep(self, grace: timedelta = SWEEP_GRACE) -> SweepReport:
        """Remove expired drafts and originals no row names that are older than ``grace``.

        The grace period protects uploads in flight: their bytes are written before the row.
        """
        report = SweepReport()
        async with self._sessions.begin() as session:
            report.expired_drafts = await repo.delete_expired_drafts(session, self._clock.now())
        cutoff = self._clock.now() - grace
        candidates = [
            m.key async for m in self._blobs.list("originals/") if m.last_modified < cutoff
        ]
        for start in range(0, len(candidates), SCAN_CHUNK):
            batch = candidates[start : start + SCAN_CHUNK]
            async with self._sessions() as session:
                known = await repo.known_blob_keys(session, batch)
            for key in batch:
                if key not in known:
                    await self._blobs.delete(key)
                    report.orphaned_blobs.append(key)
        if report.orphaned_blobs or report.expired_drafts:
            log.info("images_swept", blobs=len(report.orphaned_blobs), drafts=report.expired_drafts)
        return report


def stored_columns(stored: StoredOriginal) -> dict[str, Any]:
    """Row columns describing a stored original."""
    return {
        "blob_key": stored.key,
        "content_type": stored.inspected.content_type,
        "size": stored.size,
        "width": stored.inspected.width,
        "height": stored.inspected.height,
    }


def is_generated_id(image_id: str) -> bool:
    """Whether ``image_id`` has the shape of a generated id (custom ids may never be UUIDs)."""
    try:
        return str(uuid.UUID(image_id)) == image_id.lower()
    except ValueError:
        return False


def new_image_id() -> str:
    """A generated id: 8-4-4-4-12 hex like Cloudflare's (§2.1); custom ids may never be UUIDs."""
    return str(uuid.uuid4())


def _clip(filename: str | None) -> str | None:
    return filename[:255] if filename else None


def _custom_id_private() -> ImagesBadRequest:
    # §2.5, §3.2: custom-id images cannot require signed URLs.
    return ImagesBadRequest(
        "custom id + requireSignedURLs",
        detail="Bad request: images with a custom ID cannot require signed URLs",
    )
