"""Cached reads delivery needs per request: account by hash, image facts, variants, config, keys.

Entries live ``ttl`` seconds and all drop when the change feed moves (an Images API write on
any worker bumps it), so the hot path costs dictionary lookups, not database round trips.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.identity.service import IdentityService
from flarelite.images import repo
from flarelite.images.account_config import AccountConfig, AccountConfigService
from flarelite.images.errors import DeliveryNotFound, VariantNotFound, WrongAccount
from flarelite.images.records import id_hash
from flarelite.images.signing import SigningKeyService
from flarelite.images.variants import VariantDef, VariantService
from flarelite.storage.changes import ChangeFeed

_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What delivery needs of an image row; ``blob_key`` changes whenever the bytes do."""

    account_id: str
    image_id: str
    id_hash: str
    blob_key: str
    content_type: str
    requires_signed_urls: bool


class _Memo(Generic[_K, _V]):
    """Values with an expiry; bounded by wiping everything when ``max_entries`` is reached."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._values: dict[_K, tuple[float, _V]] = {}

    async def get(self, key: _K, load: Callable[[], Awaitable[_V]]) -> _V:
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = await load()
        if len(self._values) >= self._max:
            self._values.clear()
        self._values[key] = (now + self._ttl, value)
        return value

    def clear(self) -> None:
        self._values.clear()


class DeliveryCatalogue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        identity: IdentityService,
        variants: VariantService,
        keys: SigningKeyService,
        config: AccountConfigService,
        changes: ChangeFeed,
        *,
        ttl: float = 2.0,
        max_entries: int = 20_000,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._identity = identity
        self._variants = variants
        self._keys = keys
        self._config = config
        self._changes = changes
        self._seen = changes.version()
        self._accounts: _Memo[str, str | None] = _Memo(ttl, max_entries)
        self._images: _Memo[tuple[str, str], ImageFacts | None] = _Memo(ttl, max_entries)
        self._variant_defs: _Memo[tuple[str, str], VariantDef | None] = _Memo(ttl, max_entries)
        self._configs: _Memo[str, AccountConfig] = _Memo(ttl, max_entries)
        self._key_values: _Memo[str, tuple[str, ...]] = _Memo(ttl, max_entries)

    def refresh(self) -> bool:
        """Drop every entry if the change feed moved since the last call; True if it did."""
        version = self._changes.version()
        if version == self._seen:
            return False
        self._seen = version
        for memo in (self._accounts, self._images, self._variant_defs, self._configs):
            memo.clear()
        self._key_values.clear()
        return True

    async def account_id(self, account_hash: str) -> str:
        """The account behind a delivery hash; raises WrongAccount (9427) for unknown ones."""

        async def load() -> str | None:
            account = await self._identity.find_account_by_hash(account_hash)
            return account.id if account is not None else None

        found = await self._accounts.get(account_hash, load)
        if found is None:
            raise WrongAccount(f"unknown account hash {account_hash!r}")
        return found

    async def image(self, account_id: str, image_id: str) -> ImageFacts:
        """Facts of a finished (non-draft) image; raises DeliveryNotFound (9431)."""
        found = await self._images.get(
            (account_id, image_id), lambda: self._load(account_id, image_id)
        )
        if found is None:
            raise DeliveryNotFound(f"no image {image_id[:100]!r}")
        return found

    async def _load(self, account_id: str, image_id: str) -> ImageFacts | None:
        async with self._sessions() as session:
            row = await repo.image_by_hash(session, account_id, id_hash(image_id))
        if row is None or row.draft or not row.blob_key:
            return None
        return ImageFacts(
            account_id=account_id,
            image_id=row.image_id,
            id_hash=row.id_hash,
            blob_key=row.blob_key,
            content_type=row.content_type or "application/octet-stream",
            requires_signed_urls=bool(row.require_signed_urls),
        )

    async def variant(self, account_id: str, name: str) -> VariantDef:
        """A named variant; raises DeliveryNotFound (9431) when the account has no such one."""

        async def load() -> VariantDef | None:
            try:
                return await self._variants.get(account_id, name)
            except VariantNotFound:
                return None

        found = await self._variant_defs.get((account_id, name), load)
        if found is None:
            raise DeliveryNotFound(f"no variant {name!r}")
        return found

    async def config(self, account_id: str) -> AccountConfig:
        return await self._configs.get(account_id, lambda: self._config.get(account_id))

    async def keys(self, account_id: str) -> tuple[str, ...]:
        async def load() -> tuple[str, ...]:
            return tuple(key.value for key in await self._keys.list(account_id))

        return await self._key_values.get(account_id, load)

    def now(self) -> int:
        return int(self._clock.now().timestamp())
