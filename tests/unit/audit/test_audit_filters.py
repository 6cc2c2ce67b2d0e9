"""Audit-log query parsing: dates, timestamps and CIDRs, with errors naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flarelite.audit.filters import AuditFilter, contains, parse_network, parse_when
from flarelite.core.errors import Invalid


def test_a_full_date_means_midnight_utc_and_timestamps_keep_their_zone() -> None:
    assert parse_when("2019-04-30", "since") == datetime(2019, 4, 30, tzinfo=UTC)
    assert parse_when("2019-04-30T10:00:00Z", "since") == datetime(2019, 4, 30, 10, tzinfo=UTC)
    assert parse_when("2019-04-30T12:00:00+02:00", "x") == datetime(2019, 4, 30, 10, tzinfo=UTC)
    assert parse_when(None, "since") is None


@pytest.mark.parametrize("raw", ["yesterday", "2019-13-01", "2019-04-30T25:00Z"])
def test_bad_times_name_the_parameter(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_when(raw, "before")
    assert refused.value.pointer == "before"


def test_addresses_and_ranges() -> None:
    single = parse_network("192.0.2.1")
    assert single is not None
    assert AuditFilter(actor_ip=single).exact_ip == "192.0.2.1"
    wide = parse_network("2001:db8::/32")
    assert wide is not None
    assert AuditFilter(actor_ip=wide).exact_ip is None
    assert contains(wide, "2001:db8::1")
    assert not contains(wide, "192.0.2.1")
    assert not contains(wide, None)
    with pytest.raises(Invalid):
        parse_network("300.1.1.1")
