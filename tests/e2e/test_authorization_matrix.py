"""Every route of ``flarelite.api.routes.ROUTES`` × every kind of caller, against a real server.

Generated from the route table, so a new route is covered as soon as it is declared; it must
also get an entry in ``CALLS`` (how to call it: body, fresh path targets), or
``test_every_route_has_a_call_entry`` fails and names it.

Callers (user tokens of one tenant unless said otherwise):
  no_token      nothing at all                               → 400 9106
  unrelated     only a group of another area, same resource  → 403 10000
  read          the route area's Read group on the resource  → 2xx on reads, 403 on writes
  write         the route area's Write group                 → 2xx
  foreign       another tenant's Write token, its own account → 403 (user routes: 404 for our ids)
  denied        Write allowed, then denied by a deny policy  → 403
  account       an account-owned token of the tenant account with the Write group
                                                             → 2xx, or 400 1001 on user-only routes
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from tests.factories import (
    Tenant,
    account_key,
    all_zones_of,
    bearer,
    http,
    make_policy,
    make_tenant,
    mint_account_token,
    mint_user_token,
    user_key,
)
from tests.image_corpus import png
from tests.servers import Server

from flarelite.api.auth import On
from flarelite.api.routes import ROUTES, Route
from flarelite.tokens.catalog import PERMISSION_GROUPS, Access, Scope, find_group
from flarelite.tokens.secrets import TokenKind

pytestmark = pytest.mark.e2e

PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


# ------------------------------------------------------------------------------ the world

MEMBER_CALLERS = ("unrelated", "read", "write", "denied")


@dataclass
class World:
    """The account every call targets, its users, and a foreign tenant, on the shared server.

    ``tenant`` administers the account and sets things up. Each of the callers "unrelated",
    "read", "write" and "denied" is another Administrator of the account with tokens of its
    own, so that no single user nears the 50-token quota or spends the whole rate budget.
    """

    server: Server
    tenant: Tenant
    foreign: Tenant
    members: dict[str, Tenant] = field(default_factory=dict)
    tokens: dict[tuple[str, ...], str] = field(default_factory=dict)
    targets: dict[tuple[str, ...], str] = field(default_factory=dict)

    def member(self, caller: str) -> Tenant:
        if caller not in self.members:
            self.members[caller] = make_tenant(self.server, account_id=self.account)
        return self.members[caller]

    def subject(self, caller: str) -> Tenant:
        """Whose user-owned things a call by ``caller`` targets (the foreign caller: ours)."""
        return self.member(caller) if caller in MEMBER_CALLERS else self.tenant

    def admin(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call with the tenant's all-powerful token, for setting up targets."""
        answer = http.request(
            method, f"{self.server.api}{path}", headers=bearer(self.tenant.token), **kwargs
        )
        assert answer.is_success, f"setup {method} {path}: {answer.text}"
        result: dict[str, Any] = answer.json()["result"]
        return result

    @cached_property
    def zone(self) -> dict[str, Any]:
        return self.new_zone()

    def new_zone(self) -> dict[str, Any]:
        return self.admin(
            "POST",
            "/zones",
            json={"name": f"m{secrets.token_hex(4)}.example.com", "account": {"id": self.account}},
        )

    @property
    def account(self) -> str:
        return self.tenant.account_id


# ------------------------------------------------------------------ how to call each route

# Path values for one call, given the world and the subject (see ``World.subject``).
Params = Callable[[World, Tenant], dict[str, str]]
# Bodies are made for the calling tenant: a user-token body names the caller's own user.
Payload = Callable[[World, Tenant], Any]


@dataclass(frozen=True)
class Call:
    """How to call one route. ``params`` runs before every call (fresh targets for deletes)."""

    json: Payload | None = None
    files: Payload | None = None
    params: Params | None = None


