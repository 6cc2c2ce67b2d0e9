"""DNS records through the dashboard's per-type forms (plain posts, no JavaScript), read back
through the official SDK: SRV, CAA and MX created, edited and deleted; bad input explained
next to its field and nothing stored."""

from __future__ import annotations

import re
import uuid
from typing import Any

import cloudflare
import httpx
import pytest
from tests.e2e.dashboard_support import csrf_of, logged_in
from tests.servers import Server

pytestmark = pytest.mark.e2e

# What a browser without JavaScript posts: every fieldset, the chosen type's filled in.
BLANK_FORM = {
    "type": "A", "name": "", "ttl": "1", "comment": "", "content": "", "mx_content": "",
    "mx_priority": "", "srv_priority": "", "srv_weight": "", "srv_port": "", "srv_target": "",
    "caa_flags": "0", "caa_tag": "issue", "caa_value": "",
}  # fmt: skip
SRV = {
    "type": "SRV", "name": "_sip._tcp", "srv_priority": "10", "srv_weight": "5",
    "srv_port": "5060", "srv_target": "sip.example.com",
    # Leftovers in the other fieldsets are ignored, not turned into a second record.
    "content": "192.0.2.99", "mx_content": "ignored.example.com",
}  # fmt: skip
CAA = {"type": "CAA", "name": "@", "caa_flags": "0", "caa_tag": "issue",
       "caa_value": "letsencrypt.org"}  # fmt: skip
MX = {"type": "MX", "name": "@", "mx_content": "mail.example.com", "mx_priority": "10"}


@pytest.fixture(scope="module")
def browser(server: Server) -> httpx.Client:
    return logged_in(server)


@pytest.fixture
def zone_id(cf: cloudflare.Cloudflare, server: Server) -> str:
    name = f"form-{uuid.uuid4().hex[:10]}.example"
    return cf.zones.create(account={"id": server.account_id}, name=name).id


