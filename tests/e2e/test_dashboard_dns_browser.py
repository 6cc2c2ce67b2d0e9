"""The DNS record form in chromium: choosing SRV shows its fields (and hides the others), and
the record saved from them reads back through the official SDK with the exact ``data``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import cloudflare
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from tests.e2e.dashboard_support import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.servers import Server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

ARTIFACTS = Path("test-artifacts/dashboard")


@pytest.fixture
def page(server: Server) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        context = browser.new_context(
            base_url=server.base_url, viewport={"width": 1100, "height": 900}
        )
        opened = context.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        browser.close()
    assert errors == [], "the page's JavaScript failed"


def test_choosing_srv_shows_its_fields(
    page: Page, server: Server, cf: cloudflare.Cloudflare
) -> None:
    zone = cf.zones.create(
        account={"id": server.account_id}, name=f"b-{uuid.uuid4().hex[:8]}.example"
    )
    page.goto(f"/zones/{zone.id}/dns")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"{zone.name} · DNS records")).to_be_visible()

    srv = page.get_by_role("group", name="SRV record")
    expect(page.get_by_label("Content")).to_be_visible()  # type A is chosen first
    expect(srv).to_be_hidden()
    page.get_by_label("Type").select_option("SRV")
    expect(srv).to_be_visible()
    expect(page.get_by_label("Content")).to_be_hidden()
    expect(page.get_by_role("group", name="CAA record")).to_be_hidden()
    expect(page.get_by_text("Fill in the fields of the chosen type")).to_be_hidden()

    page.get_by_label("Name").fill("_xmpp._tcp")
    srv.get_by_label("Priority").fill("10")
    srv.get_by_label("Weight").fill("5")
    srv.get_by_label("Port").fill("5222")
    srv.get_by_label("Target").fill("xmpp.example.com")
    page.screenshot(path=str(ARTIFACTS / "dns-01-srv-fields.png"), full_page=True)
    page.get_by_role("button", name="Save record").click()
    expect(page.get_by_role("cell", name="xmpp.example.com:5222 · weight 5")).to_be_visible()

    (record,) = cf.dns.records.list(zone_id=zone.id)
    assert record.type == "SRV"
    assert record.data is not None
    assert record.data.model_dump(exclude_none=True) == {
        "priority": 10, "weight": 5, "port": 5222, "target": "xmpp.example.com"
    }  # fmt: skip

    # Editing shows the same fields, filled in, and only those.
    page.get_by_role("link", name=f"Edit SRV {record.name}").click()
    edit_srv = page.get_by_role("group", name="SRV record")
    expect(edit_srv.get_by_label("Port")).to_have_value("5222")
    expect(page.get_by_role("group", name="MX record")).to_be_hidden()