def _user_token(fresh: bool) -> Params:
    """A token of the subject's user; made in-process, and shared unless ``fresh``."""

    def params(w: World, subject: Tenant) -> dict[str, str]:
        key = ("user token", subject.user_id)
        if fresh or key not in w.targets:
            policies = [
                make_policy("User Details Read", resources={user_key(subject.user_id): "*"})
            ]
            made = mint_user_token(w.server, subject.user_id, policies)[0]
            if fresh:  # it is about to be deleted: never share it
                return {"token_id": made}
            w.targets[key] = made
        return {"token_id": w.targets[key]}

    return params


def _account_token(fresh: bool) -> Params:
    def params(w: World, subject: Tenant) -> dict[str, str]:
        key = ("account token",)
        if fresh or key not in w.targets:
            policies = [
                make_policy("Account Settings Read", resources={account_key(w.account): "*"})
            ]
            made = mint_account_token(w.server, w.account, policies)[0]
            if fresh:
                return {"token_id": made}
            w.targets[key] = made
        return {"token_id": w.targets[key]}

    return params


def _payload(policies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": f"target-{secrets.token_hex(3)}", "policies": policies}


def _user_token_body(w: World, caller: Tenant) -> dict[str, Any]:
    resources = {user_key(caller.user_id): "*"}
    return _payload([make_policy("User Details Read", resources=resources)])


def _account_token_body(w: World, caller: Tenant) -> dict[str, Any]:
    return _payload([make_policy("Account Settings Read", resources={account_key(w.account): "*"})])


def _fresh_zone(w: World, subject: Tenant) -> dict[str, str]:
    return {"zone_id": w.new_zone()["id"]}


def _record_body(w: World, caller: Tenant | None = None) -> dict[str, Any]:
    name = f"r{secrets.token_hex(3)}.{w.zone['name']}"
    return {"type": "A", "name": name, "content": "192.0.2.10", "ttl": 3600, "proxied": False}


def _fresh_record(w: World, subject: Tenant) -> dict[str, str]:
    made = w.admin("POST", f"/zones/{w.zone['id']}/dns_records", json=_record_body(w))
    return {"dns_record_id": made["id"]}


def _zone_file(w: World, caller: Tenant) -> dict[str, Any]:
    line = f"i{secrets.token_hex(3)}.{w.zone['name']}. 3600 IN A 192.0.2.20\n"
    return {"file": ("zone.txt", line.encode(), "text/plain")}


VARIANT_OPTIONS = {"fit": "scale-down", "width": 320, "height": 240, "metadata": "none"}


def _image_file(w: World, caller: Tenant) -> dict[str, Any]:
    return {"file": ("matrix.png", png(16, 12), "image/png")}


def _fresh_image(w: World, subject: Tenant) -> dict[str, str]:
    made = w.admin("POST", f"/accounts/{w.account}/images/v1", files=_image_file(w, subject))
    return {"image_id": quote(made["id"], safe="")}


def _variant_body(w: World, caller: Tenant) -> dict[str, Any]:
    return {"id": f"m{secrets.token_hex(4)}", "options": VARIANT_OPTIONS}


def _fresh_variant(w: World, subject: Tenant) -> dict[str, str]:
    made = w.admin(
        "POST", f"/accounts/{w.account}/images/v1/variants", json=_variant_body(w, subject)
    )
    return {"variant_id": made["variant"]["id"]}


def _fresh_key_name(w: World, subject: Tenant) -> dict[str, str]:
    return {"signing_key_name": f"m{secrets.token_hex(4)}"}


def _fresh_key(w: World, subject: Tenant) -> dict[str, str]:
    name = _fresh_key_name(w, subject)
    w.admin("PUT", f"/accounts/{w.account}/images/v1/keys/{name['signing_key_name']}")
    return name


CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/user"): Call(),
    ("GET", "/memberships"): Call(),
    ("GET", "/accounts"): Call(),
    ("GET", "/accounts/{account_id}"): Call(),
    ("GET", "/accounts/{account_id}/audit_logs"): Call(),
    # user-owned tokens
    ("GET", "/user/tokens/verify"): Call(),
    ("GET", "/user/tokens/permission_groups"): Call(),
    ("GET", "/user/tokens"): Call(),
    ("POST", "/user/tokens"): Call(json=_user_token_body),
    ("GET", "/user/tokens/{token_id}"): Call(params=_user_token(fresh=False)),
    ("PUT", "/user/tokens/{token_id}"): Call(
        json=_user_token_body, params=_user_token(fresh=False)
    ),
    ("DELETE", "/user/tokens/{token_id}"): Call(params=_user_token(fresh=True)),
    ("PUT", "/user/tokens/{token_id}/value"): Call(
        json=lambda w, c: {}, params=_user_token(fresh=False)
    ),
    # account-owned tokens
    ("GET", "/accounts/{account_id}/tokens/verify"): Call(),
    ("GET", "/accounts/{account_id}/tokens/permission_groups"): Call(),
    ("GET", "/accounts/{account_id}/tokens"): Call(),
    ("POST", "/accounts/{account_id}/tokens"): Call(json=_account_token_body),
    ("GET", "/accounts/{account_id}/tokens/{token_id}"): Call(params=_account_token(False)),
    ("PUT", "/accounts/{account_id}/tokens/{token_id}"): Call(
        json=_account_token_body, params=_account_token(False)
    ),
    ("DELETE", "/accounts/{account_id}/tokens/{token_id}"): Call(params=_account_token(True)),
    ("PUT", "/accounts/{account_id}/tokens/{token_id}/value"): Call(params=_account_token(False)),
    # zones (reference zones-dns.md): used once those routes are declared
    ("GET", "/zones"): Call(),
    ("POST", "/zones"): Call(
        json=lambda w, c: {
            "name": f"n{secrets.token_hex(4)}.example.com",
            "account": {"id": w.account},
        }
    ),
    ("GET", "/zones/{zone_id}"): Call(),
    ("PATCH", "/zones/{zone_id}"): Call(json=lambda w, c: {"paused": False}),
    ("DELETE", "/zones/{zone_id}"): Call(params=_fresh_zone),
    ("PUT", "/zones/{zone_id}/activation_check"): Call(),
    # DNS records
    ("GET", "/zones/{zone_id}/dns_records"): Call(),
    ("POST", "/zones/{zone_id}/dns_records"): Call(json=_record_body),
    ("GET", "/zones/{zone_id}/dns_records/export"): Call(),
    ("POST", "/zones/{zone_id}/dns_records/import"): Call(files=_zone_file),
    ("POST", "/zones/{zone_id}/dns_records/batch"): Call(
        json=lambda w, c: {"posts": [_record_body(w)]}
    ),
    ("GET", "/zones/{zone_id}/dns_records/{dns_record_id}"): Call(params=_fresh_record),
    ("PUT", "/zones/{zone_id}/dns_records/{dns_record_id}"): Call(
        json=_record_body, params=_fresh_record
    ),
    ("PATCH", "/zones/{zone_id}/dns_records/{dns_record_id}"): Call(
        json=lambda w, c: {"comment": "matrix"}, params=_fresh_record
    ),
    ("DELETE", "/zones/{zone_id}/dns_records/{dns_record_id}"): Call(params=_fresh_record),
    # images (reference images.md §2)
    ("GET", "/accounts/{account_id}/images/v1/stats"): Call(),
    ("GET", "/accounts/{account_id}/images/v1/batch_token"): Call(),
    ("GET", "/accounts/{account_id}/images/v1/config"): Call(),
    ("PATCH", "/accounts/{account_id}/images/v1/config"): Call(
        json=lambda w, c: {"browser_ttl": 7200}
    ),
    ("GET", "/accounts/{account_id}/images/v1/variants"): Call(),
    ("POST", "/accounts/{account_id}/images/v1/variants"): Call(json=_variant_body),
    ("GET", "/accounts/{account_id}/images/v1/variants/{variant_id}"): Call(
        params=lambda w, s: {"variant_id": "public"}
    ),
    ("PATCH", "/accounts/{account_id}/images/v1/variants/{variant_id}"): Call(
        json=lambda w, c: {"options": VARIANT_OPTIONS},
        params=lambda w, s: {"variant_id": "public"},
    ),
    ("DELETE", "/accounts/{account_id}/images/v1/variants/{variant_id}"): Call(
        params=_fresh_variant
    ),
    ("GET", "/accounts/{account_id}/images/v1/keys"): Call(),
    ("PUT", "/accounts/{account_id}/images/v1/keys/{signing_key_name}"): Call(
        params=_fresh_key_name
    ),
    ("DELETE", "/accounts/{account_id}/images/v1/keys/{signing_key_name}"): Call(params=_fresh_key),
    ("POST", "/accounts/{account_id}/images/v2/direct_upload"): Call(),
    ("GET", "/accounts/{account_id}/images/v2"): Call(),
    ("POST", "/accounts/{account_id}/images/v1"): Call(files=_image_file),
    ("GET", "/accounts/{account_id}/images/v1"): Call(),
    ("GET", "/accounts/{account_id}/images/v1/{image_id:segment}/blob"): Call(params=_fresh_image),
    ("GET", "/accounts/{account_id}/images/v1/{image_id:segment}"): Call(params=_fresh_image),
    ("PATCH", "/accounts/{account_id}/images/v1/{image_id:segment}"): Call(
        json=lambda w, c: {"creator": "matrix"}, params=_fresh_image
    ),
    ("DELETE", "/accounts/{account_id}/images/v1/{image_id:segment}"): Call(params=_fresh_image),
}


