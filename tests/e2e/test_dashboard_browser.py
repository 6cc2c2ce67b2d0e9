"""The seeds' journeys in a real browser: Debian's chromium driven by Playwright, by labels.

Seed 002 (create a token from the "Edit zone DNS" template) and seed 000 (a custom Cloudflare
Images token, then "Use API" and its live cURL command). The secrets are then used from
outside the browser. Screenshots of every step go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from tests.e2e.dashboard_support import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.image_corpus import png
from tests.servers import Server, running_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium"),
]

ARTIFACTS = Path("test-artifacts/dashboard")


@pytest.fixture(scope="module")
def dash_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("dashboard-browser")) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, dash_server: Server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=dash_server.base_url, viewport={"width": 1100, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dash_server.base_url)
    opened = context.new_page()
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, prefix: str) -> None:
    page.goto("/profile")  # a protected page sends us to the login form
    assert "/login?next=/profile" in page.url
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    shot(page, f"{prefix}-01-login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My Profile")).to_be_visible()


def create_zone(page: Page, account_id: str, name: str) -> str:
    page.goto(f"/accounts/{account_id}/dns")
    page.get_by_label("Domain").fill(name)
    page.get_by_role("button", name="Add zone").click()
    expect(page.get_by_role("heading", name=f"{name} · DNS records")).to_be_visible()
    return page.url.split("/zones/")[1].split("/")[0]


def verify(server: Server, secret: str) -> httpx.Response:
    return httpx.get(
        f"{server.api}/user/tokens/verify", headers={"Authorization": f"Bearer {secret}"}
    )


def test_seed_002_edit_zone_dns_token(page: Page, dash_server: Server) -> None:
    log_in(page, "002")
    # DNS first: two zones and a record, all through the dashboard's forms.
    zone_id = create_zone(page, dash_server.account_id, "seed-two.example")
    page.get_by_label("Type").select_option("A")
    page.get_by_label("Name").fill("www")
    page.get_by_label("Content").fill("192.0.2.10")
    page.get_by_role("button", name="Save record").click()
    expect(page.get_by_role("cell", name="192.0.2.10")).to_be_visible()
    shot(page, "002-02-dns-records")
    other_zone = create_zone(page, dash_server.account_id, "other-two.example")

    # Seed 002: My Profile > API Tokens > Create Token > Edit zone DNS.
    page.get_by_role("link", name="My Profile").click()
    page.get_by_role("link", name="API Tokens", exact=True).click()
    page.get_by_role("link", name="Create Token").click()
    shot(page, "002-03-templates")
    for template in ("Edit zone DNS", "Create Additional Tokens", "Read all resources"):
        expect(page.get_by_role("link", name=f"Use template {template}")).to_be_visible()
    expect(page.get_by_role("link", name="Get started")).to_be_visible()
    page.get_by_role("link", name="Use template Edit zone DNS").click()
    expect(page.get_by_label("Token name")).to_have_value("Edit zone DNS")
    expect(page.get_by_label("Scope")).to_have_value("zone")
    page.get_by_label("Token name").fill("Edit seed-two DNS")
    page.get_by_label("Resource", exact=True).select_option(label="Specific zone")
    page.get_by_label("Zone", exact=True).select_option(label="seed-two.example")
    page.get_by_label("IP address or range").fill("127.0.0.0/8")
    shot(page, "002-04-form")
    page.get_by_role("button", name="Continue to summary").click()
    expect(page.get_by_text("Zone · DNS · Edit")).to_be_visible()
    expect(page.get_by_text("Include · Zone · seed-two.example")).to_be_visible()
    shot(page, "002-05-summary")
    page.get_by_role("button", name="Edit token").click()  # back to the filled form
    expect(page.get_by_label("Token name")).to_have_value("Edit seed-two DNS")
    expect(page.get_by_label("Zone", exact=True)).to_have_value(zone_id)
    page.get_by_role("button", name="Continue to summary").click()
    with page.expect_response(lambda r: r.request.method == "POST") as created:
        page.get_by_role("button", name="Create Token").click()
    assert created.value.headers["cache-control"] == "no-store"
    secret = page.get_by_label("API token").input_value()
    assert secret.startswith("cfut_")
    expect(page.locator("#verify-command")).to_contain_text(f"Authorization: Bearer {secret}")
    expect(page.locator("#verify-command")).to_contain_text(f"{dash_server.api}/user/tokens/verify")
    page.get_by_role("button", name="Copy", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot(page, "002-06-secret-once")

    # From outside: verify, then the zone it names and another one.
    body = verify(dash_server, secret).json()
    assert body["success"]
    assert body["messages"][0]["code"] == 10000
    headers = {"Authorization": f"Bearer {secret}"}
    mine = httpx.get(f"{dash_server.api}/zones/{zone_id}/dns_records", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["result"][0]["content"] == "192.0.2.10"
    other = httpx.get(f"{dash_server.api}/zones/{other_zone}/dns_records", headers=headers)
    assert other.status_code == 403

    # The secret never shows again: not in the list, the edit form, nor after Back.
    page.get_by_role("link", name="View all API tokens").click()
    expect(page.get_by_role("row", name="Edit seed-two DNS")).to_contain_text("DNS Edit")
    shot(page, "002-07-token-list")
    assert secret not in page.content()
    page.get_by_role("link", name="Edit Edit seed-two DNS").click()
    assert secret not in page.content()
    page.go_back()  # the token list
    # Back once more would show the creation answer: no-store makes chromium refuse to
    # show it from cache (ERR_CACHE_MISS) rather than bring the secret back.
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        page.go_back()
    assert secret not in settled_content(page)


def settled_content(page: Page) -> str:
    """The page's HTML once chromium has finished the navigation it may still be in."""
    for _ in range(50):
        try:
            return page.content()
        except PlaywrightError:  # "page is navigating": ask again shortly
            page.wait_for_timeout(100)
    return page.content()


