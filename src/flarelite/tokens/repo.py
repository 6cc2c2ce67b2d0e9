"""All SQL for API tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flarelite.tokens.models import ApiToken


def _owned(kind: str, owner_id: str):  # type: ignore[no-untyped-def]
    column = ApiToken.user_id if kind == "user" else ApiToken.account_id
    return (ApiToken.kind == kind) & (column == owner_id)


async def by_hash(session: AsyncSession, secret_hash: str) -> ApiToken | None:
    query = select(ApiToken).where(ApiToken.secret_hash == secret_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def by_id(session: AsyncSession, token_id: str) -> ApiToken | None:
    return await session.get(ApiToken, token_id)


async def every_token(
    session: AsyncSession, *, user_id: str | None = None, account_id: str | None = None
) -> Sequence[ApiToken]:
    """All tokens (operators' CLI), optionally only one user's or one account's."""
    query = select(ApiToken).order_by(ApiToken.issued_on, ApiToken.id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    if account_id is not None:
        query = query.where(ApiToken.account_id == account_id)
    return (await session.execute(query)).scalars().all()


async def owned_token(
    session: AsyncSession, kind: str, owner_id: str, token_id: str
) -> ApiToken | None:
    query = select(ApiToken).where(_owned(kind, owner_id), ApiToken.id == token_id)
    return (await session.execute(query)).scalar_one_or_none()


async def count_owned(session: AsyncSession, kind: str, owner_id: str) -> int:
    query = select(func.count()).select_from(ApiToken).where(_owned(kind, owner_id))
    return int((await session.execute(query)).scalar_one())


async def page_owned(
    session: AsyncSession, kind: str, owner_id: str, *, offset: int, limit: int, descending: bool
) -> Sequence[ApiToken]:
    order = (
        (ApiToken.issued_on.desc(), ApiToken.id.desc())
        if descending
        else (ApiToken.issued_on, ApiToken.id)
    )
    query = (
        select(ApiToken).where(_owned(kind, owner_id)).order_by(*order).offset(offset).limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def mark_used(session: AsyncSession, last_used: Mapping[str, datetime]) -> None:
    for token_id, when in last_used.items():
        await session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_on=when)
        )
