"""The DNS record form's pure logic: per-type fields to API body, errors to fields, display."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flarelite.dns.models import DnsRecord
from flarelite.dns.records import RecordType, validate_record
from flarelite.web.record_form import (
    FORM_ERROR,
    RECORD_TYPES,
    TYPED_FIELDS,
    MissingFields,
    draft_of,
    error_field,
    posted_draft,
    readable_content,
    record_body,
)

COMMON = {"name": "www", "ttl": "1", "comment": "", "proxied": ""}
# Every per-type field filled, as a browser without JavaScript posts them.
EVERYTHING = {
    **COMMON,
    "content": "192.0.2.1",
    "mx_content": "mail.example.com",
    "mx_priority": "10",
    "srv_priority": "1",
    "srv_weight": "2",
    "srv_port": "5060",
    "srv_target": "sip.example.com",
    "caa_flags": "0",
    "caa_tag": "issue",
    "caa_value": "letsencrypt.org",
}


def test_the_form_offers_every_type_the_service_takes() -> None:
    assert set(RECORD_TYPES) == set(RecordType) == set(TYPED_FIELDS)


def test_srv_body_carries_only_the_srv_fields_as_data() -> None:
    body = record_body({**EVERYTHING, "type": "srv", "name": "_sip._tcp"})
    assert body == {
        "type": "SRV",
        "name": "_sip._tcp",
        "ttl": 1,
        "proxied": False,
        "comment": None,
        "data": {"priority": "1", "weight": "2", "port": "5060", "target": "sip.example.com"},
    }


def test_caa_and_mx_bodies() -> None:
    caa = record_body({**EVERYTHING, "type": "CAA"})
    assert caa["data"] == {"flags": "0", "tag": "issue", "value": "letsencrypt.org"}
    assert "content" not in caa
    mx = record_body({**EVERYTHING, "type": "MX", "ttl": "300"})
    assert (mx["content"], mx["priority"], mx["ttl"]) == ("mail.example.com", "10", 300)
    assert "data" not in mx


def test_plain_types_use_content_and_proxied_only_where_proxiable() -> None:
    a = record_body({**EVERYTHING, "type": "A", "proxied": "on"})
    assert (a["content"], a["proxied"]) == ("192.0.2.1", True)
    txt = record_body({**EVERYTHING, "type": "TXT", "content": "hello", "proxied": "on"})
    assert (txt["content"], txt["proxied"]) == ("hello", False)


def test_bodies_pass_the_api_validation() -> None:
    srv = validate_record(record_body({**EVERYTHING, "type": "SRV", "name": "_sip._tcp"}), "ex.com")
    assert (srv.priority, srv.content) == (1, "2 5060 sip.example.com")
    caa = validate_record(record_body({**EVERYTHING, "type": "CAA"}), "ex.com")
    assert caa.content == '0 issue "letsencrypt.org"'


def test_empty_required_fields_are_named_before_the_service_is_asked() -> None:
    with pytest.raises(MissingFields) as caught:
        record_body({**COMMON, "type": "SRV", "srv_priority": "1", "srv_target": "x.example"})
    assert caught.value.errors == {"srv_weight": "Required.", "srv_port": "Required."}


@pytest.mark.parametrize(
    ("record_type", "pointer", "field"),
    [
        ("SRV", "data.port", "srv_port"),
        ("SRV", "data.priority", "srv_priority"),
        ("SRV", "priority", "srv_priority"),
        ("CAA", "data.tag", "caa_tag"),
        ("MX", "content", "mx_content"),
        ("MX", "priority", "mx_priority"),
        ("A", "content", "content"),
        ("A", "proxied", "proxied"),
        ("TXT", "ttl", "ttl"),
        ("CNAME", "name", "name"),
        ("SRV", "data", FORM_ERROR),
        ("A", None, FORM_ERROR),
    ],
)
def test_errors_land_next_to_their_field(record_type: str, pointer: str | None, field: str) -> None:
    assert error_field(record_type, pointer) == field


def record(**fields: Any) -> DnsRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    defaults: dict[str, Any] = {
        "id": "r1", "zone_id": "z1", "name": "x.example.com", "ttl": 1, "proxied": False,
        "priority": None, "data": None, "settings": {}, "comment": None, "tags": [],
        "created_on": now, "modified_on": now,
    }  # fmt: skip
    return DnsRecord(**{**defaults, **fields})


SRV_DATA = {"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"}


def test_edit_prefills_the_per_type_fields() -> None:
    srv = record(type="SRV", content="5 5060 sip.example.com", priority=10, data=SRV_DATA)
    draft = draft_of(srv)
    assert {k: draft[k] for k in ("srv_priority", "srv_weight", "srv_port", "srv_target")} == {
        "srv_priority": "10", "srv_weight": "5", "srv_port": "5060",
        "srv_target": "sip.example.com",
    }  # fmt: skip
    mx = draft_of(record(type="MX", content="mail.example.com", priority=0, ttl=300))
    assert (mx["mx_content"], mx["mx_priority"], mx["ttl"]) == ("mail.example.com", "0", "300")
    a = draft_of(record(type="A", content="192.0.2.1", proxied=True, comment="web"))
    assert (a["content"], a["proxied"], a["comment"]) == ("192.0.2.1", "on", "web")


def test_a_posted_draft_round_trips_into_the_same_body() -> None:
    fields = {**EVERYTHING, "type": "CAA", "caa_tag": "iodef", "caa_value": "mailto:x@ex.com"}
    assert record_body(posted_draft(fields)) == record_body(fields)


def test_readable_content_spells_out_data_types() -> None:
    srv = record(type="SRV", content="5 5060 sip.example.com", priority=10, data=SRV_DATA)
    assert readable_content(srv) == "sip.example.com:5060 · weight 5"
    caa = record(type="CAA", content='0 issue "ca.example"',
                 data={"flags": 0, "tag": "issue", "value": "ca.example"})  # fmt: skip
    assert readable_content(caa) == "Only allow specific hostnames: ca.example"
    critical = record(type="CAA", content='128 iodef "mailto:a@b.c"',
                      data={"flags": 128, "tag": "iodef", "value": "mailto:a@b.c"})  # fmt: skip
    assert readable_content(critical) == "Send violation reports to URL: mailto:a@b.c · flags 128"
    assert readable_content(record(type="A", content="192.0.2.1")) == "192.0.2.1"
    assert readable_content(record(type="SRV", content="1 2 t.example", data={})) == "1 2 t.example"
