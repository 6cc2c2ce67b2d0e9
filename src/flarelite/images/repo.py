"""All SQL of the images domain: images and drafts, variants, signing keys, per-account config."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flarelite.images.models import ImagesConfig, SigningKey, StoredImage, StoredVariant

Position = tuple[datetime, int]  # (uploaded, seq): where a keyset page starts after


async def image_by_hash(session: AsyncSession, account_id: str, id_hash: str) -> StoredImage | None:
    query = select(StoredImage).where(
        StoredImage.account_id == account_id, StoredImage.id_hash == id_hash
    )
    return (await session.execute(query)).scalar_one_or_none()


async def image_by_token(session: AsyncSession, token_hash: str) -> StoredImage | None:
    query = select(StoredImage).where(StoredImage.upload_token_hash == token_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def count_images(session: AsyncSession, account_id: str) -> int:
    query = (
        select(func.count())
        .select_from(StoredImage)
        .where(StoredImage.account_id == account_id, StoredImage.draft.is_(False))
    )
    return int((await session.execute(query)).scalar_one())


def _listed(account_id: str, creator: str | None) -> Select[tuple[StoredImage]]:
    # Drafts are never listed (§2.3, §2.8).
    query = select(StoredImage).where(
        StoredImage.account_id == account_id, StoredImage.draft.is_(False)
    )
    if creator == "":  # empty string = images without a creator (§2.3)
        query = query.where(or_(StoredImage.creator.is_(None), StoredImage.creator == ""))
    elif creator is not None:
        query = query.where(StoredImage.creator == creator)
    return query


async def page_of_images(
    session: AsyncSession, account_id: str, creator: str | None, offset: int, limit: int
) -> Sequence[StoredImage]:
    query = _listed(account_id, creator).order_by(StoredImage.uploaded, StoredImage.seq)
    return (await session.execute(query.offset(offset).limit(limit))).scalars().all()


async def images_after(
    session: AsyncSession,
    account_id: str,
    creator: str | None,
    after: Position | None,
    *,
    descending: bool,
    limit: int,
) -> Sequence[StoredImage]:
    """Up to ``limit`` listed images strictly after ``after`` in (uploaded, seq) order."""
    query = _listed(account_id, creator)
    if after is not None:
        uploaded, seq = after
        if descending:
            query = query.where(
                or_(
                    StoredImage.uploaded < uploaded,
                    and_(StoredImage.uploaded == uploaded, StoredImage.seq < seq),
                )
            )
        else:
            query = query.where(
                or_(
                    StoredImage.uploaded > uploaded,
                    and_(StoredImage.uploaded == uploaded, StoredImage.seq > seq),
                )
            )
    if descending:
        query = query.order_by(StoredImage.uploaded.desc(), StoredImage.seq.desc())
    else:
        query = query.order_by(StoredImage.uploaded, StoredImage.seq)
    return (await session.execute(query.limit(limit))).scalars().all()


async def finish_draft(session: AsyncSession, seq: int, values: dict[str, object]) -> bool:
    """Turn draft ``seq`` into an image; False when it is no longer a draft (used already)."""
    query = (
        update(StoredImage)
        .where(StoredImage.seq == seq, StoredImage.draft.is_(True))
        .values(**values, draft=False, upload_token_hash=None, upload_expires=None)
    )
    return (await session.execute(query)).rowcount == 1  # type: ignore[attr-defined]


async def delete_expired_drafts(session: AsyncSession, now: datetime) -> int:
    query = delete(StoredImage).where(StoredImage.draft.is_(True), StoredImage.upload_expires < now)
    return int((await session.execute(query)).rowcount)  # type: ignore[attr-defined]


async def known_blob_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    query = select(StoredImage.blob_key).where(StoredImage.blob_key.in_(keys))
    return {key for key in (await session.execute(query)).scalars() if key}


async def variants_of(session: AsyncSession, account_id: str) -> Sequence[StoredVariant]:
    query = select(StoredVariant).where(StoredVariant.account_id == account_id)
    return (await session.execute(query.order_by(StoredVariant.name))).scalars().all()


async def variant(session: AsyncSession, account_id: str, name: str) -> StoredVariant | None:
    return await session.get(StoredVariant, (account_id, name))


async def keys_of(session: AsyncSession, account_id: str) -> Sequence[SigningKey]:
    query = select(SigningKey).where(SigningKey.account_id == account_id)
    return (await session.execute(query.order_by(SigningKey.name))).scalars().all()


async def key(session: AsyncSession, account_id: str, name: str) -> SigningKey | None:
    return await session.get(SigningKey, (account_id, name))


async def config_of(session: AsyncSession, account_id: str) -> ImagesConfig | None:
    return await session.get(ImagesConfig, account_id)


# --- consistency checks (fsck) --------------------------------------------------------------


async def rows_with_bytes(
    session: AsyncSession, after_seq: int, limit: int
) -> Sequence[StoredImage]:
    """Images (not drafts) that name an original, in ``seq`` order after ``after_seq``."""
    query = (
        select(StoredImage)
        .where(StoredImage.seq > after_seq, StoredImage.blob_key.is_not(None))
        .order_by(StoredImage.seq)
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def known_image_hashes(session: AsyncSession, hashes: Sequence[str]) -> set[tuple[str, str]]:
    """The (account id, id hash) pairs among images whose id hash is in ``hashes``."""
    query = select(StoredImage.account_id, StoredImage.id_hash).where(
        StoredImage.id_hash.in_(hashes)
    )
    return {(account, image) for account, image in (await session.execute(query)).all()}
