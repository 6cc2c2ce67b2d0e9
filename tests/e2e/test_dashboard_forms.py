"""Dashboard forms driven by plain HTTP posts (no JavaScript): login, CSRF, throttling,
logout and password-change invalidation, security headers, and every page reachable."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from tests.e2e.dashboard_support import (
    client,
    csrf_of,
    in_a_fresh_throttle_window,
    log_in,
    logged_in,
    post_form,
)
from tests.factories import on_server
from tests.servers import Server

from flarelite.identity.models import WebSession
from flarelite.services import Services

pytestmark = pytest.mark.e2e


def pages(server: Server) -> list[str]:
    account = f"/accounts/{server.account_id}"
    return [
        "/profile",
        "/profile/api-tokens",
        "/profile/api-tokens/create",
        "/profile/api-tokens/new",
        "/profile/api-tokens/new?template=edit_zone_dns",
        account,
        account + "/images",
        account + "/images/variants",
        account + "/dns",
        account + "/api-tokens",
        account + "/api-tokens/create",
        account + "/api-tokens/new?template=edit_cloudflare_images",
        account + "/audit-log",
    ]


def test_protected_pages_redirect_to_login_with_303(server: Server) -> None:
    anonymous = client(server)
    for path in [*pages(server), "/"]:
        response = anonymous.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_every_page_is_reachable_and_carries_security_headers(server: Server) -> None:
    browser = logged_in(server)
    for path in pages(server):
        response = browser.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert 'name="csrf_token"' in response.text


def test_session_cookie_is_httponly_lax_and_only_its_hash_is_stored(server: Server) -> None:
    browser, response = log_in(server)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here
    raw = browser.cookies["flarelite_session"]
    stored = on_server(server, session_rows)
    assert stored, "the session is stored server-side"
    assert not [row for row in stored if raw in row]


async def session_rows(services: Services) -> list[str]:
    """Every stored session row as text, on whichever database the server uses."""
    async with services.sessions() as session:
        rows = (await session.execute(select(WebSession))).scalars().all()
    return [" ".join(str(v) for v in vars(row).values()) for row in rows]


def test_wrong_password_shows_an_error(server: Server) -> None:
    _, response = log_in(server, password="not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text


def test_login_without_csrf_is_refused(server: Server) -> None:
    response = client(server).post(
        "/login", data={"email": "admin@example.com", "password": "correct-horse-1"}
    )
    assert response.status_code == 403
    assert "flarelite_session" not in response.headers.get("set-cookie", "")


def test_post_without_csrf_token_is_refused(server: Server) -> None:
    browser = logged_in(server)
    response = browser.post(
        f"/accounts/{server.account_id}/dns", data={"name": "csrf-less.example"}
    )
    assert response.status_code == 403
    assert "csrf-less.example" not in browser.get(f"/accounts/{server.account_id}/dns").text


def test_repeated_failures_are_throttled_per_email(fresh_server: Server) -> None:
    in_a_fresh_throttle_window()
    for _ in range(10):
        assert log_in(fresh_server, password="wrong-password")[1].status_code == 401
    # Even the right password is refused (not even checked) while throttled.
    _, response = log_in(fresh_server)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


def test_logout_ends_the_session_server_side(server: Server) -> None:
    browser = logged_in(server)
    stolen = dict(browser.cookies)
    response = post_form(browser, "/profile", "/logout", {})
    assert response.headers["location"] == "/login"
    replay = client(server)
    replay.cookies.update(stolen)
    assert replay.get("/profile").status_code == 303


def test_password_change_ends_other_sessions(fresh_server: Server) -> None:
    first = logged_in(fresh_server)
    second = logged_in(fresh_server)
    response = post_form(
        first, "/profile", "/profile/password",
        {"current_password": "correct-horse-1", "new_password": "battery-staple-2",
         "confirm_password": "battery-staple-2"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "1 other session(s) were signed out" in response.text
    assert second.get("/profile").status_code == 303
    assert first.get("/profile").status_code == 200
    assert log_in(fresh_server)[1].status_code == 401
    assert log_in(fresh_server, password="battery-staple-2")[1].status_code == 303


def test_invalid_token_form_is_explained_next_to_fields(server: Server) -> None:
    browser = logged_in(server)
    response = post_form(
        browser, "/profile/api-tokens/new", "/profile/api-tokens/new",
        {"name": "", "perm_scope": "account", "perm_group": "dns", "perm_access": "edit",
         "ip_operator": "in", "ip_address": "not-an-ip", "ttl_start": "2030-02-01",
         "ttl_end": "2030-01-01", "action": "summary"},
    )  # fmt: skip
    assert response.status_code == 400
    text = response.text
    assert "Give the token a name." in text
    assert "does not belong to the chosen scope" in text
    assert "is not an IP address or CIDR range" in text
    assert "The end date must be after the start date." in text


def test_account_token_created_shown_once_and_deleted(server: Server) -> None:
    browser = logged_in(server)
    base = f"/accounts/{server.account_id}/api-tokens"
    fields = {
        "name": "account images", "perm_scope": "account", "perm_group": "images",
        "perm_access": "read", "res_effect": "include", "res_kind": "account", "res_zone": "",
        "res_account": server.account_id, "action": "create",
    }  # fmt: skip
    created = post_form(browser, base + "/new", base + "/new", fields)
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secret = created.text.split('id="token-secret" readonly value="')[1].split('"')[0]
    assert secret.startswith("cfat_")
    listing = browser.get(base)
    assert "account images" in listing.text
    assert secret not in listing.text
    found = re.search(base + r"/([0-9a-f]{32})/edit", listing.text)
    assert found is not None
    token_id = found.group(1)
    confirm = browser.get(f"{base}/{token_id}/delete")
    assert "Delete “account images”?" in confirm.text
    gone = browser.post(f"{base}/{token_id}/delete", data={"csrf_token": csrf_of(confirm.text)})
    assert gone.status_code == 303
    assert "account images" not in browser.get(base).text
