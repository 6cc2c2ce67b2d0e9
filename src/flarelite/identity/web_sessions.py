"""Dashboard login sessions: create, look up, end, and end all of a user's other sessions.

Stores only what the caller hands in: the *keyed hash* of the cookie's random id (the raw id
never reaches this module), so a copy of the database cannot be replayed as a login.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.identity.models import WebSession

SESSION_LIFETIME = timedelta(days=7)
# last_seen_on is advisory; writing it at most this often keeps page views read-only.
TOUCH_INTERVAL = timedelta(minutes=5)


class WebSessionStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self,
        id_hash: str,
        user_id: str,
        csrf_token: str,
        *,
        ip: str | None,
        user_agent: str | None,
    ) -> WebSession:
        now = self._clock.now()
        row = WebSession(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            ip=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:300] or None,
            created_on=now,
            last_seen_on=now,
            expires_on=now + SESSION_LIFETIME,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return row

    async def find(self, id_hash: str) -> WebSession | None:
        """The live session with this hash, or None when unknown or expired (expired rows go)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(WebSession, id_hash)
            if row is None:
                return None
            if row.expires_on <= now:
                await session.delete(row)
                return None
            if now - row.last_seen_on >= TOUCH_INTERVAL:
                row.last_seen_on = now
            return row

    async def end(self, id_hash: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))

    async def end_others(self, user_id: str, keep_hash: str | None) -> int:
        """End every session of ``user_id`` except ``keep_hash``; returns how many ended."""
        query = delete(WebSession).where(WebSession.user_id == user_id)
        if keep_hash is not None:
            query = query.where(WebSession.id_hash != keep_hash)
        async with self._sessions.begin() as session:
            result = await session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    async def count_for(self, user_id: str) -> int:
        async with self._sessions() as session:
            rows = await session.execute(
                select(WebSession.id_hash).where(
                    WebSession.user_id == user_id, WebSession.expires_on > self._clock.now()
                )
            )
            return len(rows.all())
