"""Tokens × zones end to end: tokens made through the API with the catalogue's real group ids,
then used with the official SDK against zone and DNS record routes (reference zones-dns.md §8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cloudflare
import httpx
import pytest
from tests.factories import (
    Tenant,
    all_zones_of,
    bearer,
    create_token,
    envelope_error,
    make_policy,
    make_zone,
    zone_key,
)
from tests.servers import Server, sdk

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cf(tenant_cf: cloudflare.Cloudflare) -> cloudflare.Cloudflare:
    return tenant_cf  # this module works as the tenant, not as the server's admin


@pytest.fixture(scope="module")
def zone_a(cf: cloudflare.Cloudflare, tenant: Tenant) -> Any:
    return make_zone(cf, tenant.account_id)


@pytest.fixture(scope="module")
def zone_b(cf: cloudflare.Cloudflare, tenant: Tenant) -> Any:
    return make_zone(cf, tenant.account_id)


def token_for(server: Server, cf: cloudflare.Cloudflare, *policies: dict[str, Any]) -> Any:
    """A user token made through the API; the SDK pointed at the server with it."""
    _, value = create_token(cf, list(policies))
    return sdk(server, value)


def refused(call: Callable[[], object]) -> None:
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        call()
    assert caught.value.status_code == 403


def writes(client: cloudflare.Cloudflare, zone_id: str) -> list[Callable[[], object]]:
    """Every DNS write route once, as a call that needs DNS Write on the zone."""
    records = client.dns.records
    some_id = "d" * 32
    return [
        lambda: records.create(zone_id=zone_id, name="w", type="A", content="192.0.2.1", ttl=1),
        lambda: records.update(
            zone_id=zone_id, dns_record_id=some_id, name="w", type="A", content="192.0.2.1", ttl=1
        ),
        lambda: records.edit(zone_id=zone_id, dns_record_id=some_id, name="w", type="A", ttl=1),
        lambda: records.delete(zone_id=zone_id, dns_record_id=some_id),
        lambda: records.batch(zone_id=zone_id, deletes=[{"id": some_id}]),
        lambda: records.import_(zone_id=zone_id, file="w 60 IN A 192.0.2.1\n"),
    ]


def reads(client: cloudflare.Cloudflare, zone_id: str) -> list[Callable[[], object]]:
    records = client.dns.records
    return [
        lambda: list(records.list(zone_id=zone_id)),
        lambda: records.get(zone_id=zone_id, dns_record_id="d" * 32),
        lambda: records.export(zone_id=zone_id),
    ]


# ------------------------------------------------------------------------ one zone, DNS Write


def test_dns_write_token_for_zone_a_reads_and_writes_a_and_is_refused_on_b(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any, zone_b: Any
) -> None:
    # The "Edit zone DNS" template: DNS Write on the zones you pick.
    dns = token_for(server, cf, make_policy("DNS Write", resources={zone_key(zone_a.id): "*"}))
    made = dns.dns.records.create(
        zone_id=zone_a.id, name="edit", type="A", content="192.0.2.1", ttl=1
    )
    assert made is not None
    assert [r.id for r in dns.dns.records.list(zone_id=zone_a.id, name={"exact": made.name})] == [
        made.id
    ]
    assert dns.dns.records.get(zone_id=zone_a.id, dns_record_id=made.id).id == made.id
    edited = dns.dns.records.edit(
        zone_id=zone_a.id, dns_record_id=made.id, name="edit", type="A", ttl=120
    )
    assert edited is not None
    assert edited.ttl == 120
    dns.dns.records.batch(
        zone_id=zone_a.id, posts=[{"type": "TXT", "name": "edit", "content": "t", "ttl": 1}]
    )
    dns.dns.records.import_(zone_id=zone_a.id, file="imported 60 IN A 192.0.2.2\n")
    assert "192.0.2.2" in dns.dns.records.export(zone_id=zone_a.id)
    assert dns.dns.records.delete(zone_id=zone_a.id, dns_record_id=made.id).id == made.id
    for call in [*reads(dns, zone_b.id), *writes(dns, zone_b.id)]:
        refused(call)


def test_refusal_on_another_zone_is_cloudflares_403_envelope(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any, zone_b: Any
) -> None:
    _, value = create_token(cf, [make_policy("DNS Write", resources={zone_key(zone_a.id): "*"})])
    answer = httpx.get(f"{server.api}/zones/{zone_b.id}/dns_records", headers=bearer(value))
    error = envelope_error(answer, 403, 10000)
    assert error["message"] == "Authentication error"


def test_dns_write_without_zone_read_uses_records_but_not_the_zone(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any
) -> None:
    dns = token_for(server, cf, make_policy("DNS Write", resources={zone_key(zone_a.id): "*"}))
    list(dns.dns.records.list(zone_id=zone_a.id))
    refused(lambda: dns.zones.get(zone_id=zone_a.id))
    refused(lambda: dns.zones.edit(zone_id=zone_a.id, paused=True))
    refused(lambda: dns.zones.delete(zone_id=zone_a.id))
    # certbot finds the zone by name with DNS Edit alone (since 2020-05, §8).
    found = list(dns.zones.list(name=zone_a.name))
    assert [z.id for z in found] == [zone_a.id]
    assert found[0].permissions == ["#dns_records:edit", "#dns_records:read"]


def test_zone_read_without_dns_permissions_cannot_touch_records(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any
) -> None:
    zone_only = token_for(
        server, cf, make_policy("Zone Read", resources={zone_key(zone_a.id): "*"})
    )
    got = zone_only.zones.get(zone_id=zone_a.id)
    assert got is not None
    assert got.permissions == ["#zone:read"]
    for call in [*reads(zone_only, zone_a.id), *writes(zone_only, zone_a.id)]:
        refused(call)
    refused(lambda: zone_only.zones.edit(zone_id=zone_a.id, paused=True))


def test_dns_read_token_reads_and_gets_403_on_every_write(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any
) -> None:
    made = cf.dns.records.create(zone_id=zone_a.id, name="ro", type="A", content="192.0.2.3", ttl=1)
    assert made is not None
    reader = token_for(server, cf, make_policy("DNS Read", resources={zone_key(zone_a.id): "*"}))
    assert made.id in [r.id for r in reader.dns.records.list(zone_id=zone_a.id)]
    assert reader.dns.records.get(zone_id=zone_a.id, dns_record_id=made.id).id == made.id
    assert made.name in reader.dns.records.export(zone_id=zone_a.id)
    for call in writes(reader, zone_a.id):
        refused(call)
    assert cf.dns.records.get(zone_id=zone_a.id, dns_record_id=made.id).content == "192.0.2.3"


# ------------------------------------------------------------------- account-wide and denies


def test_deny_on_zone_b_beats_an_account_wide_allow(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant, zone_a: Any, zone_b: Any
) -> None:
    client = token_for(
        server,
        cf,
        make_policy("Zone Read", "DNS Write", resources=all_zones_of(tenant.account_id)),
        make_policy(
            "Zone Read", "DNS Read", "DNS Write", resources={zone_key(zone_b.id): "*"},
            effect="deny",
        ),
    )  # fmt: skip
    made = client.dns.records.create(
        zone_id=zone_a.id, name="deny-test", type="TXT", content="ok", ttl=1
    )
    assert made is not None
    assert client.zones.get(zone_id=zone_a.id).id == zone_a.id
    for call in [*reads(client, zone_b.id), *writes(client, zone_b.id)]:
        refused(call)
    refused(lambda: client.zones.get(zone_id=zone_b.id))
    names = [z.name for z in client.zones.list()]
    assert zone_a.name in names
    assert zone_b.name not in names


def test_nested_all_zones_resource_reaches_zones_created_after_the_token(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    client = token_for(
        server, cf, make_policy("DNS Write", resources=all_zones_of(tenant.account_id))
    )
    later = make_zone(cf, tenant.account_id)
    made = client.dns.records.create(
        zone_id=later.id, name="new", type="A", content="192.0.2.4", ttl=1
    )
    assert made is not None
    assert made.name == f"new.{later.name}"
    assert later.name in [z.name for z in client.zones.list()]


def test_zone_list_shows_only_the_zones_the_token_can_touch(
    server: Server, cf: cloudflare.Cloudflare, zone_a: Any, zone_b: Any
) -> None:
    one = token_for(server, cf, make_policy("DNS Read", resources={zone_key(zone_a.id): "*"}))
    assert [z.id for z in one.zones.list()] == [zone_a.id]
    assert list(one.zones.list(name=zone_b.name)) == []
    two = token_for(
        server,
        cf,
        make_policy("Zone Read", resources={zone_key(zone_a.id): "*", zone_key(zone_b.id): "*"}),
    )
    assert sorted(z.id for z in two.zones.list()) == sorted([zone_a.id, zone_b.id])
    user_only = token_for(server, cf, make_policy("User Details Read", resources={
        f"com.cloudflare.api.user.{cf.user.get().id}": "*"}))  # fmt: skip
    assert list(user_only.zones.list()) == []


def test_zone_create_needs_zone_write_on_all_zones_of_the_account(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant, zone_a: Any
) -> None:
    single = token_for(server, cf, make_policy("Zone Write", resources={zone_key(zone_a.id): "*"}))
    refused(lambda: single.zones.create(account={"id": tenant.account_id}, name="x-1.example"))
    wide = token_for(
        server, cf, make_policy("Zone Write", resources=all_zones_of(tenant.account_id))
    )
    zone = wide.zones.create(account={"id": tenant.account_id}, name="wide-made.example")
    assert zone is not None
    assert zone.permissions == ["#zone:edit", "#zone:read"]


def test_unknown_zone_is_404_for_all_zones_tokens_and_403_for_named_zone_tokens(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant, zone_a: Any
) -> None:
    unknown = "c" * 32
    wide = token_for(
        server, cf, make_policy("DNS Write", resources=all_zones_of(tenant.account_id))
    )
    with pytest.raises(cloudflare.NotFoundError):
        list(wide.dns.records.list(zone_id=unknown))
    named = token_for(server, cf, make_policy("DNS Write", resources={zone_key(zone_a.id): "*"}))
    refused(lambda: list(named.dns.records.list(zone_id=unknown)))


def test_account_owned_token_works_on_its_accounts_zones(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant, zone_a: Any
) -> None:
    _, value = create_token(
        cf,
        [make_policy("DNS Write", resources={zone_key(zone_a.id): "*"})],
        account_id=tenant.account_id,
    )
    client = sdk(server, value)
    made = client.dns.records.create(
        zone_id=zone_a.id, name="acct", type="A", content="192.0.2.5", ttl=1
    )
    assert made is not None
    assert [z.id for z in client.zones.list()] == [zone_a.id]
