"""List v2 pieces: continuation tokens round-trip, metadata filters follow §2.4."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flarelite.images.errors import ImagesBadRequest
from flarelite.images.listing import decode_cursor, encode_cursor, parse_filters


def test_cursor_round_trips_and_is_short() -> None:
    when = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    token = encode_cursor(when, 123456)
    assert decode_cursor(token) == (when, 123456)
    assert len(token) <= 32  # the spec's bound (§2.4)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!.1", "zzzzzzzzzzzzzzzzzzzzzzzzzzzz.1"])
def test_foreign_cursor_is_a_bad_request(token: str) -> None:
    with pytest.raises(ImagesBadRequest):
        decode_cursor(token)


META = {"status": "active", "n": 5, "ok": True, "deep": {"er": {"x": "y"}}}


@pytest.mark.parametrize(
    ("name", "value", "matches"),
    [
        ("meta.status[eq]", "active", True),
        ("meta.status[eq:string]", "active", True),
        ("meta.status[eq:number]", "active", False),
        ("meta.n[eq]", "5", True),
        ("meta.n[eq:number]", "5.0", True),
        ("meta.n[eq:string]", "5", False),
        ("meta.ok[eq:boolean]", "true", True),
        ("meta.ok[eq]", "false", False),
        ("meta.n[gt]", "4", True),
        ("meta.n[gte:number]", "5", True),
        ("meta.n[lt:number]", "5", False),
        ("meta.n[lte]", "5", True),
        ("meta.status[in]", "x|active|y", True),
        ("meta.n[in:number]", "1|5", True),
        ("meta.deep.er.x[eq]", "y", True),
        ("meta.missing[eq]", "y", False),
        ("meta.status[gt]", "1", False),
    ],
)
def test_filter_semantics(name: str, value: str, matches: bool) -> None:
    [condition] = parse_filters([(name, value)])
    assert condition.matches(META) is matches


@pytest.mark.parametrize(
    "params",
    [
        [("meta.a[like]", "x")],
        [("meta.a-b[eq]", "x")],
        [("meta.a.b.c.d.e.f[eq]", "x")],
        [("meta.a[gt]", "not-a-number")],
        [("meta.a[in]", "|".join(str(n) for n in range(11)))],
        [("meta.a", "x")],
        [(f"meta.k{n}[eq]", "x") for n in range(6)],
    ],
)
def test_unsupported_filters_are_errors_not_silently_ignored(
    params: list[tuple[str, str]],
) -> None:
    with pytest.raises(ImagesBadRequest):
        parse_filters(params)


def test_other_query_parameters_are_not_filters() -> None:
    assert parse_filters([("per_page", "10"), ("creator", "x")]) == ()
