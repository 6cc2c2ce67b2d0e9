"""The BlobStore contract, written once and run on every backend: a local folder and S3 (moto)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.servers import S3Server, create_bucket, moto_s3_server

from flarelite.storage.blobs import BlobNotFound, BlobStore
from flarelite.storage.blobs.local import local_blobs
from flarelite.storage.blobs.s3 import s3_blobs


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with moto_s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return local_blobs(tmp_path / "objects")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = f"b{secrets.token_hex(6)}"
    create_bucket(server, bucket)
    return s3_blobs(f"s3://{bucket}/some/prefix", server.config, allow_http=True)


async def test_put_then_get_returns_the_same_bytes(blobs: BlobStore) -> None:
    data = secrets.token_bytes(300_000)
    await blobs.put("originals/acct/abc/1", data)
    assert await blobs.get("originals/acct/abc/1") == data


async def test_put_replaces_existing_bytes(blobs: BlobStore) -> None:
    await blobs.put("k/one", b"first")
    await blobs.put("k/one", b"second")
    assert await blobs.get("k/one") == b"second"


async def test_get_of_a_missing_key_raises_blob_not_found(blobs: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        await blobs.get("no/such/key")


async def test_delete_removes_and_is_idempotent(blobs: BlobStore) -> None:
    await blobs.put("d/x", b"x")
    await blobs.delete("d/x")
    await blobs.delete("d/x")
    with pytest.raises(BlobNotFound):
        await blobs.get("d/x")


async def test_list_is_recursive_and_respects_path_prefixes(blobs: BlobStore) -> None:
    for key in ("v/a/1", "v/a/2/deep", "v/ab/3", "w/4"):
        await blobs.put(key, key.encode())
    listed = {meta.key: meta.size for meta in [m async for m in blobs.list("v/a/")]}
    assert listed == {"v/a/1": 5, "v/a/2/deep": 10}
    everything = {m.key async for m in blobs.list()}
    assert {"v/a/1", "v/a/2/deep", "v/ab/3", "w/4"} <= everything


async def test_listed_blobs_carry_a_recent_utc_modification_time(blobs: BlobStore) -> None:
    await blobs.put("t/1", b"1")
    [meta] = [m async for m in blobs.list("t/")]
    assert meta.last_modified.tzinfo is not None
    assert abs(meta.last_modified - datetime.now(UTC)) < timedelta(minutes=5)


async def test_list_of_an_empty_prefix_is_empty(blobs: BlobStore) -> None:
    assert [m async for m in blobs.list("nothing/here/")] == []


async def test_delete_prefix_removes_only_that_subtree(blobs: BlobStore) -> None:
    for key in ("variants/acct/img/a", "variants/acct/img/b/c", "variants/acct/img2/a"):
        await blobs.put(key, b"v")
    assert await blobs.delete_prefix("variants/acct/img/") == 2
    assert [m.key async for m in blobs.list("variants/acct/")] == ["variants/acct/img2/a"]


@pytest.mark.parametrize("key", ["../escape", "a//b", "a/./b", "/abs", "a/b#123", "a b"])
async def test_the_local_folder_refuses_keys_it_cannot_map_to_a_file(
    tmp_path: Path, key: str
) -> None:
    blobs = local_blobs(tmp_path / "objects")
    with pytest.raises(ValueError, match="unsupported blob key"):
        await blobs.put(key, b"x")
    assert not any((tmp_path / "objects").iterdir())


async def test_the_local_folder_reads_a_prefix_or_a_path_below_a_blob_as_not_found(
    tmp_path: Path,
) -> None:
    blobs = local_blobs(tmp_path / "objects")
    await blobs.put("a/b", b"x")
    for key in ("a", "a/b/c"):
        with pytest.raises(BlobNotFound):
            await blobs.get(key)
