"""GET /accounts and GET /accounts/{account_id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import principal_of, services_of
from flarelite.api.envelope import ok
from flarelite.api.query import Direction, wide_paging
from flarelite.core.clock import rfc3339
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.identity.models import Account
from flarelite.tokens.policy import reaches_account


async def list_accounts(
    request: Request,
    page: Annotated[PageRequest, Depends(wide_paging)],
    name: Annotated[str | None, Query(max_length=100)] = None,
    direction: Direction = None,
) -> Response:
    """The accounts the user belongs to that the token reaches at all (any permission)."""
    principal = principal_of(request)
    memberships = await services_of(request).identity.memberships(principal.user_id or "")
    accounts = [
        account
        for _, account in memberships
        if reaches_account(principal.policies, account.id)
        and (name is None or name.lower() in account.name.lower())
    ]
    if direction == "desc":
        accounts.reverse()
    chunk = accounts[page.offset : page.offset + page.per_page]
    info = PageInfo(page.page, page.per_page, len(chunk), len(accounts))
    return ok([account_as_api(a) for a in chunk], result_info=info)


async def get_account(request: Request, account_id: str) -> Response:
    account = await services_of(request).identity.get_account(account_id)
    return ok(account_as_api(account))


def account_as_api(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "created_on": rfc3339(account.created_on),
        "settings": {
            "enforce_twofactor": False,
            "api_access_enabled": None,
            "abuse_contact_email": None,
        },
    }
