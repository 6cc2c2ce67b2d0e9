"""This flarelite as a copy end: one account, read and written through the domain services.

Writing through the services (not the HTTP API) is what lets an import keep generated
(UUID) ids and upload times, which the public upload endpoint cannot take (custom ids may
never be UUIDs, reference images.md §3.2). The same limits, sniffing and quota apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from flarelite.images.account_config import AccountConfigService
from flarelite.images.errors import ImageNotFound, VariantNotFound
from flarelite.images.options import validate_variant_options
from flarelite.images.porting.model import (
    ImageFailed,
    Original,
    Outcome,
    Presence,
    SourceImage,
    VariantSpec,
)
from flarelite.images.records import ImageRecord
from flarelite.images.service import ImagesService, ListQuery, RestoredImage
from flarelite.images.variants import VariantService

LIST_PAGE = 500
CONFIG_KEYS = ("flexible_variants", "browser_ttl", "preserve_content_credentials")


def source_image_of(record: ImageRecord) -> SourceImage:
    return SourceImage(
        id=record.id,
        filename=record.filename,
        creator=record.creator,
        meta=dict(record.meta),
        requires_signed_urls=record.requires_signed_urls,
        uploaded=record.uploaded,
    )


class LocalSource:
    """One account of this flarelite, oldest image first (what ``images export`` reads)."""

    def __init__(
        self,
        account_id: str,
        images: ImagesService,
        variants: VariantService,
        config: AccountConfigService,
    ) -> None:
        self._account = account_id
        self._images = images
        self._variants = variants
        self._config = config

    async def count(self) -> int | None:
        current, _ = await self._images.stats(self._account)
        return current

    async def images(self) -> AsyncIterator[SourceImage]:
        cursor: str | None = None
        while True:
            query = ListQuery(per_page=LIST_PAGE, cursor=cursor, descending=False)
            page, cursor = await self._images.list_after(self._account, query)
            for record in page:
                yield source_image_of(record)
            if cursor is None:
                return

    async def original(self, image: SourceImage) -> Original:
        try:
            data, content_type = await self._images.original(self._account, image.id)
        except ImageNotFound as exc:  # deleted while the copy ran
            raise ImageFailed(f"image {image.id!r} was deleted meanwhile") from exc
        return Original(data, content_type)

    async def variants(self) -> list[VariantSpec]:
        found = await self._variants.list(self._account)
        return [
            VariantSpec(name, dict(v.options), v.never_requires_signed_urls)
            for name, v in sorted(found.items())
        ]

    async def config(self) -> dict[str, Any] | None:
        current = await self._config.get(self._account)
        return {key: getattr(current, key) for key in CONFIG_KEYS}


class LocalSink:
    """Writes into one account of this flarelite; ``on_change`` tells running servers."""

    def __init__(
        self,
        account_id: str,
        images: ImagesService,
        variants: VariantService,
        config: AccountConfigService,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._account = account_id
        self._images = images
        self._variants = variants
        self._config = config
        self._on_change = on_change

    async def presence(self, image: SourceImage) -> Presence:
        try:
            record = await self._images.get(self._account, image.id)
        except ImageNotFound:
            return Presence.ABSENT
        if record.is_draft:  # a pending direct upload holds the id: restore reports it taken
            return Presence.ABSENT
        same = (
            record.meta == image.meta
            and record.creator == image.creator
            and record.requires_signed_urls == image.requires_signed_urls
        )
        return Presence.SAME if same else Presence.STALE

    async def put_image(self, image: SourceImage, original: Original) -> None:
        await self._images.restore(
            RestoredImage(
                account_id=self._account,
                image_id=image.id,
                data=original.data,
                filename=image.filename,
                creator=image.creator,
                metadata=image.meta,
                requires_signed_urls=image.requires_signed_urls,
                uploaded=image.uploaded,
            )
        )

    async def refresh_image(self, image: SourceImage) -> None:
        await self._images.edit(
            self._account,
            image.id,
            metadata=image.meta,
            requires_signed_urls=image.requires_signed_urls,
            creator=image.creator,
        )

    async def put_variant(self, variant: VariantSpec) -> Outcome:
        wanted = validate_variant_options(variant.options)
        never = variant.never_requires_signed_urls
        try:
            current = await self._variants.get(self._account, variant.name)
        except VariantNotFound:
            await self._variants.create(self._account, variant.name, wanted, never)
            return Outcome.COPIED
        if current.options == wanted and current.never_requires_signed_urls == never:
            return Outcome.SKIPPED
        await self._variants.edit(self._account, variant.name, wanted, never)
        return Outcome.UPDATED

    async def put_config(self, config: dict[str, Any]) -> Outcome:
        current = await self._config.get(self._account)
        wanted = {
            key: config[key]
            for key in CONFIG_KEYS
            if key in config and config[key] != getattr(current, key)
        }
        if not wanted:
            return Outcome.SKIPPED
        await self._config.update(self._account, **wanted)
        return Outcome.UPDATED

    async def finish(self, completed: bool) -> None:
        # Even after an interruption: running servers cache variants and config for
        # delivery, so tell them to look again.
        if self._on_change is not None:
            self._on_change()
