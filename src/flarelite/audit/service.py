"""The audit log: ``record`` an event (inside the caller's unit of work when given one), and
read an account's events back.

Domain services call ``record`` in the same transaction as the change they make, so a change
and its audit row are committed together or not at all. Secrets never enter an event: callers
pass names and ids, and ``record`` refuses metadata keys that are meant to hold secrets.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.audit import repo
from flarelite.audit.events import SYSTEM, Action, Actor, Entry, Interface, ResourceType
from flarelite.audit.filters import AuditFilter
from flarelite.audit.models import AuditEvent
from flarelite.core.clock import Clock
from flarelite.core.paging import PageInfo, PageRequest

# Keys that would carry a secret value; recording one is a programming error.
_FORBIDDEN_KEYS = frozenset({"value", "secret", "token", "password", "session", "secret_hash"})


class AuditLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(
        self, entry: Entry, actor: Actor | None = None, *, session: AsyncSession | None = None
    ) -> AuditEvent:
        """Append one event. With ``session`` it joins the caller's transaction (and is
        committed or rolled back with it); without, it is written in a transaction of its own.
        ``actor`` None means the system (CLI and other internal callers)."""
        event = self._event(entry, actor or SYSTEM)
        if session is not None:
            session.add(event)
            return event
        async with self._sessions.begin() as own:
            own.add(event)
        return event

    async def record_login(
        self,
        *,
        email: str,
        user_id: str | None,
        ip: str | None,
        succeeded: bool,
        interface: Interface = "UI",
        reason: str | None = None,
    ) -> AuditEvent:
        """A dashboard sign-in attempt. ``user_id`` is None when the email names no user; the
        event is then kept but shows in no account's log (there is no member to show it to).
        ``reason`` says why a failure failed (``wrong_credentials``, ``throttled``)."""
        # An unknown email is kept as typed (bounded) and attributed to no user id.
        actor = Actor.user(user_id or "", email[:320], ip, interface=interface)
        metadata = {"reason": reason} if reason else {}
        entry = Entry(
            Action.LOGIN,
            ResourceType.USER,
            user_id,
            user_id=user_id,
            result=succeeded,
            metadata=metadata,
        )
        return await self.record(entry, actor)

    async def list(
        self,
        account_id: str,
        flt: AuditFilter,
        page: PageRequest,
        *,
        member_ids: Collection[str] = (),
    ) -> tuple[Sequence[AuditEvent], PageInfo]:
        """An account's events, filtered; ``member_ids`` brings in its members' user events."""
        async with self._sessions() as session:
            rows, total = await repo.page(
                session, account_id, member_ids, flt, offset=page.offset, limit=page.per_page
            )
        return rows, PageInfo(page.page, page.per_page, len(rows), total)

    def _event(self, entry: Entry, actor: Actor) -> AuditEvent:
        details: dict[str, Any] = {"metadata": _clean(entry.metadata)}
        if entry.old is not None:
            details["old"] = _clean(entry.old)
        if entry.new is not None:
            details["new"] = _clean(entry.new)
        return AuditEvent(
            id=_ordered_id(),
            account_id=entry.account_id,
            user_id=entry.user_id,
            actor_type=actor.type.value,
            actor_id=actor.id or None,
            actor_email=actor.email,
            actor_ip=actor.ip,
            token_id=actor.token_id,
            interface=actor.interface,
            action=entry.action.value,
            result=entry.result,
            resource_type=entry.resource_type.value,
            resource_id=entry.resource_id,
            details=details,
            when=self._clock.now(),
        )


_last = [0, 0]  # (milliseconds, counter) of the previous id in this process


def _ordered_id() -> str:
    """A UUIDv7-style id: milliseconds, then a per-process counter, then randomness. Events
    recorded in the same instant (one transaction, a coarse clock) keep their order when
    sorted by (when, id)."""
    millis, counter = time.time_ns() // 1_000_000, 0
    if millis <= _last[0]:  # same millisecond (or the wall clock stepped back): count on
        millis, counter = _last[0], _last[1] + 1
        if counter > 0xFFF:
            millis, counter = millis + 1, 0
    _last[:] = [millis, counter]
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62
    return str(uuid.UUID(int=value | secrets.randbits(62)))


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    bad = _FORBIDDEN_KEYS.intersection(k.lower() for k in values)
    if bad:
        raise ValueError(f"audit metadata must not hold secrets (keys {sorted(bad)})")
    return dict(values)
