"""Per-account Images settings (``/images/v1/config``): flexible variants and browser TTL (§2.9)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.images import repo
from flarelite.images.errors import ImagesBadRequest
from flarelite.images.models import ImagesConfig

DEFAULT_BROWSER_TTL = 172_800  # 2 days (§4.4)
BROWSER_TTL_RANGE = (3600, 31_536_000)  # 1 hour to 1 year (§2.9)


@dataclass(frozen=True, slots=True)
class AccountConfig:
    flexible_variants: bool = False
    browser_ttl: int = DEFAULT_BROWSER_TTL
    preserve_content_credentials: bool = False


def _of(row: ImagesConfig | None) -> AccountConfig:
    if row is None:
        return AccountConfig()
    return AccountConfig(row.flexible_variants, row.browser_ttl, row.preserve_content_credentials)


class AccountConfigService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, account_id: str) -> AccountConfig:
        async with self._sessions() as session:
            return _of(await repo.config_of(session, account_id))

    async def update(
        self,
        account_id: str,
        *,
        flexible_variants: bool | None = None,
        browser_ttl: int | None = None,
        preserve_content_credentials: bool | None = None,
    ) -> AccountConfig:
        if browser_ttl is not None and not (
            BROWSER_TTL_RANGE[0] <= browser_ttl <= BROWSER_TTL_RANGE[1]
        ):
            raise ImagesBadRequest(
                "browser_ttl", detail="Bad request: browser_ttl must be from 3600 to 31536000"
            )
        async with self._sessions.begin() as session:
            row = await repo.config_of(session, account_id)
            if row is None:
                current = AccountConfig()
                row = ImagesConfig(
                    account_id=account_id,
                    flexible_variants=current.flexible_variants,
                    browser_ttl=current.browser_ttl,
                    preserve_content_credentials=current.preserve_content_credentials,
                )
                session.add(row)
            if flexible_variants is not None:
                row.flexible_variants = flexible_variants
            if browser_ttl is not None:
                row.browser_ttl = browser_ttl
            if preserve_content_credentials is not None:
                row.preserve_content_credentials = preserve_content_credentials
            row.modified_on = self._clock.now()
            return _of(row)
