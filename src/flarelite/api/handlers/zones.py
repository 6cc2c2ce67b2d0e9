"""Zones: list, create, get, edit, delete, activation check (reference zones-dns.md §2–§3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Body, Query
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import principal_of, services_of
from flarelite.api.envelope import ok
from flarelite.api.schemas import ZoneCreateBody, ZoneEditBody
from flarelite.core.clock import rfc3339
from flarelite.core.errors import Invalid
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.dns.models import Zone
from flarelite.dns.zones import ZoneFilter
from flarelite.tokens.authn import Principal
from flarelite.tokens.catalog import Access, Area, Scope
from flarelite.tokens.policy import Resource, decide

FREE_PLAN = {
    "id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "name": "Free Website",
    "price": 0,
    "currency": "USD",
    "frequency": "",
    "is_subscribed": False,
    "can_subscribe": False,
    "legacy_id": "free",
    "legacy_discount": False,
    "externally_managed": False,
}
ZONE_PERMISSIONS = (
    (Area.ZONE, Access.READ, "#zone:read"),
    (Area.ZONE, Access.WRITE, "#zone:edit"),
    (Area.DNS, Access.READ, "#dns_records:read"),
    (Area.DNS, Access.WRITE, "#dns_records:edit"),
)


async def list_zones(
    request: Request,
    name: Annotated[str | None, Query(max_length=300)] = None,
    account_id: Annotated[str | None, Query(alias="account.id", max_length=64)] = None,
    account_name: Annotated[str | None, Query(alias="account.name", max_length=300)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    match: Annotated[Literal["any", "all"], Query()] = "all",
    order: Annotated[
        Literal["name", "status", "account.id", "account.name", "plan.id"] | None, Query()
    ] = None,
    direction: Annotated[Literal["asc", "desc"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> Response:
    """Only zones the token can touch at all (reference zones-dns.md §8)."""
    services, principal = services_of(request), principal_of(request)
    accounts = await _accounts_of(request, principal)
    # Real clients send both `type=full,partial` and repeated `type=` (§1).
    types = tuple(t for v in request.query_params.getlist("type") for t in v.split(",") if t)
    flt = ZoneFilter(name, account_id, account_name, status, types, match_all=match == "all")
    zones = await services.zones.list(accounts, accounts, flt, lambda z: _visible(principal, z))
    zones.sort(key=lambda z: _sort_key(z, order, accounts), reverse=direction == "desc")
    # per_page outside 5–50 is honoured: certbot asks for 1, lexicon for 100 (§10.3).
    paging = PageRequest(page, per_page)
    chunk = zones[paging.offset : paging.offset + per_page]
    info = PageInfo(page, per_page, len(chunk), len(zones))
    return ok([zone_as_api(z, accounts, principal) for z in chunk], result_info=info)


async def create_zone(request: Request, body: Annotated[ZoneCreateBody, Body()]) -> Response:
    services, principal = services_of(request), principal_of(request)
    accounts = await _accounts_of(request, principal)
    account_id = body.account.id if body.account else _only_account(accounts)
    zone = await services.zones.create(account_id, body.name, body.type or "full")
    return ok(zone_as_api(zone, accounts, principal))


async def get_zone(request: Request, zone_id: str) -> Response:
    principal = principal_of(request)
    return ok(zone_as_api(request.state.zone, await _accounts_of(request, principal), principal))


async def edit_zone(
    request: Request, zone_id: str, body: Annotated[ZoneEditBody, Body()]
) -> Response:
    services, principal = services_of(request), principal_of(request)
    zone = await services.zones.edit(zone_id, paused=body.paused, zone_type=body.type)
    return ok(zone_as_api(zone, await _accounts_of(request, principal), principal))


async def delete_zone(request: Request, zone_id: str) -> Response:
    await services_of(request).zones.delete(zone_id)
    return ok({"id": zone_id})


async def check_activation(request: Request, zone_id: str) -> Response:
    await services_of(request).zones.activate(zone_id)
    return ok({"id": zone_id})


def zone_as_api(zone: Zone, accounts: dict[str, str], principal: Principal) -> dict[str, Any]:
    """Every field of the real 2025 shape; nulls and empties instead of omissions (§3.2)."""
    return {
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "paused": zone.paused,
        "type": zone.type,
        "development_mode": 0,
        "name_servers": list(zone.name_servers),
        "original_name_servers": None,
        "original_registrar": None,
        "original_dnshost": None,
        "modified_on": rfc3339(zone.modified_on),
        "created_on": rfc3339(zone.created_on),
        "activated_on": rfc3339(zone.activated_on) if zone.activated_on else None,
        "vanity_name_servers": [],
        "vanity_name_servers_ips": None,
        "meta": {
            "step": 4,
            "custom_certificate_quota": 0,
            "page_rule_quota": 3,
            "phishing_detected": False,
        },
        "owner": {"id": None, "type": "user", "email": None},
        "account": {"id": zone.account_id, "name": accounts.get(zone.account_id, "")},
        "tenant": {"id": None, "name": None},
        "tenant_unit": {"id": None},
        "permissions": _permissions(principal, zone),
        "plan": dict(FREE_PLAN),
    }


def _permissions(principal: Principal, zone: Zone) -> list[str]:
    """The caller's rights on the zone, sorted as in the real capture (zones-dns.md §3.1)."""
    resource = Resource(scope=Scope.ZONE, id=zone.id, account_id=zone.account_id)
    return sorted(
        key
        for area, access, key in ZONE_PERMISSIONS
        if decide(
            principal.policies, area, access, resource, principal.owner, principal.reachable
        ).allowed
    )


def _visible(principal: Principal, zone: Zone) -> bool:
    resource = Resource(scope=Scope.ZONE, id=zone.id, account_id=zone.account_id)
    return any(
        decide(
            principal.policies, area, Access.READ, resource, principal.owner, principal.reachable
        ).allowed
        for area in (Area.ZONE, Area.DNS)
    )


async def _accounts_of(request: Request, principal: Principal) -> dict[str, str]:
    """account id → name for every account the token's owner may reach."""
    identity = services_of(request).identity
    if principal.account_id is not None:
        account = await identity.get_account(principal.account_id)
        return {account.id: account.name}
    return {a.id: a.name for _, a in await identity.memberships(principal.user_id or "")}


def _only_account(accounts: dict[str, str]) -> str:
    if len(accounts) == 1:
        return next(iter(accounts))
    raise Invalid(detail="account.id: required", pointer="account.id")


def _sort_key(zone: Zone, order: str | None, accounts: dict[str, str]) -> tuple[str, ...]:
    keys = {
        "status": (zone.status, zone.name),
        "account.id": (zone.account_id, zone.name),
        "account.name": (accounts.get(zone.account_id, ""), zone.name),
    }
    return keys.get(order or "name", (zone.name, zone.id))
