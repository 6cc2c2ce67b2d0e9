"""The dashboard's "Check access" on a token: its verdict is what the server really answers to
that request made with the token's secret, and what `flarelite tokens explain --json` says;
only the token's owner (or the owning account's members) may use it; bad input is explained
next to its field."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.e2e.dashboard_support import client, logged_in
from tests.factories import (
    all_zones_of,
    bearer,
    make_policy,
    make_tenant,
    mint_account_token,
    mint_user_token,
    user_key,
)
from tests.servers import Server, running_server, sdk

from flarelite.identity.models import Role

pytestmark = pytest.mark.e2e

VERDICT = re.compile(
    r'<section class="card verdict"[^>]* data-allowed="(\w+)" data-status="(\d+)" '
    r'data-code="(\d*)">(.*?)</section>',
    re.S,
)
REASON = re.compile(r"<li>(.*?)</li>", re.S)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: int
    code: int | None
    reasons: list[str]
    text: str  # the section's HTML


def verdict_of(page: str) -> Verdict:
    found = VERDICT.search(page)
    assert found, "the page shows no verdict"
    allowed, status, code, body = found.groups()
    reasons = [html.unescape(r) for r in REASON.findall(body)]
    return Verdict(allowed == "true", int(status), int(code) if code else None, reasons, body)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FLARELITE_TEST_CONTROL": "1", "FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path_factory.mktemp("check-access"), env=env) as server:
        yield server


@pytest.fixture(scope="module")
def zone_id(served: Server) -> str:
    zone = sdk(served).zones.create(name="check-access.example", account={"id": served.account_id})
    assert zone is not None
    return zone.id


@pytest.fixture(scope="module")
def browser(served: Server) -> httpx.Client:
    return logged_in(served)


def zone_key(zone_id: str) -> dict[str, str]:
    return {f"com.cloudflare.api.account.zone.{zone_id}": "*"}


def check_page(browser: httpx.Client, base: str, token_id: str, **fields: str) -> httpx.Response:
    return browser.get(f"{base}/{token_id}/check-access", params=fields)


def cli_explain(server: Server, token_id: str, method: str, path: str, **options: str) -> dict:
    args = ["tokens", "explain", token_id, method, path, "--json"]
    for name, value in options.items():
        args += [f"--{name}", value]
    done = server.cli(*args, check=False)
    verdict = json.loads(done.stdout)
    assert isinstance(verdict, dict)
    return verdict


def real_answer(server: Server, secret: str, method: str, path: str) -> tuple[int, int | None]:
    body = {"paused": False} if method == "PATCH" else None
    answer = httpx.request(method, server.base_url + path, headers=bearer(secret), json=body)
    if answer.is_success:
        return answer.status_code, None
    return answer.status_code, answer.json()["errors"][0]["code"]


def test_the_page_agrees_with_the_server_and_the_cli(
    served: Server, browser: httpx.Client, zone_id: str
) -> None:
    zone_read = "Zone Read"
    reader = mint_user_token(
        served, served.user_id, [make_policy(zone_read, resources=zone_key(zone_id))]
    )
    denied = mint_user_token(
        served,
        served.user_id,
        [
            make_policy(zone_read, resources=all_zones_of(served.account_id)),
            make_policy(zone_read, resources=zone_key(zone_id), effect="deny"),
        ],
    )
    elsewhere = mint_user_token(
        served,
        served.user_id,
        [make_policy(zone_read, resources=zone_key(zone_id))],
        condition={"request_ip": {"in": ["192.0.2.0/24"]}},
    )
    expires = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    expiring = mint_user_token(
        served,
        served.user_id,
        [make_policy(zone_read, resources=zone_key(zone_id))],
        expires_on=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    account_reader = mint_account_token(
        served, served.account_id, [make_policy(zone_read, resources=zone_key(zone_id))]
    )
    user_base = "/profile/api-tokens"
    account_base = f"/accounts/{served.account_id}/api-tokens"
    zone_path = f"/client/v4/zones/{zone_id}"
    later = expires + timedelta(hours=1)
    cases = [
        ("allow", reader, user_base, "GET", None, (True, 200, None)),
        ("write not granted", reader, user_base, "PATCH", None, (False, 403, 10000)),
        ("deny policy", denied, user_base, "GET", None, (False, 403, 10000)),
        ("client ip", elsewhere, user_base, "GET", None, (False, 403, 9109)),
        ("expired", expiring, user_base, "GET", later, (False, 403, 9109)),
        ("account token", account_reader, account_base, "GET", None, (True, 200, None)),
    ]
    for label, (token_id, secret), base, method, at, expected in cases:
        fields = {"method": method, "path": zone_path}  # Client IP left to its default: ours
        options = {"ip": "127.0.0.1"}
        if at is not None:
            fields["at"] = options["at"] = at.isoformat()
            # Move the server's clock there, so the real request meets the same moment.
            httpx.put(f"{served.base_url}/_flarelite/clock", json={"now": at.isoformat()})
        try:
            actual = real_answer(served, secret, method, zone_path)
            page = check_page(browser, base, token_id, **fields)
            cli = cli_explain(served, token_id, method, zone_path, **options)
        finally:
            httpx.delete(f"{served.base_url}/_flarelite/clock")
        assert page.status_code == 200, (label, page.text[:500])
        shown = verdict_of(page.text)
        status, code = actual
        assert (shown.allowed, shown.status, shown.code) == expected, (label, shown)
        assert (shown.status, shown.code) == (status, code), (label, shown, actual)
        assert (shown.allowed, shown.status, shown.code) == (
            cli["allowed"], cli["status"], cli["code"],
        ), (label, cli)  # fmt: skip
        assert shown.reasons == cli["reasons"], label
        assert shown.reasons, label
        assert "Zone Read" in shown.text, label  # the permission the route needs
        assert "GET /zones/{zone_id}" in shown.text or method != "GET", label

    # The deny policy is named as the deciding one, by its place on the token.
    page = check_page(browser, user_base, denied[0], method="GET", path=zone_path)
    assert "Policy 2 (deny: Zone Read)" in html.unescape(verdict_of(page.text).text)
    # The same token from an address its condition allows: the page, not the real server.
    page = check_page(browser, user_base, elsewhere[0], path=zone_path, ip="192.0.2.7")
    assert verdict_of(page.text).allowed
    assert cli_explain(served, elsewhere[0], "GET", zone_path, ip="192.0.2.7")["allowed"]


def test_the_form_has_its_defaults_and_each_token_links_to_it(
    served: Server, browser: httpx.Client
) -> None:
    listing = browser.get("/profile/api-tokens")
    links = re.findall(r'href="(/profile/api-tokens/[0-9a-f]{32}/check-access)"', listing.text)
    assert links
    first = browser.get(links[0])
    assert first.status_code == 200
    assert '<form method="get"' in first.text
    for label in ("Method", "Path", "Client IP", "Time"):
        assert re.search(rf'<label for="[\w-]+">{label}</label>', first.text), label
    assert 'id="check-ip" name="ip" value="127.0.0.1"' in first.text  # the viewer's address
    assert 'class="card verdict"' not in first.text  # nothing asked yet
    assert 'class="field-error"' not in first.text
    csp = first.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert re.findall(r"<script[^>]*>", first.text) == [
        '<script src="/static/dashboard/dash.js" defer>'
    ]
    account_list = browser.get(f"/accounts/{served.account_id}/api-tokens")
    assert account_list.status_code == 200


def test_a_route_open_to_any_token_needs_no_permission(
    served: Server, browser: httpx.Client
) -> None:
    token_id, _ = mint_user_token(
        served,
        served.user_id,
        [make_policy("User Details Read", resources={user_key(served.user_id): "*"})],
    )
    page = check_page(
        browser, "/profile/api-tokens", token_id, path="/client/v4/user/tokens/verify"
    )
    shown = verdict_of(page.text)
    assert (shown.allowed, shown.status) == (True, 200)
    assert "None (any usable token)" in shown.text


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"path": "/client/v4/no/such/route"}, "path", "No API route answers GET"),
        ({"path": "/client/v4/zones", "method": "PATCH"}, "path", "No API route answers PATCH"),
        ({"path": ""}, "path", "Enter the request path"),
        ({"path": "zones"}, "path", "A path starts with /"),
        ({"path": "/client/v4/zones", "ip": "999.1.1.1"}, "ip", "IPv4 or IPv6"),
        ({"path": "/client/v4/zones", "ip": "<script>"}, "ip", "IPv4 or IPv6"),
        ({"path": "/client/v4/zones", "at": "yesterday"}, "at", "Enter a date and time"),
        ({"path": "/client/v4/zones", "method": "BREW"}, "method", "Choose one of GET"),
        ({"path": "/client/v4/zones", "account": "0" * 32}, "account", "your accounts"),
    ],
)
def test_bad_input_is_explained_next_to_its_field(
    served: Server, browser: httpx.Client, fields: dict[str, str], field: str, words: str
) -> None:
    token_id = _admin_token_id(browser)
    page = check_page(browser, "/profile/api-tokens", token_id, **fields)
    assert page.status_code == 400, page.text[:500]
    error = re.search(rf'<p class="field-error" id="error-{field}">(.*?)</p>', page.text, re.S)
    assert error, page.text
    assert words in html.unescape(error.group(1))
    assert f'aria-describedby="error-{field}"' in page.text
    assert 'class="card verdict"' not in page.text
    assert "<script>" not in page.text  # typed input is escaped, never markup


def test_only_the_owner_or_the_accounts_members_may_check(
    served: Server, browser: httpx.Client
) -> None:
    mine = _admin_token_id(browser)
    account_token = _account_token(served)
    user_page = f"/profile/api-tokens/{mine}/check-access"
    account_page = f"/accounts/{served.account_id}/api-tokens/{account_token}/check-access"
    query = {"path": "/client/v4/user/tokens/verify"}

    anonymous = client(served).get(user_page, params=query)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")

    outsider = make_tenant(served)  # another user, admin of another account
    stranger = logged_in(served, outsider.email)
    for path in (user_page, account_page):
        refused = stranger.get(path, params=query)
        assert refused.status_code == 404, path
        assert 'class="card verdict"' not in refused.text
    # Their own user page cannot reach someone else's token either.
    assert stranger.get(user_page, params=query).status_code == 404

    # A read-only member of the owning account may check its account tokens.
    reader = make_tenant(
        served,
        account_id=served.account_id,
        role=Role.READ_ONLY,
        policies=lambda user_id, _: [
            make_policy("User Details Read", resources={user_key(user_id): "*"})
        ],
    )
    member = logged_in(served, reader.email)
    verify = {"path": f"/client/v4/accounts/{served.account_id}/tokens/verify"}
    allowed = member.get(account_page, params=verify)
    assert allowed.status_code == 200, allowed.text[:500]
    assert verdict_of(allowed.text).allowed
    assert member.get(f"/profile/api-tokens/{mine}/check-access").status_code == 404


def _account_token(server: Server) -> str:
    token_id, _ = mint_account_token(
        server,
        server.account_id,
        [make_policy("Zone Read", resources=all_zones_of(server.account_id))],
    )
    return token_id


def _admin_token_id(browser: httpx.Client) -> str:
    listing = browser.get("/profile/api-tokens").text
    found = re.search(r'href="/profile/api-tokens/([0-9a-f]{32})/check-access"', listing)
    assert found
    return found.group(1)
