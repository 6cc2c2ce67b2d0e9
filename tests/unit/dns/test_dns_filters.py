"""Record list filters and order, as the SDKs encode them (zones-dns.md §1, §6.1)."""

from __future__ import annotations

import pytest

from flarelite.core.errors import Invalid
from flarelite.dns.filters import (
    FieldCondition,
    RecordFilter,
    TagCondition,
    parse_record_filter,
    record_matches,
    sort_records,
)
from flarelite.dns.records import ValidRecord, validate_record

ZONE = "example.com"


def rec(**raw: object) -> ValidRecord:
    return validate_record(raw, ZONE)


APEX_A = rec(type="A", name="@", content="192.0.2.1", proxied=True, ttl=1)
WWW_CNAME = rec(
    type="CNAME",
    name="www",
    content="Target.Example.net",
    ttl=300,
    comment="web front",
    tags=["owner:team-a", "env:prod"],
)
ACME_TXT = rec(type="TXT", name="_acme-challenge", content="challengetoken", ttl=120)
QUOTED_TXT = rec(type="TXT", name="@", content='"v=spf1 -all"', ttl=3600, tags=["env:Staging"])
MX = rec(type="MX", name="@", content="mail.example.com", priority=10, ttl=600)
ALL = [APEX_A, WWW_CNAME, ACME_TXT, QUOTED_TXT, MX]


def matching(query: dict[str, str | list[str]]) -> list[ValidRecord]:
    flt = parse_record_filter(query, zone_name=ZONE)
    return [r for r in ALL if record_matches(flt, r)]


def test_sdk_query_is_parsed_into_conditions() -> None:
    flt = parse_record_filter(
        {
            "name.exact": "WWW.example.com.",
            "content.contains": "target",
            "type": "CNAME",
            "proxied": "false",
            "tag": ["owner:team-a", "env"],
            "tag_match": "any",
            "comment.present": "",
            "match": "all",
            "order": "ttl",
            "direction": "desc",
            "page": "2",
            "per_page": "50",
        }
    )
    assert flt == RecordFilter(
        types=frozenset({"CNAME"}),
        conditions=(
            FieldCondition("name", "exact", "www.example.com"),
            FieldCondition("content", "contains", "target"),
            FieldCondition("comment", "present"),
        ),
        proxied=False,
        tags=(TagCondition("exact", "owner", "team-a"), TagCondition("exact", "env", None)),
        match="all",
        tag_match="any",
        order="ttl",
        direction="desc",
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ALL),
        ({"type": "TXT"}, [ACME_TXT, QUOTED_TXT]),
        ({"type": ["A", "MX"]}, [APEX_A, MX]),
        ({"type": "a,mx"}, [APEX_A, MX]),
        ({"name": "example.com"}, [APEX_A, QUOTED_TXT, MX]),
        ({"name": "@"}, [APEX_A, QUOTED_TXT, MX]),
        ({"name": "Example.COM."}, [APEX_A, QUOTED_TXT, MX]),
        ({"name": "www"}, []),  # relative names do not match (§6.1)
        ({"name.exact": "www.example.com"}, [WWW_CNAME]),
        ({"name.startswith": "_acme"}, [ACME_TXT]),
        ({"name.endswith": "w.example.com"}, [WWW_CNAME]),
        ({"name.contains": "CHALLENGE"}, [ACME_TXT]),
        ({"name": "contains:acme"}, [ACME_TXT]),  # pre-2025 syntax still accepted
        (
            {"name": "www.example.com,_acme-challenge.example.com", "match": "any"},
            [WWW_CNAME, ACME_TXT],
        ),
        (
            {"name": ["www.example.com", "_acme-challenge.example.com"], "match": "any"},
            [WWW_CNAME, ACME_TXT],
        ),
        ({"name": ["www.example.com", "_acme-challenge.example.com"]}, []),
        ({"content.exact": "challengetoken"}, [ACME_TXT]),
        ({"content": "CHALLENGETOKEN"}, [ACME_TXT]),
        ({"content": '"v=spf1 -all"'}, [QUOTED_TXT]),
        ({"content": "v=spf1 -all"}, []),  # TXT is matched verbatim (§5.6)
        ({"content.startswith": "target.example"}, [WWW_CNAME]),
        ({"content.endswith": ".net"}, [WWW_CNAME]),
        ({"proxied": "true"}, [APEX_A]),
        ({"comment": "web front"}, [WWW_CNAME]),
        ({"comment.contains": "FRONT"}, [WWW_CNAME]),
        ({"comment.present": "true"}, [WWW_CNAME]),
        ({"comment.absent": "true"}, [APEX_A, ACME_TXT, QUOTED_TXT, MX]),
        ({"tag": "owner"}, [WWW_CNAME]),
        ({"tag": "env:prod"}, [WWW_CNAME]),
        ({"tag": "ENV:staging"}, []),  # tag values keep their case
        ({"tag.present": "env"}, [WWW_CNAME, QUOTED_TXT]),
        ({"tag.absent": "env"}, [APEX_A, ACME_TXT, MX]),
        ({"tag.exact": "env:Staging"}, [QUOTED_TXT]),
        ({"tag.contains": "env:tag"}, [QUOTED_TXT]),
        ({"tag.startswith": "owner:team"}, [WWW_CNAME]),
        ({"tag": ["owner:team-a", "env:Staging"]}, []),
        ({"tag": ["owner:team-a", "env:Staging"], "tag_match": "any"}, [WWW_CNAME, QUOTED_TXT]),
        ({"type": "MX", "proxied": "true", "match": "any"}, [APEX_A, MX]),
        ({"type": "TXT", "tag.present": "env"}, [QUOTED_TXT]),
        ({"search": "spf"}, [QUOTED_TXT]),
        ({"search": "team-a"}, [WWW_CNAME]),
    ],
)
def test_filters_select_records(
    query: dict[str, str | list[str]], expected: list[ValidRecord]
) -> None:
    assert matching(query) == expected


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ({"match": "some"}, "match"),
        ({"tag_match": "none"}, "tag_match"),
        ({"order": "priority"}, "order"),
        ({"direction": "up"}, "direction"),
        ({"proxied": "maybe"}, "proxied"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_the_key(query: dict[str, str], pointer: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_record_filter(query)
    assert caught.value.pointer == pointer
    assert pointer in caught.value.message


def test_default_order_is_type_then_name() -> None:
    ordered = sort_records(list(reversed(ALL)))
    assert [(r.type, r.name) for r in ordered] == [
        ("A", "example.com"),
        ("CNAME", "www.example.com"),
        ("MX", "example.com"),
        ("TXT", "_acme-challenge.example.com"),
        ("TXT", "example.com"),
    ]


@pytest.mark.parametrize(
    ("order", "direction", "first"),
    [
        ("name", "asc", ACME_TXT),
        ("name", "desc", WWW_CNAME),
        ("ttl", "asc", APEX_A),
        ("ttl", "desc", QUOTED_TXT),
        ("content", "asc", QUOTED_TXT),
        ("proxied", "desc", APEX_A),
        ("type", "desc", QUOTED_TXT),
    ],
)
def test_sort_orders(order: str, direction: str, first: ValidRecord) -> None:
    flt = parse_record_filter({"order": order, "direction": direction})
    assert sort_records(ALL, flt.order, flt.direction)[0] == first
