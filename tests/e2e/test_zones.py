"""Zones end to end through the official SDK: create, list filters and paging, get, edit, delete.

Each module works as a tenant of its own (``make_tenant``), so zone names and the rate-limit
budget are its own. Servers with non-default zone settings are started once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cloudflare
import httpx
import pytest
from tests.factories import (
    Tenant,
    bearer,
    create_token,
    envelope_error,
    make_policy,
    make_tenant,
    make_zone,
    on_server,
    unique_zone_name,
    zone_key,
)
from tests.servers import Server, running_server, sdk

from flarelite.core.paging import PageRequest
from flarelite.services import Services

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cf(tenant_cf: cloudflare.Cloudflare) -> cloudflare.Cloudflare:
    return tenant_cf  # this module works as the tenant, not as the server's admin


def zones_raw(server: Server, token: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.api}/zones", headers=bearer(token), params=params)


# ------------------------------------------------------------------------------------ create


def test_create_answers_the_full_zone_with_a_normalised_name(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = cf.zones.create(account={"id": tenant.account_id}, name="Bücher-ZONES.Example.")
    assert zone is not None
    assert zone.name == "xn--bcher-zones-thb.example"
    assert len(zone.id) == 32
    assert zone.status == "active"  # the default: no registrar to wait for
    assert zone.type == "full"
    assert zone.paused is False
    assert zone.name_servers == ["ns1.flarelite.invalid", "ns2.flarelite.invalid"]
    assert zone.account.id == tenant.account_id
    assert zone.plan is not None
    assert zone.plan.legacy_id == "free"
    assert zone.activated_on is not None
    assert zone.development_mode == 0


def test_idna_name_is_stored_as_punycode(cf: cloudflare.Cloudflare, tenant: Tenant) -> None:
    zone = make_zone(cf, tenant.account_id, "bücher.example")
    assert zone.name == "xn--bcher-kva.example"
    assert cf.zones.get(zone_id=zone.id).name == "xn--bcher-kva.example"


def test_create_answers_integers_and_every_key_on_the_wire(server: Server, tenant: Tenant) -> None:
    answer = httpx.post(
        f"{server.api}/zones",
        headers=bearer(tenant.token),
        # octodns's body: legacy jump_start is ignored (reference zones-dns.md §2.3).
        json={"name": unique_zone_name("wire"), "jump_start": False},
    )
    assert answer.status_code == 200, answer.text
    zone = answer.json()["result"]
    assert zone["account"]["id"] == tenant.account_id  # the only account, account omitted
    assert zone["development_mode"] == 0
    assert isinstance(zone["development_mode"], int)
    for key in ("original_name_servers", "original_registrar", "original_dnshost"):
        assert zone[key] is None
    assert zone["vanity_name_servers"] == []
    assert zone["meta"]["page_rule_quota"] == 3
    assert zone["permissions"] == [
        "#dns_records:edit",
        "#dns_records:read",
        "#zone:edit",
        "#zone:read",
    ]


@pytest.mark.parametrize("spelling", ["{name}", "{upper}", "{name}."])
def test_duplicate_name_in_the_account_is_400_code_1061(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant, spelling: str
) -> None:
    name = unique_zone_name("dup")
    make_zone(cf, tenant.account_id, name)
    again = spelling.format(name=name, upper=name.upper())
    answer = httpx.post(
        f"{server.api}/zones",
        headers=bearer(tenant.token),
        json={"name": again, "account": {"id": tenant.account_id}},
    )
    error = envelope_error(answer, 400, 1061)
    assert error["message"] == f"{name} already exists"
    with pytest.raises(cloudflare.BadRequestError):
        cf.zones.create(account={"id": tenant.account_id}, name=again)


def test_same_name_in_another_account_is_allowed(server: Server, tenant: Tenant) -> None:
    other = make_tenant(server)
    name = unique_zone_name("shared")
    first = make_zone(sdk(server, tenant.token), tenant.account_id, name)
    second = make_zone(sdk(server, other.token), other.account_id, name)
    assert first.id != second.id


@pytest.mark.parametrize(
    "name",
    [
        "",
        "localhost",
        "192.0.2.1",
        "exa mple.com",
        "-leading.example",
        "trailing-.example",
        "under_score.example",
        "*.example.com",
        "a..example",
        "x" * 64 + ".example",
        "example.123",
    ],
)
def test_invalid_zone_name_is_400_naming_the_field(
    server: Server, tenant: Tenant, name: str
) -> None:
    answer = httpx.post(
        f"{server.api}/zones",
        headers=bearer(tenant.token),
        json={"name": name, "account": {"id": tenant.account_id}},
    )
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["success"] is False
    assert "name" in body["errors"][0]["message"]


def test_missing_name_or_bad_type_is_400_naming_the_field(server: Server, tenant: Tenant) -> None:
    missing = httpx.post(
        f"{server.api}/zones",
        headers=bearer(tenant.token),
        json={"account": {"id": tenant.account_id}},
    )
    assert missing.status_code == 400, missing.text
    assert "name" in missing.json()["errors"][0]["message"]
    bad_type = httpx.post(
        f"{server.api}/zones",
        headers=bearer(tenant.token),
        json={"name": unique_zone_name(), "account": {"id": tenant.account_id}, "type": "huge"},
    )
    assert bad_type.status_code == 400, bad_type.text
    assert "type" in bad_type.json()["errors"][0]["message"]


def test_create_in_an_account_the_token_cannot_reach_is_403(server: Server, tenant: Tenant) -> None:
    other = make_tenant(server)
    with pytest.raises(cloudflare.PermissionDeniedError):
        sdk(server, tenant.token).zones.create(
            account={"id": other.account_id}, name=unique_zone_name()
        )


# -------------------------------------------------------------------------------------- list


@pytest.fixture(scope="module")
def listing(server: Server) -> tuple[Tenant, dict[str, str]]:
    """A tenant of its own with three known zones: name -> id."""
    owner = make_tenant(server)
    cf = sdk(server, owner.token)
    names = ["alpha.test", "beta.test", "gamma.example"]
    return owner, {name: make_zone(cf, owner.account_id, name).id for name in names}


def listed(cf: cloudflare.Cloudflare, **params: Any) -> list[str]:
    return [z.name for z in cf.zones.list(**params)]


def test_list_without_filters_answers_every_zone_by_name(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, _ = listing
    assert listed(sdk(server, owner.token)) == ["alpha.test", "beta.test", "gamma.example"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "beta.test"}, ["beta.test"]),
        ({"name": "BETA.test."}, ["beta.test"]),
        ({"name": "contains:eta"}, ["beta.test"]),
        ({"name": "contains:.test"}, ["alpha.test", "beta.test"]),
        ({"name": "starts_with:gam"}, ["gamma.example"]),
        ({"name": "ends_with:.example"}, ["gamma.example"]),
        ({"name": "not_equal:beta.test"}, ["alpha.test", "gamma.example"]),
        ({"name": "nothing.test"}, []),
        ({"status": "active"}, ["alpha.test", "beta.test", "gamma.example"]),
        ({"status": "pending"}, []),
        ({"name": "alpha.test", "status": "pending", "match": "any"}, ["alpha.test"]),
        ({"name": "alpha.test", "status": "pending", "match": "all"}, []),
        ({"name": "alpha.test", "status": "active"}, ["alpha.test"]),
        ({"order": "name", "direction": "desc"}, ["gamma.example", "beta.test", "alpha.test"]),
        ({"order": "status", "direction": "asc"}, ["alpha.test", "beta.test", "gamma.example"]),
    ],
)
def test_list_filters_by_name_status_and_match(
    server: Server,
    listing: tuple[Tenant, dict[str, str]],
    params: dict[str, Any],
    expected: list[str],
) -> None:
    owner, _ = listing
    assert listed(sdk(server, owner.token), **params) == expected


def test_list_filters_by_account_id_and_name(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, _ = listing
    cf = sdk(server, owner.token)
    everything = ["alpha.test", "beta.test", "gamma.example"]
    assert listed(cf, account={"id": owner.account_id}) == everything
    assert listed(cf, account={"id": "f" * 32}) == []
    account_name = cf.accounts.get(account_id=owner.account_id).name
    assert listed(cf, account={"name": account_name}) == everything
    assert listed(cf, account={"name": f"contains:{account_name[1:3]}"}) == everything
    assert listed(cf, account={"name": "no such account"}) == []


def test_list_sends_dotted_account_keys_on_the_wire(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, ids = listing
    answer = zones_raw(server, owner.token, **{"account.id": owner.account_id, "name": "beta.test"})
    assert answer.status_code == 200
    assert [z["id"] for z in answer.json()["result"]] == [ids["beta.test"]]


def test_list_pages_with_per_page_1_and_100(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, _ = listing
    second = zones_raw(server, owner.token, page=2, per_page=1).json()
    assert [z["name"] for z in second["result"]] == ["beta.test"]
    assert second["result_info"] == {
        "page": 2,
        "per_page": 1,
        "count": 1,
        "total_count": 3,
        "total_pages": 3,
    }
    big = zones_raw(server, owner.token, per_page=100).json()
    assert big["result_info"] == {
        "page": 1,
        "per_page": 100,
        "count": 3,
        "total_count": 3,
        "total_pages": 1,
    }
    # The SDK's auto-pager walks page after page until an empty one.
    cf = sdk(server, owner.token)
    assert listed(cf, per_page=1) == ["alpha.test", "beta.test", "gamma.example"]


def test_page_past_the_end_is_an_empty_page(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, _ = listing
    answer = zones_raw(server, owner.token, page=9, per_page=20)
    assert answer.status_code == 200
    assert answer.json()["result"] == []
    assert answer.json()["result_info"] == {
        "page": 9,
        "per_page": 20,
        "count": 0,
        "total_count": 3,
        "total_pages": 1,
    }
    page = sdk(server, owner.token).zones.list(page=9)
    assert page.result == []


def test_empty_list_answers_one_page(
    server: Server, listing: tuple[Tenant, dict[str, str]]
) -> None:
    owner, _ = listing
    answer = zones_raw(server, owner.token, name="nothing.test")
    assert answer.json()["result_info"] == {
        "page": 1,
        "per_page": 20,
        "count": 0,
        "total_count": 0,
        "total_pages": 1,
    }


def test_unicode_name_filter_finds_the_punycode_zone(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = make_zone(cf, tenant.account_id, "straße-filter.example")
    assert zone.name == "xn--strae-filter-o9a.example"
    assert [z.id for z in cf.zones.list(name="Straße-Filter.example")] == [zone.id]
    assert [z.id for z in cf.zones.list(name="xn--strae-filter-o9a.example")] == [zone.id]


def test_list_shows_no_zones_of_other_accounts(
    server: Server, listing: tuple[Tenant, dict[str, str]], tenant: Tenant
) -> None:
    owner, _ = listing
    mine = set(listed(sdk(server, owner.token)))
    theirs = set(listed(sdk(server, tenant.token)))
    assert mine.isdisjoint(theirs)


# ------------------------------------------------------------------------------ get and edit


def test_get_answers_the_zone_created(cf: cloudflare.Cloudflare, tenant: Tenant) -> None:
    made = make_zone(cf, tenant.account_id)
    got = cf.zones.get(zone_id=made.id)
    assert got is not None
    assert got.id == made.id
    assert got.name == made.name
    assert got.created_on == made.created_on


def test_edit_pauses_and_unpauses_the_zone(cf: cloudflare.Cloudflare, tenant: Tenant) -> None:
    zone = make_zone(cf, tenant.account_id)
    paused = cf.zones.edit(zone_id=zone.id, paused=True)
    assert paused is not None
    assert paused.paused is True
    assert cf.zones.get(zone_id=zone.id).paused is True
    assert cf.zones.edit(zone_id=zone.id, paused=False).paused is False


def test_edit_with_a_non_boolean_paused_is_400(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = make_zone(cf, tenant.account_id)
    answer = httpx.patch(
        f"{server.api}/zones/{zone.id}", headers=bearer(tenant.token), json={"paused": "yes"}
    )
    assert answer.status_code == 400, answer.text
    assert "paused" in answer.json()["errors"][0]["message"]
    assert cf.zones.get(zone_id=zone.id).paused is False


def test_get_of_an_unknown_zone_is_404_for_an_account_wide_token(
    server: Server, tenant: Tenant
) -> None:
    answer = httpx.get(f"{server.api}/zones/{'a' * 32}", headers=bearer(tenant.token))
    envelope_error(answer, 404, 1001)
    with pytest.raises(cloudflare.NotFoundError):
        sdk(server, tenant.token).zones.get(zone_id="a" * 32)


# ------------------------------------------------------------------------------------ delete


def records_stored(server: Server, zone_id: str, zone_name: str) -> int:
    """Records of a zone id in the server's own database, zone row or not."""

    class Gone:
        id, name = zone_id, zone_name

    async def work(services: Services) -> int:
        rows, _ = await services.records.list(Gone(), {}, PageRequest(1, 1000))  # type: ignore[arg-type]
        return len(rows)

    return on_server(server, work)


