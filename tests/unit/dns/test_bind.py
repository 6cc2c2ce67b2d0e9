"""BIND export and import (zones-dns.md §7.2, §7.3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flarelite.dns.bind import SoaInfo, export_zone, parse_zone_file
from flarelite.dns.errors import ZoneFileInvalid
from flarelite.dns.records import ValidRecord, validate_record

ZONE = "example.com"
WHEN = datetime(2025, 3, 25, 2, 20, 34, tzinfo=UTC)
NAME_SERVERS = ["ada.ns.flarelite.test", "bob.ns.flarelite.test"]
LONG_DKIM = '"v=DKIM1; k=rsa; p=' + "A" * 230 + '" "' + "B" * 200 + '"'
ROUND_TRIP = [
    {
        "type": "A",
        "name": "@",
        "content": "198.51.100.7",
        "proxied": True,
        "comment": "web",
        "tags": ["env:prod"],
    },
    {"type": "A", "name": "intranet", "content": "10.0.0.7", "ttl": 300},
    {"type": "AAAA", "name": "v6", "content": "2001:db8::1", "ttl": 3600},
    {"type": "CNAME", "name": "www", "content": "example.com", "settings": {"flatten_cname": True}},
    {"type": "CNAME", "name": "*.apps", "content": "lb.example.net", "proxied": True},
    {"type": "MX", "name": "@", "content": "mail.example.com", "priority": 10},
    {"type": "MX", "name": "nomail", "content": ".", "priority": 0},
    {"type": "NS", "name": "delegated", "content": "ns1.other.net"},
    {"type": "PTR", "name": "7.100", "content": "host.example.com"},
    {
        "type": "SRV",
        "name": "_sip._tcp",
        "data": {"priority": 1, "weight": 2, "port": 5060, "target": "sip.example.net"},
    },
    {"type": "CAA", "name": "@", "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}},
    {
        "type": "CAA",
        "name": "@",
        "data": {"flags": 128, "tag": "iodef", "value": "mailto:sec@example.com"},
    },
    {"type": "TXT", "name": "_acme-challenge", "content": "challengetoken", "ttl": 120},
    {"type": "TXT", "name": "@", "content": '"v=spf1 include:_spf.example.net -all"'},
    {"type": "TXT", "name": "sel._domainkey", "content": LONG_DKIM},
    {"type": "TXT", "name": "quote", "content": '"say \\"hi\\" \\\\ bye"', "comment": "quoted"},
]


def records(raws: list[dict[str, object]]) -> list[ValidRecord]:
    return [validate_record(raw, ZONE) for raw in raws]


def key(rec: ValidRecord) -> tuple[str, str, str]:
    return (rec.type, rec.name, rec.content)


def export(recs: list[ValidRecord]) -> str:
    return export_zone(ZONE, recs, name_servers=NAME_SERVERS, exported_at=WHEN)


def test_export_then_parse_gives_the_same_records() -> None:
    original = records(ROUND_TRIP)
    parsed = records(parse_zone_file(export(original), ZONE))
    assert sorted(parsed, key=key) == sorted(original, key=key)


def test_export_shape_follows_cloudflare() -> None:
    text = export(records(ROUND_TRIP))
    lines = text.splitlines()
    assert lines[:3] == [";;", ";; Domain:     example.com.", ";; Exported:   2025-03-25 02:20:34"]
    assert ";; SOA Record" in lines
    assert "example.com.\t86400\tIN\tNS\tada.ns.flarelite.test." in lines
    assert "example.com.\t1\tIN\tA\t198.51.100.7 ; web cf_tags=cf-proxied:true,env:prod" in lines
    assert "intranet.example.com.\t300\tIN\tA\t10.0.0.7" in lines  # private: not proxiable
    assert (
        "www.example.com.\t1\tIN\tCNAME\texample.com. ; "
        "cf_tags=cf-proxied:false,cf-flatten-cname:true"
    ) in lines
    assert "_sip._tcp.example.com.\t1\tIN\tSRV\t1 2 5060 sip.example.net." in lines
    assert 'example.com.\t1\tIN\tCAA\t0 issue "letsencrypt.org"' in lines
    assert "nomail.example.com.\t1\tIN\tMX\t0 ." in lines
    headers = [line for line in lines if line.endswith(" Records")]
    assert headers == [
        f";; {t} Records" for t in ("NS", "A", "AAAA", "CAA", "CNAME", "MX", "PTR", "SRV", "TXT")
    ]


def test_export_uses_the_given_soa() -> None:
    soa = SoaInfo(mname="ns.example.net", rname="dns.example.net", serial=7)
    text = export_zone(ZONE, [], name_servers=[], exported_at=WHEN, soa=soa)
    assert (
        "example.com.\t3600\tIN\tSOA\tns.example.net. dns.example.net. 7 10000 2400 604800 3600"
        in text
    )
    assert ";; NS Records" not in text


@pytest.mark.parametrize(
    ("content", "rdata"),
    [
        ("plain token", '"plain token"'),
        ('"already" "quoted"', '"already" "quoted"'),
        ("x" * 300, '"' + "x" * 255 + '" "' + "x" * 45 + '"'),
        ('"' + "y" * 300 + '"', '"' + "y" * 255 + '" "' + "y" * 45 + '"'),  # chunked (§5.6)
        ('semi;colon "q"', '"semi;colon \\"q\\""'),
    ],
)
def test_txt_is_quoted_and_chunked_on_export(content: str, rdata: str) -> None:
    rec = validate_record({"type": "TXT", "name": "t", "content": content}, ZONE)
    assert f"t.example.com.\t1\tIN\tTXT\t{rdata}\n" in export([rec])


def test_unquoted_long_txt_reimports_in_equivalent_quoted_form() -> None:
    rec = validate_record({"type": "TXT", "name": "t", "content": "x" * 300}, ZONE)
    [body] = parse_zone_file(export([rec]), ZONE)
    assert body["content"] == '"' + "x" * 255 + '" "' + "x" * 45 + '"'


CF_SOA_RDATA = "kim.ns.cloudflare.com. dns.cloudflare.com. 2049453583 10000 2400 604800 3600"
# Cloudflare's quirk kept: the SOA owner has no trailing dot (§7.3).
CLOUDFLARE_EXPORT = f"""\
;;
;; Domain:     example.com.
;; Exported:   2025-03-25 02:20:34
;;
;; SOA Record
example.com	3600	IN	SOA	{CF_SOA_RDATA}
;; NS Records
example.com.	86400	IN	NS	kim.ns.cloudflare.com.
example.com.	86400	IN	NS	lee.ns.cloudflare.com.
;; A Records
example.com.	1	IN	A	198.51.100.7 ; cf_tags=cf-proxied:true
;; CNAME Records
www.example.com.	1	IN	CNAME	example.com. ; cf_tags=cf-proxied:false
;; TXT Records
www.example.com.	1	IN	TXT	"v=DKIM1; p=abc" "def"
"""


def test_cloudflare_export_imports_without_soa_and_apex_ns() -> None:
    bodies = parse_zone_file(CLOUDFLARE_EXPORT.replace("\n", "\r\n"), ZONE)
    assert bodies == [
        {"type": "A", "name": "example.com", "ttl": 1, "content": "198.51.100.7", "proxied": True},
        {
            "type": "CNAME",
            "name": "www.example.com",
            "ttl": 1,
            "content": "example.com",
            "proxied": False,
        },
        {
            "type": "TXT",
            "name": "www.example.com",
            "ttl": 1,
            "content": '"v=DKIM1; p=abc" "def"',
            "proxied": False,
        },
    ]


def test_directives_relative_names_and_multiline_records() -> None:
    text = """\
