"""Account-owned API tokens (A1–A8) end to end, and what account tokens may not do."""

from __future__ import annotations

import re
from typing import Any

import cloudflare
import httpx
import pytest
from tests.factories import (
    GROUP_IDS,
    Tenant,
    account_key,
    bearer,
    create_token,
    envelope_error,
    http,
    make_policy,
    make_tenant,
    mint_account_token,
    user_key,
)
from tests.servers import Server, sdk

pytestmark = pytest.mark.e2e

SECRET = re.compile(r"cfat_[A-Za-z0-9]{40}[0-9a-f]{8}")


@pytest.fixture(scope="session")
def tenant(server: Server) -> Tenant:
    return make_tenant(server)


@pytest.fixture(scope="session")
def cf(server: Server, tenant: Tenant) -> cloudflare.Cloudflare:
    return sdk(server, tenant.token)


def settings_read(account_id: str) -> list[dict[str, Any]]:
    return [make_policy("Account Settings Read", resources={account_key(account_id): "*"})]


def tokens_path(tenant: Tenant, rest: str = "") -> str:
    return f"/accounts/{tenant.account_id}/tokens{rest}"


def get_raw(server: Server, token: str, path: str, **params: Any) -> httpx.Response:
    return http.get(f"{server.api}{path}", headers=bearer(token), params=params)


# ------------------------------------------------------------------------------ lifecycle


