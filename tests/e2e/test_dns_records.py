"""DNS records end to end through the official SDK (and curl/httpx where the wire matters).

Every test makes zones of its own in one module-wide tenant, so records never collide.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import cloudflare
import httpx
import pytest
from tests.factories import (
    Tenant,
    bearer,
    envelope_error,
    make_zone,
    record_key,
    record_rows,
)
from tests.servers import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cf(tenant_cf: cloudflare.Cloudflare) -> cloudflare.Cloudflare:
    return tenant_cf  # this module works as the tenant, not as the server's admin


@pytest.fixture
def zone(cf: cloudflare.Cloudflare, tenant: Tenant) -> Any:
    return make_zone(cf, tenant.account_id)


def post_record(server: Server, tenant: Tenant, zone_id: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.api}/zones/{zone_id}/dns_records", headers=bearer(tenant.token), json=body
    )


# ------------------------------------------------------------------------- every record type


TYPE_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"type": "A", "name": "www", "content": "198.51.100.7", "proxied": True},
        {"content": "198.51.100.7", "proxied": True, "proxiable": True},
    ),
    (
        {"type": "AAAA", "name": "v6", "content": "2001:DB8:0:0::1"},
        {"content": "2001:db8::1", "proxied": False, "proxiable": True},
    ),
    (
        {"type": "CNAME", "name": "alias", "content": "target.example.net."},
        {"content": "target.example.net", "settings": {"flatten_cname": False}},
    ),
    (
        {"type": "TXT", "name": "@", "content": '"v=spf1 -all"'},
        {"content": '"v=spf1 -all"', "proxiable": False},
    ),
    (
        {"type": "TXT", "name": "_acme-challenge", "content": "unquoted token; with semicolon"},
        {"content": "unquoted token; with semicolon"},
    ),
    (
        {"type": "MX", "name": "@", "content": "mail.example.net", "priority": 10},
        {"content": "mail.example.net", "priority": 10},
    ),
    (
        {"type": "NS", "name": "delegated", "content": "ns1.example.net."},
        {"content": "ns1.example.net"},
    ),
    (
        {
            "type": "SRV",
            "name": "_sip._tcp",
            "data": {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.net."},
        },
        {
            "content": "5 5060 sip.example.net",
            "priority": 10,
            "data": {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.net"},
        },
    ),
    (
        {"type": "CAA", "name": "@", "data": {"flags": 0, "tag": "issue", "value": "ca.example"}},
        {
            "content": '0 issue "ca.example"',
            "data": {"flags": 0, "tag": "issue", "value": "ca.example"},
        },
    ),
    (
        {"type": "PTR", "name": "7", "content": "host.example.net."},
        {"content": "host.example.net"},
    ),
]


@pytest.mark.parametrize(("sent", "expected"), TYPE_CASES, ids=lambda c: c.get("type", ""))
def test_every_type_is_created_and_answered_in_the_full_shape(
    cf: cloudflare.Cloudflare, zone: Any, sent: dict[str, Any], expected: dict[str, Any]
) -> None:
    made = cf.dns.records.create(zone_id=zone.id, ttl=1, **sent)
    assert made is not None
    # The SDK picks the class from the shape: a wrong or missing field would give ARecord.
    assert type(made).__name__ == f"{sent['type']}Record"
    shape = made.to_dict()
    for key in ("id", "name", "type", "content", "proxiable", "proxied", "ttl", "settings"):
        assert key in shape, shape
    for key in ("meta", "comment", "tags", "created_on", "modified_on"):
        assert key in shape, shape
    relative = sent["name"]
    assert made.name == (zone.name if relative == "@" else f"{relative}.{zone.name}")
    assert made.ttl == 1
    for key, value in expected.items():
        assert shape[key] == value, (key, shape)
    got = cf.dns.records.get(zone_id=zone.id, dns_record_id=made.id)
    assert got is not None
    assert got.to_dict() == shape


def test_record_wire_shape_matches_the_2025_capture(
    server: Server, tenant: Tenant, zone: Any
) -> None:
    answer = post_record(
        server, tenant, zone.id, type="TXT", name="_acme-challenge", content="challengetoken",
        ttl=3600,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    record = answer.json()["result"]
    assert record["ttl"] == 3600
    assert isinstance(record["ttl"], int)
    assert record["settings"] == {}
    assert record["meta"] == {}
    assert record["comment"] is None
    assert record["tags"] == []
    assert "priority" not in record
    assert "comment_modified_on" not in record
    assert record["created_on"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"type": "A", "content": "1.1"}, 9005, "content"),
        ({"type": "A", "content": "2001:db8::1"}, 9005, "content"),
        ({"type": "AAAA", "content": "192.0.2.1"}, 9006, "content"),
        ({"type": "AAAA", "content": "not-an-address"}, 9006, "content"),
        ({"type": "BOGUS", "content": "x"}, None, "type"),
        ({"type": "CNAME", "content": "192.0.2.1"}, None, "content"),
        ({"type": "MX", "content": "mail.example.net"}, None, "priority"),
        ({"type": "A", "content": "192.0.2.1", "ttl": 59}, 9021, "ttl"),
        ({"type": "A", "content": "192.0.2.1", "ttl": 86401}, 9021, "ttl"),
        ({"type": "A", "content": "192.0.2.1", "ttl": 0}, 9021, "ttl"),
        ({"type": "TXT", "content": "hello", "proxied": True}, 9004, "proxied"),
        ({"type": "MX", "content": "m.example", "priority": 1, "proxied": True}, 9004, "proxied"),
        ({"type": "A", "content": "10.0.0.1", "proxied": True}, 9041, "proxied"),
        ({"type": "CAA", "data": {"flags": 0, "tag": "bogus", "value": "x"}}, None, "tag"),
        ({"type": "SRV", "data": {"weight": 1, "port": 1, "target": "t.ex"}}, None, "priority"),
    ],
)  # fmt: skip
def test_invalid_record_is_400_naming_the_field(
    server: Server, tenant: Tenant, zone: Any, body: dict[str, Any], code: int | None, field: str
) -> None:
    answer = post_record(server, tenant, zone.id, name="bad", **body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["errors"][0]
    if code is not None:
        assert error["code"] == code, error
    assert field in error["message"], error
    assert answer.json()["result"] is None


def test_sdk_raises_bad_request_for_invalid_content(cf: cloudflare.Cloudflare, zone: Any) -> None:
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.create(zone_id=zone.id, name="www", type="A", content="999.1.1.1", ttl=1)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("ttl", [1, 60, 300, 86400])
def test_ttl_1_and_60_to_86400_are_accepted(cf: cloudflare.Cloudflare, zone: Any, ttl: int) -> None:
    made = cf.dns.records.create(zone_id=zone.id, name="t", type="A", content="192.0.2.1", ttl=ttl)
    assert made is not None
    assert made.ttl == ttl


def test_proxied_record_is_stored_with_automatic_ttl(cf: cloudflare.Cloudflare, zone: Any) -> None:
    made = cf.dns.records.create(
        zone_id=zone.id, name="p", type="CNAME", content="origin.example.net", ttl=300, proxied=True
    )
    assert made is not None
    assert made.proxied is True
    assert made.ttl == 1


def test_cname_beside_an_address_is_81053_and_an_address_beside_a_cname_is_81054(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    cf.dns.records.create(zone_id=zone.id, name="www", type="A", content="192.0.2.1", ttl=1)
    envelope_error(
        post_record(server, tenant, zone.id, type="CNAME", name="www", content="x.example.net"),
        400,
        81053,
    )
    cf.dns.records.create(zone_id=zone.id, name="alias", type="CNAME", content="x.example", ttl=1)
    envelope_error(
        post_record(server, tenant, zone.id, type="AAAA", name="alias", content="2001:db8::1"),
        400,
        81054,
    )
    envelope_error(
        post_record(server, tenant, zone.id, type="CNAME", name="alias", content="y.example"),
        400,
        81053,
    )


def test_identical_record_is_400_code_81058_and_same_name_other_content_is_fine(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    cf.dns.records.create(zone_id=zone.id, name="www", type="A", content="192.0.2.1", ttl=1)
    cf.dns.records.create(zone_id=zone.id, name="www", type="A", content="192.0.2.2", ttl=1)
    envelope_error(
        post_record(server, tenant, zone.id, type="A", name="WWW", content="192.0.2.1"), 400, 81058
    )


@pytest.mark.parametrize(
    ("sent", "relative"),
    [("www", "www"), ("@", ""), ("{zone}", ""), ("WWW.{zone}", "www"), ("www.{zone}.", "www"),
     ("a.b.c", "a.b.c"), ("*", "*"), ("_dmarc", "_dmarc")],
)  # fmt: skip
def test_names_relative_at_or_fqdn_are_answered_as_fqdn(
    cf: cloudflare.Cloudflare, zone: Any, sent: str, relative: str
) -> None:
    name = sent.format(zone=zone.name)
    made = cf.dns.records.create(zone_id=zone.id, name=name, type="TXT", content="n", ttl=1)
    assert made is not None
    assert made.name == (f"{relative}.{zone.name}" if relative else zone.name)


def test_txt_content_is_kept_verbatim(cf: cloudflare.Cloudflare, zone: Any) -> None:
    contents = ['"quoted"', "bare", '"two" "strings"', "  spaced  out  ", 'mixed "quotes"']
    for content in contents:
        cf.dns.records.create(zone_id=zone.id, name="txt", type="TXT", content=content, ttl=1)
    stored = [r.content for r in cf.dns.records.list(zone_id=zone.id, type="TXT")]
    assert sorted(stored) == sorted(contents)
    found = list(cf.dns.records.list(zone_id=zone.id, content={"exact": '"quoted"'}))
    assert [r.content for r in found] == ['"quoted"']


def test_long_quoted_txt_comes_back_chunked_like_cloudflare(
    cf: cloudflare.Cloudflare, zone: Any
) -> None:
    made = cf.dns.records.create(
        zone_id=zone.id, name="dkim", type="TXT", content='"' + "k" * 300 + '"', ttl=1
    )
    assert made is not None
    chunked = '"' + "k" * 255 + '" "' + "k" * 45 + '"'
    assert made.content == chunked
    assert [r.content for r in cf.dns.records.list(zone_id=zone.id)] == [chunked]
    assert f"TXT\t{chunked}" in cf.dns.records.export(zone_id=zone.id)


def test_comment_and_tags_round_trip(cf: cloudflare.Cloudflare, zone: Any) -> None:
    made = cf.dns.records.create(
        zone_id=zone.id,
        name="c",
        type="A",
        content="192.0.2.9",
        ttl=1,
        comment="owned by team blue",
        tags=["team:blue", "env:prod"],
    )
    assert made is not None
    assert made.comment == "owned by team blue"
    assert sorted(made.tags) == ["env:prod", "team:blue"]
    assert made.comment_modified_on is not None
    assert made.tags_modified_on is not None


# ------------------------------------------------------------------------------ list filters


@pytest.fixture(scope="module")
def seeded(cf: cloudflare.Cloudflare, tenant: Tenant) -> Any:
    """One zone with a known set of records, read by many filter tests (never changed)."""
    zone = make_zone(cf, tenant.account_id)
    rows = [
        {"type": "A", "name": "www", "content": "192.0.2.1", "proxied": True,
         "comment": "web front", "tags": ["team:web", "env:prod"]},
        {"type": "A", "name": "api", "content": "192.0.2.2", "ttl": 300, "tags": ["team:api"]},
        {"type": "AAAA", "name": "www", "content": "2001:db8::1", "comment": "web v6"},
        {"type": "CNAME", "name": "docs", "content": "pages.example.net", "ttl": 600},
        {"type": "TXT", "name": "@", "content": "hello world"},
        {"type": "MX", "name": "@", "content": "mail.example.net", "priority": 10},
    ]  # fmt: skip
    for row in rows:
        cf.dns.records.create(zone_id=zone.id, **{"ttl": 1, **row})
    return zone


def names_of(cf: cloudflare.Cloudflare, zone: Any, **params: Any) -> list[tuple[str, str]]:
    suffix = "." + zone.name
    return [
        (r.type, r.name.removesuffix(suffix) if r.name != zone.name else "@")
        for r in cf.dns.records.list(zone_id=zone.id, **params)
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [("A", "api"), ("A", "www"), ("AAAA", "www"), ("CNAME", "docs"), ("MX", "@"),
              ("TXT", "@")]),
        ({"type": "A"}, [("A", "api"), ("A", "www")]),
        ({"name": {"exact": "www.{zone}"}}, [("A", "www"), ("AAAA", "www")]),
        ({"name": {"exact": "WWW.{zone}"}}, [("A", "www"), ("AAAA", "www")]),
        ({"name": {"contains": "oc"}}, [("CNAME", "docs")]),
        ({"name": {"startswith": "ap"}}, [("A", "api")]),
        ({"name": {"endswith": "api.{zone}"}}, [("A", "api")]),
        ({"content": {"exact": "192.0.2.2"}}, [("A", "api")]),
        ({"content": {"contains": "example.net"}}, [("CNAME", "docs"), ("MX", "@")]),
        ({"content": {"startswith": "HELLO"}}, [("TXT", "@")]),
        ({"proxied": True}, [("A", "www")]),
        ({"comment": {"exact": "web front"}}, [("A", "www")]),
        ({"comment": {"contains": "web"}}, [("A", "www"), ("AAAA", "www")]),
        ({"comment": {"present": "1"}}, [("A", "www"), ("AAAA", "www")]),
        ({"comment": {"absent": "1"}, "type": "A"}, [("A", "api")]),
        ({"tag": {"exact": "team:web"}}, [("A", "www")]),
        ({"tag": {"present": "team"}}, [("A", "api"), ("A", "www")]),
        ({"tag": {"absent": "team"}}, [("AAAA", "www"), ("CNAME", "docs"), ("MX", "@"),
                                       ("TXT", "@")]),
        ({"type": "A", "proxied": True, "match": "all"}, [("A", "www")]),
        ({"type": "CNAME", "proxied": True, "match": "any"}, [("A", "www"), ("CNAME", "docs")]),
        ({"order": "name", "type": "A"}, [("A", "api"), ("A", "www")]),
        ({"order": "name", "direction": "desc", "type": "A"}, [("A", "www"), ("A", "api")]),
        ({"order": "ttl", "direction": "desc", "content": {"contains": "example"}},
         [("CNAME", "docs"), ("MX", "@")]),
        ({"order": "content", "type": "A", "direction": "desc"}, [("A", "api"), ("A", "www")]),
    ],
)  # fmt: skip
def test_list_filters_as_the_sdk_sends_them(
    cf: cloudflare.Cloudflare, seeded: Any, params: dict[str, Any], expected: list[Any]
) -> None:
    filled = json.loads(json.dumps(params).replace("{zone}", seeded.name))
    assert names_of(cf, seeded, **filled) == expected


def test_plain_name_and_content_query_keys_are_exact_matches(
    server: Server, tenant: Tenant, seeded: Any
) -> None:
    for params, count in (
        ({"name": f"www.{seeded.name}"}, 2),
        ({"name": "www"}, 0),  # relative names do not match (§6.1)
        ({"name": "@"}, 2),
        ({"content": "192.0.2.1"}, 1),
        ({"name.exact": f"api.{seeded.name}", "type": "A"}, 1),
    ):
        answer = httpx.get(
            f"{server.api}/zones/{seeded.id}/dns_records",
            headers=bearer(tenant.token),
            params=params,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["result_info"]["count"] == count, params


def test_list_pages_and_answers_an_empty_page_past_the_end(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, seeded: Any
) -> None:
    url = f"{server.api}/zones/{seeded.id}/dns_records"
    second = httpx.get(url, headers=bearer(tenant.token), params={"page": 2, "per_page": 4}).json()
    assert len(second["result"]) == 2
    assert second["result_info"] == {
        "page": 2,
        "per_page": 4,
        "count": 2,
        "total_count": 6,
        "total_pages": 2,
    }
    past = httpx.get(url, headers=bearer(tenant.token), params={"page": 7, "per_page": 4}).json()
    assert past["result"] == []
    assert past["result_info"]["total_pages"] == 2
    every = [r.id for r in cf.dns.records.list(zone_id=seeded.id, per_page=1)]
    assert len(every) == len(set(every)) == 6
    # The spec's maximum page size, and the floats the Python SDK's types allow (§6.2).
    huge = httpx.get(url, headers=bearer(tenant.token), params={"per_page": 5_000_000}).json()
    assert (huge["result_info"]["per_page"], huge["result_info"]["count"]) == (5_000_000, 6)
    floats = httpx.get(url, headers=bearer(tenant.token), params={"page": "2.0", "per_page": "4.0"})
    assert floats.status_code == 200, floats.text
    assert floats.json()["result_info"]["count"] == 2


def test_empty_record_list_answers_one_page(server: Server, tenant: Tenant, zone: Any) -> None:
    answer = httpx.get(f"{server.api}/zones/{zone.id}/dns_records", headers=bearer(tenant.token))
    assert answer.status_code == 200
    assert answer.json() == {
        "result": [],
        "result_info": {"page": 1, "per_page": 100, "count": 0, "total_count": 0, "total_pages": 1},
        "success": True,
        "errors": [],
        "messages": [],
    }


def test_bad_list_parameters_are_400(server: Server, tenant: Tenant, seeded: Any) -> None:
    for params in ({"match": "some"}, {"order": "colour"}, {"proxied": "maybe"}):
        answer = httpx.get(
            f"{server.api}/zones/{seeded.id}/dns_records",
            headers=bearer(tenant.token),
            params=params,
        )
        assert answer.status_code == 400, (params, answer.text)


# ------------------------------------------------------------------- get, PUT, PATCH, delete


def test_get_of_a_missing_record_is_404_code_81044(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    answer = httpx.get(
        f"{server.api}/zones/{zone.id}/dns_records/{'e' * 32}", headers=bearer(tenant.token)
    )
    error = envelope_error(answer, 404, 81044)
    assert error["message"] == "Record does not exist."
    with pytest.raises(cloudflare.NotFoundError):
        cf.dns.records.get(zone_id=zone.id, dns_record_id="e" * 32)


def test_put_resets_every_field_it_does_not_send(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    made = cf.dns.records.create(
        zone_id=zone.id,
        name="reset",
        type="A",
        content="198.51.100.1",
        ttl=1,
        proxied=True,
        comment="before",
        tags=["a:b"],
    )
    assert made is not None
    # lexicon's PUT: type, name, content, ttl only (§10.15).
    answer = httpx.put(
        f"{server.api}/zones/{zone.id}/dns_records/{made.id}",
        headers=bearer(tenant.token),
        json={"type": "A", "name": made.name, "content": "198.51.100.2", "ttl": 120},
    )
    assert answer.status_code == 200, answer.text
    after = cf.dns.records.get(zone_id=zone.id, dns_record_id=made.id)
    assert after is not None
    assert (after.content, after.ttl, after.proxied) == ("198.51.100.2", 120, False)
    assert after.comment is None
    assert after.tags == []
    assert after.created_on == made.created_on
    # The SDK's update is the same full overwrite.
    updated = cf.dns.records.update(
        zone_id=zone.id, dns_record_id=made.id, name="reset", type="A", content="198.51.100.3",
        ttl=1, comment="via sdk",
    )  # fmt: skip
    assert updated is not None
    assert (updated.content, updated.ttl, updated.comment) == ("198.51.100.3", 1, "via sdk")


def test_patch_changes_only_the_fields_sent(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    made = cf.dns.records.create(
        zone_id=zone.id,
        name="keep",
        type="A",
        content="198.51.100.1",
        ttl=300,
        comment="keep me",
        tags=["x:y"],
    )
    assert made is not None
    answer = httpx.patch(
        f"{server.api}/zones/{zone.id}/dns_records/{made.id}",
        headers=bearer(tenant.token),
        json={"content": "198.51.100.9"},
    )
    assert answer.status_code == 200, answer.text
    after = answer.json()["result"]
    assert after["content"] == "198.51.100.9"
    assert (after["ttl"], after["comment"], after["tags"]) == (300, "keep me", ["x:y"])
    # Python users send name, ttl and type on PATCH too (the SDK requires them).
    edited = cf.dns.records.edit(
        zone_id=zone.id, dns_record_id=made.id, name="keep", type="A", ttl=600, proxied=True
    )
    assert edited is not None
    assert (edited.content, edited.proxied, edited.ttl) == ("198.51.100.9", True, 1)
    assert edited.comment == "keep me"


def test_changing_the_type_with_put_or_patch_is_refused(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    made = cf.dns.records.create(zone_id=zone.id, name="t", type="A", content="192.0.2.1", ttl=1)
    assert made is not None
    answer = httpx.patch(
        f"{server.api}/zones/{zone.id}/dns_records/{made.id}",
        headers=bearer(tenant.token),
        json={"type": "TXT", "content": "now text"},
    )
    assert answer.status_code == 400
    assert "type" in answer.json()["errors"][0]["message"]
    got = cf.dns.records.get(zone_id=zone.id, dns_record_id=made.id)
    assert got is not None
    assert got.type == "A"


def test_delete_answers_the_id_and_the_record_is_gone(cf: cloudflare.Cloudflare, zone: Any) -> None:
    made = cf.dns.records.create(zone_id=zone.id, name="d", type="A", content="192.0.2.1", ttl=1)
    assert made is not None
    deleted = cf.dns.records.delete(zone_id=zone.id, dns_record_id=made.id)
    assert deleted is not None
    assert deleted.id == made.id
    with pytest.raises(cloudflare.NotFoundError):
        cf.dns.records.delete(zone_id=zone.id, dns_record_id=made.id)


def test_record_of_another_zone_is_not_found(
    cf: cloudflare.Cloudflare, tenant: Tenant, zone: Any
) -> None:
    other = make_zone(cf, tenant.account_id)
    made = cf.dns.records.create(zone_id=other.id, name="o", type="A", content="192.0.2.1", ttl=1)
    assert made is not None
    with pytest.raises(cloudflare.NotFoundError):
        cf.dns.records.get(zone_id=zone.id, dns_record_id=made.id)


def test_json_bodies_on_get_and_delete_are_ignored(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    made = cf.dns.records.create(zone_id=zone.id, name="lx", type="TXT", content="tok", ttl=1)
    assert made is not None
    headers = bearer(tenant.token, **{"Content-Type": "application/json"})
    base = f"{server.api}/zones/{zone.id}/dns_records"
    # dns-lexicon sends `{}` on every GET and DELETE (§1).
    for method, url in (
        ("GET", base),
        ("GET", f"{base}/{made.id}"),
        ("GET", f"{server.api}/zones/{zone.id}"),
        ("GET", f"{server.api}/zones"),
        ("DELETE", f"{base}/{made.id}"),
    ):
        answer = httpx.request(method, url, headers=headers, content=b"{}")
        assert answer.status_code == 200, (method, url, answer.text)
    # The SDK's DELETE: JSON content type, empty body.
    again = cf.dns.records.create(zone_id=zone.id, name="lx", type="TXT", content="tok", ttl=1)
    assert again is not None
    answer = httpx.request("DELETE", f"{base}/{again.id}", headers=headers)
    assert answer.status_code == 200, answer.text


# ------------------------------------------------------------------------------------- batch


def test_one_bad_action_in_a_batch_changes_nothing(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    first = cf.dns.records.create(zone_id=zone.id, name="a", type="A", content="192.0.2.1", ttl=1)
    second = cf.dns.records.create(zone_id=zone.id, name="b", type="A", content="192.0.2.2", ttl=1)
    assert first is not None
    assert second is not None
    before = record_rows(cf, zone.id)
    answer = httpx.post(
        f"{server.api}/zones/{zone.id}/dns_records/batch",
        headers=bearer(tenant.token),
        json={
            "deletes": [{"id": first.id}],
            "patches": [{"id": second.id, "content": "192.0.2.20"}],
            "puts": [{"id": second.id, "type": "A", "name": "b", "content": "192.0.2.21"}],
            "posts": [
                {"type": "A", "name": "c", "content": "192.0.2.3"},
                {"type": "A", "name": "d", "content": "not an address"},
            ],
        },
    )
    error = envelope_error(answer, 400, 9005)
    assert "posts[1]" in error["message"]
    assert record_rows(cf, zone.id) == before
    with pytest.raises(cloudflare.BadRequestError):
        cf.dns.records.batch(
            zone_id=zone.id,
            deletes=[{"id": first.id}],
            posts=[{"type": "A", "name": "e", "content": "192.0.2.5", "ttl": 59}],
        )
    assert record_rows(cf, zone.id) == before


def test_batch_with_an_unknown_id_changes_nothing(cf: cloudflare.Cloudflare, zone: Any) -> None:
    kept = cf.dns.records.create(zone_id=zone.id, name="k", type="A", content="192.0.2.1", ttl=1)
    assert kept is not None
    before = record_rows(cf, zone.id)
    with pytest.raises(cloudflare.NotFoundError):
        cf.dns.records.batch(
            zone_id=zone.id,
            deletes=[{"id": kept.id}, {"id": "f" * 32}],
        )
    assert record_rows(cf, zone.id) == before


def test_batch_runs_deletes_then_patches_then_puts_then_posts(
    cf: cloudflare.Cloudflare, zone: Any
) -> None:
    create = cf.dns.records.create
    gone = create(zone_id=zone.id, name="x", type="A", content="192.0.2.1", ttl=1)
    patched = create(zone_id=zone.id, name="y", type="A", content="192.0.2.10", ttl=1)
    put = create(zone_id=zone.id, name="y", type="A", content="192.0.2.11", ttl=1)
    assert gone is not None
    assert patched is not None
    assert put is not None
    # Each step only works in Cloudflare's order:
    # - the post re-creates the deleted record (identical unless the delete ran first);
    # - the put takes the patched record's old content (identical unless the patch ran first);
    # - the post takes the put record's old content (identical unless the put ran first).
    done = cf.dns.records.batch(
        zone_id=zone.id,
        posts=[
            {"type": "A", "name": "x", "content": "192.0.2.1", "ttl": 1},
            {"type": "A", "name": "y", "content": "192.0.2.11", "ttl": 1},
        ],
        puts=[{"id": put.id, "type": "A", "name": "y", "content": "192.0.2.10", "ttl": 1}],
        patches=[{"id": patched.id, "content": "192.0.2.12"}],
        deletes=[{"id": gone.id}],
    )
    assert done is not None
    assert [r.id for r in done.deletes or []] == [gone.id]
    assert [r.content for r in done.patches or []] == ["192.0.2.12"]
    assert [r.content for r in done.puts or []] == ["192.0.2.10"]
    assert [r.content for r in done.posts or []] == ["192.0.2.1", "192.0.2.11"]
    after = {(r["name"].split(".")[0], r["content"]) for r in record_rows(cf, zone.id)}
    assert after == {("x", "192.0.2.1"), ("y", "192.0.2.12"), ("y", "192.0.2.10"),
                     ("y", "192.0.2.11")}  # fmt: skip
    assert gone.id not in {r["id"] for r in record_rows(cf, zone.id)}


# ----------------------------------------------------------------------------- import/export


ZONE_FILE = """\
$ORIGIN {zone}.
$TTL 3600
@\tIN\tSOA\tns1.example.net. hostmaster.{zone}. 1 7200 3600 1209600 3600
@\t86400\tIN\tNS\tns1.example.net.
www\t300\tIN\tA\t192.0.2.1 ; front door cf_tags=cf-proxied:false,team:web
www\t300\tIN\tAAAA\t2001:db8::1
api\tIN\tCNAME\twww.{zone}.
@\tIN\tMX\t10 mail.example.net.
@\tIN\tTXT\t"v=spf1 -all"
_sip._tcp\tIN\tSRV\t10 5 5060 sip.example.net.
@\tIN\tCAA\t0 issue "ca.example"
sub\tIN\tNS\tns.sub.example.net.
"""


def test_import_with_curl_as_a_file_part(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any, tmp_path: Path
) -> None:
    path = tmp_path / "zone.txt"
    path.write_text(ZONE_FILE.format(zone=zone.name).replace("\n", "\r\n"))
    command = [
        "curl", "-s", f"{server.api}/zones/{zone.id}/dns_records/import",
        "-H", f"Authorization: Bearer {tenant.token}",
        "-F", f"file=@{path}", "-F", "proxied=true",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    body = json.loads(done.stdout)
    assert body["success"] is True, body
    assert body["result"] == {"recs_added": 8, "total_records_parsed": 8}
    records = {(r.type, r.name): r for r in cf.dns.records.list(zone_id=zone.id)}
    www = records[("A", f"www.{zone.name}")]
    assert (www.ttl, www.proxied, www.comment, www.tags) == (300, False, "front door", ["team:web"])
    # The form field says proxied=true for proxiable records without their own cf-proxied tag.
    assert records[("AAAA", f"www.{zone.name}")].proxied is True
    assert records[("CNAME", f"api.{zone.name}")].content == f"www.{zone.name}"
    assert records[("TXT", zone.name)].content == '"v=spf1 -all"'
    assert records[("MX", zone.name)].priority == 10
    assert records[("SRV", f"_sip._tcp.{zone.name}")].content == "5 5060 sip.example.net"


def test_import_with_the_sdk_as_a_plain_field(cf: cloudflare.Cloudflare, zone: Any) -> None:
    text = f"$ORIGIN {zone.name}.\nhost 120 IN A 192.0.2.44\ntxt 120 IN TXT hello\n"
    done = cf.dns.records.import_(zone_id=zone.id, file=text)
    assert done is not None
    assert (done.recs_added, done.total_records_parsed) == (2, 2)
    assert sorted(r.content for r in cf.dns.records.list(zone_id=zone.id)) == [
        "192.0.2.44",
        "hello",
    ]


def test_malformed_zone_file_is_400_naming_the_line(cf: cloudflare.Cloudflare, zone: Any) -> None:
    text = f"$ORIGIN {zone.name}.\nok 120 IN A 192.0.2.1\nbad 120 IN A not-an-ip\n"
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.import_(zone_id=zone.id, file=text)
    assert "line 3" in str(caught.value)
    assert list(cf.dns.records.list(zone_id=zone.id)) == []
    with pytest.raises(cloudflare.BadRequestError) as included:
        cf.dns.records.import_(zone_id=zone.id, file="$INCLUDE /etc/passwd\n")
    assert "$INCLUDE directive not allowed" in str(included.value)


def test_import_reports_refused_records_and_keeps_the_rest(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, zone: Any
) -> None:
    cf.dns.records.create(zone_id=zone.id, name="dup", type="A", content="192.0.2.1", ttl=120)
    text = "dup 120 IN A 192.0.2.1\nnew 120 IN A 192.0.2.2\n"
    answer = httpx.post(
        f"{server.api}/zones/{zone.id}/dns_records/import",
        headers=bearer(tenant.token),
        files={"file": (None, text)},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] == {"recs_added": 1, "total_records_parsed": 2}
    assert body["messages"][0]["code"] == 81058


def test_import_without_multipart_is_400(server: Server, tenant: Tenant, zone: Any) -> None:
    answer = httpx.post(
        f"{server.api}/zones/{zone.id}/dns_records/import",
        headers=bearer(tenant.token),
        json={"file": "www 1 IN A 192.0.2.1"},
    )
    assert answer.status_code == 400
    assert "multipart/form-data" in answer.json()["errors"][0]["message"]


def test_export_then_import_into_a_second_zone_gives_the_same_records(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    source = make_zone(cf, tenant.account_id)
    bodies: list[dict[str, Any]] = [
        {"type": "A", "name": "@", "content": "198.51.100.1", "proxied": True},
        {"type": "A", "name": "www", "content": "192.0.2.1", "ttl": 300},
        {"type": "AAAA", "name": "www", "content": "2001:db8::5", "ttl": 600},
        {"type": "CNAME", "name": "blog", "content": "hosted.example.net"},
        {"type": "TXT", "name": "@", "content": '"v=spf1 include:_spf.example.net -all"'},
        {"type": "TXT", "name": "_token", "content": "bare-token"},
        {"type": "TXT", "name": "long", "content": '"' + "k" * 300 + '"'},
        {"type": "MX", "name": "@", "content": "mx1.example.net", "priority": 10},
        {"type": "MX", "name": "@", "content": "mx2.example.net", "priority": 20},
        {"type": "NS", "name": "delegated", "content": "ns1.example.net"},
        {"type": "SRV", "name": "_xmpp._tcp",
         "data": {"priority": 5, "weight": 0, "port": 5222, "target": "xmpp.example.net"}},
        {"type": "CAA", "name": "@", "data": {"flags": 0, "tag": "issue", "value": "ca.example"}},
        {"type": "PTR", "name": "9", "content": "host.example.net"},
    ]  # fmt: skip
    for body in bodies:
        cf.dns.records.create(zone_id=source.id, **{"ttl": 1, **body})
    text = cf.dns.records.export(zone_id=source.id)
    assert isinstance(text, str)
    assert ";; A Records" in text
    raw = httpx.get(
        f"{server.api}/zones/{source.id}/dns_records/export", headers=bearer(tenant.token)
    )
    assert raw.headers["content-type"].startswith("text/plain")

    target = make_zone(cf, tenant.account_id)
    moved = text.replace(source.name, target.name)
    done = cf.dns.records.import_(zone_id=target.id, file=moved)
    assert done is not None
    assert done.recs_added == len(bodies)

    def keys(zone: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (*record_key(r)[:1], r.name.replace(zone.name, "ZONE"), *record_key(r)[2:])
            for r in cf.dns.records.list(zone_id=zone.id)
        )

    assert keys(target) == keys(source)
    proxied = {r.name: r.proxied for r in cf.dns.records.list(zone_id=target.id, type="A")}
    assert proxied == {target.name: True, f"www.{target.name}": False}
