"""`flarelite images import|export` end to end: a source flarelite server started here, the
CLI writing into a data dir of its own, and that data dir served again to compare through the
official SDK. The import is killed halfway and resumed; everything must end byte-identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudflare
import httpx
import pytest
import pyvips
from tests.servers import FLARELITE, Server, base_env, run_cli, running_server, sdk
from tests.stack import stack_env

IMAGES = 52
PRIVATE_EVERY = 5  # every fifth generated-id image requires signed URLs
VARIANTS = {
    "thumb": ({"fit": "cover", "width": 120, "height": 120, "metadata": "none"}, False),
    "hero": ({"fit": "scale-down", "width": 1600, "height": 900, "metadata": "keep"}, True),
}
CONFIG = {"flexible_variants": True, "browser_ttl": 7200}


def picture(index: int) -> bytes:
    """A distinct JPEG or PNG per index, large enough that copying takes a moment."""
    width, height = 320 + index, 240
    image = (pyvips.Image.xyz(width, height)[0] * (index + 1) % 256).cast("uchar")
    image = image.bandjoin([(index * 37) % 256, 90]).copy(interpretation="srgb")
    return bytes(image.pngsave_buffer() if index % 3 == 0 else image.jpegsave_buffer(Q=90))


def fill_source(server: Server) -> None:
    """52 images (custom and generated ids, metadata, creators, private ones), variants, config."""
    cf = sdk(server)
    for index in range(IMAGES):
        fields: dict[str, Any] = {"file": (f"photo-{index}.jpg", picture(index))}
        if index % 4 == 1:
            fields["id"] = f"catalogue/item-{index}"  # custom id with a slash
        elif index % PRIVATE_EVERY == 0:
            fields["require_signed_urls"] = True
        if index % 2 == 0:
            fields["metadata"] = {"index": str(index), "kind": "photo"}
        if index % 3 == 0:
            fields["creator"] = f"user-{index % 7}"
        image = cf.images.v1.create(account_id=server.account_id, **fields)
        if index % 10 == 4:  # richer JSON metadata than a form can carry
            assert image.id
            meta = {"index": index, "tags": ["a", "b"], "nested": {"k": None, "n": 1.5}}
            cf.images.v1.edit(image.id, account_id=server.account_id, metadata=meta)
    for name, (options, never_signed) in VARIANTS.items():
        cf.images.v1.variants.create(
            account_id=server.account_id,
            id=name,
            options=options,  # type: ignore[arg-type]
            never_require_signed_urls=never_signed,
        )
    cf.images.v1.variants.edit(
        "public",
        account_id=server.account_id,
        options={"fit": "contain", "width": 800, "height": 600, "metadata": "none"},
    )
    answer = httpx.patch(
        f"{server.api}/accounts/{server.account_id}/images/v1/config",
        json=CONFIG,
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("source")) as server:
        fill_source(server)
        yield server


def images_read_token(server: Server) -> str:
    """A token that may only read Images on the source account: all an import needs."""
    cf = sdk(server)
    groups = {g.name: g.id for g in cf.user.tokens.permission_groups.list()}
    created = cf.user.tokens.create(
        name="import",
        policies=[
            {
                "effect": "allow",
                "resources": {f"com.cloudflare.api.account.{server.account_id}": "*"},
                "permission_groups": [{"id": groups["Images Read"]}],
            }
        ],
    )
    assert created.value
    return created.value


def local_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """A destination flarelite of the test's own: its data dir, the given database, files."""
    return base_env(
        data_dir,
        {
            "FLARELITE_DATABASE_URL": database_url,
            "FLARELITE_STORAGE_URL": (data_dir / "objects").as_uri(),
        },
    )


def init_local(env: dict[str, str]) -> dict[str, str]:
    done = run_cli(env, "init", "--email", "dest@example.com", "--password", "correct-horse-2")
    return dict(line.split(": ", 1) for line in done.stdout.splitlines())


def import_args(source: Server, token: str, into: str) -> list[str]:
    return ["images", "import", "--from", source.api, "--token", token,
            "--account", source.account_id, "--into", into, "--json"]  # fmt: skip


def originals_in(data_dir: Path) -> int:
    return sum(1 for p in (data_dir / "objects" / "originals").rglob("*") if p.is_file())


