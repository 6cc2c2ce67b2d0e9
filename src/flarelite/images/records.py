"""What the images service hands out: plain values built from rows, never ORM objects."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flarelite.images.models import StoredImage

# Characters a delivery URL may carry as they are; `%` must become %25 (§3.2).
_URL_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True, slots=True)
class ImageRecord:
    id: str
    filename: str | None
    creator: str | None
    meta: dict[str, Any]
    requires_signed_urls: bool
    uploaded: datetime
    variants: tuple[str, ...]  # one delivery URL per named variant (§2.1)
    is_draft: bool = False
    content_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where an account's images are served: ``<public>/cdn-cgi/imagedelivery/<hash>``."""

    public_url: str
    account_hash: str
    variant_names: tuple[str, ...] = field(default=("public",))

    def urls(self, image_id: str) -> tuple[str, ...]:
        base = f"{self.public_url}/cdn-cgi/imagedelivery/{self.account_hash}"
        path = quote(image_id, safe=_URL_SAFE)
        return tuple(f"{base}/{path}/{name}" for name in self.variant_names)


def id_hash(image_id: str) -> str:
    """The indexed stand-in for an image id (ids reach 1024 characters, §3.2)."""
    return hashlib.sha256(image_id.encode("utf-8")).hexdigest()


def original_key(account_id: str, image_hash: str, nonce: str) -> str:
    """Blob key of an original. The nonce keeps a re-upload under the same custom id from
    ever sharing (or losing) bytes with the image it replaces."""
    return f"originals/{account_id}/{image_hash}/{nonce}"


def variant_prefix(account_id: str, image_hash: str) -> str:
    """Key prefix under which delivery stores this image's built variants."""
    return f"variants/{account_id}/{image_hash}/"


def record_of(row: StoredImage, delivery: Delivery) -> ImageRecord:
    return ImageRecord(
        id=row.image_id,
        filename=row.filename,
        creator=row.creator,
        meta=dict(row.meta or {}),
        requires_signed_urls=row.require_signed_urls,
        uploaded=row.uploaded,
        variants=delivery.urls(row.image_id),
        is_draft=row.draft,
        content_type=row.content_type,
        size=row.size,
        width=row.width,
        height=row.height,
    )
