"""fsck (images rows against blobs) on real SQLite and PostgreSQL, blobs in a local folder."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.image_corpus import png

from flarelite.config import Settings
from flarelite.core.clock import FixedClock
from flarelite.images.errors import ImageNotFound
from flarelite.images.fsck import ImagesFsck, Repair
from flarelite.images.records import id_hash
from flarelite.images.service import UploadInput
from flarelite.services import Services, build
from flarelite.storage.blobs.local import LocalBlobs
from flarelite.storage.migrate import migrate


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
async def services(database_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    migrate(database_url)
    settings = Settings.from_env(
        {"FLARELITE_DATA_DIR": str(tmp_path), "FLARELITE_DATABASE_URL": database_url}
    )
    built = build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def account_id(services: Services) -> str:
    return (await services.identity.create_account("Images")).id


def fsck(services: Services) -> ImagesFsck:
    return ImagesFsck(services.sessions, services.blobs, services.clock)


async def upload(services: Services, account_id: str, custom_id: str) -> str:
    record = await services.images.upload(
        UploadInput(account_id=account_id, data=png(), custom_id=custom_id)
    )
    return record.id


async def blob_key(services: Services, account_id: str, image_id: str) -> str:
    keys = [m.key async for m in services.blobs.list(f"originals/{account_id}/{id_hash(image_id)}")]
    assert len(keys) == 1
    return keys[0]


async def test_consistent_store_is_clean(services: Services, account_id: str) -> None:
    for n in range(3):
        await upload(services, account_id, f"img-{n}")
    report = await fsck(services).run()
    assert report.is_clean
    assert (report.rows_checked, report.originals_checked) == (3, 3)
    assert report.as_json()["ok"] is True


async def test_orphan_originals_are_reported_and_only_old_ones_removed(
    services: Services, account_id: str
) -> None:
    kept = await upload(services, account_id, "kept")
    old, young = (f"originals/{account_id}/{c * 64}/00" for c in "ab")
    await services.blobs.put(old, b"crash left me")
    await services.blobs.put(young, b"upload in flight")
    assert isinstance(services.blobs, LocalBlobs)
    an_hour_ago = time.time() - 3600
    os.utime(services.blobs.root / old, (an_hour_ago, an_hour_ago))

    report = await fsck(services).run(Repair(orphans=True, grace=timedelta(minutes=10)))
    assert sorted((o.key, o.kind, o.removed) for o in report.orphan_blobs) == [
        (old, "original", True),
        (young, "original", False),
    ]
    assert not report.is_clean  # the young orphan is still there
    assert (await services.images.get(account_id, kept)).id == kept
    assert len([m async for m in services.blobs.list("originals/")]) == 2


async def test_row_without_bytes_is_reported_and_kept_unless_deletion_is_asked(
    services: Services, account_id: str
) -> None:
    image_id = await upload(services, account_id, "lost")
    key = await blob_key(services, account_id, image_id)
    variant = f"variants/{account_id}/{id_hash(image_id)}/k1"
    await services.blobs.put(variant, b'image/png\n"e"\nbytes')
    await services.blobs.delete(key)

    report = await fsck(services).run(Repair(orphans=True, grace=timedelta(0)))
    assert [(r.image_id, r.blob_key, r.found_size) for r in report.rows_without_bytes] == [
        (image_id, key, None)
    ]
    assert not report.is_clean
    assert (await services.images.get(account_id, image_id)).id == image_id  # never silent

    report = await fsck(services).run(
        Repair(orphans=True, delete_rows_without_bytes=True, grace=timedelta(0))
    )
    assert report.rows_without_bytes[0].deleted
    assert report.is_clean
    with pytest.raises(ImageNotFound):
        await services.images.get(account_id, image_id)
    assert [m async for m in services.blobs.list("variants/")] == []
    assert (await fsck(services).run()).is_clean


async def test_damaged_original_of_the_wrong_size_is_a_row_without_bytes(
    services: Services, account_id: str
) -> None:
    image_id = await upload(services, account_id, "torn")
    key = await blob_key(services, account_id, image_id)
    whole = await services.blobs.get(key)
    await services.blobs.put(key, whole[: len(whole) // 2])
    report = await fsck(services).run()
    [finding] = report.rows_without_bytes
    assert (finding.expected_size, finding.found_size) == (len(whole), len(whole) // 2)


async def test_variants_of_gone_images_are_removed_and_live_ones_kept(
    services: Services, account_id: str
) -> None:
    live = await upload(services, account_id, "live")
    live_variant = f"variants/{account_id}/{id_hash(live)}/k1"
    gone_variant = f"variants/{account_id}/{id_hash('gone')}/k1"
    for key in (live_variant, gone_variant):
        await services.blobs.put(key, b'image/png\n"e"\nbytes')
    report = await fsck(services).run(Repair(orphans=True))  # default grace: variants need none
    assert [(o.key, o.kind, o.removed) for o in report.orphan_blobs] == [
        (gone_variant, "variant", True)
    ]
    assert [m.key async for m in services.blobs.list("variants/")] == [live_variant]


async def test_staging_files_of_interrupted_writes_are_found_and_removed(
    services: Services, account_id: str
) -> None:
    assert isinstance(services.blobs, LocalBlobs)
    leftover = services.blobs.root / "originals" / account_id / "c" / "00#123456"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half an upl")
    assert [m async for m in services.blobs.list("originals/")] == []  # listings hide it
    report = await fsck(services).run(Repair(orphans=True, grace=timedelta(0)))
    assert [(o.key, o.kind, o.size, o.removed) for o in report.orphan_blobs] == [
        (f"originals/{account_id}/c/00#123456", "staging", 11, True)
    ]
    assert not leftover.exists()
