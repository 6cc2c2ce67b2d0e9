"""Test factories: permission groups by name, policies, tokens and tenants (user + account).

``make_tenant`` and the ``mint_*`` helpers work in-process on a running server's own database
through ``flarelite.services.build`` (the same real database; no HTTP, so they spend none of
the server's rate-limit budget). ``create_token`` goes through the official SDK.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import cloudflare
import httpx

from flarelite.config import Settings
from flarelite.identity.models import Role
from flarelite.services import Services, build
from flarelite.tokens.catalog import PERMISSION_GROUPS, Scope
from flarelite.tokens.secrets import TokenKind
from flarelite.tokens.service import TokenOwner
from tests.servers import Server

GROUP_IDS: dict[str, str] = {g.name: g.id for g in PERMISSION_GROUPS}
T = TypeVar("T")

# One keep-alive client for raw calls: a new httpx client per request costs ~20 ms (TLS context
# and connection set-up), which the hundreds of raw calls of the e2e suite would add up.
http = httpx.Client(timeout=30.0)


def user_key(user_id: str) -> str:
    return f"com.cloudflare.api.user.{user_id}"


def account_key(account_id: str) -> str:
    return f"com.cloudflare.api.account.{account_id}"


def all_zones_of(account_id: str) -> dict[str, dict[str, str]]:
    """The nested resource form: every zone of one account (reference tokens.md §4)."""
    return {account_key(account_id): {"com.cloudflare.api.account.zone.*": "*"}}


def make_policy(
    *group_names: str, resources: Mapping[str, Any], effect: str = "allow"
) -> dict[str, Any]:
    """One policy in the create-payload shape (no ``id``), groups given by API name."""
    return {
        "effect": effect,
        "resources": dict(resources),
        "permission_groups": [{"id": GROUP_IDS[name]} for name in group_names],
    }


def everything(user_id: str, account_id: str) -> list[dict[str, Any]]:
    """Every group on the user, the account and the account's zones (what `init` grants)."""

    def names(scope: Scope) -> list[str]:
        return [g.name for g in PERMISSION_GROUPS if g.scope is scope]

    return [
        make_policy(*names(Scope.USER), resources={user_key(user_id): "*"}),
        make_policy(*names(Scope.ACCOUNT), resources={account_key(account_id): "*"}),
        make_policy(*names(Scope.ZONE), resources=all_zones_of(account_id)),
    ]


