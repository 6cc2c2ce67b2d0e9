"""/metrics: protected by FLARELITE_METRICS_TOKEN, summed over every worker, values move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.e2e.delivery_support import upload
from tests.image_corpus import png
from tests.servers import Server, running_server, sdk

METRICS_TOKEN = "metrics-secret-0123456789"


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers, so a scrape must add up what both processes counted."""
    env = {"FLARELITE_METRICS_TOKEN": METRICS_TOKEN}
    with running_server(tmp_path_factory.mktemp("metrics"), env=env, workers=2) as started:
        yield started


def scrape(server: Server) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(
        f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_without_a_configured_token(server: Server) -> None:
    assert httpx.get(f"{server.base_url}/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_bearer(metered: Server) -> None:
    assert httpx.get(f"{metered.base_url}/metrics").status_code == 401
    wrong = {"Authorization": "Bearer not-the-metrics-token"}
    assert httpx.get(f"{metered.base_url}/metrics", headers=wrong).status_code == 401
    # An API token is not the metrics token either.
    api = {"Authorization": f"Bearer {metered.token}"}
    assert httpx.get(f"{metered.base_url}/metrics", headers=api).status_code == 401


def test_request_counts_add_up_across_workers(metered: Server) -> None:
    series = "flarelite_http_request_duration_seconds_count"
    before = scrape(metered)
    for _ in range(12):  # a new connection each time: the kernel spreads them over both workers
        answer = httpx.get(
            f"{metered.api}/user/tokens/verify",
            headers={"Authorization": f"Bearer {metered.token}"},
        )
        assert answer.status_code == 200
    after = scrape(metered)
    grew = value(after, series, group="user tokens", status="200") - value(
        before, series, group="user tokens", status="200"
    )
    assert grew == 12
    allowed = "flarelite_auth_outcomes_total"
    assert (
        value(after, allowed, outcome="allowed") - value(before, allowed, outcome="allowed") >= 12
    )


def test_refusals_are_counted_by_reason(metered: Server, tmp_path: Path) -> None:
    cf = sdk(metered)
    locked = cf.user.tokens.create(
        name="elsewhere only",
        policies=[
            {
                "effect": "allow",
                "resources": {f"com.cloudflare.api.account.{metered.account_id}": "*"},
                "permission_groups": [{"id": "c1fde68c7bcc44588cbb6ddbc16d6480"}],
            }
        ],
        condition={"request_ip": {"in": ["192.0.2.0/24"]}},
    )
    assert locked is not None
    assert locked.value
    before = scrape(metered)
    unknown = "cfut_" + "a" * 40 + "00000000"
    for token in (unknown, locked.value):
        httpx.get(f"{metered.api}/zones", headers={"Authorization": f"Bearer {token}"})
    httpx.get(f"{metered.api}/zones")  # no credentials at all
    after = scrape(metered)

    def moved(outcome: str) -> float:
        name = "flarelite_auth_outcomes_total"
        return value(after, name, outcome=outcome) - value(before, name, outcome=outcome)

    assert moved("ip") == 1
    assert moved("missing_credentials") == 1
    # The made-up value fails its CRC check before any lookup: "malformed", not "unknown".
    assert moved("malformed") + moved("unknown_token") == 1
    forbidden = value(
        after, "flarelite_http_request_duration_seconds_count", group="zones", status="403"
    )
    assert forbidden >= 1


def test_delivery_counts_builds_hits_and_bytes(metered: Server) -> None:
    image = upload(metered, png(80, 60), "m.png", "image/png")
    url = image["variants"][0]
    before = scrape(metered)
    first = httpx.get(url)
    second = httpx.get(url)
    assert first.status_code == second.status_code == 200
    after = scrape(metered)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    lookups = "flarelite_delivery_variant_lookups_total"
    assert moved(lookups, source="built") == 1
    # The second request hit the memory of the worker that built it, or the blob store.
    assert moved(lookups, source="memory") + moved(lookups, source="store") == 1
    assert moved("flarelite_delivery_bytes_total") == len(first.content) + len(second.content)
    assert moved("flarelite_transform_duration_seconds_count", outcome="ok") == 1
    assert (
        moved("flarelite_http_request_duration_seconds_count", group="delivery", status="200") == 2
    )
    assert value(after, "flarelite_transform_queue_depth") == 0


def test_rate_limit_rejections_are_counted(tmp_path: Path) -> None:
    env = {"FLARELITE_METRICS_TOKEN": METRICS_TOKEN, "FLARELITE_RATE_LIMIT": "2"}
    with running_server(tmp_path, env=env) as limited:
        headers = {"Authorization": f"Bearer {limited.token}"}
        statuses = [
            httpx.get(f"{limited.api}/user/tokens/verify", headers=headers).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        samples = scrape(limited)
    assert value(samples, "flarelite_ratelimit_rejections_total") == 1
    assert value(samples, "flarelite_auth_outcomes_total", outcome="rate_limited") == 1
