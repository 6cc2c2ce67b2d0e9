"""The test-control plane: off by default; reset, seed, a clock shared by every worker, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.image_corpus import png
from tests.servers import Server, running_server

IMAGES_WRITE = "618ec6c64a3a42f8b08bdcb147ded4e4"
LEGACY_VALUE = "LegacyFortyCharacterTokenValueForSeeds01"  # a 40-character legacy token


@pytest.fixture(scope="module")
def controlled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FLARELITE_TEST_CONTROL": "1", "FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path_factory.mktemp("control"), env=env, workers=2) as server:
        yield server


def control(server: Server, verb: str, endpoint: str, **body: object) -> httpx.Response:
    return httpx.request(verb, f"{server.base_url}/_flarelite/{endpoint}", json=body or None)


def write_seed(folder: Path, spec: dict[str, object]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seed.json").write_text(json.dumps(spec))
    return str(folder)


def images_seed(folder: Path, **token: object) -> str:
    (folder / "a.png").parent.mkdir(parents=True, exist_ok=True)
    (folder / "a.png").write_bytes(png(20, 10))
    return write_seed(
        folder,
        {
            "users": [{"email": "img@example.com", "password": "img-password-1"}],
            "accounts": [{"name": "Img", "owner": "img@example.com"}],
            "tokens": [
                {
                    "name": "images",
                    "user": "img@example.com",
                    "value": LEGACY_VALUE,
                    "policies": [
                        {
                            "effect": "allow",
                            "resources": {"com.cloudflare.api.account.{account:Img}": "*"},
                            "permission_groups": [{"id": IMAGES_WRITE}],
                        }
                    ],
                    **token,
                }
            ],
            "images": [{"account": "Img", "file": "a.png", "id": "first"}],
        },
    )


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {LEGACY_VALUE}"}


def test_the_control_plane_is_off_unless_enabled(server: Server) -> None:
    assert control(server, "POST", "reset").status_code == 404
    assert control(server, "GET", "clock").status_code == 404


def test_reset_wipes_what_a_seed_made(controlled: Server, tmp_path: Path) -> None:
    control(controlled, "POST", "reset")
    seeded = control(controlled, "POST", "seed", folder=images_seed(tmp_path / "s"))
    assert seeded.status_code == 200, seeded.text
    account_id = seeded.json()["result"]["accounts"]["Img"]["id"]
    listing = f"{controlled.api}/accounts/{account_id}/images/v1"
    images = httpx.get(listing, headers=bearer()).json()["result"]["images"]
    assert [image["id"] for image in images] == ["first"]

    assert control(controlled, "POST", "reset").status_code == 200
    # The token is gone on every worker at once (a new connection each time).
    for _ in range(4):
        assert httpx.get(listing, headers=bearer()).status_code == 403


def test_a_bad_seed_is_refused_with_the_entry_named(controlled: Server, tmp_path: Path) -> None:
    control(controlled, "POST", "reset")
    missing = control(controlled, "POST", "seed", folder=str(tmp_path / "nowhere"))
    assert missing.status_code == 400
    assert "seed.json" in missing.json()["errors"][0]["message"]
    bad = images_seed(tmp_path / "bad", value="cfut_not-a-real-value")
    refused = control(controlled, "POST", "seed", folder=bad)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"].startswith("seed.json tokens[0]: value:")
    relative = control(controlled, "POST", "seed", folder="relative/path")
    assert relative.status_code == 400


def test_the_clock_is_shared_by_every_worker(controlled: Server) -> None:
    frozen = control(controlled, "PUT", "clock", now="2031-05-06T07:08:09Z")
    assert frozen.json()["result"]["now"] == "2031-05-06T07:08:09Z"
    moved = control(controlled, "POST", "clock/advance", seconds=3600)
    assert moved.json()["result"]["now"] == "2031-05-06T08:08:09Z"
    seen = {control(controlled, "GET", "clock").json()["result"]["now"] for _ in range(6)}
    assert seen == {"2031-05-06T08:08:09Z"}
    assert control(controlled, "DELETE", "clock").json()["result"]["frozen"] is False
    bad = control(controlled, "PUT", "clock", now="tomorrow")
    assert bad.status_code == 400


def test_not_before_holds_until_the_clock_reaches_it(controlled: Server, tmp_path: Path) -> None:
    control(controlled, "POST", "reset")
    folder = images_seed(tmp_path / "nb", not_before="2032-01-01T00:00:00Z")
    seeded = control(controlled, "POST", "seed", folder=folder).json()["result"]
    account_id = seeded["accounts"]["Img"]["id"]
    stats = f"{controlled.api}/accounts/{account_id}/images/v1/stats"
    assert httpx.get(stats, headers=bearer()).status_code == 403
    control(controlled, "PUT", "clock", now="2032-01-01T00:00:00Z")
    assert httpx.get(stats, headers=bearer()).status_code == 200
    control(controlled, "DELETE", "clock")


def test_a_direct_upload_url_expires_when_the_clock_moves(
    controlled: Server, tmp_path: Path
) -> None:
    control(controlled, "POST", "reset")
    seeded = control(controlled, "POST", "seed", folder=images_seed(tmp_path / "du")).json()
    account_id = seeded["result"]["accounts"]["Img"]["id"]
    control(controlled, "PUT", "clock", now="2030-03-01T12:00:00Z")
    made = httpx.post(
        f"{controlled.api}/accounts/{account_id}/images/v2/direct_upload", headers=bearer()
    )
    assert made.status_code == 200, made.text
    upload_url = made.json()["result"]["uploadURL"]
    control(controlled, "POST", "clock/advance", seconds=31 * 60)  # default expiry: 30 minutes
    late = httpx.post(upload_url, files={"file": ("a.png", png(8, 8), "image/png")})
    assert late.status_code >= 400
    assert late.json()["success"] is False
    control(controlled, "DELETE", "clock")


def test_faults_are_spent_once_across_workers(controlled: Server) -> None:
    control(controlled, "DELETE", "faults")
    added = control(controlled, "POST", "faults", path="/healthz", status=503, count=3)
    assert added.status_code == 200, added.text
    statuses = [httpx.get(f"{controlled.base_url}/healthz").status_code for _ in range(5)]
    assert statuses == [503, 503, 503, 200, 200]
    faults = control(controlled, "GET", "faults").json()["result"]
    assert [(f["hits"], f["count"]) for f in faults] == [(3, 0)]
    envelope = control(controlled, "POST", "faults", path="/client/v4/*", status=500, method="get")
    assert envelope.status_code == 200
    answer = httpx.get(f"{controlled.api}/user/tokens/verify")
    assert answer.status_code == 500
    assert answer.json()["success"] is False
    control(controlled, "DELETE", "faults")


@pytest.mark.parametrize(
    "body",
    [{"status": 429}, {"path": "/x", "status": 418}, {"path": "/x", "count": 0}],
)
def test_a_bad_fault_is_refused(controlled: Server, body: dict[str, object]) -> None:
    answer = control(controlled, "POST", "faults", **body)
    assert answer.status_code == 400
    assert answer.json()["success"] is False
