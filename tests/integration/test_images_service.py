"""The images services on real SQLite and PostgreSQL, with originals in a local folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.image_corpus import jpeg, png

from flarelite.config import Settings
from flarelite.core.clock import FixedClock
from flarelite.images.direct_upload import DirectUploadInput
from flarelite.images.errors import (
    DuplicateImageId,
    ImageNotFound,
    ImagesBadRequest,
    ImagesServiceLimit,
    UploadUrlNotFound,
)
from flarelite.images.listing import parse_filters
from flarelite.images.records import id_hash
from flarelite.images.service import ListQuery, UploadInput
from flarelite.services import Services, build
from flarelite.storage.migrate import migrate

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def services(database_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    migrate(database_url)
    settings = Settings.from_env(
        {
            "FLARELITE_DATA_DIR": str(tmp_path),
            "FLARELITE_DATABASE_URL": database_url,
            "FLARELITE_IMAGES_QUOTA": "30",
            "FLARELITE_PUBLIC_URL": "https://img.example",
        }
    )
    built = build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def account_id(services: Services) -> str:
    return (await services.identity.create_account("Images")).id


async def originals(services: Services) -> list[str]:
    return [meta.key async for meta in services.blobs.list("originals/")]


async def upload(services: Services, account_id: str, **fields: object) -> str:
    fields.setdefault("data", png())
    record = await services.images.upload(UploadInput(account_id=account_id, **fields))  # type: ignore[arg-type]
    return record.id


async def test_upload_stores_the_original_and_describes_it(
    services: Services, account_id: str
) -> None:
    data = jpeg(120, 80)
    image_id = await upload(services, account_id, data=data, filename="cat.jpg", creator="u1")
    record = await services.images.get(account_id, image_id)
    account = await services.identity.get_account(account_id)
    assert (record.filename, record.creator, record.width, record.height) == (
        "cat.jpg",
        "u1",
        120,
        80,
    )
    assert record.variants == (
        f"https://img.example/cdn-cgi/imagedelivery/{account.account_hash}/{image_id}/public",
    )
    assert await services.images.original(account_id, image_id) == (data, "image/jpeg")
    assert len(await originals(services)) == 1


async def test_duplicate_custom_id_is_refused_and_leaves_one_blob(
    services: Services, account_id: str
) -> None:
    await upload(services, account_id, custom_id="a/b c.png")
    with pytest.raises(DuplicateImageId):
        await upload(services, account_id, custom_id="a/b c.png")
    assert len(await originals(services)) == 1


async def test_delete_removes_row_original_and_stored_variants(
    services: Services, account_id: str
) -> None:
    image_id = await upload(services, account_id, custom_id="gone")
    await services.blobs.put(f"variants/{account_id}/{id_hash(image_id)}/public/x", b"built")
    await services.images.delete(account_id, image_id)
    with pytest.raises(ImageNotFound):
        await services.images.get(account_id, image_id)
    assert [m async for m in services.blobs.list("")] == []


async def test_edit_replaces_metadata_and_refuses_private_custom_ids(
    services: Services, account_id: str
) -> None:
    image_id = await upload(services, account_id, custom_id="named", metadata='{"a": 1}')
    edited = await services.images.edit(account_id, image_id, metadata={"b": 2})
    assert edited.meta == {"b": 2}
    with pytest.raises(ImagesBadRequest):
        await services.images.edit(account_id, image_id, requires_signed_urls=True)
    generated = await upload(services, account_id)
    edited = await services.images.edit(account_id, generated, requires_signed_urls=True)
    assert edited.requires_signed_urls is True


async def test_quota_refuses_uploads_past_the_allowance(
    services: Services, account_id: str
) -> None:
    for _ in range(30):
        await upload(services, account_id)
    with pytest.raises(ImagesServiceLimit):
        await upload(services, account_id)
    assert await services.images.stats(account_id) == (30, 30)
    assert len(await originals(services)) == 30


async def test_v2_pages_stay_correct_while_images_come_and_go(
    services: Services, account_id: str, clock: FixedClock
) -> None:
    ids = []
    for _ in range(25):
        clock.advance(timedelta(seconds=1))
        ids.append(await upload(services, account_id))
    seen: list[str] = []
    page, token = await services.images.list_after(account_id, ListQuery(10, descending=False))
    seen += [r.id for r in page]
    await services.images.delete(account_id, ids[2])  # already seen
    await services.images.delete(account_id, ids[15])  # not yet seen
    clock.advance(timedelta(seconds=1))
    added = await upload(services, account_id)
    while token is not None:
        page, token = await services.images.list_after(
            account_id, ListQuery(10, cursor=token, descending=False)
        )
        seen += [r.id for r in page]
    assert len(seen) == len(set(seen))
    assert seen == [i for i in ids if i != ids[15]] + [added]


async def test_v2_descending_with_metadata_filters(services: Services, account_id: str) -> None:
    for n in range(12):
        await upload(
            services, account_id, metadata={"n": n, "kind": "even" if n % 2 == 0 else "odd"}
        )
    filters = parse_filters([("meta.kind[eq]", "even"), ("meta.n[gte:number]", "4")])
    page, token = await services.images.list_after(account_id, ListQuery(10, filters=filters))
    assert [r.meta["n"] for r in page] == [10, 8, 6, 4]
    assert token is None


async def test_v1_pages_past_the_end_are_empty(services: Services, account_id: str) -> None:
    for _ in range(12):
        await upload(services, account_id)
    assert len(await services.images.list_page(account_id, 2, 10)) == 2
    assert await services.images.list_page(account_id, 3, 10) == []


async def test_sweep_removes_only_old_unreferenced_blobs(
    services: Services, account_id: str, clock: FixedClock
) -> None:
    kept = await upload(services, account_id)
    await services.blobs.put(f"originals/{account_id}/orphan/0", b"crash left me")
    clock.set(datetime.now(UTC) + timedelta(hours=2))
    report = await services.images.sweep(timedelta(hours=1))
    assert report.orphaned_blobs == [f"originals/{account_id}/orphan/0"]
    assert len(await originals(services)) == 1
    assert (await services.images.get(account_id, kept)).id == kept
    await services.blobs.put(f"originals/{account_id}/fresh/0", b"upload in flight")
    clock.set(datetime.now(UTC))
    assert (await services.images.sweep(timedelta(hours=1))).orphaned_blobs == []


async def test_direct_upload_draft_is_hidden_then_completed_once(
    services: Services, account_id: str
) -> None:
    created = await services.direct_uploads.create(
        DirectUploadInput(account_id=account_id, metadata={"who": "creator"})
    )
    draft = await services.images.get(account_id, created.id)
    assert draft.is_draft
    assert draft.filename is None
    assert await services.images.list_page(account_id, 1, 10) == []
    token = created.upload_url.rsplit("/", 1)[1]
    record = await services.direct_uploads.complete(token, png(), "p.png")
    assert (record.is_draft, record.filename, record.meta) == (False, "p.png", {"who": "creator"})
    with pytest.raises(UploadUrlNotFound):
        await services.direct_uploads.complete(token, png(), "p.png")
    assert len(await originals(services)) == 1


async def test_expired_direct_upload_is_gone_and_frees_its_custom_id(
    services: Services, account_id: str, clock: FixedClock
) -> None:
    created = await services.direct_uploads.create(
        DirectUploadInput(
            account_id=account_id, custom_id="later", expiry=START + timedelta(minutes=5)
        )
    )
    clock.advance(timedelta(minutes=6))
    with pytest.raises(ImageNotFound):
        await services.images.get(account_id, "later")
    with pytest.raises(UploadUrlNotFound):
        await services.direct_uploads.complete(created.upload_url.rsplit("/", 1)[1], png(), None)
    assert (await upload(services, account_id, custom_id="later")) == "later"


async def test_direct_upload_expiry_outside_the_window_is_refused(
    services: Services, account_id: str
) -> None:
    for expiry in (START + timedelta(seconds=30), START + timedelta(hours=7)):
        with pytest.raises(ImagesBadRequest):
            await services.direct_uploads.create(
                DirectUploadInput(account_id=account_id, expiry=expiry)
            )