def test_delete_answers_the_id_and_removes_the_zone_and_its_records(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = make_zone(cf, tenant.account_id)
    for address in ("192.0.2.1", "192.0.2.2"):
        cf.dns.records.create(zone_id=zone.id, name="www", type="A", content=address, ttl=1)
    assert records_stored(server, zone.id, zone.name) == 2
    answer = httpx.request(
        "DELETE",
        f"{server.api}/zones/{zone.id}",
        headers=bearer(tenant.token, **{"Content-Type": "application/json"}),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"id": zone.id}
    assert records_stored(server, zone.id, zone.name) == 0
    assert zone.name not in [z.name for z in cf.zones.list()]
    # The account-wide token learns the zone is gone: 404 everywhere (Terraform needs it).
    envelope_error(
        httpx.get(f"{server.api}/zones/{zone.id}", headers=bearer(tenant.token)), 404, 1001
    )
    envelope_error(
        httpx.get(f"{server.api}/zones/{zone.id}/dns_records", headers=bearer(tenant.token)),
        404,
        1001,
    )
    with pytest.raises(cloudflare.NotFoundError):
        cf.zones.delete(zone_id=zone.id)


def test_sdk_delete_answers_the_id(cf: cloudflare.Cloudflare, tenant: Tenant) -> None:
    zone = make_zone(cf, tenant.account_id)
    deleted = cf.zones.delete(zone_id=zone.id)
    assert deleted is not None
    assert deleted.id == zone.id


def test_deleted_zone_is_403_for_a_token_that_named_it(
    server: Server, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = make_zone(cf, tenant.account_id)
    _, named = create_token(
        cf,
        [make_policy("Zone Read", "DNS Read", resources={zone_key(zone.id): "*"})],
    )
    assert sdk(server, named).zones.get(zone_id=zone.id).id == zone.id
    cf.zones.delete(zone_id=zone.id)
    for path in (f"/zones/{zone.id}", f"/zones/{zone.id}/dns_records"):
        envelope_error(httpx.get(f"{server.api}{path}", headers=bearer(named)), 403, 10000)
    with pytest.raises(cloudflare.PermissionDeniedError):
        sdk(server, named).zones.get(zone_id=zone.id)


def test_recreated_zone_gets_a_new_id_and_no_records(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    zone = make_zone(cf, tenant.account_id)
    cf.dns.records.create(zone_id=zone.id, name="@", type="TXT", content="old", ttl=1)
    cf.zones.delete(zone_id=zone.id)
    again = make_zone(cf, tenant.account_id, zone.name)
    assert again.id != zone.id
    assert list(cf.dns.records.list(zone_id=again.id)) == []


# ------------------------------------------------------- pending zones and configured servers


@pytest.fixture(scope="module")
def pending_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "FLARELITE_ZONE_STATUS": "pending",
        "FLARELITE_NAMESERVERS": "Ada.NS.Example.net.,bob.ns.example.net",
    }
    with running_server(tmp_path_factory.mktemp("pending"), env=env) as started:
        yield started


def test_pending_start_then_activation_check_makes_the_zone_active(
    pending_server: Server,
) -> None:
    # One test on purpose: the pending server is started once, on one worker.
    cf = sdk(pending_server)
    zone = make_zone(cf, pending_server.account_id)
    assert zone.status == "pending"
    assert zone.activated_on is None
    assert zone.name_servers == ["ada.ns.example.net", "bob.ns.example.net"]
    assert zone.name in listed(cf, status="pending")
    assert zone.name not in listed(cf, status="active")

    checked = cf.zones.activation_check.trigger(zone_id=zone.id)
    assert checked is not None
    assert checked.id == zone.id
    active = cf.zones.get(zone_id=zone.id)
    assert active.status == "active"
    assert active.activated_on is not None
    assert zone.name in listed(cf, status="active")
    assert zone.name not in listed(cf, status="pending")

    # A second check (the SDK's empty JSON body) is harmless and keeps the activation time.
    answer = httpx.put(
        f"{pending_server.api}/zones/{zone.id}/activation_check",
        headers=bearer(pending_server.token, **{"Content-Type": "application/json"}),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"id": zone.id}
    assert cf.zones.get(zone_id=zone.id).activated_on == active.activated_on