# ------------------------------------------------------------------------------- callers

CALLERS = ("no_token", "unrelated", "read", "write", "foreign", "denied", "account")


def _scope(route: Route) -> Scope | None:
    on = route.need.on
    if on is On.USER:
        return Scope.USER
    if on is On.ACCOUNT:
        return Scope.ACCOUNT
    if on in (On.ZONE, getattr(On, "NEW_ZONE", On.ZONE)):
        return Scope.ZONE
    return None


def _resources(scope: Scope | None, tenant: Tenant) -> dict[str, Any]:
    if scope is Scope.USER:
        return {user_key(tenant.user_id): "*"}
    if scope is Scope.ZONE:
        return all_zones_of(tenant.account_id)
    return {account_key(tenant.account_id): "*"}


def _callers(route: Route) -> tuple[str, ...]:
    if route.need.area is None:
        return ("no_token", "unrelated", "account")
    if route.need.on is On.USER and "{token_id}" not in route.path:
        # A user token can only ever act on its own user: "foreign" has no meaning here.
        return tuple(c for c in CALLERS if c != "foreign")
    return CALLERS


def _unrelated_group(route: Route) -> str:
    scope = _scope(route) or Scope.USER
    return next(
        g.name
        for g in PERMISSION_GROUPS
        if g.scope is scope and g.area != route.need.area and g.access is Access.WRITE
    )


