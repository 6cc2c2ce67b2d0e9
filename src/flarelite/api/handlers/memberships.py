"""GET /memberships: the user's accounts and roles."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import principal_of, services_of
from flarelite.api.envelope import ok
from flarelite.api.handlers.accounts import account_as_api
from flarelite.api.query import Direction, wide_paging
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.identity.models import Account, Membership, Role


async def list_memberships(
    request: Request,
    page: Annotated[PageRequest, Depends(wide_paging)],
    status: Annotated[Literal["accepted", "pending", "rejected"] | None, Query()] = None,
    name: Annotated[str | None, Query(alias="account.name", max_length=100)] = None,
    direction: Direction = None,
) -> Response:
    principal = principal_of(request)
    rows = await services_of(request).identity.memberships(principal.user_id or "")
    rows = [
        (m, a)
        for m, a in rows
        if (status is None or m.status == status)
        and (name is None or name.lower() in a.name.lower())
    ]
    if direction == "desc":
        rows = list(reversed(rows))
    chunk = rows[page.offset : page.offset + page.per_page]
    info = PageInfo(page.page, page.per_page, len(chunk), len(rows))
    return ok([membership_as_api(m, a) for m, a in chunk], result_info=info)


def membership_as_api(membership: Membership, account: Account) -> dict[str, Any]:
    is_admin = membership.role == Role.ADMIN
    grant = {"read": True, "write": is_admin}
    areas = ("analytics", "billing", "cache_purge", "dns", "dns_records", "lb", "logs")
    areas += ("organization", "ssl", "waf", "zone_settings", "zones")
    return {
        "id": membership.id,
        "account": account_as_api(account),
        "api_access_enabled": True,
        "permissions": dict.fromkeys(areas, grant),
        "roles": [membership.role],
        "status": membership.status,
    }