def post(browser: httpx.Client, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    token = csrf_of(browser.get(page).text)
    return browser.post(action, data={**BLANK_FORM, **fields, "csrf_token": token})


def add(browser: httpx.Client, zone_id: str, fields: dict[str, str]) -> httpx.Response:
    return post(browser, f"/zones/{zone_id}/dns", f"/zones/{zone_id}/dns", fields)


def edit(
    browser: httpx.Client, zone_id: str, record_id: str, fields: dict[str, str]
) -> httpx.Response:
    page = f"/zones/{zone_id}/dns/{record_id}/edit"
    return post(browser, page, page, fields)


def delete(browser: httpx.Client, zone_id: str, record_id: str) -> httpx.Response:
    return post(browser, f"/zones/{zone_id}/dns", f"/zones/{zone_id}/dns/{record_id}/delete", {})


def records(cf: cloudflare.Cloudflare, zone_id: str) -> list[Any]:
    return list(cf.dns.records.list(zone_id=zone_id))


def only_record(cf: cloudflare.Cloudflare, zone_id: str) -> Any:
    found = records(cf, zone_id)
    assert len(found) == 1, [(r.type, r.name, r.content) for r in found]
    return found[0]


def data_of(record: Any) -> dict[str, Any]:
    return record.data.model_dump(exclude_none=True)


def input_value(html: str, field: str) -> str:
    match = re.search(rf'<input id="record-{field}" name="{field}" value="([^"]*)"', html)
    assert match, f"no {field} field"
    return match.group(1)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="error-{field}">([^<]*)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def test_srv_record_added_edited_and_deleted(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    assert add(browser, zone_id, SRV).status_code == 303
    record = only_record(cf, zone_id)
    assert record.type == "SRV"
    assert record.name.startswith("_sip._tcp.form-")
    assert data_of(record) == {
        "priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"
    }  # fmt: skip
    assert (record.priority, record.content) == (10, "5 5060 sip.example.com")
    table = browser.get(f"/zones/{zone_id}/dns").text
    assert "sip.example.com:5060 · weight 5" in table

    form = browser.get(f"/zones/{zone_id}/dns/{record.id}/edit").text
    prefilled = {f: input_value(form, f) for f in ("srv_priority", "srv_weight", "srv_port")}
    assert prefilled == {"srv_priority": "10", "srv_weight": "5", "srv_port": "5060"}
    assert input_value(form, "srv_target") == "sip.example.com"
    changed = {**SRV, "srv_port": "5061", "srv_weight": "0", "srv_target": "sip2.example.com"}
    assert edit(browser, zone_id, record.id, changed).status_code == 303
    edited = only_record(cf, zone_id)
    assert edited.id == record.id
    assert data_of(edited) == {
        "priority": 10, "weight": 0, "port": 5061, "target": "sip2.example.com"
    }  # fmt: skip

    assert delete(browser, zone_id, record.id).status_code == 303
    assert records(cf, zone_id) == []


def test_caa_record_added_edited_and_deleted(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    assert add(browser, zone_id, CAA).status_code == 303
    record = only_record(cf, zone_id)
    assert record.type == "CAA"
    assert data_of(record) == {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}
    assert record.content == '0 issue "letsencrypt.org"'
    assert (
        "Only allow specific hostnames: letsencrypt.org"
        in browser.get(f"/zones/{zone_id}/dns").text
    )

    form = browser.get(f"/zones/{zone_id}/dns/{record.id}/edit").text
    assert input_value(form, "caa_value") == "letsencrypt.org"
    assert '<option value="issue" selected>' in form
    changed = {**CAA, "caa_flags": "128", "caa_tag": "iodef", "caa_value": "mailto:ca@example.com"}
    assert edit(browser, zone_id, record.id, changed).status_code == 303
    edited = only_record(cf, zone_id)
    assert data_of(edited) == {"flags": 128, "tag": "iodef", "value": "mailto:ca@example.com"}

    assert delete(browser, zone_id, record.id).status_code == 303
    assert records(cf, zone_id) == []


def test_mx_record_added_edited_and_deleted(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    assert add(browser, zone_id, {**MX, "ttl": "300"}).status_code == 303
    record = only_record(cf, zone_id)
    assert (record.type, record.content, record.priority, record.ttl) == (
        "MX", "mail.example.com", 10, 300
    )  # fmt: skip
    form = browser.get(f"/zones/{zone_id}/dns/{record.id}/edit").text
    assert input_value(form, "mx_content") == "mail.example.com"
    assert input_value(form, "mx_priority") == "10"
    changed = {**MX, "mx_content": "mx2.example.com", "mx_priority": "20", "ttl": "300"}
    assert edit(browser, zone_id, record.id, changed).status_code == 303
    edited = only_record(cf, zone_id)
    assert (edited.content, edited.priority) == ("mx2.example.com", 20)
    assert delete(browser, zone_id, record.id).status_code == 303
    assert records(cf, zone_id) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({**SRV, "srv_port": "70000"}, "srv_port", "must be between 0 and 65535"),
        ({**SRV, "srv_weight": "five"}, "srv_weight", "is not an integer"),
        ({**SRV, "srv_target": ""}, "srv_target", "Required."),
        ({**CAA, "caa_tag": "bogus"}, "caa_tag", "tag must be one of iodef, issue, issuewild"),
        ({**CAA, "caa_tag": "iodef"}, "caa_value", "mailto:, http:// or https:// URL"),
        ({**CAA, "caa_flags": "256"}, "caa_flags", "must be between 0 and 255"),
        ({**MX, "mx_priority": ""}, "mx_priority", "Required."),
        ({**MX, "mx_content": "bad host!"}, "mx_content", "Content for MX record is invalid."),
        ({"type": "A", "name": "www", "content": "1.1"}, "content", "not an IPv4 address"),
        ({**MX, "ttl": "5"}, "ttl", "TTL must be between 60 and 86400"),
    ],
)
def test_invalid_input_is_explained_next_to_its_field_and_nothing_is_stored(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str,
    fields: dict[str, str], field: str, message: str,
) -> None:  # fmt: skip
    response = add(browser, zone_id, fields)
    assert response.status_code == 400
    assert message in field_error(response.text, field)
    assert re.search(f'aria-describedby="[^"]*error-{field}"', response.text)
    assert "Please fix the problems marked below." in response.text
    if field != "caa_tag":  # what was typed is shown again
        assert input_value(response.text, field) == fields.get(field, "")
    assert records(cf, zone_id) == []


def test_unknown_caa_tag_stays_selected_beside_its_error(
    browser: httpx.Client, zone_id: str
) -> None:
    response = add(browser, zone_id, {**CAA, "caa_tag": "bogus"})
    assert '<option value="bogus" selected>bogus</option>' in response.text


def test_invalid_edit_is_explained_and_leaves_the_record_as_it_was(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    assert add(browser, zone_id, SRV).status_code == 303
    record = only_record(cf, zone_id)
    response = edit(browser, zone_id, record.id, {**SRV, "srv_port": "70000"})
    assert response.status_code == 400
    assert "must be between 0 and 65535" in field_error(response.text, "srv_port")
    assert input_value(response.text, "srv_port") == "70000"
    assert data_of(only_record(cf, zone_id))["port"] == 5060


def test_edit_cannot_change_the_type(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    assert add(browser, zone_id, MX).status_code == 303
    record = only_record(cf, zone_id)
    form = browser.get(f"/zones/{zone_id}/dns/{record.id}/edit").text
    assert '<input id="record-type" name="type" value="MX" readonly' in form
    response = edit(browser, zone_id, record.id, {**CAA, "name": "@"})
    assert response.status_code == 400
    assert "Changing the type of a DNS record is not supported" in field_error(
        response.text, "type"
    )
    assert only_record(cf, zone_id).type == "MX"


def test_type_in_the_query_preselects_its_fields(browser: httpx.Client, zone_id: str) -> None:
    page = browser.get(f"/zones/{zone_id}/dns?type=srv").text
    assert "<option selected>SRV</option>" in page
    assert '<fieldset class="per-type" data-types="SRV">' in page


def test_edit_keeps_what_the_form_does_not_show(
    browser: httpx.Client, cf: cloudflare.Cloudflare, zone_id: str
) -> None:
    made = cf.dns.records.create(
        zone_id=zone_id, type="CNAME", name="www", content="origin.example.com", ttl=1,
        tags=["team:web"], settings={"flatten_cname": True}, comment="old",
    )  # fmt: skip
    fields = {"type": "CNAME", "name": "www", "content": "origin2.example.com", "comment": ""}
    assert edit(browser, zone_id, made.id, fields).status_code == 303
    record = only_record(cf, zone_id)
    assert (record.content, record.comment) == ("origin2.example.com", None)
    assert record.tags == ["team:web"]
    assert record.settings.flatten_cname is True
