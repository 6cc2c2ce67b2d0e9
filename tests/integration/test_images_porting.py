"""Copying Images accounts on real SQLite and PostgreSQL: ``ImagesService.restore``, this
flarelite as source and sink, and the export folder (interrupted, then resumed)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.image_corpus import jpeg, png

from flarelite.config import Settings
from flarelite.core.clock import FixedClock
from flarelite.images.errors import (
    DuplicateImageId,
    ImagesBadRequest,
    InvalidCustomId,
    UnsupportedImageFormat,
)
from flarelite.images.porting.copy import copy_account
from flarelite.images.porting.folder import JOURNAL, MANIFEST, FolderSink, FolderSource
from flarelite.images.porting.local import LocalSink, LocalSource
from flarelite.images.porting.model import PortingError, SourceImage
from flarelite.images.service import RestoredImage, UploadInput
from flarelite.services import Services, build
from flarelite.storage.migrate import migrate

START = datetime(2026, 1, 1, tzinfo=UTC)
GENERATED_ID = "2cdc28f0-017a-49c4-9ed7-87056c83901f"


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    migrate(database_url)
    settings = Settings.from_env(
        {"FLARELITE_DATA_DIR": str(tmp_path), "FLARELITE_DATABASE_URL": database_url}
    )
    built = build(settings, clock=FixedClock(START))
    yield built
    await built.close()


async def new_account(services: Services, name: str) -> str:
    return (await services.identity.create_account(name)).id


def local_source(services: Services, account_id: str) -> LocalSource:
    return LocalSource(account_id, services.images, services.image_variants, services.image_config)


def local_sink(services: Services, account_id: str) -> LocalSink:
    return LocalSink(account_id, services.images, services.image_variants, services.image_config)


async def fill(services: Services, account_id: str, count: int = 6) -> None:
    for index in range(count):
        custom = f"shop/item-{index}" if index % 2 else None
        await services.images.upload(
            UploadInput(
                account_id,
                data=png(20 + index, 10) if index % 3 else jpeg(30 + index, 12),
                filename=f"f{index}.png",
                custom_id=custom,
                metadata={"n": index},
                requires_signed_urls=custom is None and index % 4 == 0,
                creator="alice" if index % 2 else None,
            )
        )
    await services.image_variants.create(account_id, "thumb", {"width": 50, "height": 50}, True)
    await services.image_config.update(account_id, browser_ttl=7200, flexible_variants=True)


async def test_restore_keeps_generated_id_upload_time_and_signed_flag(services: Services) -> None:
    account = await new_account(services, "dest")
    uploaded = START - timedelta(days=400)
    restored = await services.images.restore(
        RestoredImage(account, GENERATED_ID, png(), "a.png", "bob", {"k": [1]}, True, uploaded)
    )
    got = await services.images.get(account, GENERATED_ID)
    assert (got.id, got.uploaded, got.requires_signed_urls) == (GENERATED_ID, uploaded, True)
    assert (got.filename, got.creator, got.meta) == ("a.png", "bob", {"k": [1]})
    assert restored == got
    assert (await services.images.original(account, GENERATED_ID))[0] == png()
    with pytest.raises(DuplicateImageId):
        await services.images.restore(RestoredImage(account, GENERATED_ID, png()))


async def test_restore_applies_the_upload_rules(services: Services) -> None:
    account = await new_account(services, "dest")
    with pytest.raises(ImagesBadRequest):  # custom ids cannot require signed URLs (§3.2)
        await services.images.restore(
            RestoredImage(account, "custom", png(), requires_signed_urls=True)
        )
    with pytest.raises(InvalidCustomId):
        await services.images.restore(RestoredImage(account, "/leading-slash", png()))
    with pytest.raises(UnsupportedImageFormat):  # sniffed like an upload, never trusted
        await services.images.restore(RestoredImage(account, "not-an-image", b"plain text"))
    restored = await services.images.restore(RestoredImage(account, "custom", png()))
    assert restored.uploaded == START  # no upload time given: now


async def test_copy_between_accounts_is_idempotent_and_refreshes_changed_fields(
    services: Services,
) -> None:
    source, dest = await new_account(services, "source"), await new_account(services, "dest")
    await fill(services, source)

    first = await copy_account(
        local_source(services, source), local_sink(services, dest), concurrency=3
    )
    assert (first.copied, first.skipped, first.failed) == (6, 0, {})
    assert first.variants == {"public": "skipped", "thumb": "copied"}
    assert first.config == "updated"

    some = (await services.images.list_page(source, 1, 10))[0]
    await services.images.edit(source, some.id, metadata={"changed": True})
    second = await copy_account(local_source(services, source), local_sink(services, dest))
    assert (second.copied, second.updated, second.skipped, second.bytes_copied) == (0, 1, 5, 0)
    assert set(second.variants.values()) == {"skipped"}
    assert second.config == "skipped"

    for record in await services.images.list_page(source, 1, 10):
        copied = await services.images.get(dest, record.id)
        assert (copied.meta, copied.creator, copied.uploaded) == (
            record.meta,
            record.creator,
            record.uploaded,
        )
        assert copied.requires_signed_urls == record.requires_signed_urls
        original = await services.images.original(source, record.id)
        assert await services.images.original(dest, record.id) == original
    thumb = await services.image_variants.get(dest, "thumb")
    assert thumb.never_requires_signed_urls is True
    assert (await services.image_config.get(dest)).browser_ttl == 7200


class CutShort(LocalSource):
    """The real source, but the listing breaks after ``limit`` images (a dropped connection)."""

    def __init__(self, inner: LocalSource, limit: int) -> None:
        self.__dict__.update(inner.__dict__)
        self._limit = limit

    async def images(self) -> AsyncIterator[SourceImage]:
        seen = 0
        async for image in super().images():
            if seen == self._limit:
                raise PortingError("connection dropped")
            seen += 1
            yield image


async def test_interrupted_export_resumes_and_folder_imports_back(
    services: Services, tmp_path: Path
) -> None:
    source, dest = await new_account(services, "source"), await new_account(services, "dest")
    await fill(services, source)
    folder = tmp_path / "export"

    with pytest.raises(PortingError):
        await copy_account(
            CutShort(local_source(services, source), 4),
            FolderSink(folder, {"id": source}),
            concurrency=1,
        )
    assert not (folder / MANIFEST).exists(), "an interrupted export must not look finished"
    # The failure cancels the images still queued: between one and four made it.
    done = len((folder / JOURNAL).read_text().splitlines())
    assert 1 <= done <= 4

    resumed = await copy_account(local_source(services, source), FolderSink(folder, {"id": source}))
    assert (resumed.copied, resumed.skipped) == (6 - done, done)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert len(manifest["images"]) == 6
    assert not (folder / JOURNAL).exists()
    assert manifest["config"]["browser_ttl"] == 7200

    imported = await copy_account(FolderSource(folder), local_sink(services, dest))
    assert (imported.copied, imported.failed) == (6, {})
    for entry in manifest["images"]:
        data, _ = await services.images.original(dest, entry["id"])
        assert data == (folder / entry["file"]).read_bytes()


async def test_folder_import_reports_a_corrupted_file_and_copies_the_rest(
    services: Services, tmp_path: Path
) -> None:
    source, dest = await new_account(services, "source"), await new_account(services, "dest")
    await fill(services, source, count=3)
    folder = tmp_path / "export"
    await copy_account(local_source(services, source), FolderSink(folder, {"id": source}))
    broken = json.loads((folder / MANIFEST).read_text())["images"][0]
    (folder / broken["file"]).write_bytes(b"tampered")

    report = await copy_account(FolderSource(folder), local_sink(services, dest))
    assert report.copied == 2
    assert list(report.failed) == [broken["id"]]
    assert "sha256" in report.failed[broken["id"]]
    assert not report.is_complete


async def test_export_never_mixes_two_accounts_in_one_folder(
    services: Services, tmp_path: Path
) -> None:
    first, second = await new_account(services, "first"), await new_account(services, "second")
    await fill(services, first, count=1)
    folder = tmp_path / "export"
    await copy_account(local_source(services, first), FolderSink(folder, {"id": first}))
    with pytest.raises(PortingError, match="holds an export of account"):
        FolderSink(folder, {"id": second})
