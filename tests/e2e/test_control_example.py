"""The example from docs/test-control.md, run as it is printed there (a test keeps them equal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cloudflare
import httpx
import pytest
from tests.servers import running_server

SEED = Path(__file__).parents[1] / "data" / "control-seed"  # seed.json + images/
CI_TOKEN = "cfut_seededCItokenForFlareliteTestControl0001dcf0c71a"


@pytest.fixture(scope="module")
def flarelite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A flarelite server with FLARELITE_TEST_CONTROL=1; the client talks to its control plane."""
    env = {"FLARELITE_TEST_CONTROL": "1", "FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path_factory.mktemp("ci"), env=env, init=False, workers=2) as server:
        yield httpx.Client(base_url=server.base_url)


@pytest.fixture
def seeded(flarelite: httpx.Client) -> dict:
    """Start every test from the same known state."""
    assert flarelite.post("/_flarelite/reset").status_code == 200
    answer = flarelite.post("/_flarelite/seed", json={"folder": str(SEED)})
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]  # names → ids: accounts, zones, tokens, images


def cf(flarelite: httpx.Client, **options: object) -> cloudflare.Cloudflare:
    api = f"{flarelite.base_url}/client/v4"
    return cloudflare.Cloudflare(api_token=CI_TOKEN, base_url=api, **options)


def test_the_token_expires_when_the_clock_passes_expires_on(
    flarelite: httpx.Client, seeded: dict
) -> None:
    flarelite.put("/_flarelite/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert cf(flarelite).user.tokens.verify().status == "active"

    flarelite.post("/_flarelite/clock/advance", json={"seconds": 2 * 24 * 3600})
    with pytest.raises(cloudflare.AuthenticationError):  # 401, code 1000: expired
        cf(flarelite, max_retries=0).user.tokens.verify()


def test_the_sdk_retries_an_injected_429(flarelite: httpx.Client, seeded: dict) -> None:
    zone_id = seeded["zones"]["example.com"]
    flarelite.post(
        "/_flarelite/faults",
        json={"path": f"/client/v4/zones/{zone_id}", "status": 429, "count": 1, "retry_after": 1},
    )
    zone = cf(flarelite, max_retries=2).zones.get(zone_id=zone_id)  # 429, then 200
    assert zone is not None
    assert zone.name == "example.com"
    faults = flarelite.get("/_flarelite/faults").json()["result"]
    assert [(f["hits"], f["count"]) for f in faults] == [(1, 0)]
