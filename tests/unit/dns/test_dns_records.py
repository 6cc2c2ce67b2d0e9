"""Per-type record validation, clash rules and the API record object (zones-dns.md §4, §5, §9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from flarelite.core.errors import FlareliteError
from flarelite.dns import errors
from flarelite.dns.conflicts import check_conflicts, check_type_unchanged
from flarelite.dns.rdata import CaaData, SrvData, is_proxiable
from flarelite.dns.records import (
    RecordLimits,
    RecordType,
    ValidRecord,
    record_as_api,
    validate_record,
)

ZONE = "example.com"


def ok(**raw: object) -> ValidRecord:
    return validate_record(raw, ZONE)


@pytest.mark.parametrize(
    ("raw", "name", "content"),
    [
        ({"type": "A", "name": "@", "content": "192.0.2.1"}, "example.com", "192.0.2.1"),
        ({"type": "a", "name": "www", "content": " 10.0.0.1 "}, "www.example.com", "10.0.0.1"),
        ({"type": "AAAA", "name": "v6", "content": "fe80::0:0:1"}, "v6.example.com", "fe80::1"),
        (
            {"type": "AAAA", "name": "v6", "content": "2001:DB8:0:0:0:0:0:1"},
            "v6.example.com",
            "2001:db8::1",
        ),
        (
            {"type": "CNAME", "name": "www", "content": "target.example.net."},
            "www.example.com",
            "target.example.net",
        ),
        (
            {"type": "NS", "name": "sub", "content": "ns1.other.net."},
            "sub.example.com",
            "ns1.other.net",
        ),
        (
            {"type": "PTR", "name": "1.2", "content": "host.example.com."},
            "1.2.example.com",
            "host.example.com",
        ),
        (
            {"type": "TXT", "name": "_acme", "content": "challengetoken"},
            "_acme.example.com",
            "challengetoken",
        ),
        ({"type": "TXT", "name": "@", "content": '"v=spf1 -all"'}, "example.com", '"v=spf1 -all"'),
        (
            {"type": "MX", "name": "@", "content": "mail.example.com", "priority": 10},
            "example.com",
            "mail.example.com",
        ),
        ({"type": "MX", "name": "@", "content": ".", "priority": 0}, "example.com", "."),
    ],
)
def test_valid_records_come_back_normalised(
    raw: dict[str, object], name: str, content: str
) -> None:
    rec = validate_record(raw, ZONE)
    assert (rec.name, rec.content) == (name, content)


@pytest.mark.parametrize(
    ("raw", "error", "code", "pointer"),
    [
        ({"type": "A", "name": "x", "content": "1.1"}, errors.IPv4ContentInvalid, 9005, "content"),
        (
            {"type": "A", "name": "x", "content": "256.1.1.1"},
            errors.IPv4ContentInvalid,
            9005,
            "content",
        ),
        (
            {"type": "A", "name": "x", "content": "01.2.3.4"},
            errors.IPv4ContentInvalid,
            9005,
            "content",
        ),
        ({"type": "A", "name": "x", "content": "::1"}, errors.IPv4ContentInvalid, 9005, "content"),
        ({"type": "A", "name": "x"}, errors.IPv4ContentInvalid, 9005, "content"),
        (
            {"type": "AAAA", "name": "x", "content": "1.2.3.4"},
            errors.IPv6ContentInvalid,
            9006,
            "content",
        ),
        (
            {"type": "AAAA", "name": "x", "content": "fe80::1%eth0"},
            errors.IPv6ContentInvalid,
            9006,
            "content",
        ),
        (
            {"type": "AAAA", "name": "x", "content": "1::2::3"},
            errors.IPv6ContentInvalid,
            9006,
            "content",
        ),
        (
            {"type": "CNAME", "name": "x", "content": "1.1.1.1"},
            errors.CnameContentInvalid,
            9007,
            "content",
        ),
        (
            {"type": "CNAME", "name": "x", "content": "x.example.com"},
            errors.CnameContentInvalid,
            9007,
            "content",
        ),
        (
            {"type": "CNAME", "name": "x", "content": ""},
            errors.RecordContentInvalid,
            1004,
            "content",
        ),
        (
            {"type": "MX", "name": "@", "content": "mail.example.com"},
            errors.RecordInvalid,
            1004,
            "priority",
        ),
        (
            {"type": "MX", "name": "@", "content": "mail", "priority": 70000},
            errors.RecordInvalid,
            1004,
            "priority",
        ),
        (
            {"type": "MX", "name": "@", "content": "1.2.3.4", "priority": 1},
            errors.RecordContentInvalid,
            1004,
            "content",
        ),
        (
            {"type": "HINFO", "name": "x", "content": "a"},
            errors.UnsupportedRecordType,
            1004,
            "type",
        ),
        (
            {"type": "SPF", "name": "x", "content": "v=spf1"},
            errors.UnsupportedRecordType,
            1004,
            "type",
        ),
        ({"name": "x", "content": "1.2.3.4"}, errors.UnsupportedRecordType, 1004, "type"),
        ({"type": "A", "content": "1.2.3.4"}, errors.RecordNameInvalid, 9000, "name"),
        ({"type": "A", "name": "", "content": "1.2.3.4"}, errors.RecordNameInvalid, 9000, "name"),
        (
            {"type": "A", "name": "x.other.org.", "content": "1.2.3.4"},
            errors.RecordNameInvalid,
            9000,
            "name",
        ),
        (
            {"type": "TXT", "name": "x", "content": "a\nb"},
            errors.RecordContentInvalid,
            1004,
            "content",
        ),
        (
            {"type": "TXT", "name": "x", "content": "a" * 4081},
            errors.RecordContentInvalid,
            1004,
            "content",
        ),
        ({"type": "TXT", "name": "x", "content": 5}, errors.RecordInvalid, 1004, "content"),
        (
            {"type": "TXT", "name": "x", "content": "a", "proxied": True},
            errors.RecordNotProxiable,
            9004,
            "proxied",
        ),
        (
            {"type": "MX", "name": "x", "content": "m", "priority": 1, "proxied": True},
            errors.RecordNotProxiable,
            9004,
            "proxied",
        ),
        (
            {"type": "A", "name": "x", "content": "192.168.1.1", "proxied": True},
            errors.TargetNotProxiable,
            9041,
            "proxied",
        ),
        (
            {"type": "A", "name": "x", "content": "127.0.0.1", "proxied": True},
            errors.TargetNotProxiable,
            9041,
            "proxied",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "proxied": "yes"},
            errors.RecordInvalid,
            1004,
            "proxied",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "comment": "a\nb"},
            errors.RecordInvalid,
            1004,
            "comment",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "comment": "c" * 501},
            errors.RecordInvalid,
            1004,
            "comment",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "tags": ["bad name:v"]},
            errors.RecordInvalid,
            1004,
            "tags",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "tags": "owner:me"},
            errors.RecordInvalid,
            1004,
            "tags",
        ),
        (
            {"type": "A", "name": "x", "content": "1.2.3.4", "data": "x"},
            errors.RecordInvalid,
            1004,
            "data",
        ),
        (
            {
                "type": "CNAME",
                "name": "x",
                "content": "t.example.net",
                "settings": {"flatten_cname": "yes"},
            },
            errors.RecordInvalid,
            1004,
            "settings.flatten_cname",
        ),
    ],
)
def test_invalid_records_raise_the_reference_code_naming_the_field(
    raw: dict[str, object], error: type[FlareliteError], code: int, pointer: str
) -> None:
    with pytest.raises(error) as caught:
        validate_record(raw, ZONE)
    assert caught.value.code == code
    assert caught.value.status == 400
    assert caught.value.pointer == pointer
    assert pointer in caught.value.message


@pytest.mark.parametrize(
    ("ttl", "stored"),
    [(None, 1), (1, 1), (60, 60), (86400, 86400), ("300", 300), (300.0, 300), ("120.0", 120)],
)
def test_ttl_accepts_auto_and_the_documented_range(ttl: object, stored: int) -> None:
    assert ok(type="A", name="x", content="1.2.3.4", ttl=ttl).ttl == stored


@pytest.mark.parametrize("ttl", [0, 2, 59, 86401, -1, 2.5, "abc", True, [1]])
def test_ttl_outside_the_range_is_9021(ttl: object) -> None:
    with pytest.raises(errors.TtlInvalid) as caught:
        ok(type="A", name="x", content="1.2.3.4", ttl=ttl)
    assert caught.value.code == 9021
    assert caught.value.pointer == "ttl"


def test_enterprise_limits_allow_ttl_30() -> None:
    rec = validate_record(
        {"type": "A", "name": "x", "content": "1.2.3.4", "ttl": 30},
        ZONE,
        limits=RecordLimits(min_ttl=30),
    )
    assert rec.ttl == 30


def test_proxied_record_is_stored_with_ttl_auto() -> None:
    rec = ok(type="A", name="x", content="198.51.100.4", ttl=300, proxied=True)
    assert (rec.proxied, rec.ttl, rec.proxiable) == (True, 1, True)


@pytest.mark.parametrize(
    ("rtype", "content", "expected"),
    [
        ("A", "1.1.1.1", True),
        ("A", "198.51.100.7", True),
        ("A", "10.1.2.3", False),
        ("A", "172.16.0.1", False),
        ("A", "100.64.0.1", False),
        ("A", "169.254.0.1", False),
        ("A", "127.0.0.1", False),
        ("AAAA", "2001:db8::1", True),
        ("AAAA", "::1", False),
        ("AAAA", "fd00::1", False),
        ("CNAME", "x.example.net", True),
        ("TXT", "x", False),
        ("MX", "mail.example.com", False),
    ],
)
def test_proxiable_follows_type_and_target(rtype: str, content: str, expected: bool) -> None:
    assert is_proxiable(rtype, content) is expected


def test_unknown_and_null_fields_are_tolerated() -> None:
    rec = ok(
        type="TXT",
        name="x",
        content="v",
        data=None,
        priority=0,
        comment="",
        tags=None,
        zone_id="ignored",
        id="echoed",
        proxiable=False,
        meta={},
        locked=False,
    )
    assert (rec.priority, rec.comment, rec.tags) == (None, None, ())


def test_tags_are_normalised_deduplicated_and_counted() -> None:
    rec = ok(type="A", name="x", content="1.2.3.4", tags=["Owner:Team", "owner:Team", "solo"])
    assert rec.tags == ("owner:Team", "solo")
    with pytest.raises(errors.TagQuotaExceeded) as caught:
        validate_record(
            {"type": "A", "name": "x", "content": "1.2.3.4", "tags": ["a:1"]},
            ZONE,
            limits=RecordLimits(tags=0),
        )
    assert caught.value.message == "DNS record has 1 tags, exceeding the quota of 0."


@pytest.mark.parametrize(
    "raw",
    [
        {"data": {"priority": 10, "weight": 5, "port": 5223, "target": "server.example.com."}},
        {"data": {"priority": "10", "weight": "5", "port": "5223", "target": "server.example.com"}},
        {"data": {"weight": 5, "port": 5223, "target": "server.example.com"}, "priority": 10},
        {"content": "10 5 5223 server.example.com"},
        {"content": "5 5223 server.example.com.", "priority": 10},
        {
            "data": {
                "priority": 10,
                "weight": 5,
                "port": 5223,
                "target": "server.example.com",
                "service": "_xmpp",
                "proto": "_tcp",
                "name": "example.com",
            }
        },
    ],
)
def test_srv_from_data_or_content(raw: dict[str, object]) -> None:
    rec = validate_record({"type": "SRV", "name": "_xmpp._tcp", **raw}, ZONE)
    assert rec.content == "5 5223 server.example.com"  # docs example (§5.9)
    assert rec.priority == 10
    assert rec.data == SrvData(10, 5, 5223, "server.example.com")


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        ({"data": {"weight": 5, "port": 1, "target": "t.example"}}, "data.priority"),
        ({"data": {"priority": 1, "weight": 5, "port": 70000, "target": "t"}}, "data.port"),
        ({"data": {"priority": 1, "weight": "x", "port": 1, "target": "t"}}, "data.weight"),
        ({"data": {"priority": 1, "weight": 1, "port": 1, "target": "1.2.3.4"}}, "data.target"),
        ({"content": "1 2"}, "content"),
        (
            {
                "data": {
                    "priority": 1,
                    "weight": 1,
                    "port": 1,
                    "target": "t",
                    "service": "_other",
                    "proto": "_udp",
                    "name": "example.com",
                }
            },
            "data",
        ),
    ],
)
def test_bad_srv_names_the_field(raw: dict[str, object], pointer: str) -> None:
    with pytest.raises(errors.RecordInvalid) as caught:
        validate_record({"type": "SRV", "name": "_xmpp._tcp", **raw}, ZONE)
    assert caught.value.pointer == pointer


@pytest.mark.parametrize(
    ("raw", "content", "data"),
    [
        (
            {"data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}},
            '0 issue "letsencrypt.org"',
            CaaData(0, "issue", "letsencrypt.org"),
        ),
        (
            {"data": {"flags": "128", "tag": "IssueWild", "value": ";"}},
            '128 issuewild ";"',
            CaaData(128, "issuewild", ";"),
        ),
        (
            {"data": {"flags": 0, "tag": "iodef", "value": "mailto:sec@example.com"}},
            '0 iodef "mailto:sec@example.com"',
            CaaData(0, "iodef", "mailto:sec@example.com"),
        ),
        ({"content": '0 issue "pki.goog"'}, '0 issue "pki.goog"', CaaData(0, "issue", "pki.goog")),
        (
            {"content": "0 issue pki.goog", "data": None},
            '0 issue "pki.goog"',
            CaaData(0, "issue", "pki.goog"),
        ),
    ],
)
def test_caa_from_data_or_content(raw: dict[str, object], content: str, data: CaaData) -> None:
    rec = validate_record({"type": "CAA", "name": "@", **raw}, ZONE)
    assert (rec.content, rec.data, rec.priority) == (content, data, None)


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ({"flags": 0, "tag": "issuer", "value": "ca"}, "data.tag"),
        ({"flags": 256, "tag": "issue", "value": "ca"}, "data.flags"),
        ({"flags": 0, "tag": "issue", "value": ""}, "data.value"),
        ({"flags": 0, "tag": "iodef", "value": "sec@example.com"}, "data.value"),
    ],
)
def test_bad_caa_names_the_field(data: dict[str, object], pointer: str) -> None:
    with pytest.raises(errors.RecordInvalid) as caught:
        validate_record({"type": "CAA", "name": "@", "data": data}, ZONE)
    assert caught.value.pointer == pointer


def test_mx_priority_may_come_from_data() -> None:
    assert ok(type="MX", name="@", content="mx", data={"priority": "5"}).priority == 5


def test_cname_settings_and_proxy_drop_flattening() -> None:
    flat = ok(type="CNAME", name="www", content="t.example.net", settings={"flatten_cname": True})
    assert flat.settings == {"flatten_cname": True}
    proxied = ok(
        type="CNAME",
        name="www",
        content="t.example.net",
        proxied=True,
        settings={"flatten_cname": True},
    )
    assert proxied.settings == {"flatten_cname": False}
    assert ok(type="A", name="x", content="1.2.3.4").settings == {}


def test_patch_merges_over_the_existing_record() -> None:
    existing = {
        "type": "SRV",
        "name": "_sip._tcp.example.com",
        "content": "1 5060 a.example",
        "priority": 10,
        "ttl": 300,
        "comment": "keep",
        "data": {"priority": 10, "weight": 1, "port": 5060, "target": "a.example"},
    }
    rec = validate_record(
        {"data": {"priority": 20, "weight": 1, "port": 5061, "target": "b"}},
        ZONE,
        existing=existing,
    )
    assert (rec.content, rec.priority, rec.ttl, rec.comment) == ("1 5061 b", 20, 300, "keep")
    cleared = validate_record({"comment": None}, ZONE, existing=existing)
    assert cleared.comment is None


def test_put_without_existing_resets_omitted_fields() -> None:
    rec = ok(type="A", name="x", content="1.2.3.4")
    assert (rec.ttl, rec.proxied, rec.comment, rec.tags) == (1, False, None, ())


def test_type_change_is_refused() -> None:
    check_type_unchanged("a", ok(type="A", name="x", content="1.2.3.4"))
    with pytest.raises(errors.RecordTypeChange) as caught:
        check_type_unchanged("CNAME", ok(type="A", name="x", content="1.2.3.4"))
    assert caught.value.pointer == "type"


A_WWW = ok(type="A", name="www", content="192.0.2.1")
AAAA_WWW = ok(type="AAAA", name="www", content="2001:db8::1")
CNAME_WWW = ok(type="CNAME", name="www", content="t.example.net")
TXT_WWW = ok(type="TXT", name="www", content="hello")
MX_WWW = ok(type="MX", name="www", content="mx.example.com", priority=10)
NS_WWW = ok(type="NS", name="www", content="ns1.other.net")


@pytest.mark.parametrize(
    ("new", "others", "error", "code"),
    [
        (CNAME_WWW, [A_WWW], errors.CnameConflict, 81053),
        (CNAME_WWW, [AAAA_WWW], errors.CnameConflict, 81053),
        (replace(CNAME_WWW, content="u.example.net"), [CNAME_WWW], errors.CnameConflict, 81053),
        (A_WWW, [CNAME_WWW], errors.CnameExists, 81054),
        (AAAA_WWW, [CNAME_WWW], errors.CnameExists, 81054),
        (NS_WWW, [A_WWW], errors.NsConflict, 81055),
        (TXT_WWW, [NS_WWW], errors.NsExists, 81056),
        (A_WWW, [A_WWW], errors.IdenticalRecordExists, 81058),
        (CNAME_WWW, [CNAME_WWW], errors.IdenticalRecordExists, 81058),
        (
            replace(CNAME_WWW, content="T.EXAMPLE.NET"),
            [CNAME_WWW],
            errors.IdenticalRecordExists,
            81058,
        ),
        (TXT_WWW, [replace(TXT_WWW, content="x" * 8190)], errors.RecordContentInvalid, 1004),
    ],
)
def test_clashes_raise_cloudflare_codes_with_status_400(
    new: ValidRecord, others: list[ValidRecord], error: type[FlareliteError], code: int
) -> None:
    with pytest.raises(error) as caught:
        check_conflicts(new, others)
    assert (caught.value.code, caught.value.status) == (code, 400)


@pytest.mark.parametrize(
    ("new", "others"),
    [
        (A_WWW, [replace(A_WWW, content="192.0.2.2")]),
        (CNAME_WWW, [TXT_WWW, MX_WWW]),  # flattening serves such mixes (§5.5)
        (TXT_WWW, [CNAME_WWW]),
        (CNAME_WWW, [replace(A_WWW, name="other.example.com")]),
        (NS_WWW, [replace(NS_WWW, content="ns2.other.net")]),
        (MX_WWW, [replace(MX_WWW, priority=20)]),
        (TXT_WWW, [replace(TXT_WWW, content="bye")]),
    ],
)
def test_allowed_neighbours_pass(new: ValidRecord, others: list[ValidRecord]) -> None:
    check_conflicts(new, others)


@dataclass(frozen=True)
class Row:
    id: str
    type: str
    name: str
    content: str
    ttl: int = 1
    proxied: bool = False
    priority: int | None = None
    data: Mapping[str, object] | None = None
    comment: str | None = None
    tags: tuple[str, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)
    created_on: datetime = datetime(2025, 8, 27, 20, 36, 19, 571325, tzinfo=UTC)
    modified_on: datetime = datetime(2025, 8, 27, 20, 36, 19, tzinfo=UTC)
    comment_modified_on: datetime | None = None
    tags_modified_on: datetime | None = None


@dataclass(frozen=True)
class Zone:
    id: str = "023e105f4ecef8ad9ca31a8372d0c353"
    name: str = ZONE


def test_api_record_has_every_field_the_sdks_need() -> None:
    out = record_as_api(Row("372e6795", "TXT", "_acme.example.com", "challengetoken", 3600), Zone())
    assert out == {
        "id": "372e6795",
        "zone_id": Zone.id,
        "zone_name": ZONE,
        "name": "_acme.example.com",
        "type": "TXT",
        "content": "challengetoken",
        "proxiable": False,
        "proxied": False,
        "ttl": 3600,
        "settings": {},
        "meta": {},
        "comment": None,
        "tags": [],
        "created_on": "2025-08-27T20:36:19Z",
        "modified_on": "2025-08-27T20:36:19Z",
    }


def test_api_record_carries_priority_data_and_attribute_times() -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    srv = Row(
        "1",
        "SRV",
        "_sip._tcp.example.com",
        "5 5060 t.example",
        priority=10,
        data={"priority": 10, "weight": 5, "port": 5060, "target": "t.example"},
        comment="c",
        tags=("a:b",),
        comment_modified_on=when,
        tags_modified_on=when,
    )
    out = record_as_api(srv, Zone())
    assert out["priority"] == 10
    assert out["data"] == {"priority": 10, "weight": 5, "port": 5060, "target": "t.example"}
    assert out["comment_modified_on"] == out["tags_modified_on"] == "2025-01-02T03:04:05Z"
    cname = record_as_api(Row("2", "CNAME", "www.example.com", "t.example"), Zone())
    assert cname["settings"] == {"flatten_cname": False}
    assert cname["proxiable"] is True
    assert not {"priority", "data", "comment_modified_on"} & cname.keys()


def test_valid_record_satisfies_its_own_round_trip_shape() -> None:
    rec = ok(type="MX", name="@", content="mx.example.com", priority=10, comment="mail")
    assert rec.type is RecordType.MX
    assert rec.data_dict() is None
    srv = ok(type="SRV", name="_a._tcp", content="1 2 3 t.example")
    assert srv.data_dict() == {"priority": 1, "weight": 2, "port": 3, "target": "t.example"}