def test_create_gives_a_cfat_value_once_and_get_and_list_never_show_it(
    server: Server, tenant: Tenant
) -> None:
    answer = http.post(
        f"{server.api}{tokens_path(tenant)}",
        headers=bearer(tenant.token),
        json={"name": "service", "policies": settings_read(tenant.account_id)},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    made = answer.json()["result"]
    assert SECRET.fullmatch(made["value"])
    assert made["status"] == "active"
    assert made["policies"][0]["resources"] == {account_key(tenant.account_id): "*"}
    fetched = get_raw(server, tenant.token, tokens_path(tenant, f"/{made['id']}")).json()
    assert "value" not in fetched["result"]
    assert fetched["result"]["id"] == made["id"]
    listed = get_raw(server, tenant.token, tokens_path(tenant), per_page=50).json()["result"]
    assert made["id"] in {item["id"] for item in listed}
    assert all("value" not in item for item in listed)


def test_sdk_lifecycle_get_update_roll_delete(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, old = create_token(cf, settings_read(tenant.account_id), account_id=tenant.account_id)
    mine = sdk(server, old)
    account = mine.accounts.get(account_id=tenant.account_id)
    assert account is not None
    assert account.id == tenant.account_id

    fetched = cf.accounts.tokens.get(token_id, account_id=tenant.account_id)
    assert fetched is not None
    assert fetched.name

    updated = cf.accounts.tokens.update(
        token_id,
        account_id=tenant.account_id,
        name="renamed",
        policies=settings_read(tenant.account_id),  # type: ignore[arg-type]
        condition={"request_ip": {"in": ["127.0.0.1/32", "::1/128"]}},
    )
    assert updated is not None
    assert updated.name == "renamed"
    assert updated.condition is not None
    assert updated.condition.request_ip is not None
    assert updated.condition.request_ip.in_ == ["127.0.0.1/32", "::1/128"]
    assert mine.accounts.get(account_id=tenant.account_id) is not None  # still from 127.0.0.1

    new = cf.accounts.tokens.value.update(token_id, account_id=tenant.account_id)
    assert isinstance(new, str)
    assert SECRET.fullmatch(new)
    assert new != old
    with pytest.raises(cloudflare.PermissionDeniedError):
        mine.accounts.get(account_id=tenant.account_id)
    rolled = sdk(server, new)
    verified = rolled.accounts.tokens.verify(account_id=tenant.account_id)
    assert verified is not None
    assert verified.id == token_id
    after = cf.accounts.tokens.get(token_id, account_id=tenant.account_id)
    assert after is not None
    assert after.policies == updated.policies

    deleted = cf.accounts.tokens.delete(token_id, account_id=tenant.account_id)
    assert deleted is not None
    assert deleted.id == token_id
    with pytest.raises(cloudflare.AuthenticationError):
        rolled.accounts.tokens.verify(account_id=tenant.account_id)
    with pytest.raises(cloudflare.PermissionDeniedError):
        rolled.accounts.get(account_id=tenant.account_id)
    with pytest.raises(cloudflare.NotFoundError):
        cf.accounts.tokens.get(token_id, account_id=tenant.account_id)


@pytest.mark.parametrize("body", [None, {}, {"junk": {"nested": [1, 2]}}])
def test_roll_accepts_no_body_an_empty_object_or_any_object(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, body: dict[str, Any] | None
) -> None:
    token_id, old = create_token(cf, settings_read(tenant.account_id), account_id=tenant.account_id)
    url = f"{server.api}{tokens_path(tenant, f'/{token_id}/value')}"
    if body is None:
        # What the Python SDK sends: no body, yet a JSON content type.
        headers = bearer(tenant.token, **{"Content-Type": "application/json"})
        answer = http.put(url, headers=headers)
    else:
        answer = http.put(url, headers=bearer(tenant.token), json=body)
    assert answer.status_code == 200, answer.text
    new = answer.json()["result"]
    assert isinstance(new, str)
    assert SECRET.fullmatch(new)
    verify = tokens_path(tenant, "/verify")
    envelope_error(get_raw(server, old, verify), 401, 1000)
    assert get_raw(server, new, verify).json()["result"]["id"] == token_id


def test_update_ignores_read_only_fields_sent_back(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, _ = create_token(cf, settings_read(tenant.account_id), account_id=tenant.account_id)
    before = get_raw(server, tenant.token, tokens_path(tenant, f"/{token_id}")).json()["result"]
    answer = http.put(
        f"{server.api}{tokens_path(tenant, f'/{token_id}')}",
        headers=bearer(tenant.token),
        json={**before, "id": "e" * 32, "issued_on": "2000-01-01T00:00:00Z", "name": "same"},
    )
    assert answer.status_code == 200, answer.text
    after = answer.json()["result"]
    assert after["id"] == token_id
    assert after["issued_on"] == before["issued_on"]
    assert after["name"] == "same"


def test_list_pages_and_bounds(server: Server, cf: cloudflare.Cloudflare) -> None:
    owner = make_tenant(server)
    mine = sdk(server, owner.token)
    made = {
        create_token(mine, settings_read(owner.account_id), account_id=owner.account_id)[0]
        for _ in range(7)
    }
    seen = [t.id for t in mine.accounts.tokens.list(account_id=owner.account_id, per_page=5)]
    assert sorted(seen) == sorted(made)
    path = f"/accounts/{owner.account_id}/tokens"
    empty = get_raw(server, owner.token, path, page=3, per_page=5)
    assert empty.status_code == 200
    assert empty.json()["result"] == []
    assert empty.json()["result_info"]["total_count"] == 7
    for per_page in (4, 51):
        answer = get_raw(server, owner.token, path, per_page=per_page)
        assert "per_page" in envelope_error(answer, 400, 1001)["message"]


def test_permission_groups_list_and_get_with_filters(
    tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    every = list(cf.accounts.tokens.permission_groups.list(account_id=tenant.account_id))
    assert {g.id for g in every} >= set(GROUP_IDS.values())
    [one] = list(
        cf.accounts.tokens.permission_groups.list(
            account_id=tenant.account_id, name="Account API Tokens Write"
        )
    )
    assert one.id == "5bc3f8b21c554832afc660159ab75fa4"
    scoped = list(
        cf.accounts.tokens.permission_groups.list(
            account_id=tenant.account_id, scope="com.cloudflare.api.account.zone"
        )
    )
    assert scoped
    assert all(g.scopes == ["com.cloudflare.api.account.zone"] for g in scoped)
    # The SDK's non-paginated accessor reads the same bare list.
    got = cf.accounts.tokens.permission_groups.get(account_id=tenant.account_id, name="DNS Read")
    assert got is not None
    assert [g.id for g in got] == ["82e64a83756745bbbb1c9c2701bf816b"]  # type: ignore[union-attr]


# -------------------------------------------------------------------- where account tokens work


def test_account_token_verifies_only_under_its_account(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, value = create_token(
        cf, settings_read(tenant.account_id), account_id=tenant.account_id
    )
    answer = get_raw(server, value, tokens_path(tenant, "/verify"))
    assert answer.json() == {
        "result": {"id": token_id, "status": "active"},
        "success": True,
        "errors": [],
        "messages": [
            {"code": 10000, "message": "This API Token is valid and active", "type": None}
        ],
    }
    error = envelope_error(get_raw(server, value, "/user/tokens/verify"), 401, 1000)
    assert error["message"] == "Invalid API Token"
    other = make_tenant(server)
    envelope_error(get_raw(server, value, f"/accounts/{other.account_id}/tokens/verify"), 401, 1000)
    with pytest.raises(cloudflare.AuthenticationError):
        sdk(server, value).user.tokens.verify()
    # A user token is not an account token either.
    envelope_error(get_raw(server, tenant.token, tokens_path(tenant, "/verify")), 401, 1000)


def test_account_token_is_refused_on_user_only_endpoints(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    _, value = create_token(cf, settings_read(tenant.account_id), account_id=tenant.account_id)
    error = envelope_error(get_raw(server, value, "/accounts"), 400, 1001)
    assert error["message"] == "List accounts endpoint does not support account owned tokens."
    for path in ("/user", "/user/tokens", "/memberships", "/user/tokens/permission_groups"):
        envelope_error(get_raw(server, value, path), 400, 1001)
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(value),
        json={"name": "x", "policies": settings_read(tenant.account_id)},
    )
    envelope_error(answer, 400, 1001)
    with pytest.raises(cloudflare.BadRequestError):
        list(sdk(server, value).accounts.list())


def test_account_token_cannot_reach_another_account(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    other = make_tenant(server)
    policies = [
        make_policy(
            "Account Settings Read",
            "Account API Tokens Write",
            resources={"com.cloudflare.api.account.*": "*"},
        )
    ]
    _, value = create_token(cf, policies, account_id=tenant.account_id)
    assert get_raw(server, value, f"/accounts/{tenant.account_id}").status_code == 200
    envelope_error(get_raw(server, value, f"/accounts/{other.account_id}"), 403, 10000)
    envelope_error(get_raw(server, value, f"/accounts/{other.account_id}/tokens"), 403, 10000)


# --------------------------------------------------------------- account tokens minting tokens


def test_account_token_with_account_api_tokens_write_creates_account_tokens(
    server: Server, tenant: Tenant
) -> None:
    writer_policies = [
        make_policy("Account API Tokens Write", resources={account_key(tenant.account_id): "*"})
    ]
    _, writer = mint_account_token(server, tenant.account_id, writer_policies)
    mine = sdk(server, writer)
    token_id, value = create_token(
        mine, settings_read(tenant.account_id), account_id=tenant.account_id
    )
    assert SECRET.fullmatch(value)
    assert token_id in {
        t.id for t in mine.accounts.tokens.list(account_id=tenant.account_id, per_page=50)
    }
    # It may grant other account groups on its own account (the account holds them all)...
    create_token(
        mine,
        [make_policy("Images Write", resources={account_key(tenant.account_id): "*"})],
        account_id=tenant.account_id,
    )
    # ...but never another account or a user.
    other = make_tenant(server)
    for policy in (
        make_policy("Account Settings Read", resources={account_key(other.account_id): "*"}),
        make_policy("User Details Read", resources={user_key(tenant.user_id): "*"}),
    ):
        answer = http.post(
            f"{server.api}{tokens_path(tenant)}",
            headers=bearer(writer),
            json={"name": "beyond", "policies": [policy]},
        )
        envelope_error(answer, 403, 10000)


def test_account_token_with_only_read_may_list_but_not_create(
    server: Server, tenant: Tenant
) -> None:
    reader_policies = [
        make_policy("Account API Tokens Read", resources={account_key(tenant.account_id): "*"})
    ]
    _, reader = mint_account_token(server, tenant.account_id, reader_policies)
    assert get_raw(server, reader, tokens_path(tenant)).status_code == 200
    answer = http.post(
        f"{server.api}{tokens_path(tenant)}",
        headers=bearer(reader),
        json={"name": "nope", "policies": settings_read(tenant.account_id)},
    )
    assert envelope_error(answer, 403, 10000)["message"] == "Authentication error"


def test_user_token_without_account_api_tokens_write_cannot_create_account_tokens(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    policies = [
        make_policy(
            "API Tokens Write",
            resources={user_key(tenant.user_id): "*"},
        ),
        make_policy("Account API Tokens Read", resources={account_key(tenant.account_id): "*"}),
    ]
    _, value = create_token(cf, policies)
    with pytest.raises(cloudflare.PermissionDeniedError):
        create_token(
            sdk(server, value), settings_read(tenant.account_id), account_id=tenant.account_id
        )


def test_member_of_another_account_cannot_create_tokens_there(
    server: Server, tenant: Tenant
) -> None:
    other = make_tenant(server)
    answer = http.post(
        f"{server.api}{tokens_path(tenant)}",
        headers=bearer(other.token),
        json={"name": "intruder", "policies": settings_read(tenant.account_id)},
    )
    envelope_error(answer, 403, 10000)


def test_account_tokens_are_listed_per_account(server: Server, tenant: Tenant) -> None:
    other = make_tenant(server)
    mint_account_token(server, other.account_id, settings_read(other.account_id))
    mine = {
        t["id"]
        for t in get_raw(server, tenant.token, tokens_path(tenant), per_page=50).json()["result"]
    }
    theirs = get_raw(server, other.token, f"/accounts/{other.account_id}/tokens").json()["result"]
    assert len(theirs) == 1
    assert theirs[0]["id"] not in mine
    envelope_error(
        get_raw(server, tenant.token, f"{tokens_path(tenant)}/{theirs[0]['id']}"), 404, 1003
    )


def test_account_token_made_by_a_user_remembers_the_creator_email(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    created = cf.accounts.tokens.create(
        account_id=tenant.account_id,
        name="made by a user",
        policies=settings_read(tenant.account_id),
    )
    assert created is not None
    assert created.creator_email_at_creation == tenant.email
    fetched = cf.accounts.tokens.get(token_id=created.id or "", account_id=tenant.account_id)
    assert fetched is not None
    assert fetched.creator_email_at_creation == tenant.email
