"""Audit logs end to end: token, image and variant changes made through the official SDK are
read back with ``client.audit_logs.list`` in Cloudflare's v1 shape, filters included."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import cloudflare
import pytest
from tests.factories import (
    Tenant,
    account_key,
    bearer,
    create_token,
    envelope_error,
    http,
    make_policy,
    make_tenant,
    mint_user_token,
    user_key,
)
from tests.image_corpus import png
from tests.servers import Server, sdk

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cf(tenant_cf: cloudflare.Cloudflare) -> cloudflare.Cloudflare:
    return tenant_cf  # this module works as the tenant, not as the server's admin


def _logs(cf: cloudflare.Cloudflare, tenant: Tenant, **filters: Any) -> list[Any]:
    return list(cf.audit_logs.list(account_id=tenant.account_id, **filters).result)


def test_token_changes_are_listed_with_actor_ip_and_resource(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    policies = [
        make_policy("Account Settings Read", resources={account_key(tenant.account_id): "*"})
    ]
    token_id, _ = create_token(cf, policies, account_id=tenant.account_id, name="audited")
    cf.accounts.tokens.update(
        token_id,
        account_id=tenant.account_id,
        name="audited-2",
        policies=policies,  # type: ignore[arg-type]
    )
    cf.accounts.tokens.value.update(token_id, account_id=tenant.account_id)
    cf.accounts.tokens.delete(token_id, account_id=tenant.account_id)

    entries = [
        e for e in _logs(cf, tenant, direction="asc", per_page=1000) if e.resource.id == token_id
    ]
    assert [e.action.type for e in entries] == ["create", "update", "roll", "delete"]
    for entry in entries:
        assert entry.action.result is True
        assert entry.actor.type == "user"
        assert entry.actor.id == tenant.user_id
        assert entry.actor.email == tenant.email
        assert entry.actor.ip == "127.0.0.1"
        assert entry.interface == "API"
        assert entry.owner.id == tenant.account_id
        assert entry.resource.type == "account_token"
        assert entry.metadata["token_id"] == tenant.token_id  # the credential that acted
        assert entry.when is not None
    update = entries[1]
    assert json.loads(update.old_value)["name"] == "audited"
    assert json.loads(update.new_value)["name"] == "audited-2"


def test_user_token_changes_show_in_the_users_account(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    policies = [make_policy("User Details Read", resources={user_key(tenant.user_id): "*"})]
    token_id, _ = create_token(cf, policies)
    cf.user.tokens.delete(token_id)
    found = _logs(cf, tenant, per_page=1000)
    mine = [(e.action.type, e.resource.type) for e in found if e.resource.id == token_id]
    assert mine == [("delete", "user_token"), ("create", "user_token")]  # newest first
    hidden = _logs(cf, tenant, hide_user_logs=True, per_page=1000)
    assert token_id not in {e.resource.id for e in hidden}


def test_image_delete_and_variant_changes_are_recorded(
    cf: cloudflare.Cloudflare, tenant: Tenant
) -> None:
    account = tenant.account_id
    image = cf.images.v1.create(account_id=account, file=("a.png", png(8, 8), "image/png"))
    assert image is not None
    cf.images.v1.delete(image.id, account_id=account)  # type: ignore[arg-type]
    name = f"v{secrets.token_hex(4)}"
    options: Any = {"fit": "scale-down", "width": 100, "height": 100, "metadata": "none"}
    cf.images.v1.variants.create(account_id=account, id=name, options=options)
    cf.images.v1.variants.edit(name, account_id=account, options={**options, "width": 50})
    cf.images.v1.variants.delete(name, account_id=account)
    found = _logs(cf, tenant, direction="asc", per_page=1000)
    assert [(e.action.type, e.resource.type) for e in found if e.resource.id == image.id] == [
        ("delete", "image")
    ]
    variant = [e for e in found if e.resource.id == name]
    assert [e.action.type for e in variant] == ["create", "update", "delete"]
    assert json.loads(variant[1].old_value)["options"]["width"] == 100
    assert json.loads(variant[1].new_value)["options"]["width"] == 50


def test_filters_narrow_the_list(cf: cloudflare.Cloudflare, tenant: Tenant) -> None:
    policies = [
        make_policy("Account Settings Read", resources={account_key(tenant.account_id): "*"})
    ]
    token_id, _ = create_token(cf, policies, account_id=tenant.account_id)
    cf.accounts.tokens.value.update(token_id, account_id=tenant.account_id)
    rolls = _logs(cf, tenant, action={"type": "roll"}, per_page=1000)
    assert rolls
    assert {e.action.type for e in rolls} == {"roll"}
    assert token_id in {e.resource.id for e in rolls}
    assert _logs(cf, tenant, actor={"ip": "127.0.0.0/8"}, per_page=1000)
    assert _logs(cf, tenant, actor={"ip": "192.0.2.0/24"}) == []
    assert _logs(cf, tenant, actor={"email": tenant.email.upper()}, per_page=1000)
    assert _logs(cf, tenant, actor={"email": "nobody@example.com"}) == []
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert _logs(cf, tenant, since=tomorrow) == []
    assert _logs(cf, tenant, before=tomorrow, per_page=1)
    one = rolls[0]
    assert [e.id for e in _logs(cf, tenant, id=one.id)] == [one.id]


def test_dotted_filter_names_and_pages_as_cloudflare_documents(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    url = f"{server.api}/accounts/{tenant.account_id}/audit_logs"
    answer = http.get(
        url,
        params={"action.type": "create", "per_page": 1, "page": 1},
        headers=bearer(tenant.token),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True
    assert len(body["result"]) == 1
    assert body["result"][0]["action"]["type"] == "create"
    assert body["result_info"]["per_page"] == 1
    assert body["result_info"]["total_count"] >= 1
    entry = body["result"][0]
    assert set(entry) >= {
        "id",
        "action",
        "actor",
        "interface",
        "metadata",
        "owner",
        "resource",
        "when",
    }


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"since": "yesterday"}, "since"),
        ({"before": "2024-13-45"}, "before"),
        ({"actor.ip": "not-an-ip"}, "actor.ip"),
        ({"per_page": "0"}, None),
        ({"per_page": "5000"}, None),
        ({"direction": "sideways"}, None),
    ],
)
def test_bad_filters_get_a_400_envelope(
    server: Server, tenant: Tenant, params: dict[str, str], pointer: str | None
) -> None:
    answer = http.get(
        f"{server.api}/accounts/{tenant.account_id}/audit_logs",
        params=params,
        headers=bearer(tenant.token),
    )
    error = envelope_error(answer, 400, answer.json()["errors"][0]["code"])
    if pointer:
        assert error["source"]["pointer"] == pointer


def test_reading_needs_account_settings_read(server: Server, tenant: Tenant) -> None:
    policies = [make_policy("Images Read", resources={account_key(tenant.account_id): "*"})]
    _, images_only = mint_user_token(server, tenant.user_id, policies)
    with pytest.raises(cloudflare.PermissionDeniedError):
        _logs(sdk(server, images_only), tenant)
    other = make_tenant(server)
    with pytest.raises(cloudflare.PermissionDeniedError):
        _logs(sdk(server, other.token), tenant)
