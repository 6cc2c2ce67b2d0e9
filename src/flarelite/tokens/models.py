"""The api_tokens table: one row per token, policies and condition kept as JSON beside it.

The secret itself is never stored: ``secret_hash`` is HMAC-SHA256 under the server key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from flarelite.storage.db import Base, JsonType, UTCDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "user" | "account"
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_four: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | disabled
    issued_on: Mapped[datetime] = mapped_column(UTCDateTime())
    modified_on: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    policies: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    condition: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    creator_email: Mapped[str | None] = mapped_column(String(320))
