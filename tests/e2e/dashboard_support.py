"""Helpers for dashboard tests: a logged-in httpx client that reads CSRF fields from pages."""

from __future__ import annotations

import re
import time

import httpx
from tests.servers import Server

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-1"


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30)


def log_in(
    server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> tuple[httpx.Client, httpx.Response]:
    browser = client(server)
    page = browser.get("/login")
    response = browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
    )
    return browser, response


def logged_in(
    server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> httpx.Client:
    browser, response = log_in(server, email, password)
    assert response.status_code == 303, response.text
    return browser


def post_form(
    browser: httpx.Client, page_path: str, action: str, data: dict[str, object]
) -> httpx.Response:
    """Post ``data`` to ``action`` with the CSRF token read from ``page_path``."""
    token = csrf_of(browser.get(page_path).text)
    return browser.post(action, data={**data, "csrf_token": token})


def in_a_fresh_throttle_window() -> None:
    """Wait, if need be, until a new five-minute window of the login throttle has begun.

    Failures count in fixed windows: ten failures straddling a boundary would never reach
    the limit together, and a throttling test would flake about once in a hundred runs.
    """
    until_next_window = 300 - time.time() % 300
    if until_next_window < 30:
        time.sleep(until_next_window + 0.5)
