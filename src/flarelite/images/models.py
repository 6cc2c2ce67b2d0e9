"""Tables of the images domain: images (and direct-upload drafts), variants, signing keys, config.

Originals live in the blob store; a row names its blob by ``blob_key``. Rows are written
after their bytes and deleted before them (see service.py), so a crash can leave an orphaned
blob (swept later) but never a row without bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flarelite.storage.db import Base, JsonType, UTCDateTime

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class StoredImage(Base):
    __tablename__ = "images"
    __table_args__ = (
        UniqueConstraint("account_id", "id_hash"),
        Index("ix_images_listing", "account_id", "draft", "uploaded", "seq"),
    )

    # Keyset paging (list v2) orders by (uploaded, seq); seq also breaks upload-time ties.
    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # Custom ids reach 1024 UTF-8 characters (§3.2), too long for a portable unique index:
    # the SHA-256 of the id is what is indexed and what names the blobs.
    id_hash: Mapped[str] = mapped_column(String(64))
    image_id: Mapped[str] = mapped_column(Text)
    is_custom_id: Mapped[bool] = mapped_column(Boolean, default=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    creator: Mapped[str | None] = mapped_column(String(1024))
    meta: Mapped[dict[str, Any]] = mapped_column(JsonType)
    require_signed_urls: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded: Mapped[datetime] = mapped_column(UTCDateTime())
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    blob_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # Direct creator uploads: the keyed hash of the one-time URL token, and its expiry.
    upload_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    upload_expires: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StoredVariant(Base):
    __tablename__ = "image_variants"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(99), primary_key=True)
    options: Mapped[dict[str, Any]] = mapped_column(JsonType)
    never_require_signed_urls: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every edit, so delivery cache keys of the old options stop matching.
    version: Mapped[int] = mapped_column(Integer, default=1)
    modified_on: Mapped[datetime] = mapped_column(UTCDateTime())


class SigningKey(Base):
    __tablename__ = "image_signing_keys"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime())


class ImagesConfig(Base):
    __tablename__ = "image_config"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    flexible_variants: Mapped[bool] = mapped_column(Boolean, default=False)
    browser_ttl: Mapped[int] = mapped_column(Integer, default=172_800)
    preserve_content_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
    modified_on: Mapped[datetime] = mapped_column(UTCDateTime())