def test_seed_000_images_token_and_use_api(page: Page, dash_server: Server, tmp_path: Path) -> None:
    log_in(page, "000")
    # Seed 000: My profile > Create Token > Custom token "Get started".
    page.get_by_role("link", name="Create Token").click()
    page.get_by_role("link", name="Get started").click()
    page.get_by_label("Token name").fill("Images uploader")
    expect(page.get_by_label("Scope")).to_have_value("account")
    page.get_by_label("Permission group").select_option(label="Cloudflare Images")
    page.get_by_label("Access level").select_option(label="Edit")
    shot(page, "000-02-custom-form")
    page.get_by_role("button", name="Continue to summary").click()
    expect(page.get_by_text("Account · Cloudflare Images · Edit")).to_be_visible()
    shot(page, "000-03-summary")
    page.get_by_role("button", name="Create Token").click()
    secret = page.get_by_label("API token").input_value()
    shot(page, "000-04-secret-once")
    assert verify(dash_server, secret).json()["messages"][0]["code"] == 10000

    # Select the account > Images > Use API.
    page.get_by_role("link", name="Images").click()
    expect(page.get_by_text("Developer Resources")).to_be_visible()
    expect(page.get_by_text(dash_server.admin["account_hash"]).first).to_be_visible()
    page.get_by_role("button", name="Use API").click()
    box = page.get_by_label("cURL command")
    expect(box).to_be_visible()
    page.get_by_label("API token").fill(secret)
    page.get_by_label("Image File Name").press_sequentially("ca")
    api_url = f"{dash_server.api}/accounts/{dash_server.account_id}/images/v1"
    partial = f'curl -X POST -F file=@./ca -H "Authorization: Bearer {secret}" {api_url}'
    expect(box).to_have_value(partial)  # it follows every keystroke
    page.get_by_label("Image File Name").press_sequentially("t.png")
    command = (
        f'curl -X POST -F file=@./cat.png -H "Authorization: Bearer {secret}" '
        f"{dash_server.api}/accounts/{dash_server.account_id}/images/v1"
    )
    expect(box).to_have_value(command)
    shot(page, "000-05-use-api")

    # Run exactly that command, from a folder holding cat.png.
    (tmp_path / "cat.png").write_bytes(png(64, 48))
    assert shutil.which("curl")
    done = subprocess.run(
        ["bash", "-c", box.input_value()], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    uploaded = json.loads(done.stdout)
    assert uploaded["success"], done.stdout
    image_id = uploaded["result"]["id"]

    # The gallery shows it with a thumbnail served by the delivery route.
    page.reload()
    thumb = page.get_by_role("img", name="cat.png")
    expect(thumb).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    shot(page, "000-06-gallery")
    thumb.click()
    expect(page.get_by_text(image_id).first).to_be_visible()
    shot(page, "000-07-details")

    # Roll from the token list: the old secret stops working, the new one works.
    page.get_by_role("link", name="My Profile").click()
    page.get_by_role("link", name="API Tokens", exact=True).click()
    page.get_by_role("button", name="Roll Images uploader").click()
    rolled = page.get_by_label("API token").input_value()
    assert rolled != secret
    assert verify(dash_server, secret).status_code in (400, 401)
    assert verify(dash_server, rolled).json()["messages"][0]["code"] == 10000

    # A form post without the CSRF field is refused, even with the session cookie.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    refused = httpx.post(
        f"{dash_server.base_url}/profile/api-tokens/new",
        data={"name": "forged", "action": "create"},
        cookies=cookies,
    )
    assert refused.status_code == 403
