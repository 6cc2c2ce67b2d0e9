"""The audit_events table: one row per recorded action, kept when the actor or resource goes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from flarelite.storage.db import Base, JsonType, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # Audit logs are read per account, newest first.
    __table_args__ = (Index("ix_audit_events_account_when", "account_id", "when"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign keys: an audit trail outlives the users, tokens and accounts it names.
    account_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor_type: Mapped[str] = mapped_column(String(20))  # user | token | system
    actor_id: Mapped[str | None] = mapped_column(String(32))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    actor_ip: Mapped[str | None] = mapped_column(String(45))
    token_id: Mapped[str | None] = mapped_column(String(32))
    interface: Mapped[str] = mapped_column(String(10))  # API | UI | CLI
    action: Mapped[str] = mapped_column(String(60))
    result: Mapped[bool] = mapped_column(Boolean)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    when: Mapped[datetime] = mapped_column(UTCDateTime())
