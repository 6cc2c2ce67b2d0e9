"""Zone names, record names and hostname targets (zones-dns.md §5.1)."""

from __future__ import annotations

import pytest

from flarelite.dns.errors import RecordNameInvalid, ZoneNameInvalid
from flarelite.dns.names import normalise_target, normalise_zone_name, qualify, relative

ZONE = "example.com"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.com", "example.com"),
        ("  Example.COM.  ", "example.com"),
        ("sub.example.co.uk", "sub.example.co.uk"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
        ("example\u3002com", "example.com"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("a-b.example", "a-b.example"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
    ],
)
def test_zone_name_is_normalised(raw: str, expected: str) -> None:
    assert normalise_zone_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "com",
        "localhost.",
        "1.2.3.4",
        "::1",
        "*.example.com",
        "example..com",
        ".example.com",
        "-bad.com",
        "bad-.com",
        "under_score.com",
        "space here.com",
        "a" * 64 + ".com",
        ".".join(["a" * 60] * 5),  # 304 characters
        "example.123",
    ],
)
def test_invalid_zone_names_are_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ZoneNameInvalid) as caught:
        normalise_zone_name(raw)
    assert caught.value.pointer == "name"
    assert caught.value.status == 400
    assert "name:" in caught.value.message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("@", "example.com"),
        ("www", "www.example.com"),
        ("WWW", "www.example.com"),
        ("api.gateway.test", "api.gateway.test.example.com"),
        ("www.example.com", "www.example.com"),
        ("www.example.com.", "www.example.com"),
        ("Example.com", "example.com"),
        ("example.com.", "example.com"),
        ("*", "*.example.com"),
        ("*.www", "*.www.example.com"),
        ("sub.*", "sub.*.example.com"),  # a later '*' is a literal asterisk (§5.1)
        ("_acme-challenge", "_acme-challenge.example.com"),
        ("0/25.2.0", "0/25.2.0.example.com"),
        ("café", "xn--caf-dma.example.com"),
        ("wwwexample.com", "wwwexample.com.example.com"),
    ],
)
def test_qualify_returns_lower_case_fqdn(name: str, expected: str) -> None:
    assert qualify(name, ZONE) == expected


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "www.other.org.",
        "a..b",
        "*x",
        "x*.y",
        "has space",
        "semi;colon",
        "a" * 64,
        ".".join(["a" * 60] * 4),
    ],
)
def test_qualify_refuses_bad_or_foreign_names(name: str) -> None:
    with pytest.raises(RecordNameInvalid) as caught:
        qualify(name, ZONE)
    assert caught.value.code == 9000
    assert caught.value.pointer == "name"


def test_qualify_names_the_field_it_was_given() -> None:
    with pytest.raises(RecordNameInvalid) as caught:
        qualify("a..b", ZONE, field="data.name")
    assert caught.value.pointer == "data.name"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("example.com", "@"), ("www.example.com", "www"), ("a.b.example.com", "a.b")],
)
def test_relative_strips_the_zone(name: str, expected: str) -> None:
    assert relative(name, ZONE) == expected


def test_relative_refuses_names_outside_the_zone() -> None:
    with pytest.raises(RecordNameInvalid):
        relative("www.example.org", ZONE)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("target.example.net.", "target.example.net"),
        ("Target.Example.net", "Target.Example.net"),
        (".", "."),
        ("_sip.example.net", "_sip.example.net"),
        ("mañana.example", "xn--maana-pta.example"),
        ("localhost", "localhost"),
    ],
)
def test_targets_lose_the_trailing_dot_only(raw: str, expected: str) -> None:
    assert normalise_target(raw) == expected


@pytest.mark.parametrize("raw", ["", "1.1.1.1", "2001:db8::1", "a..b", "*.example.com", "a b"])
def test_bad_targets_raise_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        normalise_target(raw)