$TTL 600
$ORIGIN example.com.
; BIND semantics: records without a TTL take $TTL, not the previous record's
@        IN  MX  ( 10
                   mail )          ; primary
mail         A   192.0.2.25
$ORIGIN lab.example.com.
host   300   AAAA  2001:db8::25
*            TXT   "wild" "card"
_xmpp._tcp   SRV   5 0 5222 xmpp.example.net.
@            CAA   0 issuewild ";"
$GENERATE 1-3 web$ CNAME host
other.org.   A     203.0.113.1
"""
    bodies = parse_zone_file(text, ZONE)
    assert [(b["type"], b["name"], b["ttl"]) for b in bodies] == [
        ("MX", "example.com", 600),
        ("A", "mail.example.com", 600),
        ("AAAA", "host.lab.example.com", 300),
        ("TXT", "*.lab.example.com", 600),
        ("SRV", "_xmpp._tcp.lab.example.com", 600),
        ("CAA", "lab.example.com", 600),
        ("CNAME", "web1.lab.example.com", 600),
        ("CNAME", "web2.lab.example.com", 600),
        ("CNAME", "web3.lab.example.com", 600),
    ]
    assert bodies[0] | {} == {
        "type": "MX",
        "name": "example.com",
        "ttl": 600,
        "content": "mail.example.com",
        "priority": 10,
        "comment": "primary",
        "proxied": False,
    }
    assert bodies[3]["content"] == '"wild" "card"'
    assert bodies[4]["data"] == {
        "priority": 5,
        "weight": 0,
        "port": 5222,
        "target": "xmpp.example.net",
    }
    assert bodies[5]["data"] == {"flags": 0, "tag": "issuewild", "value": ";"}
    for body in bodies:
        validate_record(body, ZONE)


def test_form_proxied_applies_to_proxiable_records_unless_tagged() -> None:
    text = """\