def _token(world: World, route: Route, caller: str) -> str | None:
    """The caller's token (made in-process, once per distinct need): spends no rate budget."""
    need = route.need
    scope = _scope(route)
    key = (caller, str(need.area), str(scope))
    if caller == "no_token":
        return None
    if key in world.tokens:
        return world.tokens[key]
    if need.area is None:
        groups = [_unrelated_group(route)]
        scope = Scope.USER
    elif caller == "unrelated":
        groups = [_unrelated_group(route)]
    elif caller == "read":
        groups = [find_group(need.area, Access.READ).name]
    else:
        groups = [find_group(need.area, Access.WRITE).name]
    if caller == "account":
        if scope is Scope.USER:  # an account token cannot hold user groups: any account group
            scope, groups = Scope.ACCOUNT, ["Account Settings Read"]
        policies = [make_policy(*groups, resources=_resources(scope, world.tenant))]
        _, value = mint_account_token(world.server, world.account, policies)
    else:
        owner = world.foreign if caller == "foreign" else world.member(caller)
        policies = [make_policy(*groups, resources=_resources(scope, owner))]
        if caller == "denied":
            assert need.area is not None
            both = [find_group(need.area, a).name for a in (Access.READ, Access.WRITE)]
            policies.append(make_policy(*both, resources=_resources(scope, owner), effect="deny"))
        _, value = mint_user_token(world.server, owner.user_id, policies)
    world.tokens[key] = value
    return value


