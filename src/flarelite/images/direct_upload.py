"""Direct creator uploads (§2.8): a draft image plus a one-time, unauthenticated upload URL.

The URL carries a random token; only its keyed hash is stored. The first successful POST
turns the draft into an image (a conditional UPDATE, so two racing POSTs cannot both win).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.images import repo
from flarelite.images.errors import DuplicateImageId, ImagesBadRequest, UploadUrlNotFound
from flarelite.images.ingest import validate_custom_id, validate_metadata
from flarelite.images.models import StoredImage
from flarelite.images.records import ImageRecord, id_hash
from flarelite.images.service import ImagesService, new_image_id, stored_columns

DEFAULT_EXPIRY = timedelta(minutes=30)
MIN_EXPIRY = timedelta(minutes=2)
MAX_EXPIRY = timedelta(hours=6)
# The SDK computes "now + 2 minutes" before the request travels: allow for the trip.
EXPIRY_SLACK = timedelta(seconds=30)
UPLOAD_PATH = "/cdn-cgi/imagedelivery/upload"


@dataclass(frozen=True, slots=True)
class DirectUploadInput:
    account_id: str
    custom_id: str | None = None
    creator: str | None = None
    metadata: str | dict[str, Any] | None = None
    requires_signed_urls: bool = False
    expiry: datetime | None = None


@dataclass(frozen=True, slots=True)
class DirectUpload:
    id: str
    upload_url: str


class DirectUploadService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        images: ImagesService,
        secret_key: bytes,
        public_url: str,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._images = images
        self._key = secret_key
        self._public_url = public_url

    async def create(self, request: DirectUploadInput) -> DirectUpload:
        """Make the draft and its upload URL; raises an Images error (5xxx) on bad input."""
        await self._images.delivery(request.account_id)  # AccountNotFound first
        image_id = validate_custom_id(request.custom_id) if request.custom_id else new_image_id()
        if request.custom_id and request.requires_signed_urls:
            raise ImagesBadRequest(
                "custom id private",
                detail="Bad request: images with a custom ID cannot require signed URLs",
            )
        meta = validate_metadata(request.metadata)
        expires = self._expiry(request.expiry)
        await self._images.check_new_id(request.account_id, image_id)
        token = secrets.token_urlsafe(32)
        row = StoredImage(
            account_id=request.account_id,
            id_hash=id_hash(image_id),
            image_id=image_id,
            is_custom_id=request.custom_id is not None,
            creator=request.creator,
            meta=meta,
            require_signed_urls=request.requires_signed_urls,
            uploaded=self._clock.now(),
            draft=True,
            upload_token_hash=self._hash(token),
            upload_expires=expires,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError as exc:
            raise DuplicateImageId("image id taken concurrently") from exc
        return DirectUpload(image_id, f"{self._public_url}{UPLOAD_PATH}/{token}")

    def _expiry(self, expiry: datetime | None) -> datetime:
        now = self._clock.now()
        if expiry is None:
            return now + DEFAULT_EXPIRY
        if expiry.tzinfo is None or not (
            now + MIN_EXPIRY - EXPIRY_SLACK <= expiry <= now + MAX_EXPIRY + EXPIRY_SLACK
        ):
            raise ImagesBadRequest(
                "expiry",
                detail="Bad request: expiry must be between now + 2 minutes and now + 6 hours",
            )
        return expiry

    async def complete(self, token: str, data: bytes, filename: str | None) -> ImageRecord:
        """Store the upload for ``token``; the URL works once (UploadUrlNotFound afterwards)."""
        row = await self._draft(token)
        stored = await self._images.store_original(row.account_id, row.id_hash, data)
        values = stored_columns(stored) | {
            "filename": filename[:255] if filename else None,
            "uploaded": self._clock.now(),
        }
        try:
            async with self._sessions.begin() as session:
                won = await repo.finish_draft(session, row.seq, values)
        except BaseException:
            await self._images.discard_blob(stored.key)
            raise
        if not won:
            await self._images.discard_blob(stored.key)
            raise UploadUrlNotFound("upload URL used concurrently")
        return await self._images.get(row.account_id, row.image_id)

    async def _draft(self, token: str) -> StoredImage:
        if not token or len(token) > 100:
            raise UploadUrlNotFound("malformed upload token")
        async with self._sessions() as session:
            row = await repo.image_by_token(session, self._hash(token))
        now = self._clock.now()
        if row is None or not row.draft or (row.upload_expires and row.upload_expires <= now):
            raise UploadUrlNotFound("unknown, used or expired upload token")
        return row

    def _hash(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()
