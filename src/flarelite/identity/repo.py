"""All SQL for users, accounts and memberships."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flarelite.identity.models import Account, Membership, User


async def user_by_id(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def account_by_id(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def account_by_hash(session: AsyncSession, account_hash: str) -> Account | None:
    query = select(Account).where(Account.account_hash == account_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def memberships_of(
    session: AsyncSession, user_id: str
) -> Sequence[tuple[Membership, Account]]:
    query = (
        select(Membership, Account)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.user_id == user_id)
        .order_by(Account.name, Account.id)
    )
    return [(m, a) for m, a in (await session.execute(query)).all()]


async def member_ids(session: AsyncSession, account_id: str) -> Sequence[str]:
    query = select(Membership.user_id).where(Membership.account_id == account_id)
    return (await session.execute(query)).scalars().all()


async def count_users(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(User))).scalar_one())
