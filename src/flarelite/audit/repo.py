"""All SQL for the audit log: append one event, read an account's events page by page."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flarelite.audit.filters import AuditFilter, contains
from flarelite.audit.models import AuditEvent

# A CIDR filter is applied in Python (no portable SQL for it); this bounds the rows it reads.
MAX_SCANNED_FOR_CIDR = 50_000


def _visible(account_id: str, user_ids: Collection[str], flt: AuditFilter) -> ColumnElement[bool]:
    """The account's own events, plus user-level events of its members (Cloudflare's view)."""
    own = AuditEvent.account_id == account_id
    if not flt.include_user_events or not user_ids:
        return own
    return or_(own, and_(AuditEvent.account_id.is_(None), AuditEvent.user_id.in_(user_ids)))


def _conditions(account_id: str, user_ids: Collection[str], flt: AuditFilter) -> list[Any]:
    where: list[Any] = [_visible(account_id, user_ids, flt)]
    if flt.id is not None:
        where.append(AuditEvent.id == flt.id)
    if flt.since is not None:
        where.append(AuditEvent.when >= flt.since)
    if flt.before is not None:
        where.append(AuditEvent.when < flt.before)
    if flt.actor_email is not None:
        where.append(func.lower(AuditEvent.actor_email) == flt.actor_email.lower())
    if flt.action_type is not None:
        where.append(AuditEvent.action == flt.action_type)
    if flt.actor_ip is not None:
        exact = flt.exact_ip
        where.append(AuditEvent.actor_ip == exact if exact else AuditEvent.actor_ip.is_not(None))
    return where or [false()]


async def page(
    session: AsyncSession,
    account_id: str,
    user_ids: Collection[str],
    flt: AuditFilter,
    *,
    offset: int,
    limit: int,
) -> tuple[Sequence[AuditEvent], int]:
    """One page of matching events and the total count, newest first unless ascending."""
    where = _conditions(account_id, user_ids, flt)
    order = (
        (AuditEvent.when.desc(), AuditEvent.id.desc())
        if flt.descending
        else (AuditEvent.when, AuditEvent.id)
    )
    query = select(AuditEvent).where(*where).order_by(*order)
    if flt.actor_ip is not None and flt.exact_ip is None:
        scanned = (await session.execute(query.limit(MAX_SCANNED_FOR_CIDR))).scalars().all()
        network = flt.actor_ip
        matching = [event for event in scanned if contains(network, event.actor_ip)]
        return matching[offset : offset + limit], len(matching)
    total = (
        await session.execute(select(func.count()).select_from(AuditEvent).where(*where))
    ).scalar_one()
    rows = (await session.execute(query.offset(offset).limit(limit))).scalars().all()
    return rows, int(total)
