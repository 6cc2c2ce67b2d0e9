"""The Audit Log page's pure parts: reading the filter form, and an event in words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flarelite.audit.models import AuditEvent
from flarelite.core.errors import Invalid
from flarelite.web.views.audit import Query, parse_query, row_of


def _event(**fields: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "id": "e1",
        "actor_type": "user",
        "actor_id": "u1",
        "actor_email": "a@example.com",
        "actor_ip": "192.0.2.7",
        "interface": "UI",
        "action": "create",
        "result": True,
        "resource_type": "account_token",
        "resource_id": "t1",
        "details": {"metadata": {}},
        "when": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    return AuditEvent(**{**values, **fields})


def test_an_empty_form_is_the_first_unfiltered_page() -> None:
    assert parse_query({}) == Query("", "", 1)
    assert parse_query({"action": " ", "actor_email": "", "page": ""}) == Query("", "", 1)


def test_filters_and_page_are_read_and_kept_on_paging_links() -> None:
    query = parse_query({"action": "roll", "actor_email": " a@example.com ", "page": "3"})
    assert query == Query("roll", "a@example.com", 3)
    assert query.url("/x", 4) == "/x?action=roll&actor_email=a%40example.com&page=4"
    assert Query().url("/x", 2) == "/x?page=2"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "drop"}, "action"),
        ({"actor_email": "a" * 321}, "actor_email"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "9" * 30}, "page"),
    ],
)
def test_bad_input_names_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_query(params)
    assert raised.value.pointer == field


def test_a_user_change_reads_as_the_users_email() -> None:
    row = row_of(_event())
    assert row["when"] == "2030-01-02 03:04:05 UTC"
    assert row["when_iso"] == "2030-01-02T03:04:05Z"
    assert (row["actor"], row["ip"], row["interface"]) == ("a@example.com", "192.0.2.7", "UI")
    assert (row["resource_type"], row["resource_id"], row["result"]) == (
        "Account API token",
        "t1",
        "Success",
    )


def test_token_and_system_actors_are_named() -> None:
    token = _event(actor_type="token", actor_id="t9", actor_email=None, token_id="t9")
    assert row_of(token)["actor"] == "API token t9"
    system = _event(actor_type="system", actor_id=None, actor_email=None, actor_ip=None)
    assert (row_of(system)["actor"], row_of(system)["ip"]) == ("System", "")


def test_a_failure_says_why_when_it_is_known() -> None:
    throttled = _event(action="login", result=False, details={"metadata": {"reason": "throttled"}})
    assert row_of(throttled)["result"] == "Failure (throttled)"
    assert row_of(_event(result=False, details=None))["result"] == "Failure"
