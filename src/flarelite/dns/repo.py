"""All SQL for zones and DNS records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from flarelite.dns.models import DnsRecord, Zone


async def zone_by_id(session: AsyncSession, zone_id: str) -> Zone | None:
    return await session.get(Zone, zone_id)


async def zone_by_name(session: AsyncSession, account_id: str, name: str) -> Zone | None:
    query = select(Zone).where(Zone.account_id == account_id, Zone.name == name)
    return (await session.execute(query)).scalar_one_or_none()


async def zones_in(session: AsyncSession, account_ids: Iterable[str]) -> Sequence[Zone]:
    query = select(Zone).where(Zone.account_id.in_(list(account_ids))).order_by(Zone.name, Zone.id)
    return (await session.execute(query)).scalars().all()


async def zone_accounts(session: AsyncSession, zone_ids: Iterable[str]) -> dict[str, str]:
    query = select(Zone.id, Zone.account_id).where(Zone.id.in_(list(zone_ids)))
    return {zone_id: account_id for zone_id, account_id in (await session.execute(query)).all()}


async def records_of(session: AsyncSession, zone_id: str) -> Sequence[DnsRecord]:
    query = select(DnsRecord).where(DnsRecord.zone_id == zone_id).order_by(DnsRecord.id)
    return (await session.execute(query)).scalars().all()


async def record(session: AsyncSession, zone_id: str, record_id: str) -> DnsRecord | None:
    query = select(DnsRecord).where(DnsRecord.zone_id == zone_id, DnsRecord.id == record_id)
    return (await session.execute(query)).scalar_one_or_none()


async def delete_records_of(session: AsyncSession, zone_id: str) -> None:
    await session.execute(delete(DnsRecord).where(DnsRecord.zone_id == zone_id))
