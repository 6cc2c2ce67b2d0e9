"""Crash safety: SIGKILL the whole server group mid-traffic, restart on the same data, check.

Client threads upload (custom ids, so an unacknowledged upload can still be looked for),
patch and delete their own images through the official SDK while the killer strikes at a
random moment. After each restart: every acknowledged upload is listed with complete bytes,
an unacknowledged one is absent or complete, acknowledged deletes stay deleted, metadata is
the acknowledged value (or the one in flight), and `flarelite fsck` finds no row without
bytes; orphan bytes may exist only if fsck reports them, and `--repair` removes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import cloudflare
import pytest
import pyvips
from tests.image_corpus import png
from tests.servers import FLARELITE, Server, running_server, sdk, stop_group, wait_ready

ROUNDS = {"sqlite": 5, "postgresql": 3}  # PostgreSQL fewer: each round restarts the server
CLIENTS = 4


def photo(megapixels: float, seed: int) -> bytes:
    """A noisy JPEG, big enough that its write can be cut by the kill."""
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    noise = pyvips.Image.gaussnoise(width, height, sigma=40, mean=100 + seed)
    image = noise.bandjoin([noise, noise]).cast("uchar").copy(interpretation="srgb")
    return bytes(image.jpegsave_buffer(Q=90))


@pytest.fixture(scope="module")
def pictures() -> list[bytes]:
    return [png(), png(640, 480), photo(0.3, 1), photo(1.0, 2)]


@dataclass
class Ledger:
    """What clients were told (acknowledged) and what they sent without an answer."""

    uploaded: dict[str, str] = field(default_factory=dict)  # id → sha256, acknowledged
    unanswered_uploads: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    unanswered_deletes: set[str] = field(default_factory=set)
    meta: dict[str, int] = field(default_factory=dict)  # id → acknowledged "v"
    unanswered_meta: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # anything but a dropped connection
    lock: threading.Lock = field(default_factory=threading.Lock)

    def live(self, owner: str) -> list[str]:
        with self.lock:
            return [
                i
                for i in self.uploaded
                if i.startswith(owner)
                and i not in self.deleted
                and i not in self.unanswered_deletes
            ]


def client_loop(server: Server, ledger: Ledger, owner: str, pictures: list[bytes]) -> None:
    """Random operations on this client's own images until the connection drops."""
    cf = sdk(server, timeout=30.0)
    rng = random.Random()
    n = 0
    while True:
        mine = ledger.live(owner)
        action = rng.choices(["upload", "patch", "delete"], [5, 3, 2])[0] if mine else "upload"
        try:
            if action == "upload":
                n += 1
                image_id = f"{owner}-{n}"
                data = rng.choice(pictures)
                with ledger.lock:
                    ledger.unanswered_uploads[image_id] = hashlib.sha256(data).hexdigest()
                cf.images.v1.create(
                    account_id=server.account_id,
                    file=("p.bin", data, "application/octet-stream"),
                    id=image_id,
                    metadata=json.dumps({"v": 0}),
                )
                with ledger.lock:
                    ledger.uploaded[image_id] = ledger.unanswered_uploads.pop(image_id)
                    ledger.meta[image_id] = 0
            elif action == "patch":
                image_id, value = rng.choice(mine), rng.randrange(1, 10**9)
                with ledger.lock:
                    ledger.unanswered_meta[image_id] = value
                cf.images.v1.edit(image_id, account_id=server.account_id, metadata={"v": value})
                with ledger.lock:
                    ledger.meta[image_id] = ledger.unanswered_meta.pop(image_id)
            else:
                image_id = rng.choice(mine)
                with ledger.lock:
                    ledger.unanswered_deletes.add(image_id)
                cf.images.v1.delete(image_id, account_id=server.account_id)
                with ledger.lock:
                    ledger.unanswered_deletes.discard(image_id)
                    ledger.deleted.add(image_id)
        except (cloudflare.APIConnectionError, cloudflare.APITimeoutError):
            return  # the server died under us: whatever was in flight stays "unanswered"
        except Exception as exc:  # a status error before the kill is a bug
            with ledger.lock:
                ledger.failures.append(f"{action}: {type(exc).__name__}: {exc}")
            return


