"""The Audit Log page in a real browser (Debian's chromium via Playwright), found by labels:
a failed then a successful login, the account navigation's "Audit Log" link, the filter form.
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.e2e.dashboard_support import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.servers import Server, running_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

ARTIFACTS = Path("test-artifacts/dashboard")


@pytest.fixture(scope="module")
def audit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("dashboard-audit-browser")) as started:
        yield started


@pytest.fixture
def page(audit_server: Server) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        context = browser.new_context(
            base_url=audit_server.base_url, viewport={"width": 1100, "height": 900}
        )
        yield context.new_page()
        browser.close()


def _submit_login(page: Page, password: str) -> None:
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_audit_log_page_shows_and_filters_logins(page: Page, audit_server: Server) -> None:
    page.goto("/login")
    _submit_login(page, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    _submit_login(page, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit Log").click()
    expect(page.get_by_role("heading", name="Audit Log")).to_be_visible()
    assert page.url.endswith(f"/accounts/{audit_server.account_id}/audit-log")
    table = page.get_by_role("table", name="Audit log of")
    expect(table.get_by_role("row")).not_to_have_count(1)  # the header and events
    page.screenshot(path=str(ARTIFACTS / "audit-01-log.png"), full_page=True)

    page.get_by_label("Action type").select_option("login")
    page.get_by_label("Actor email").fill(ADMIN_EMAIL)
    page.get_by_role("button", name="Filter").click()
    assert "action=login" in page.url
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Success")  # newest first
    expect(rows.nth(1)).to_contain_text("Failure (wrong email or password)")
    expect(rows.nth(1)).to_contain_text("127.0.0.1")
    expect(page.get_by_label("Action type")).to_have_value("login")
    page.screenshot(path=str(ARTIFACTS / "audit-02-filtered.png"), full_page=True)

    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("Action type")).to_have_value("")
