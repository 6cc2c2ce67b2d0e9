"""Signing keys for private images: list, create or rotate, delete; ``default`` always exists.

Key names are alphanumeric, at most 20 characters; deleting the last key creates a fresh
``default`` (§5). The signed-URL check itself belongs to delivery (next to this module).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.images import repo
from flarelite.images.errors import ImagesBadRequest, SigningKeyNotFound
from flarelite.images.models import SigningKey

DEFAULT_KEY = "default"
_NAME = re.compile(r"[A-Za-z0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class KeyValue:
    name: str
    value: str


def new_key_value() -> str:
    """24 random bytes as 32 base64 characters, like the example value in §5."""
    return base64.b64encode(secrets.token_bytes(24)).decode("ascii")


class SigningKeyService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def list(self, account_id: str) -> list[KeyValue]:
        """Every key of the account; the ``default`` key is made on first use."""
        async with self._sessions() as session:
            rows = await repo.keys_of(session, account_id)
        if rows:
            return [KeyValue(r.name, r.value) for r in rows]
        try:
            async with self._sessions.begin() as session:
                session.add(self._new(account_id, DEFAULT_KEY))
        except IntegrityError:
            pass  # a concurrent first use made it
        async with self._sessions() as session:
            return [KeyValue(r.name, r.value) for r in await repo.keys_of(session, account_id)]

    async def put(self, account_id: str, name: str) -> list[KeyValue]:
        """Create ``name`` or give it a new value (rotation); returns every key."""
        if not _NAME.fullmatch(name):
            raise ImagesBadRequest(
                "key name", detail="Bad request: key names are 1-20 letters or digits"
            )
        await self.list(account_id)
        async with self._sessions.begin() as session:
            row = await repo.key(session, account_id, name)
            if row is None:
                session.add(self._new(account_id, name))
            else:
                row.value = new_key_value()
                row.created_on = self._clock.now()
        return await self.list(account_id)

    async def delete(self, account_id: str, name: str) -> list[KeyValue]:
        """Remove ``name``; when it was the last key a new ``default`` appears (§5)."""
        async with self._sessions.begin() as session:
            row = await repo.key(session, account_id, name)
            if row is None:
                raise SigningKeyNotFound(f"no key {name[:20]!r}")
            await session.delete(row)
        return await self.list(account_id)

    def _new(self, account_id: str, name: str) -> SigningKey:
        return SigningKey(
            account_id=account_id, name=name, value=new_key_value(), created_on=self._clock.now()
        )