a     300 IN A     203.0.113.9
b     300 IN A     203.0.113.10 ; cf_tags=cf-proxied:false
priv  300 IN A     192.168.0.9
t     300 IN TXT   "x"
c     300 IN CNAME a
"""
    bodies = parse_zone_file(text, ZONE, proxied=True)
    assert [b["proxied"] for b in bodies] == [True, False, False, False, True]
    for body in bodies:
        validate_record(body, ZONE)


def test_comments_and_tags_come_from_cf_tags() -> None:
    [body] = parse_zone_file(
        "x 60 IN A 203.0.113.1 ; my host cf_tags=owner:ops, env:prod,cf-flatten-cname\n", ZONE
    )
    assert body["comment"] == "my host"
    assert body["tags"] == ["owner:ops", "env:prod"]
    assert body["settings"] == {"flatten_cname": True}


def test_cname_beside_txt_and_unmodelled_types_are_left_to_validation() -> None:
    bodies = parse_zone_file(
        "www 60 CNAME t.example.net.\nwww 60 TXT hi\nds 60 DS 1 13 2 " + "AB" * 32 + "\n", ZONE
    )
    assert [b["type"] for b in bodies] == ["CNAME", "TXT", "DS"]
    assert bodies[2]["content"] == "1 13 2 " + "ab" * 32


def test_records_without_any_ttl_are_automatic() -> None:
    [body] = parse_zone_file("x IN A 203.0.113.1\n", ZONE)
    assert body["ttl"] == 1


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("www IN A 1.2.3\n", 1, ""),
        ("ok IN A 1.2.3.4\n\nbad IN FOO x\n", 3, "unknown rdatatype"),
        ('x IN TXT "unterminated\n', 1, ""),
        ("x IN A 1.2.3.4 (\n", 1, ""),
        ("$INCLUDE /etc/passwd\n", 1, "$INCLUDE directive not allowed"),
        ("x IN MX mail\n", 1, ""),
        ("x CH A 1.2.3.4\n", 1, "class"),
        ("$GENERATE 1-20000 h$ A 10.0.0.1\n", 1, "more than 10000 records"),
        ("a" * 64 + " IN A 1.2.3.4\n", 1, ""),
    ],
)
def test_malformed_zone_files_name_the_line(text: str, line: int, why: str) -> None:
    with pytest.raises(ZoneFileInvalid) as caught:
        parse_zone_file(text, ZONE)
    assert caught.value.status == 400
    assert caught.value.pointer == "file"
    assert f"line {line}" in caught.value.message
    assert why in caught.value.message
