"""The audit log and the dashboard, end to end: dashboard logins (failed, successful and
throttled) and dashboard changes are read back through the SDK with the user as actor and
interface UI, and the account's "Audit Log" page lists, filters and pages them for members
only."""

from __future__ import annotations

import html
import json
import re
import secrets
from typing import Any

import cloudflare
import httpx
import pytest
from tests.e2e.dashboard_support import (
    client,
    in_a_fresh_throttle_window,
    log_in,
    logged_in,
    post_form,
)
from tests.factories import Tenant, make_policy, make_tenant, user_key
from tests.image_corpus import png
from tests.servers import Server, sdk

from flarelite.identity.models import Role

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cf(tenant_cf: cloudflare.Cloudflare) -> cloudflare.Cloudflare:
    return tenant_cf  # this module works as the tenant, not as the server's admin


ROW = re.compile(r'<tr class="audit-row"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def browser(server: Server, tenant: Tenant) -> httpx.Client:
    """The tenant signed in to the dashboard, after one failed attempt of their own."""
    _, refused = log_in(server, tenant.email, "not-the-password")
    assert refused.status_code == 401
    return logged_in(server, tenant.email)


def _logs(cf: cloudflare.Cloudflare, tenant: Tenant, **filters: Any) -> list[Any]:
    return list(cf.audit_logs.list(account_id=tenant.account_id, per_page=1000, **filters).result)


def _rows(page: str) -> list[list[str]]:
    """The Audit Log table as text: When, Actor, IP, Interface, Action, Resource, Result."""
    return [[_text(cell) for cell in CELL.findall(row)] for row in ROW.findall(page)]


def _text(cell: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", cell)).split())


def _audit_page(browser: httpx.Client, tenant: Tenant, **params: str) -> httpx.Response:
    return browser.get(f"/accounts/{tenant.account_id}/audit-log", params=params)


def test_failed_and_successful_logins_are_in_the_api_audit_log(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    # Other members' logins show here too (a test below adds one): keep the tenant's.
    logins = _logs(cf, tenant, direction="asc", action={"type": "login"})
    logins = [e for e in logins if e.actor.email == tenant.email]
    assert [e.action.result for e in logins] == [False, True]
    for entry in logins:
        assert entry.interface == "UI"
        assert entry.actor.ip == "127.0.0.1"
        assert entry.actor.email == tenant.email
        assert entry.actor.id == tenant.user_id
        assert entry.actor.type == "user"
        assert entry.resource.type == "user"
        assert entry.resource.id == tenant.user_id
    assert logins[0].metadata["reason"] == "wrong_credentials"
    assert "reason" not in logins[1].metadata


def test_a_token_created_in_the_dashboard_names_the_user_as_actor(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    base = f"/accounts/{tenant.account_id}/api-tokens"
    name = f"dash-{secrets.token_hex(4)}"
    fields = {
        "name": name, "perm_scope": "account", "perm_group": "images", "perm_access": "read",
        "res_effect": "include", "res_kind": "account", "res_zone": "",
        "res_account": tenant.account_id, "action": "create",
    }  # fmt: skip
    created = post_form(browser, base + "/new", base + "/new", fields)
    assert created.status_code == 200, created.text[:2000]
    token = next(t for t in cf.accounts.tokens.list(account_id=tenant.account_id) if t.name == name)
    edit = f"{base}/{token.id}/edit"
    edited = post_form(browser, edit, edit, {**fields, "name": name + "-2"})
    assert edited.status_code == 303, edited.text[:2000]
    entries = [e for e in _logs(cf, tenant, direction="asc") if e.resource.id == token.id]
    assert [e.action.type for e in entries] == ["create", "update"]
    assert json.loads(entries[1].new_value or "{}")["name"] == name + "-2"
    assert entries[1].actor.email == tenant.email
    assert entries[1].interface == "UI"
    actor = entries[0].actor
    assert (actor.type, actor.id, actor.email, actor.ip) == (
        "user",
        tenant.user_id,
        tenant.email,
        "127.0.0.1",
    )
    assert entries[0].interface == "UI"
    assert entries[0].resource.type == "account_token"
    assert all("token_id" not in e.metadata for e in entries)  # no API credential was used


def test_roll_disable_enable_and_delete_in_the_dashboard_are_audited(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    token_id = _new_user_token(cf, tenant)
    base = "/profile/api-tokens"
    for step in ("roll", "disable", "enable"):
        done = post_form(browser, base, f"{base}/{token_id}/{step}", {})
        assert done.status_code in (200, 303), (step, done.text[:500])
    deleted = post_form(browser, f"{base}/{token_id}/delete", f"{base}/{token_id}/delete", {})
    assert deleted.status_code == 303
    ui = [e for e in _logs(cf, tenant, direction="asc") if e.resource.id == token_id][1:]
    assert [e.action.type for e in ui] == ["roll", "update", "update", "delete"]
    assert {(e.interface, e.actor.email, e.actor.ip) for e in ui} == {
        ("UI", tenant.email, "127.0.0.1")
    }
    assert [_status(e.new_value) for e in ui[1:3]] == ["disabled", "active"]


def test_image_delete_and_variant_changes_in_the_dashboard_are_audited(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    account = tenant.account_id
    image = cf.images.v1.create(account_id=account, file=("a.png", png(8, 8), "image/png"))
    assert image is not None
    assert image.id is not None
    gallery = f"/accounts/{account}/images"
    assert post_form(browser, gallery, f"{gallery}/{image.id}/delete", {}).status_code == 303
    variants = f"/accounts/{account}/images/variants"
    name = f"v{secrets.token_hex(4)}"
    added = post_form(browser, variants, variants, {"name": name, "fit": "cover", "width": "64"})
    assert added.status_code == 303, added.text[:500]
    assert post_form(browser, variants, f"{variants}/{name}/delete", {}).status_code == 303
    found = _logs(cf, tenant, direction="asc")
    changes = [
        (e.action.type, e.resource.type, e.interface, e.actor.email)
        for e in found
        if e.resource.id in {image.id, name}
    ]
    assert changes == [
        ("delete", "image", "UI", tenant.email),
        ("create", "image_variant", "UI", tenant.email),
        ("delete", "image_variant", "UI", tenant.email),
    ]


def test_the_audit_log_page_lists_the_events_newest_first(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    response = _audit_page(browser, tenant)
    assert response.status_code == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "<script>" not in response.text  # only the one external, deferred file
    assert f'href="/accounts/{tenant.account_id}/audit-log"' in response.text  # navigation
    rows = _rows(response.text)
    api = _logs(cf, tenant)
    assert len(rows) == min(len(api), 25)
    # Same events, same order as the API; the columns carry what the API says.
    for row, entry in zip(rows, api, strict=False):
        when, actor, ip, interface, action, resource, result = row
        assert when.startswith(entry.when.strftime("%Y-%m-%d %H:%M"))
        assert actor == _actor_words(entry.actor)
        assert ip == (entry.actor.ip or "")
        assert (interface, action) == (entry.interface, entry.action.type)
        assert entry.resource.id in resource
        assert result.startswith("Success" if entry.action.result else "Failure")
    mine = _audit_page(browser, tenant, action="login", actor_email=tenant.email).text
    logins = _rows(mine)
    assert logins[-1][1:4] == [tenant.email, "127.0.0.1", "UI"]
    assert logins[-1][6] == "Failure (wrong email or password)"  # the oldest: the failed one
    assert logins[-2][6] == "Success"


def test_the_audit_log_page_filters_by_action_and_actor_email(
    browser: httpx.Client, tenant: Tenant
) -> None:
    logins = _rows(_audit_page(browser, tenant, action="login").text)
    assert logins
    assert {row[4] for row in logins} == {"login"}
    page = _audit_page(browser, tenant, action="login", actor_email=tenant.email.upper()).text
    mine = [row for row in logins if row[1] == tenant.email]
    assert mine
    assert _rows(page) == mine  # the email matches case-insensitively
    assert 'value="login" selected' in page  # the form shows the filter in force
    assert f'value="{tenant.email.upper()}"' in page
    nobody = _audit_page(browser, tenant, actor_email="nobody@example.com")
    assert nobody.status_code == 200
    assert _rows(nobody.text) == []
    assert "No audit events match these filters." in nobody.text


def test_the_audit_log_page_pages_through_older_events(
    browser: httpx.Client, cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    while len(_logs(cf, tenant)) <= 25:  # make sure there is a second page
        cf.images.v1.variants.create(
            account_id=tenant.account_id,
            id=f"p{secrets.token_hex(4)}",
            options={"fit": "cover", "width": 10, "height": 10, "metadata": "none"},
        )
    api = _logs(cf, tenant)
    first = _audit_page(browser, tenant)
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    assert f"Page 1 of {-(-len(api) // 25)}" in first.text
    second = _audit_page(browser, tenant, page="2")
    rows = _rows(second.text)
    assert len(rows) == min(len(api) - 25, 25)
    assert [row[4] for row in rows] == [e.action.type for e in api[25:50]]
    assert 'rel="prev"' in second.text
    nothing = _audit_page(browser, tenant, page="999")
    assert nothing.status_code == 200
    assert _rows(nothing.text) == []


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "two"}, {"action": "explode"}, {"actor_email": "x" * 400}],
)
def test_bad_filters_get_a_clear_error_not_a_crash(
    browser: httpx.Client, tenant: Tenant, params: dict[str, str]
) -> None:
    response = _audit_page(browser, tenant, **params)
    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.text


def test_only_members_see_an_accounts_audit_log(
    server: Server, browser: httpx.Client, tenant: Tenant
) -> None:
    assert browser.get(f"/accounts/{tenant.account_id}/audit-log").status_code == 200
    outsider = make_tenant(server)  # a user of another account
    stranger = logged_in(server, outsider.email)
    refused = stranger.get(f"/accounts/{tenant.account_id}/audit-log")
    assert refused.status_code == 404
    assert tenant.email not in refused.text
    anonymous = client(server).get(f"/accounts/{tenant.account_id}/audit-log")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    # A read-only member of the account may read its log.
    reader = make_tenant(
        server,
        account_id=tenant.account_id,
        role=Role.READ_ONLY,
        policies=lambda user_id, _: [
            make_policy("User Details Read", resources={user_key(user_id): "*"})
        ],
    )
    page = logged_in(server, reader.email).get(f"/accounts/{tenant.account_id}/audit-log")
    assert page.status_code == 200
    assert tenant.email in page.text


def test_throttled_logins_are_recorded_as_failures(fresh_server: Server) -> None:
    tenant = make_tenant(fresh_server)
    in_a_fresh_throttle_window()
    for _ in range(10):
        assert log_in(fresh_server, tenant.email, "wrong-password")[1].status_code == 401
    for _ in range(5):  # recorded once per window: a flood of attempts is not a flood of rows
        assert log_in(fresh_server, tenant.email, "correct-horse-1")[1].status_code == 429
    cf = sdk(fresh_server, tenant.token)
    logins = [e for e in _logs(cf, tenant, direction="asc") if e.action.type == "login"]
    assert [e.action.result for e in logins] == [False] * 11
    assert [e.metadata["reason"] for e in logins] == ["wrong_credentials"] * 10 + ["throttled"]
    assert {(e.interface, e.actor.ip, e.actor.id) for e in logins} == {
        ("UI", "127.0.0.1", tenant.user_id)
    }


def test_a_login_with_an_unknown_email_shows_in_no_account(fresh_server: Server) -> None:
    tenant = make_tenant(fresh_server)
    assert log_in(fresh_server, "ghost@example.com", "whatever-1")[1].status_code == 401
    cf = sdk(fresh_server, tenant.token)
    assert [e for e in _logs(cf, tenant) if e.action.type == "login"] == []
    admin = sdk(fresh_server)  # the first user's account: not there either
    listed = admin.audit_logs.list(account_id=fresh_server.account_id, per_page=1000).result
    assert all(e.actor.email != "ghost@example.com" for e in listed)


def _actor_words(actor: Any) -> str:
    """What the page shows for an API actor: the email, the account token, or the system."""
    if actor.email:
        return str(actor.email)
    return {"account": f"API token {actor.id}", "Cloudflare": "System"}[actor.type]


def _status(new_value: str | None) -> str:
    return str(json.loads(new_value or "{}").get("status"))


def _new_user_token(cf: cloudflare.Cloudflare, tenant: Tenant) -> str:
    policies = [make_policy("User Details Read", resources={user_key(tenant.user_id): "*"})]
    created = cf.user.tokens.create(name="ui-churn", policies=policies)  # type: ignore[arg-type]
    assert created is not None
    assert created.id is not None
    return created.id