def create_token(
    cf: cloudflare.Cloudflare,
    policies: Iterable[Mapping[str, Any]],
    *,
    name: str | None = None,
    account_id: str | None = None,
    **fields: Any,
) -> tuple[str, str]:
    """Create a user token (or an account token with ``account_id``) via the SDK: (id, value)."""
    name = name or f"test-{secrets.token_hex(4)}"
    if account_id is None:
        made: Any = cf.user.tokens.create(name=name, policies=list(policies), **fields)  # type: ignore[arg-type]
    else:
        made = cf.accounts.tokens.create(
            account_id=account_id,
            name=name,
            policies=list(policies),  # type: ignore[arg-type]
            **fields,
        )
    assert made is not None
    assert made.id
    assert made.value
    return made.id, made.value


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def envelope_error(answer: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """Assert Cloudflare's failure envelope with this status and first code; return the error."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["success"] is False, body
    assert body["result"] is None, body
    assert body["messages"] == [], body
    assert body["errors"], body
    assert body["errors"][0]["code"] == code, body
    error: dict[str, Any] = body["errors"][0]
    return error


# ------------------------------------------------------------------------- in-process, same DB


def on_server(server: Server, work: Callable[[Services], Awaitable[T]]) -> T:
    """Run ``work`` against the server's own database and change feed, then close."""

    async def run() -> T:
        services = build(Settings.from_env(server.env))
        try:
            return await work(services)
        finally:
            await services.close()

    return asyncio.run(run())


def stored_keys(server: Server, prefix: str = "") -> list[str]:
    """Every blob key under ``prefix`` in the server's own store (local folder or S3)."""

    async def work(services: Services) -> list[str]:
        return sorted([meta.key async for meta in services.blobs.list(prefix)])

    return on_server(server, work)


@dataclass(frozen=True)
class Tenant:
    """A user with one account membership and a user token minted for it."""

    user_id: str
    email: str
    account_id: str
    token: str
    token_id: str
    role: Role


def make_tenant(
    server: Server,
    *,
    account_id: str | None = None,
    role: Role = Role.ADMIN,
    policies: Callable[[str, str], list[dict[str, Any]]] | None = None,
) -> Tenant:
    """A new user, administrator of a new account (or ``role`` on ``account_id``), with a token.

    The token gets ``policies(user_id, account_id)``, by default everything the user may hold.
    """

    async def work(services: Services) -> Tenant:
        email = f"user-{secrets.token_hex(6)}@example.com"
        user = await services.identity.create_user(email, "correct-horse-1")
        if account_id is None:
            account = await services.identity.create_account("Tenant", owner_id=user.id)
            target, held = account.id, Role.ADMIN
        else:
            await services.identity.add_member(user.id, account_id, role)
            target, held = account_id, role
        chosen = policies(user.id, target) if policies else everything(user.id, target)
        token, secret = await services.tokens.create(
            TokenOwner(TokenKind.USER, user.id), {"name": "tenant", "policies": chosen}
        )
        return Tenant(user.id, email, target, secret, token.id, held)

    return on_server(server, work)


def mint_user_token(
    server: Server, user_id: str, policies: list[dict[str, Any]], **fields: Any
) -> tuple[str, str]:
    """A user token made in-process (the same rules as the API, no HTTP): (id, value)."""
    return _mint(server, TokenOwner(TokenKind.USER, user_id), policies, fields)


def mint_account_token(
    server: Server, account_id: str, policies: list[dict[str, Any]], **fields: Any
) -> tuple[str, str]:
    """An account-owned token made in-process: (id, value)."""
    return _mint(server, TokenOwner(TokenKind.ACCOUNT, account_id), policies, fields)


def _mint(
    server: Server, owner: TokenOwner, policies: list[dict[str, Any]], fields: Mapping[str, Any]
) -> tuple[str, str]:
    payload = {"name": f"minted-{secrets.token_hex(4)}", "policies": policies, **fields}

    async def work(services: Services) -> tuple[str, str]:
        token, secret = await services.tokens.create(owner, payload)
        return token.id, secret

    return on_server(server, work)


# ------------------------------------------------------------------------------ zones and DNS


def zone_key(zone_id: str) -> str:
    return f"com.cloudflare.api.account.zone.{zone_id}"


def unique_zone_name(prefix: str = "zone") -> str:
    """A zone name no other test uses (zone names are unique per account)."""
    return f"{prefix}-{secrets.token_hex(4)}.example"


def make_zone(cf: cloudflare.Cloudflare, account_id: str, name: str | None = None) -> Any:
    """Create a zone through the SDK in ``account_id``; returns the SDK's Zone."""
    zone = cf.zones.create(account={"id": account_id}, name=name or unique_zone_name())
    assert zone is not None
    assert zone.id
    return zone


def record_rows(cf: cloudflare.Cloudflare, zone_id: str) -> list[dict[str, Any]]:
    """Every record of a zone as plain dicts (all pages), sorted by id: for before/after checks."""
    rows = [r.to_dict() for r in cf.dns.records.list(zone_id=zone_id, per_page=100)]
    return sorted(rows, key=lambda r: str(r["id"]))


def record_key(record: Any) -> tuple[str, str, str, int, int | None]:
    """What survives an export/import round trip: (type, name, content, ttl, priority)."""
    get = record.get if isinstance(record, Mapping) else lambda k: getattr(record, k, None)
    priority = get("priority")
    return (
        str(get("type")),
        str(get("name")),
        str(get("content")),
        int(get("ttl")),
        None if priority is None else int(priority),
    )
