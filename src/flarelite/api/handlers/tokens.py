"""User-owned (/user/tokens…) and account-owned (/accounts/{account_id}/tokens…) API tokens.

Both families share these handlers; the route table binds each to its owner and permission.
Wire names are Cloudflare's (reference tokens.md §2–§3); translation happens only here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.actors import actor_of
from flarelite.api.auth import principal_of, services_of
from flarelite.api.envelope import message, ok
from flarelite.api.query import Direction, paging
from flarelite.api.schemas import TokenCreateBody, TokenUpdateBody
from flarelite.core.clock import rfc3339
from flarelite.core.paging import PageRequest
from flarelite.tokens.catalog import list_groups
from flarelite.tokens.models import ApiToken
from flarelite.tokens.secrets import TokenKind
from flarelite.tokens.service import TokenOwner, token_status

VERIFIED = message(10000, "This API Token is valid and active")


def _owner(request: Request) -> TokenOwner:
    account_id = request.path_params.get("account_id")
    if account_id is not None:
        return TokenOwner(TokenKind.ACCOUNT, str(account_id))
    return TokenOwner(TokenKind.USER, principal_of(request).user_id or "")


async def list_tokens(
    request: Request,
    page: Annotated[PageRequest, Depends(paging)],
    direction: Direction = None,
    include_expired: Annotated[bool | None, Query()] = None,
) -> Response:
    services = services_of(request)
    rows, info = await services.tokens.list(_owner(request), page, descending=direction == "desc")
    now = services.clock.now()
    return ok([token_as_api(t, now) for t in rows], result_info=info)


async def create_token(request: Request, body: Annotated[TokenCreateBody, Body()]) -> Response:
    services = services_of(request)
    payload = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    owner, actor = _owner(request), await actor_of(request)
    # Account tokens remember who made them (creator_email_at_creation, tokens.md §3).
    creator = actor.email if owner.kind is TokenKind.ACCOUNT else None
    token, secret = await services.tokens.create(owner, payload, creator_email=creator, actor=actor)
    result = token_as_api(token, services.clock.now())
    result["value"] = secret
    return ok(result, headers={"cache-control": "no-store"})


async def get_token(request: Request, token_id: str) -> Response:
    services = services_of(request)
    token = await services.tokens.get(_owner(request), token_id)
    return ok(token_as_api(token, services.clock.now()))


async def update_token(
    request: Request, token_id: str, body: Annotated[TokenUpdateBody, Body()]
) -> Response:
    services = services_of(request)
    payload = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    token = await services.tokens.update(
        _owner(request), token_id, payload, actor=await actor_of(request)
    )
    return ok(token_as_api(token, services.clock.now()))


async def delete_token(request: Request, token_id: str) -> Response:
    await services_of(request).tokens.delete(
        _owner(request), token_id, actor=await actor_of(request)
    )
    return ok({"id": token_id})


async def roll_token(request: Request, token_id: str) -> Response:
    # Any body (none, {}, or an object) is accepted and ignored (reference tokens.md §9.2).
    secret = await services_of(request).tokens.roll(
        _owner(request), token_id, actor=await actor_of(request)
    )
    return ok(secret, headers={"cache-control": "no-store"})


async def verify_token(request: Request) -> Response:
    principal = principal_of(request)
    result: dict[str, Any] = {"id": principal.token_id, "status": "active"}
    if principal.not_before is not None:
        result["not_before"] = rfc3339(principal.not_before)
    if principal.expires_on is not None:
        result["expires_on"] = rfc3339(principal.expires_on)
    return ok(result, messages=[VERIFIED])


async def list_permission_groups(
    request: Request,
    name: Annotated[str | None, Query(max_length=200)] = None,
    scope: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return ok([group.as_api() for group in list_groups(name=name, scope=scope)])


def token_as_api(token: ApiToken, now: Any) -> dict[str, Any]:
    """The Token object; unset optional fields are left out, as Cloudflare does (§2.2)."""
    result: dict[str, Any] = {
        "id": token.id,
        "name": token.name,
        "status": token_status(token, now),
        "issued_on": rfc3339(token.issued_on),
        "modified_on": rfc3339(token.modified_on),
        "policies": token.policies,
    }
    if token.last_used_on is not None:
        result["last_used_on"] = rfc3339(token.last_used_on)
    if token.not_before is not None:
        result["not_before"] = rfc3339(token.not_before)
    if token.expires_on is not None:
        result["expires_on"] = rfc3339(token.expires_on)
    if token.condition:
        result["condition"] = token.condition
    if token.creator_email:
        result["creator_email_at_creation"] = token.creator_email
    return result
