"""Tables for zones and DNS records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flarelite.storage.db import Base, JsonType, UTCDateTime


class Zone(Base):
    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(253), index=True)
    status: Mapped[str] = mapped_column(String(20))  # active | pending
    type: Mapped[str] = mapped_column(String(20))  # full | partial | secondary
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    name_servers: Mapped[list[str]] = mapped_column(JsonType)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime())
    modified_on: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_on: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DnsRecord(Base):
    __tablename__ = "dns_records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(253), index=True)
    content: Mapped[str] = mapped_column(Text)
    ttl: Mapped[int] = mapped_column(Integer)
    proxied: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    settings: Mapped[dict[str, Any]] = mapped_column(JsonType)
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JsonType)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime())
    modified_on: Mapped[datetime] = mapped_column(UTCDateTime())
    comment_modified_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tags_modified_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
