"""When a token may be used: client-IP conditions, not_before/expires_on, disable and enable.

The server trusts X-Forwarded-For from 127.0.0.1, so a test acts as any IPv4 or IPv6 client
by sending that header (through the SDK's ``default_headers`` or plain httpx).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import cloudflare
import httpx
import pytest
from tests.factories import (
    Tenant,
    bearer,
    create_token,
    envelope_error,
    http,
    make_policy,
    make_tenant,
    user_key,
)
from tests.servers import Server, running_server, sdk

pytestmark = pytest.mark.e2e

LOCATION = "Cannot use the access token from location: {}"


@pytest.fixture(scope="session")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FLARELITE_TRUSTED_PROXIES": "127.0.0.1/32"}
    with running_server(tmp_path_factory.mktemp("proxied"), env=env) as started:
        yield started


@pytest.fixture(scope="session")
def tenant(proxied: Server) -> Tenant:
    return make_tenant(proxied)


@pytest.fixture(scope="session")
def cf(proxied: Server, tenant: Tenant) -> cloudflare.Cloudflare:
    # The tenant's own token is unrestricted: it works from any address.
    return sdk(proxied, tenant.token, default_headers={"X-Forwarded-For": "192.0.2.200"})


def details_read(user_id: str) -> list[dict[str, Any]]:
    return [make_policy("User Details Read", resources={user_key(user_id): "*"})]


def call(server: Server, token: str, path: str, client: str | None = None) -> httpx.Response:
    headers = bearer(token)
    if client is not None:
        headers["X-Forwarded-For"] = client
    return http.get(f"{server.api}{path}", headers=headers)


def assert_refused_from(server: Server, token: str, client: str, shown: str | None = None) -> None:
    for path in ("/user/tokens/verify", "/user"):
        error = envelope_error(call(server, token, path, client), 403, 9109)
        assert error["message"] == LOCATION.format(shown or client)


def assert_allowed_from(server: Server, token: str, client: str) -> None:
    for path in ("/user/tokens/verify", "/user"):
        answer = call(server, token, path, client)
        assert answer.status_code == 200, (client, answer.text)


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------ client IP


def test_sdk_request_ip_condition_allows_in_and_refuses_not_in(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    condition = {"request_ip": {"in": ["198.51.100.0/24"], "not_in": ["198.51.100.7/32"]}}
    token_id, value = create_token(cf, details_read(tenant.user_id), condition=condition)
    token = cf.user.tokens.get(token_id)
    assert token is not None
    assert token.condition is not None
    assert token.condition.request_ip is not None
    assert token.condition.request_ip.in_ == ["198.51.100.0/24"]
    assert token.condition.request_ip.not_in == ["198.51.100.7/32"]
    assert_allowed_from(proxied, value, "198.51.100.5")
    assert_refused_from(proxied, value, "198.51.100.7")
    assert_refused_from(proxied, value, "203.0.113.9")
    # Without the header the server sees the loopback peer itself.
    error = envelope_error(call(proxied, value, "/user"), 403, 9109)
    assert error["message"] == LOCATION.format("127.0.0.1")


def test_sdk_client_from_a_refused_address_gets_permission_denied(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    condition = {"request_ip": {"in": ["198.51.100.0/24"]}}
    _, value = create_token(cf, details_read(tenant.user_id), condition=condition)
    inside = sdk(proxied, value, default_headers={"X-Forwarded-For": "198.51.100.77"})
    user = inside.user.get()
    assert user is not None
    assert user.id == tenant.user_id
    outside = sdk(proxied, value, default_headers={"X-Forwarded-For": "192.0.2.1"})
    with pytest.raises(cloudflare.PermissionDeniedError) as refused:
        outside.user.get()
    assert refused.value.status_code == 403
    # extra_headers per call acts the same.
    with pytest.raises(cloudflare.PermissionDeniedError):
        inside.user.get(extra_headers={"X-Forwarded-For": "192.0.2.2"})


def test_legacy_request_dot_ip_key_is_accepted_and_request_ip_emitted(
    proxied: Server, tenant: Tenant
) -> None:
    answer = http.post(
        f"{proxied.api}/user/tokens",
        headers=bearer(tenant.token),
        json={
            "name": "legacy key",
            "policies": details_read(tenant.user_id),
            "condition": {"request.ip": {"in": ["203.0.113.0/24"], "not_in": ["203.0.113.9/32"]}},
        },
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()["result"]
    expected = {"request_ip": {"in": ["203.0.113.0/24"], "not_in": ["203.0.113.9/32"]}}
    assert made["condition"] == expected
    fetched = call(proxied, tenant.token, f"/user/tokens/{made['id']}").json()["result"]
    assert fetched["condition"] == expected
    assert_allowed_from(proxied, made["value"], "203.0.113.10")
    assert_refused_from(proxied, made["value"], "203.0.113.9")
    assert_refused_from(proxied, made["value"], "198.51.100.1")


def test_ipv6_ranges_allow_and_refuse_ipv6_clients(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    condition = {
        "request_ip": {"in": ["2001:db8::/32", "198.51.100.0/24"], "not_in": ["2001:db8:bad::/48"]}
    }
    _, value = create_token(cf, details_read(tenant.user_id), condition=condition)
    assert_allowed_from(proxied, value, "2001:db8::1")
    assert_allowed_from(proxied, value, "198.51.100.9")
    assert_refused_from(proxied, value, "2001:db8:bad::1")
    assert_refused_from(proxied, value, "2001:db9::1")
    assert_refused_from(proxied, value, "192.0.2.1")


def test_not_in_alone_refuses_only_its_ranges(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    condition = {"request_ip": {"not_in": ["203.0.113.0/24", "2001:db8::/32"]}}
    _, value = create_token(cf, details_read(tenant.user_id), condition=condition)
    assert_refused_from(proxied, value, "203.0.113.5")
    assert_refused_from(proxied, value, "2001:db8::5")
    assert_allowed_from(proxied, value, "198.51.100.1")
    assert_allowed_from(proxied, value, "2001:db9::1")


@pytest.mark.parametrize(
    "condition",
    [{}, {"request_ip": {}}, {"request_ip": {"in": [], "not_in": []}}, {"request.ip": {"in": []}}],
)
def test_empty_condition_does_not_lock_the_token(
    proxied: Server, tenant: Tenant, condition: dict[str, Any]
) -> None:
    answer = http.post(
        f"{proxied.api}/user/tokens",
        headers=bearer(tenant.token),
        json={"name": "open", "policies": details_read(tenant.user_id), "condition": condition},
    )
    assert answer.status_code == 200, answer.text
    made = answer.json()["result"]
    assert "condition" not in made
    for client in ("192.0.2.1", "2001:db8::1", None):
        assert call(proxied, made["value"], "/user", client).status_code == 200


def test_put_without_condition_lifts_the_ip_restriction(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    condition = {"request_ip": {"in": ["198.51.100.0/24"]}}
    token_id, value = create_token(cf, details_read(tenant.user_id), condition=condition)
    assert_refused_from(proxied, value, "192.0.2.1")
    updated = cf.user.tokens.update(token_id, name="lifted", policies=details_read(tenant.user_id))  # type: ignore[arg-type]
    assert updated is not None
    assert updated.condition is None
    assert_allowed_from(proxied, value, "192.0.2.1")
    # And putting one back restricts it again at once.
    cf.user.tokens.update(
        token_id,
        name="again",
        policies=details_read(tenant.user_id),
        condition=condition,  # type: ignore[arg-type]
    )
    assert_refused_from(proxied, value, "192.0.2.1")


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    server: Server, proxied: Server, tenant: Tenant
) -> None:
    # The shared server trusts no proxy: the header cannot buy a restricted token a new address.
    owner = make_tenant(server)
    condition = {"request_ip": {"in": ["198.51.100.0/24"]}}
    _, value = create_token(
        sdk(server, owner.token), details_read(owner.user_id), condition=condition
    )
    error = envelope_error(call(server, value, "/user", "198.51.100.1"), 403, 9109)
    assert error["message"] == LOCATION.format("127.0.0.1")


@pytest.mark.parametrize(
    "condition",
    [
        {"request_ip": {"in": ["300.1.1.1/32"]}},
        {"request_ip": {"in": "198.51.100.0/24"}},
        {"request_ip": {"only": ["198.51.100.0/24"]}},
        {"client_ip": {"in": ["198.51.100.0/24"]}},
    ],
)
def test_malformed_conditions_are_refused_naming_the_field(
    proxied: Server, tenant: Tenant, condition: dict[str, Any]
) -> None:
    answer = http.post(
        f"{proxied.api}/user/tokens",
        headers=bearer(tenant.token),
        json={"name": "bad", "policies": details_read(tenant.user_id), "condition": condition},
    )
    assert "condition" in envelope_error(answer, 400, 1001)["message"]


# ------------------------------------------------------------------------------------ time


def test_not_before_in_the_future_is_refused(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    token_id, value = create_token(cf, details_read(tenant.user_id), not_before=rfc3339(later))
    envelope_error(call(proxied, value, "/user/tokens/verify"), 401, 1000)
    assert envelope_error(call(proxied, value, "/user"), 403, 9109)["message"] == (
        "Invalid access token"
    )
    token = cf.user.tokens.get(token_id)
    assert token is not None
    assert token.not_before is not None
    assert rfc3339(token.not_before) == rfc3339(later)


def test_expires_on_in_the_past_shows_expired_and_is_refused(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    earlier = datetime.now(UTC) - timedelta(minutes=1)
    token_id, value = create_token(cf, details_read(tenant.user_id), expires_on=rfc3339(earlier))
    fetched = call(proxied, tenant.token, f"/user/tokens/{token_id}").json()["result"]
    assert fetched["status"] == "expired"
    assert fetched["expires_on"] == rfc3339(earlier)
    listed = {t.id: t.status for t in cf.user.tokens.list(per_page=50)}
    assert listed[token_id] == "expired"
    with pytest.raises(cloudflare.AuthenticationError):
        sdk(proxied, value).user.tokens.verify()
    envelope_error(call(proxied, value, "/user"), 403, 9109)


def test_verify_shows_not_before_and_expires_on_of_a_live_token(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    end = datetime.now(UTC) + timedelta(days=30)
    token_id, value = create_token(
        cf, details_read(tenant.user_id), not_before=rfc3339(start), expires_on=rfc3339(end)
    )
    answer = call(proxied, value, "/user/tokens/verify")
    assert answer.json() == {
        "result": {
            "id": token_id,
            "status": "active",
            "not_before": rfc3339(start),
            "expires_on": rfc3339(end),
        },
        "success": True,
        "errors": [],
        "messages": [
            {"code": 10000, "message": "This API Token is valid and active", "type": None}
        ],
    }
    verified = sdk(proxied, value).user.tokens.verify()
    assert verified is not None
    assert verified.expires_on is not None
    assert rfc3339(verified.expires_on) == rfc3339(end)


def test_expires_on_before_not_before_is_refused(proxied: Server, tenant: Tenant) -> None:
    answer = http.post(
        f"{proxied.api}/user/tokens",
        headers=bearer(tenant.token),
        json={
            "name": "backwards",
            "policies": details_read(tenant.user_id),
            "not_before": "2030-01-02T00:00:00Z",
            "expires_on": "2030-01-01T00:00:00Z",
        },
    )
    assert "expires_on" in envelope_error(answer, 400, 1001)["message"]


# -------------------------------------------------------------------------- disable, enable


def test_disable_refuses_at_once_and_enable_restores_at_once(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    policies = details_read(tenant.user_id)
    token_id, value = create_token(cf, policies, name="switch")
    mine = sdk(proxied, value)
    assert mine.user.get() is not None  # the server now holds this principal in its cache
    disabled = cf.user.tokens.update(token_id, name="switch", policies=policies, status="disabled")  # type: ignore[arg-type]
    assert disabled is not None
    assert disabled.status == "disabled"
    with pytest.raises(cloudflare.AuthenticationError):
        mine.user.tokens.verify()
    with pytest.raises(cloudflare.PermissionDeniedError):
        mine.user.get()
    assert envelope_error(call(proxied, value, "/user"), 403, 9109)["message"] == (
        "Invalid access token"
    )
    listed = {t.id: t.status for t in cf.user.tokens.list(per_page=50)}
    assert listed[token_id] == "disabled"
    enabled = cf.user.tokens.update(token_id, name="switch", policies=policies, status="active")  # type: ignore[arg-type]
    assert enabled is not None
    assert enabled.status == "active"
    user = mine.user.get()
    assert user is not None
    assert user.id == tenant.user_id


def test_put_without_status_keeps_a_disabled_token_disabled(
    proxied: Server, tenant: Tenant, cf: cloudflare.Cloudflare
) -> None:
    policies = details_read(tenant.user_id)
    token_id, value = create_token(cf, policies)
    cf.user.tokens.update(token_id, name="off", policies=policies, status="disabled")  # type: ignore[arg-type]
    renamed = cf.user.tokens.update(token_id, name="renamed", policies=policies)  # type: ignore[arg-type]
    assert renamed is not None
    assert renamed.status == "disabled"
    envelope_error(call(proxied, value, "/user"), 403, 9109)