def kill_import_halfway(env: dict[str, str], args: list[str], data_dir: Path) -> None:
    """Start the import with one image at a time; SIGKILL it once some originals landed."""
    process = subprocess.Popen(
        [*FLARELITE, *args, "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if (data_dir / "objects").exists() and originals_in(data_dir) >= 4:
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be cut"


def listing(cf: cloudflare.Cloudflare, account_id: str) -> dict[str, dict[str, Any]]:
    page = cf.images.v2.list(account_id=account_id, per_page=1000)
    return {
        image.id: {
            "filename": image.filename,
            "creator": image.creator,
            "meta": image.meta,
            "requireSignedURLs": image.require_signed_urls,
            "uploaded": image.uploaded,
        }
        for image in page.images or []
        if image.id
    }


def variants_of(cf: cloudflare.Cloudflare, account_id: str) -> dict[str, Any]:
    found = cf.images.v1.variants.list(account_id=account_id)
    return json.loads(found.model_dump_json())["variants"]


def config_of(server: Server, token: str, account_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server.api}/accounts/{account_id}/images/v1/config",
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.json()["result"]


@pytest.fixture
def dest_database(tmp_path: Path) -> Iterator[str]:
    """The selected stack's database (SQLite when embedded); originals stay in a local folder
    so the test can watch them land."""
    with stack_env() as chosen:
        yield chosen.get("FLARELITE_DATABASE_URL") or f"sqlite:///{tmp_path / 'dest.db'}"


def test_import_from_flarelite_is_resumable_idempotent_and_byte_identical(
    source: Server, tmp_path: Path, dest_database: str
) -> None:
    dest_dir = tmp_path / "dest"
    env = local_env(dest_dir, dest_database)
    admin = init_local(env)
    args = import_args(source, images_read_token(source), admin["account_id"])

    kill_import_halfway(env, args, dest_dir)
    resumed = json.loads(run_cli(env, *args).stdout)
    again = json.loads(run_cli(env, *args).stdout)

    counts = resumed["images"]
    assert counts["failed"] == 0, resumed
    assert resumed["complete"] is True, resumed
    assert counts["seen"] == IMAGES
    assert counts["skipped"] >= 1, "the interrupted run's images were copied again"
    assert counts["copied"] + counts["skipped"] == IMAGES
    assert again["images"] == {
        "seen": IMAGES, "copied": 0, "updated": 0, "skipped": IMAGES, "failed": 0,
    }  # fmt: skip
    assert again["bytes_copied"] == 0
    assert set(again["variants"].values()) == {"skipped"}
    assert again["config"] == "skipped"

    local = {"FLARELITE_DATA_DIR": env["FLARELITE_DATA_DIR"]}
    local |= {k: env[k] for k in ("FLARELITE_DATABASE_URL", "FLARELITE_STORAGE_URL")}
    with running_server(tmp_path, env=local, init=False) as dest:
        src_cf, dest_cf = sdk(source), sdk(dest, admin["token"])
        src_images = listing(src_cf, source.account_id)
        dest_images = listing(dest_cf, admin["account_id"])
        assert len(src_images) == IMAGES
        assert dest_images == src_images  # ids (generated ones too), fields and upload times
        assert sum(1 for i in dest_images.values() if i["requireSignedURLs"]) >= 8
        for image_id in src_images:
            original = src_cf.images.v1.blobs.get(image_id, account_id=source.account_id)
            copied = dest_cf.images.v1.blobs.get(image_id, account_id=admin["account_id"])
            assert copied.read() == original.read(), image_id
        assert variants_of(dest_cf, admin["account_id"]) == variants_of(src_cf, source.account_id)
        assert config_of(dest, admin["token"], admin["account_id"]) == config_of(
            source, source.token, source.account_id
        )


def test_export_then_import_from_folder_round_trips(source: Server, tmp_path: Path) -> None:
    # Export straight from the running source server's data dir (its own stack's backends).
    folder = tmp_path / "export"
    export = ["images", "export", str(folder), "--account", source.account_id, "--json"]
    exported = json.loads(source.cli(*export).stdout)
    assert exported["images"]["copied"] == IMAGES
    assert exported["complete"] is True
    re_exported = json.loads(source.cli(*export).stdout)
    assert re_exported["images"]["skipped"] == IMAGES
    assert re_exported["bytes_copied"] == 0

    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["images"]) == IMAGES
    assert set(manifest["variants"]) == {"public", *VARIANTS}
    assert manifest["config"]["browser_ttl"] == CONFIG["browser_ttl"]
    assert not (folder / ".journal.jsonl").exists()
    cf = sdk(source)
    for entry in manifest["images"][::7]:
        original = cf.images.v1.blobs.get(entry["id"], account_id=source.account_id).read()
        assert (folder / entry["file"]).read_bytes() == original

    second = tmp_path / "second"
    second_env = local_env(second, f"sqlite:///{second / 'flarelite.db'}")
    second_admin = init_local(second_env)
    into = ["--into", second_admin["account_id"], "--json"]
    imported = json.loads(
        run_cli(second_env, "images", "import", "--from-folder", str(folder), *into).stdout
    )
    assert imported["images"]["copied"] == IMAGES
    assert imported["complete"] is True

    back = tmp_path / "export-again"
    run_cli(second_env, "images", "export", str(back), "--account", second_admin["account_id"])
    again = json.loads((back / "manifest.json").read_text())
    assert again["images"] == manifest["images"]
    assert (again["variants"], again["config"]) == (manifest["variants"], manifest["config"])
    for entry in manifest["images"]:
        assert (back / entry["file"]).read_bytes() == (folder / entry["file"]).read_bytes()


def test_import_refuses_bad_arguments_with_clear_messages(source: Server, tmp_path: Path) -> None:
    env = local_env(tmp_path / "dest", f"sqlite:///{tmp_path / 'dest' / 'flarelite.db'}")
    admin = init_local(env)

    neither = run_cli(env, "images", "import", check=False)
    assert neither.returncode == 2
    assert "exactly one of --from" in neither.stderr

    bad_token = run_cli(env, *import_args(source, "cfut_" + "x" * 48, admin["account_id"]),
                        check=False)  # fmt: skip
    assert bad_token.returncode == 1
    assert "GET /images/v1/variants: HTTP 4" in bad_token.stderr or "HTTP 4" in bad_token.stderr
    assert "Traceback" not in bad_token.stderr

    unknown = run_cli(env, *import_args(source, source.token, "0" * 32), check=False)
    assert unknown.returncode == 1
    assert "no account" in unknown.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    no_manifest = run_cli(env, "images", "import", "--from-folder", str(empty), check=False)
    assert no_manifest.returncode == 1
    assert "manifest.json not found" in no_manifest.stderr
