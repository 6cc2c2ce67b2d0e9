"""The "Check access" form's parsing (pure): defaults, each bad field named, times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flarelite.tokens.catalog import GROUPS_BY_ID
from flarelite.web.views.check_access import describe_policy, parse_question, parse_time

PATH = "/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353"


def test_defaults_are_get_and_the_viewers_address() -> None:
    q = parse_question({"path": PATH}, "203.0.113.9")
    assert (q.method, q.path, q.ip, q.at, q.errors) == ("GET", PATH, "203.0.113.9", None, {})


def test_values_are_normalised() -> None:
    q = parse_question({"path": f" {PATH} ", "method": "patch", "ip": "2001:DB8::0:1"}, "")
    assert (q.method, q.path, q.ip, q.errors) == ("PATCH", PATH, "2001:db8::1", {})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"path": ""}, "path"),
        ({"path": "zones"}, "path"),
        ({"path": "/client/v4/zo nes"}, "path"),
        ({"path": "/" + "a" * 3000}, "path"),
        ({"path": PATH, "method": "TRACE"}, "method"),
        ({"path": PATH, "ip": "10.0.0.256"}, "ip"),
        ({"path": PATH, "ip": "10.0.0.0/8"}, "ip"),
        ({"path": PATH, "at": "next tuesday"}, "at"),
    ],
)
def test_each_bad_field_is_named(params: dict[str, str], field: str) -> None:
    q = parse_question(params, "127.0.0.1")
    assert list(q.errors) == [field]
    assert q.errors[field].endswith(".")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-31T12:00", datetime(2030, 1, 31, 12, tzinfo=UTC)),  # datetime-local: UTC
        ("2030-01-31T12:00:05Z", datetime(2030, 1, 31, 12, 0, 5, tzinfo=UTC)),
        ("2030-01-31t12:00:05z", datetime(2030, 1, 31, 12, 0, 5, tzinfo=UTC)),
        ("2030-01-31T14:00:00+02:00", datetime(2030, 1, 31, 12, tzinfo=UTC)),
        ("31/01/2030", None),
    ],
)
def test_times(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_the_deciding_policy_is_described_by_its_place_on_the_token() -> None:
    group_id = next(iter(GROUPS_BY_ID))
    policies = [
        {"id": "a" * 32, "effect": "allow", "permission_groups": [{"id": group_id}]},
        {"id": "b" * 32, "effect": "deny", "permission_groups": [{"id": "unknown"}]},
    ]
    words = describe_policy(policies, "b" * 32)
    assert words is not None
    assert (words.number, words.effect, words.groups) == (2, "deny", "unknown")
    first = describe_policy(policies, "a" * 32)
    assert first is not None
    assert first.groups == GROUPS_BY_ID[group_id].dashboard_name
    assert describe_policy(policies, None) is None
    assert describe_policy(policies, "c" * 32) is None
