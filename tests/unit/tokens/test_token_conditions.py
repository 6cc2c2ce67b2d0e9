"""Conditions: both IP-key spellings, lenient CIDR input, IPv4/IPv6 checks, token lifetime."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flarelite.core.errors import Invalid
from flarelite.tokens.conditions import (
    Condition,
    Failure,
    Success,
    check_ip,
    check_time,
    normalise_condition,
)
from flarelite.tokens.errors import InvalidCondition


def _cond(ip_in: list[str] | None = None, not_in: list[str] | None = None) -> Condition:
    body: dict[str, list[str]] = {}
    if ip_in is not None:
        body["in"] = ip_in
    if not_in is not None:
        body["not_in"] = not_in
    return normalise_condition({"request_ip": body})


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {},
        {"request_ip": None},
        {"request_ip": {}},
        {"request.ip": {}},
        {"request_ip": {"in": [], "not_in": []}},
        {"request.ip": {"in": None, "not_in": None}},
    ],
)
def test_empty_condition_does_not_lock_the_token(raw: object) -> None:
    cond = normalise_condition(raw)
    assert not cond.is_restricted
    assert cond.as_api() is None
    assert check_ip(cond, "203.0.113.9") == Success()
    assert check_ip(cond, "2001:db8::1") == Success()


def test_both_ip_key_spellings_mean_the_same_condition() -> None:
    body = {"in": ["192.0.2.0/24", "2001:db8::/32"], "not_in": ["192.0.2.7"]}
    assert normalise_condition({"request_ip": body}) == normalise_condition({"request.ip": body})


def test_both_spellings_together_are_accepted_when_they_agree() -> None:
    body = {"in": ["192.0.2.0/24"]}
    cond = normalise_condition({"request_ip": body, "request.ip": body})
    assert cond.as_api() == {"request_ip": {"in": ["192.0.2.0/24"]}}


def test_both_spellings_together_are_refused_when_they_differ() -> None:
    with pytest.raises(InvalidCondition, match="same field"):
        normalise_condition({"request_ip": {"in": ["192.0.2.0/24"]}, "request.ip": {}})


def test_output_uses_request_ip_with_normalised_cidrs_and_no_empty_lists() -> None:
    cond = normalise_condition(
        {
            "request.ip": {
                "in": ["192.0.2.1", "198.51.100.77/24", "2001:DB8:0:0::1", " 2001:db8::/32 "],
                "not_in": [],
            }
        }
    )
    assert cond.as_api() == {
        "request_ip": {
            "in": ["192.0.2.1/32", "198.51.100.0/24", "2001:db8::1/128", "2001:db8::/32"]
        }
    }


def test_only_not_in_is_emitted_alone() -> None:
    assert _cond(not_in=["10.0.0.0/8"]).as_api() == {"request_ip": {"not_in": ["10.0.0.0/8"]}}


def test_duplicate_ranges_are_kept_once() -> None:
    cond = _cond(["192.0.2.0/24", "192.0.2.9/24", "192.0.2.0/24"])
    assert [str(n) for n in cond.ip_in] == ["192.0.2.0/24"]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("10.0.0.0/8", "condition: expected an object"),
        ([], "condition: expected an object"),
        ({"request_ip": {}, "ip": {}}, "condition.ip: unknown condition; expected 'request_ip'"),
        ({"request_ip": ["10.0.0.0/8"]}, "condition.request_ip: expected an object with 'in'"),
        ({"request_ip": {"allow": []}}, "condition.request_ip.allow: unknown field"),
        ({"request_ip": {"in": "10.0.0.0/8"}}, "condition.request_ip.in: expected a list"),
        ({"request_ip": {"in": {"a": 1}}}, "condition.request_ip.in: expected a list"),
        (
            {"request_ip": {"in": ["10.0.0.0/8", 7]}},
            "condition.request_ip.in[1]: 7 is not a string",
        ),
        (
            {"request_ip": {"in": ["10.0.0.0/8", "10.0.0.300"]}},
            "condition.request_ip.in[1]: '10.0.0.300' is not an IPv4 or IPv6 CIDR",
        ),
        (
            {"request.ip": {"not_in": ["10.0.0.0/33"]}},
            "condition.request.ip.not_in[0]: '10.0.0.0/33' is not an IPv4 or IPv6 CIDR",
        ),
        (
            {"request_ip": {"in": ["2001:db8::/129"]}},
            "condition.request_ip.in[0]: '2001:db8::/129' is not an IPv4 or IPv6 CIDR",
        ),
        ({"request_ip": {"in": [""]}}, "condition.request_ip.in[0]: '' is not an IPv4 or IPv6"),
        (
            {"request_ip": {"in": ["example.com"]}},
            "condition.request_ip.in[0]: 'example.com' is not an IPv4 or IPv6 CIDR",
        ),
    ],
)
def test_invalid_condition_names_the_field(raw: object, detail: str) -> None:
    with pytest.raises(InvalidCondition) as caught:
        normalise_condition(raw)
    assert caught.value.message.startswith(detail)


def test_invalid_condition_is_a_400_invalid_with_a_pointer() -> None:
    with pytest.raises(InvalidCondition) as caught:
        normalise_condition({"request_ip": {"in": ["nope"]}})
    error = caught.value
    assert isinstance(error, Invalid)
    assert (error.status, error.code) == (400, 1001)
    assert error.pointer == "condition.request_ip.in[0]"


@pytest.mark.parametrize(
    ("ip_in", "not_in", "client", "allowed"),
    [
        (["192.0.2.0/24"], None, "192.0.2.10", True),
        (["192.0.2.0/24"], None, "198.51.100.1", False),
        (["192.0.2.0/24"], ["192.0.2.128/25"], "192.0.2.10", True),
        (["192.0.2.0/24"], ["192.0.2.128/25"], "192.0.2.200", False),
        (["192.0.2.5"], None, "192.0.2.5", True),
        (["192.0.2.5"], None, "192.0.2.6", False),
        (None, ["192.0.2.0/24"], "192.0.2.1", False),
        (None, ["192.0.2.0/24"], "203.0.113.1", True),
        (None, ["192.0.2.0/24"], "2001:db8::1", True),
        (["2001:db8::/32"], None, "2001:db8:1::5", True),
        (["2001:db8::/32"], None, "2001:db9::5", False),
        (["2001:db8::/32"], ["2001:db8:dead::/48"], "2001:db8:dead::1", False),
        (["2001:db8::1"], None, "2001:0db8:0000::0001", True),
        # An IPv4 client does not match an IPv6-only list (users often need both, §10).
        (["2001:db8::/32"], None, "192.0.2.1", False),
        (["192.0.2.0/24"], None, "2001:db8::1", False),
        # IPv4-mapped IPv6 clients (dual-stack sockets) match IPv4 ranges.
        (["1.2.3.0/24"], None, "::ffff:1.2.3.4", True),
        (["1.2.3.0/24"], None, "::ffff:1.2.4.4", False),
        (None, ["1.2.3.0/24"], "::ffff:1.2.3.4", False),
        (["::ffff:0:0/96"], None, "::ffff:1.2.3.4", True),
        # A zone index on a link-local client is ignored.
        (["fe80::/10"], None, "fe80::1%eth0", True),
        (["192.0.2.0/24", "2001:db8::/32"], None, "2001:db8::7", True),
    ],
)
def test_check_ip(
    ip_in: list[str] | None, not_in: list[str] | None, client: str, allowed: bool
) -> None:
    result = check_ip(_cond(ip_in, not_in), client)
    assert bool(result) is allowed
    assert isinstance(result, Success if allowed else Failure)


def test_ip_failure_reason_names_the_client_and_the_rule() -> None:
    result = check_ip(_cond(["192.0.2.0/24"], ["192.0.2.0/28"]), "192.0.2.3")
    assert result == Failure("client address 192.0.2.3 is excluded by not_in 192.0.2.0/28")
    outside = check_ip(_cond(["192.0.2.0/24"]), "198.51.100.1")
    assert outside == Failure(
        "client address 198.51.100.1 is outside the allowed ranges (192.0.2.0/24)"
    )


@pytest.mark.parametrize("client", ["", "unknown", "192.0.2", "testclient"])
def test_unparsable_client_address_fails_only_when_restricted(client: str) -> None:
    assert isinstance(check_ip(_cond(["192.0.2.0/24"]), client), Failure)
    assert isinstance(check_ip(Condition(), client), Success)


NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("not_before", "expires_on", "live"),
    [
        (None, None, True),
        (NOW - timedelta(days=1), None, True),
        (NOW, None, True),
        (NOW + timedelta(seconds=1), None, False),
        (None, NOW + timedelta(seconds=1), True),
        (None, NOW, False),
        (None, NOW - timedelta(days=1), False),
        (NOW - timedelta(hours=1), NOW + timedelta(hours=1), True),
    ],
)
def test_check_time(not_before: datetime | None, expires_on: datetime | None, live: bool) -> None:
    assert bool(check_time(not_before, expires_on, NOW)) is live


def test_expired_reason_says_when() -> None:
    assert check_time(None, NOW, NOW) == Failure("token expired at 2026-05-01T12:00:00+00:00")
    assert check_time(NOW + timedelta(hours=1), None, NOW) == Failure(
        "token is not valid before 2026-05-01T13:00:00+00:00"
    )


def test_check_time_reads_naive_datetimes_as_utc() -> None:
    naive_expiry = datetime(2026, 5, 1, 12, 0, 0)
    assert isinstance(check_time(None, naive_expiry, NOW), Failure)
    assert isinstance(check_time(None, naive_expiry, naive_expiry - timedelta(seconds=1)), Success)


def test_check_time_compares_instants_across_offsets() -> None:
    plus_two = timezone(timedelta(hours=2))
    expires = datetime(2026, 5, 1, 14, 0, 1, tzinfo=plus_two)  # 12:00:01 UTC
    assert isinstance(check_time(None, expires, NOW), Success)


def test_check_results_are_truthy_only_on_success() -> None:
    assert Success()
    assert not Failure("no")


_networks = st.one_of(
    st.tuples(st.ip_addresses(v=4), st.integers(0, 32)),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 128)),
).map(lambda pair: f"{pair[0]}/{pair[1]}")


@given(st.lists(_networks, max_size=5), st.lists(_networks, max_size=5), st.booleans())
def test_normalised_condition_round_trips_through_the_wire_form(
    ip_in: list[str], not_in: list[str], legacy_key: bool
) -> None:
    key = "request.ip" if legacy_key else "request_ip"
    cond = normalise_condition({key: {"in": ip_in, "not_in": not_in}})
    assert normalise_condition(cond.as_api()) == cond


@given(st.lists(_networks, min_size=1, max_size=4), st.ip_addresses())
def test_address_inside_an_in_range_and_outside_not_in_is_allowed(
    ip_in: list[str], client: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> None:
    cond = _cond(ip_in)
    mapped = client.ipv4_mapped if isinstance(client, ipaddress.IPv6Address) else None
    forms = [client] if mapped is None else [client, mapped]
    inside = any(form in net for net in cond.ip_in for form in forms)
    assert bool(check_ip(cond, str(client))) is inside
