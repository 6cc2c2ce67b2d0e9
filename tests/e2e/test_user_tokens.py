"""User-owned API tokens (U1–U8) end to end: the official SDK, and httpx for exact envelopes.

Each test works as a user of its own (``make_tenant``), so the shared server's state and the
init user's rate-limit budget are left alone.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
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
    user_key,
)
from tests.servers import Server, sdk

from flarelite.identity.models import Role

pytestmark = pytest.mark.e2e

SECRET = re.compile(r"cfut_[A-Za-z0-9]{40}[0-9a-f]{8}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="session")
def tenant(server: Server) -> Tenant:
    return make_tenant(server)


@pytest.fixture(scope="session")
def cf(server: Server, tenant: Tenant) -> cloudflare.Cloudflare:
    return sdk(server, tenant.token)


def details_read(user_id: str) -> list[dict[str, Any]]:
    return [make_policy("User Details Read", resources={user_key(user_id): "*"})]


def get_raw(server: Server, token: str, path: str, **params: Any) -> httpx.Response:
    return http.get(f"{server.api}{path}", headers=bearer(token), params=params)


# --------------------------------------------------------------------------- create, get, list


def test_create_answers_the_token_with_its_value_once(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(tenant.token),
        json={
            "name": "reader",
            "policies": [
                {
                    "effect": "allow",
                    "resources": {user_key(tenant.user_id): "*"},
                    # The docs' curl examples also send a name, and meta may be any object.
                    "permission_groups": [
                        {
                            "id": GROUP_IDS["User Details Read"],
                            "name": "ignored",
                            "meta": {"key": "k", "value": "v"},
                        }
                    ],
                }
            ],
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["success"] is True
    assert body["errors"] == []
    assert body["messages"] == []
    made = body["result"]
    assert SECRET.fullmatch(made["value"])
    assert re.fullmatch(r"[0-9a-f]{32}", made["id"])
    assert made["name"] == "reader"
    assert made["status"] == "active"
    assert TIMESTAMP.fullmatch(made["issued_on"])
    assert TIMESTAMP.fullmatch(made["modified_on"])
    # Unset optional fields are left out, never sent as null or "" (reference tokens.md §2.2).
    for absent in ("condition", "not_before", "expires_on", "last_used_on"):
        assert absent not in made
    [policy] = made["policies"]
    assert re.fullmatch(r"[0-9a-f]{32}", policy["id"])
    assert policy["effect"] == "allow"
    assert policy["resources"] == {user_key(tenant.user_id): "*"}
    assert policy["permission_groups"] == [
        {"id": GROUP_IDS["User Details Read"], "name": "User Details Read"}
    ]

    fetched = get_raw(server, tenant.token, f"/user/tokens/{made['id']}").json()["result"]
    assert "value" not in fetched
    assert fetched == {k: v for k, v in made.items() if k != "value"}
    listed = get_raw(server, tenant.token, "/user/tokens", per_page=50).json()["result"]
    assert all("value" not in item for item in listed)
    assert made["id"] in {item["id"] for item in listed}
    # The SDK reads the same token back, policies and all.
    token = cf.user.tokens.get(made["id"])
    assert token is not None
    assert token.policies is not None
    assert token.policies[0].permission_groups[0].id == GROUP_IDS["User Details Read"]


def test_created_token_works_within_its_policies(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, value = create_token(cf, details_read(tenant.user_id))
    mine = sdk(server, value)
    verified = mine.user.tokens.verify()
    assert verified is not None
    assert verified.id == token_id
    assert verified.status == "active"
    user = mine.user.get()
    assert user is not None
    assert user.id == tenant.user_id
    with pytest.raises(cloudflare.PermissionDeniedError):
        mine.user.tokens.list()  # needs API Tokens Read
    with pytest.raises(cloudflare.PermissionDeniedError):
        mine.accounts.get(account_id=tenant.account_id)


def test_get_of_an_unknown_token_is_a_404_envelope(server: Server, tenant: Tenant) -> None:
    answer = get_raw(server, tenant.token, "/user/tokens/" + "0" * 32)
    assert envelope_error(answer, 404, 1003)["message"] == "Token not found"


def test_tokens_of_another_user_are_invisible(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, _ = create_token(cf, details_read(tenant.user_id))
    other = make_tenant(server)
    envelope_error(get_raw(server, other.token, f"/user/tokens/{token_id}"), 404, 1003)
    listed = get_raw(server, other.token, "/user/tokens").json()["result"]
    assert [item["id"] for item in listed] == [other.token_id]
    with pytest.raises(cloudflare.NotFoundError):
        sdk(server, other.token).user.tokens.delete(token_id)


# ---------------------------------------------------------------------------------- update


def test_update_replaces_the_token_and_ignores_read_only_fields(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, value = create_token(
        cf,
        details_read(tenant.user_id),
        name="before",
        condition={"request_ip": {"in": ["127.0.0.1/32"]}},
        expires_on="2099-01-01T00:00:00Z",
    )
    before = get_raw(server, tenant.token, f"/user/tokens/{token_id}").json()["result"]
    sent_back = {
        **{k: v for k, v in before.items() if k not in ("condition", "expires_on")},
        "name": "after",
        "id": "f" * 32,  # read-only: ignored
        "issued_on": "2001-01-01T00:00:00Z",
        "modified_on": "2001-01-01T00:00:00Z",
        "last_used_on": "2001-01-01T00:00:00Z",
    }
    answer = http.put(
        f"{server.api}/user/tokens/{token_id}", headers=bearer(tenant.token), json=sent_back
    )
    assert answer.status_code == 200, answer.text
    after = answer.json()["result"]
    assert after["id"] == token_id
    assert after["name"] == "after"
    assert after["issued_on"] == before["issued_on"]
    assert after["modified_on"] >= before["modified_on"]
    assert "value" not in after
    # PUT replaces: what was left out is gone.
    assert "condition" not in after
    assert "expires_on" not in after
    assert [p["permission_groups"] for p in after["policies"]] == [
        p["permission_groups"] for p in before["policies"]
    ]
    assert after["policies"][0]["resources"] == before["policies"][0]["resources"]
    # The secret is unchanged by an update.
    verified = sdk(server, value).user.tokens.verify()
    assert verified is not None
    assert verified.id == token_id


def test_sdk_update_changes_name_and_policies(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, value = create_token(cf, details_read(tenant.user_id))
    updated = cf.user.tokens.update(
        token_id,
        name="memberships reader",
        policies=[make_policy("Memberships Read", resources={user_key(tenant.user_id): "*"})],  # type: ignore[list-item]
    )
    assert updated is not None
    assert updated.name == "memberships reader"
    assert updated.policies is not None
    assert [g.id for g in updated.policies[0].permission_groups] == [GROUP_IDS["Memberships Read"]]
    mine = sdk(server, value)
    assert list(mine.memberships.list())
    with pytest.raises(cloudflare.PermissionDeniedError):
        mine.user.get()  # the old policy is gone at once


def test_update_without_policies_is_a_400_naming_policies(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, _ = create_token(cf, details_read(tenant.user_id))
    answer = http.put(
        f"{server.api}/user/tokens/{token_id}",
        headers=bearer(tenant.token),
        json={"name": "no policies"},
    )
    assert "policies" in envelope_error(answer, 400, 1001)["message"]


# ------------------------------------------------------------------------- roll and delete


def test_sdk_roll_returns_a_new_secret_and_the_old_one_stops_at_once(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, old = create_token(cf, details_read(tenant.user_id))
    before = cf.user.tokens.get(token_id)
    assert sdk(server, old).user.tokens.verify() is not None  # cached by the server now
    new = cf.user.tokens.value.update(token_id)  # sends no body at all
    assert isinstance(new, str)
    assert SECRET.fullmatch(new)
    assert new != old
    with pytest.raises(cloudflare.AuthenticationError):
        sdk(server, old).user.tokens.verify()
    verified = sdk(server, new).user.tokens.verify()
    assert verified is not None
    assert verified.id == token_id
    after = cf.user.tokens.get(token_id)
    assert before is not None
    assert after is not None
    assert after.policies == before.policies
    assert after.name == before.name


@pytest.mark.parametrize("body", [{}, {"junk": [1, {"x": None}], "value": "mine"}])
def test_roll_accepts_any_json_object_as_body(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare, body: dict[str, Any]
) -> None:
    token_id, old = create_token(cf, details_read(tenant.user_id))
    answer = http.put(
        f"{server.api}/user/tokens/{token_id}/value", headers=bearer(tenant.token), json=body
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    envelope = answer.json()
    assert envelope["success"] is True
    new = envelope["result"]
    assert isinstance(new, str)
    assert SECRET.fullmatch(new)
    assert new != body.get("value")
    envelope_error(get_raw(server, old, "/user/tokens/verify"), 401, 1000)
    assert get_raw(server, new, "/user/tokens/verify").status_code == 200


def test_delete_answers_the_id_and_the_token_stops_working(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, value = create_token(cf, details_read(tenant.user_id))
    assert sdk(server, value).user.get() is not None  # cached by the server now
    answer = http.delete(f"{server.api}/user/tokens/{token_id}", headers=bearer(tenant.token))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "result": {"id": token_id},
        "success": True,
        "errors": [],
        "messages": [],
    }
    error = envelope_error(get_raw(server, value, "/user/tokens/verify"), 401, 1000)
    assert error["message"] == "Invalid API Token"
    error = envelope_error(get_raw(server, value, "/user"), 403, 9109)
    assert error["message"] == "Invalid access token"
    with pytest.raises(cloudflare.NotFoundError):
        cf.user.tokens.get(token_id)
    with pytest.raises(cloudflare.NotFoundError):
        cf.user.tokens.delete(token_id)


def test_sdk_delete_returns_the_id(tenant: Tenant, cf: cloudflare.Cloudflare) -> None:
    token_id, _ = create_token(cf, details_read(tenant.user_id))
    deleted = cf.user.tokens.delete(token_id)
    assert deleted is not None
    assert deleted.id == token_id


# ----------------------------------------------------------------------------------- paging


def test_sdk_auto_pagination_walks_every_page_to_the_empty_one(server: Server) -> None:
    owner = make_tenant(server)
    cf = sdk(server, owner.token)
    made = {owner.token_id} | {create_token(cf, details_read(owner.user_id))[0] for _ in range(11)}
    seen = [token.id for token in cf.user.tokens.list(per_page=5)]
    assert len(seen) == 12
    assert set(seen) == made
    first = cf.user.tokens.list(per_page=5)
    assert first.result_info is not None
    assert (first.result_info.total_count, first.result_info.count) == (12, 5)
    descending = [token.id for token in cf.user.tokens.list(per_page=50, direction="desc")]
    assert descending == list(reversed([t.id for t in cf.user.tokens.list(per_page=50)]))


def test_page_past_the_end_is_an_empty_result(server: Server, tenant: Tenant) -> None:
    answer = get_raw(server, tenant.token, "/user/tokens", page=999, per_page=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True
    assert body["result"] == []
    assert body["result_info"]["page"] == 999
    assert body["result_info"]["per_page"] == 5
    assert body["result_info"]["count"] == 0


@pytest.mark.parametrize("per_page", [4, 51, 0])
def test_per_page_outside_5_to_50_is_a_400_naming_per_page(
    server: Server, tenant: Tenant, per_page: int
) -> None:
    answer = get_raw(server, tenant.token, "/user/tokens", per_page=per_page)
    assert "per_page" in envelope_error(answer, 400, 1001)["message"]


@pytest.mark.parametrize("per_page", [5, 50])
def test_per_page_bounds_themselves_are_accepted(
    server: Server, tenant: Tenant, per_page: int
) -> None:
    answer = get_raw(server, tenant.token, "/user/tokens", per_page=per_page)
    assert answer.status_code == 200
    assert answer.json()["result_info"]["per_page"] == per_page


# ------------------------------------------------------------------------ permission groups


def test_permission_groups_list_every_group_and_filter_by_name_and_scope(
    cf: cloudflare.Cloudflare,
) -> None:
    every = list(cf.user.tokens.permission_groups.list())
    assert {g.id for g in every} >= set(GROUP_IDS.values())
    [write] = list(cf.user.tokens.permission_groups.list(name="API Tokens Write"))
    assert write.id == "686d18d5ac6c441c867cbf6771e58a0a"
    assert write.scopes == ["com.cloudflare.api.user"]
    user_scoped = list(cf.user.tokens.permission_groups.list(scope="com.cloudflare.api.user"))
    assert user_scoped
    assert all(g.scopes == ["com.cloudflare.api.user"] for g in user_scoped)
    assert len(user_scoped) < len(every)
    both = list(
        cf.user.tokens.permission_groups.list(
            name="Account Settings Read", scope="com.cloudflare.api.account"
        )
    )
    assert [g.id for g in both] == ["c1fde68c7bcc44588cbb6ddbc16d6480"]
    assert list(cf.user.tokens.permission_groups.list(name="No Such Group")) == []
    assert (
        list(
            cf.user.tokens.permission_groups.list(
                name="API Tokens Write", scope="com.cloudflare.api.account"
            )
        )
        == []
    )


def test_permission_group_items_have_the_wire_fields(server: Server, tenant: Tenant) -> None:
    answer = get_raw(server, tenant.token, "/user/tokens/permission_groups", name="DNS Write")
    assert answer.status_code == 200
    [item] = answer.json()["result"]
    assert item["id"] == "4755a26eedb94da69e1066d98aa820be"
    assert item["name"] == "DNS Write"
    assert item["scopes"] == ["com.cloudflare.api.account.zone"]
    assert item["category"] == "dns_and_zones"
    assert item["is_selectable"] is True
    assert isinstance(item["description"], str)


# ---------------------------------------------------------------------------- input limits


def test_name_of_120_characters_is_accepted_and_121_refused_naming_name(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token_id, _ = create_token(cf, details_read(tenant.user_id), name="n" * 120)
    token = cf.user.tokens.get(token_id)
    assert token is not None
    assert token.name == "n" * 120
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(tenant.token),
        json={"name": "n" * 121, "policies": details_read(tenant.user_id)},
    )
    error = envelope_error(answer, 400, 1001)
    assert error["message"].startswith("name")
    assert error["source"] == {"pointer": "name"}
    with pytest.raises(cloudflare.BadRequestError):
        create_token(cf, details_read(tenant.user_id), name="n" * 5000)


def test_policy_id_on_create_is_refused_with_cloudflares_text(
    server: Server, tenant: Tenant
) -> None:
    policy = {**details_read(tenant.user_id)[0], "id": "f267e341f3dd4697bd3b9f71dd96247f"}
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(tenant.token),
        json={"name": "reuse", "policies": [policy]},
    )
    error = envelope_error(answer, 400, 1001)
    assert error["message"] == "Reusing existing policies is not supported by token creation"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "policies"),
        ({"name": "x", "policies": []}, "policies"),
        ({"policies": "USER"}, "name"),
        ({"name": "x", "policies": "USER", "not_before": "tomorrow"}, "not_before"),
        ({"name": "x", "policies": "USER", "condition": {"request_ip": {"in": ["nope"]}}}, "in"),
        (
            {
                "name": "x",
                "policies": [{"effect": "allow", "resources": {}, "permission_groups": []}],
            },
            "policies",
        ),
    ],
)
def test_invalid_create_payloads_are_400_envelopes_naming_the_field(
    server: Server, tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    if body.get("policies") == "USER":
        body = {**body, "policies": details_read(tenant.user_id)}
    answer = http.post(f"{server.api}/user/tokens", headers=bearer(tenant.token), json=body)
    assert field in envelope_error(answer, 400, 1001)["message"]


def test_unknown_permission_group_is_refused(server: Server, tenant: Tenant) -> None:
    policy = make_policy("User Details Read", resources={user_key(tenant.user_id): "*"})
    policy["permission_groups"] = [{"id": "0" * 32}]
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(tenant.token),
        json={"name": "unknown group", "policies": [policy]},
    )
    assert "permission_groups[0].id" in envelope_error(answer, 400, 1001)["message"]


def test_the_51st_user_token_is_refused_and_a_deleted_one_frees_a_place(server: Server) -> None:
    owner = make_tenant(server)  # its own token is the first of 50
    cf = sdk(server, owner.token)
    policies = details_read(owner.user_id)
    made = [create_token(cf, policies)[0] for _ in range(49)]
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(owner.token),
        json={"name": "one too many", "policies": policies},
    )
    error = envelope_error(answer, 400, 1001)
    assert "50" in error["message"]
    assert answer.headers["x-should-retry"] == "false"
    listed = cf.user.tokens.list(per_page=50)
    assert listed.result_info is not None
    assert listed.result_info.total_count == 50
    cf.user.tokens.delete(made[0])
    create_token(cf, policies)


# ------------------------------------------------------------------------------ escalation


def test_read_only_member_cannot_mint_write_tokens(server: Server, tenant: Tenant) -> None:
    reader = make_tenant(
        server,
        account_id=tenant.account_id,
        role=Role.READ_ONLY,
        policies=lambda user_id, account_id: [
            make_policy("API Tokens Write", resources={user_key(user_id): "*"}),
            make_policy("Account Settings Read", resources={account_key(account_id): "*"}),
        ],
    )
    cf = sdk(server, reader.token)
    on_account = {account_key(tenant.account_id): "*"}
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(reader.token),
        json={
            "name": "write",
            "policies": [make_policy("Account Settings Write", resources=on_account)],
        },
    )
    error = envelope_error(answer, 403, 10000)
    assert "Account Settings Write" in error["message"]
    for resources in ({"com.cloudflare.api.account.*": "*"}, on_account):
        with pytest.raises(cloudflare.PermissionDeniedError):
            create_token(cf, [make_policy("Account API Tokens Write", resources=resources)])
    # Read on the same account is within the member's role.
    _, value = create_token(cf, [make_policy("Account Settings Read", resources=on_account)])
    account = sdk(server, value).accounts.get(account_id=tenant.account_id)
    assert account is not None
    assert account.id == tenant.account_id


def test_a_token_cannot_name_another_user_or_a_foreign_account(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    other = make_tenant(server)
    for policy in (
        make_policy("User Details Read", resources={user_key(other.user_id): "*"}),
        make_policy("Account Settings Read", resources={account_key(other.account_id): "*"}),
        make_policy("DNS Read", resources={f"com.cloudflare.api.account.zone.{'a' * 32}": "*"}),
    ):
        answer = http.post(
            f"{server.api}/user/tokens",
            headers=bearer(tenant.token),
            json={"name": "foreign", "policies": [policy]},
        )
        envelope_error(answer, 403, 10000)
    with pytest.raises(cloudflare.BadRequestError):
        create_token(
            cf, [make_policy("User Details Read", resources={"com.cloudflare.api.user.*": "*"})]
        )


def test_a_caller_without_api_tokens_write_cannot_create(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    _, reader = create_token(
        cf, [make_policy("API Tokens Read", resources={user_key(tenant.user_id): "*"})]
    )
    answer = http.post(
        f"{server.api}/user/tokens",
        headers=bearer(reader),
        json={"name": "nope", "policies": details_read(tenant.user_id)},
    )
    assert envelope_error(answer, 403, 10000)["message"] == "Authentication error"
    assert list(sdk(server, reader).user.tokens.list())


# ----------------------------------------------------------------------------- no leaked secrets


def test_the_server_log_holds_none_of_the_secrets_of_a_lifecycle(
    server: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    secrets_made = [tenant.token]
    token_id, value = create_token(cf, details_read(tenant.user_id), name="leak check")
    secrets_made.append(value)
    assert sdk(server, value).user.tokens.verify() is not None
    rolled = cf.user.tokens.value.update(token_id)
    secrets_made.append(rolled)
    cf.user.tokens.update(token_id, name="leak check 2", policies=details_read(tenant.user_id))  # type: ignore[arg-type]
    with pytest.raises(cloudflare.AuthenticationError):
        sdk(server, value).user.tokens.verify()
    # Secrets where they do not belong: in the path, the query and a bad-checksum bearer.
    get_raw(server, rolled, f"/user/tokens/{rolled}", secret=rolled)
    http.get(f"{server.api}/user/tokens/verify", headers=bearer(rolled[:-1] + "0"))
    cf.user.tokens.delete(token_id)
    marker = f"/client/v4/user/tokens/{token_id}"
    deadline = time.monotonic() + 5
    while marker not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log_text()
    assert marker in log  # the access log is live, so the check below means something
    for secret in secrets_made:
        assert secret not in log
        assert secret[5:45] not in log  # not even the random body
    assert not SECRET.search(log)


def test_sdk_parses_issued_and_modified_as_datetimes(
    tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    token = cf.user.tokens.get(tenant.token_id)
    assert token is not None
    assert isinstance(token.issued_on, datetime)
    assert isinstance(token.modified_on, datetime)
    assert token.issued_on.tzinfo is not None