def _expected(route: Route, caller: str) -> tuple[int, int | None]:
    """(HTTP status, first error code), or (200, None) for any 2xx success."""
    need = route.need
    if caller == "no_token":
        return 400, 9106
    kind = TokenKind.ACCOUNT if caller == "account" else TokenKind.USER
    if need.verify is not None and need.verify is not kind:
        return 401, 1000
    if need.user_tokens_only and kind is TokenKind.ACCOUNT:
        return 400, 1001
    if need.area is None:
        return 200, None
    if caller in ("unrelated", "denied"):
        return 403, 10000
    if caller == "read":
        return (200, None) if need.access is Access.READ else (403, 10000)
    if caller == "foreign":
        return (404, 1003) if need.on is On.USER else (403, 10000)
    return 200, None


# ------------------------------------------------------------------------------- the tests


@pytest.fixture(scope="session")
def world(server: Server) -> World:
    return World(server, make_tenant(server), make_tenant(server))


def _call(world: World, route: Route, caller: str, token: str | None) -> httpx.Response:
    entry = CALLS[(route.method, route.path)]
    values = {"account_id": world.account}
    names = set(PLACEHOLDER.findall(route.path))
    if "zone_id" in names:
        values["zone_id"] = world.zone["id"]
    subject = world.subject(caller)
    if entry.params is not None:
        values.update(entry.params(world, subject))
    missing = names - set(values)
    assert not missing, f"{route.method} {route.path}: CALLS gives no value for {missing}"
    path = PLACEHOLDER.sub(lambda m: values[m.group(1)], route.path)
    headers = bearer(token) if token else {}
    who = world.foreign if caller == "foreign" else subject
    return http.request(
        route.method,
        f"{world.server.api}{path}",
        headers=headers,
        json=entry.json(world, who) if entry.json else None,
        files=entry.files(world, who) if entry.files else None,
        timeout=30,
    )


# Routes without a CALLS entry get no cases here; test_every_route_has_a_call_entry names them.
CASES = [
    pytest.param(route, caller, id=f"{route.method} {route.path} {caller}")
    for route in ROUTES
    if (route.method, route.path) in CALLS
    for caller in _callers(route)
]


def test_every_route_has_a_call_entry() -> None:
    missing = [f"{r.method} {r.path}" for r in ROUTES if (r.method, r.path) not in CALLS]
    assert not missing, (
        "add an entry to CALLS in tests/e2e/test_authorization_matrix.py for: " + ", ".join(missing)
    )


@pytest.mark.parametrize(("route", "caller"), CASES)
def test_route_answers_each_caller_as_its_need_says(
    world: World, route: Route, caller: str
) -> None:
    status, code = _expected(route, caller)
    answer = _call(world, route, caller, _token(world, route, caller))
    where = f"{route.method} {route.path} as {caller}"
    if code is None:
        assert answer.is_success, f"{where}: {answer.status_code} {answer.text}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            assert answer.json()["success"] is True, where
        return
    assert answer.status_code == status, f"{where}: {answer.status_code} {answer.text}"
    body = answer.json()
    assert body["success"] is False, where
    assert body["result"] is None, where
    assert body["messages"] == [], where
    assert body["errors"][0]["code"] == code, f"{where}: {body}"
    if status == 400 and code == 1001 and route.need.user_tokens_only:
        assert body["errors"][0]["message"] == route.need.user_tokens_only
