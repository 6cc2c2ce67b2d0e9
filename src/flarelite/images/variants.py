"""Named variants: the account's map of variant definitions, with ``public`` always present.

Options are validated by ``options.validate_variant_options``; delivery reads them back with
``options.from_variant``. Up to 100 variants per account; ``public`` cannot be deleted (§2.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.audit.events import Action, Actor, Entry, ResourceType
from flarelite.audit.service import AuditLog
from flarelite.core.clock import Clock
from flarelite.images import repo
from flarelite.images.errors import DuplicateVariant, ImagesBadRequest, VariantNotFound
from flarelite.images.models import StoredVariant
from flarelite.images.options import validate_variant_options

PUBLIC = "public"
MAX_VARIANTS = 100
# Cloudflare does not publish the default `public` options; these are ours (§2.7).
PUBLIC_DEFAULT: dict[str, object] = {
    "fit": "scale-down",
    "width": 1366,
    "height": 768,
    "metadata": "none",
}
_NAME = re.compile(r"[A-Za-z0-9]{1,99}")  # spec: alphanumeric, at most 99 characters


@dataclass(frozen=True, slots=True)
class VariantDef:
    name: str
    options: dict[str, object]
    never_requires_signed_urls: bool = False
    version: int = 1


def _def_of(row: StoredVariant) -> VariantDef:
    return VariantDef(row.name, dict(row.options), row.never_require_signed_urls, row.version)


_PUBLIC = VariantDef(PUBLIC, PUBLIC_DEFAULT)


async def variant_names(session: AsyncSession, account_id: str) -> tuple[str, ...]:
    """Every named variant of the account, ``public`` included, sorted."""
    names = {row.name for row in await repo.variants_of(session, account_id)}
    return tuple(sorted(names | {PUBLIC}))


def _audit_entry(
    action: Action,
    account_id: str,
    name: str,
    *,
    old: VariantDef | None = None,
    new: VariantDef | None = None,
) -> Entry:
    return Entry(
        action,
        ResourceType.IMAGE_VARIANT,
        name,
        account_id=account_id,
        old=_snapshot(old) if old else None,
        new=_snapshot(new) if new else None,
    )


def _snapshot(variant: VariantDef) -> dict[str, object]:
    return {
        "options": dict(variant.options),
        "neverRequireSignedURLs": variant.never_requires_signed_urls,
    }


class VariantService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        audit: AuditLog | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = audit or AuditLog(sessions, clock)  # every change is audited

    async def list(self, account_id: str) -> dict[str, VariantDef]:
        async with self._sessions() as session:
            rows = await repo.variants_of(session, account_id)
        found = {row.name: _def_of(row) for row in rows}
        return {PUBLIC: found.get(PUBLIC, _PUBLIC)} | found

    async def get(self, account_id: str, name: str) -> VariantDef:
        async with self._sessions() as session:
            row = await repo.variant(session, account_id, name)
        if row is not None:
            return _def_of(row)
        if name == PUBLIC:
            return _PUBLIC
        raise VariantNotFound(f"no variant {name[:99]!r}")

    async def create(
        self,
        account_id: str,
        name: str,
        options: object,
        never_signed: bool,
        *,
        actor: Actor | None = None,
    ) -> VariantDef:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ImagesBadRequest(
                "variant id", detail="Bad request: variant id must be 1-99 letters or digits"
            )
        clean = validate_variant_options(options)
        row = StoredVariant(
            account_id=account_id,
            name=name,
            options=clean,
            never_require_signed_urls=never_signed,
            version=1,
            modified_on=self._clock.now(),
        )
        try:
            async with self._sessions.begin() as session:
                await self._check_room(session, account_id, name)
                session.add(row)
                entry = _audit_entry(Action.CREATE, account_id, name, new=_def_of(row))
                await self._audit.record(entry, actor, session=session)
        except IntegrityError as exc:  # a concurrent create of the same name won
            raise DuplicateVariant(f"variant {name} exists") from exc
        return _def_of(row)

    async def _check_room(self, session: AsyncSession, account_id: str, name: str) -> None:
        if name == PUBLIC or await repo.variant(session, account_id, name) is not None:
            raise DuplicateVariant(f"variant {name} exists")
        if len(await variant_names(session, account_id)) >= MAX_VARIANTS:
            raise ImagesBadRequest(
                "variant limit", detail=f"Bad request: at most {MAX_VARIANTS} variants per account"
            )

    async def edit(
        self,
        account_id: str,
        name: str,
        options: object,
        never_signed: bool | None,
        *,
        actor: Actor | None = None,
    ) -> VariantDef:
        clean = validate_variant_options(options)
        async with self._sessions.begin() as session:
            row = await repo.variant(session, account_id, name)
            if row is None and name != PUBLIC:
                raise VariantNotFound(f"no variant {name[:99]!r}")
            before = _def_of(row) if row is not None else _PUBLIC
            if row is None:  # the first edit of `public` stores it
                row = StoredVariant(account_id=account_id, name=PUBLIC, version=0)
                session.add(row)
            row.options = clean
            if never_signed is not None:
                row.never_require_signed_urls = never_signed
            row.never_require_signed_urls = bool(row.never_require_signed_urls)
            row.version = (row.version or 0) + 1
            row.modified_on = self._clock.now()
            await session.flush()
            after = _def_of(row)
            entry = _audit_entry(Action.UPDATE, account_id, name, old=before, new=after)
            await self._audit.record(entry, actor, session=session)
            return after

    async def delete(self, account_id: str, name: str, *, actor: Actor | None = None) -> None:
        if name == PUBLIC:
            raise ImagesBadRequest(
                "delete public", detail="Bad request: the public variant cannot be deleted"
            )
        async with self._sessions.begin() as session:
            row = await repo.variant(session, account_id, name)
            if row is None:
                raise VariantNotFound(f"no variant {name[:99]!r}")
            await session.delete(row)
            entry = _audit_entry(Action.DELETE, account_id, name, old=_def_of(row))
            await self._audit.record(entry, actor, session=session)