def kill_and_restart(server: Server, workers: int) -> None:
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    port = server.base_url.rsplit(":", 1)[1]
    with server.log_path.open("ab") as log:
        server.process = subprocess.Popen(
            [*FLARELITE, "serve", "--host", "127.0.0.1", "--port", port, "--workers", str(workers)],
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_ready(server, timeout=60)


def listed_ids(cf: cloudflare.Cloudflare, server: Server) -> set[str]:
    seen: set[str] = set()
    token: str | None = None
    while True:
        page = cf.images.v2.list(
            account_id=server.account_id, per_page=1000, continuation_token=token
        )
        seen |= {image.id for image in page.images or [] if image.id}
        token = page.continuation_token
        if token is None:
            return seen


def blob_hash(cf: cloudflare.Cloudflare, server: Server, image_id: str) -> str | None:
    try:
        data = cf.images.v1.blobs.get(image_id, account_id=server.account_id).read()
    except cloudflare.NotFoundError:
        return None
    return hashlib.sha256(data).hexdigest()


def check_after_restart(server: Server, ledger: Ledger, round_: int) -> set[str]:
    """Check every expectation; returns the ids listed now. Bytes are compared for this
    round's images and a sample of older ones (fsck compares every size)."""
    cf = sdk(server, timeout=30.0)
    listed = listed_ids(cf, server)
    older = [i for i in ledger.uploaded if not i.startswith(f"r{round_}c")]
    sample = set(random.sample(older, min(20, len(older))))
    for image_id, expected in ledger.uploaded.items():
        if image_id not in sample and not image_id.startswith(f"r{round_}c"):
            assert (image_id in listed) is (image_id not in ledger.deleted), image_id
            continue
        if image_id in ledger.deleted:
            assert image_id not in listed, f"acknowledged delete of {image_id} came back"
            assert blob_hash(cf, server, image_id) is None
        elif image_id in ledger.unanswered_deletes:
            assert blob_hash(cf, server, image_id) in (None, expected)
        else:
            assert image_id in listed, f"acknowledged upload {image_id} lost"
            assert blob_hash(cf, server, image_id) == expected, f"{image_id} bytes differ"
            meta = cf.images.v1.get(image_id, account_id=server.account_id).meta
            allowed = {ledger.meta[image_id], ledger.unanswered_meta.get(image_id)}
            assert meta is not None
            assert meta["v"] in allowed, f"{image_id}: meta {meta}"
    for image_id, expected in ledger.unanswered_uploads.items():
        # Absent, or present and complete: never a row with missing or torn bytes.
        assert blob_hash(cf, server, image_id) in (None, expected)
    # Settle what was in doubt, so the next round checks exact expectations again.
    for image_id, expected in list(ledger.unanswered_uploads.items()):
        if image_id in listed:
            ledger.uploaded[image_id] = expected
            ledger.meta[image_id] = 0
    ledger.unanswered_uploads.clear()
    for image_id in ledger.unanswered_deletes:
        if image_id not in listed:
            ledger.deleted.add(image_id)
    ledger.unanswered_deletes.clear()
    for image_id, value in ledger.unanswered_meta.items():
        if image_id in ledger.uploaded and image_id not in ledger.deleted:
            meta = cf.images.v1.get(image_id, account_id=server.account_id).meta or {}
            ledger.meta[image_id] = meta.get("v", value)
    ledger.unanswered_meta.clear()
    return listed


def files_under(folder: Path) -> int:
    """Every file in the blob folder, staging files included: bytes fsck must account for."""
    return sum(len(files) for _, _, files in os.walk(folder))


def fsck(server: Server, *args: str) -> dict[str, object]:
    done = server.cli("fsck", "--json", *args, check=False)
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    assert (done.returncode == 0) is report["ok"]
    return report


@pytest.mark.timeout(600)
def test_acknowledged_writes_survive_sigkill_at_random_moments(
    tmp_path: Path, database_url: str, pictures: list[bytes]
) -> None:
    workers = 2
    rounds = ROUNDS["sqlite" if database_url.startswith("sqlite") else "postgresql"]
    ledger = Ledger()
    rng = random.Random()
    env = {"FLARELITE_RATE_LIMIT": "0"}
    orphans_seen = 0
    with running_server(tmp_path, env=env, workers=workers, database_url=database_url) as server:
        try:
            for round_ in range(rounds):
                clients = [
                    threading.Thread(
                        target=client_loop, args=(server, ledger, f"r{round_}c{c}", pictures)
                    )
                    for c in range(CLIENTS)
                ]
                for client in clients:
                    client.start()
                time.sleep(rng.uniform(0.5, 2.5))
                kill_and_restart(server, workers)
                for client in clients:
                    client.join(timeout=60)
                    assert not client.is_alive()
                assert ledger.failures == []
                listed = check_after_restart(server, ledger, round_)

                report = fsck(server, "--repair", "--grace", "0")
                assert report["rows_without_bytes"] == []
                assert report["ok"] is True  # every orphan it found is removed
                orphans_seen += len(report["orphan_blobs"])  # type: ignore[arg-type]
                # No bytes fsck missed: one original per listed image, nothing else.
                assert files_under(server.data_dir / "objects" / "originals") == len(listed)
            final = fsck(server)
            assert (final["ok"], final["rows_without_bytes"], final["orphan_blobs"]) == (
                True,
                [],
                [],
            )
        finally:
            stop_group(server.process)
    assert len(ledger.uploaded) > rounds  # the load really ran
    print(  # the figures for the closing note (pytest -s)
        f"crash rounds: {rounds}, acknowledged uploads: {len(ledger.uploaded)}, "
        f"deletes: {len(ledger.deleted)}, orphans found and repaired: {orphans_seen}"
    )
