"""THE route table: every /client/v4 route, its handler and the permission it needs.

A reader sees each route's requirement next to the route. ``install_routes`` turns the table
into FastAPI routes, each behind the guard in ``api/auth.py``; a test fails when a route is
served without being declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request

from flarelite.api.auth import Need, On, authorise
from flarelite.api.handlers import accounts, memberships, tokens, user
from flarelite.tokens.catalog import Access, Area
from flarelite.tokens.secrets import TokenKind

PREFIX = "/client/v4"
R, W = Access.READ, Access.WRITE

LIST_ACCOUNTS_USER_ONLY = "List accounts endpoint does not support account owned tokens."
USER_ONLY = "User endpoints do not support account owned tokens."


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    need: Need
    summary: str
    tag: str


ROUTES: tuple[Route, ...] = (
    # --- user -------------------------------------------------------------------------------
    Route("GET", "/user", user.get_user,
          Need(Area.USER_DETAILS, R, On.USER, user_tokens_only=USER_ONLY),
          "User details", "user"),
    Route("GET", "/memberships", memberships.list_memberships,
          Need(Area.MEMBERSHIPS, R, On.USER, user_tokens_only=USER_ONLY),
          "List memberships", "memberships"),
    # --- accounts ---------------------------------------------------------------------------
    # Any token may list; the handler shows only accounts the token reaches at all.
    Route("GET", "/accounts", accounts.list_accounts,
          Need(None, user_tokens_only=LIST_ACCOUNTS_USER_ONLY),
          "List accounts", "accounts"),
    Route("GET", "/accounts/{account_id}", accounts.get_account,
          Need(Area.ACCOUNT_SETTINGS, R, On.ACCOUNT),
          "Account details", "accounts"),
    # --- user-owned API tokens (reference tokens.md §2, U1–U8) ------------------------------
    Route("GET", "/user/tokens/verify", tokens.verify_token,
          Need(None, verify=TokenKind.USER),
          "Verify token", "user tokens"),
    Route("GET", "/user/tokens/permission_groups", tokens.list_permission_groups,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "List permission groups", "user tokens"),
    Route("GET", "/user/tokens", tokens.list_tokens,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "List tokens", "user tokens"),
    Route("POST", "/user/tokens", tokens.create_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Create token", "user tokens"),
    Route("GET", "/user/tokens/{token_id}", tokens.get_token,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "Token details", "user tokens"),
    Route("PUT", "/user/tokens/{token_id}", tokens.update_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Update token", "user tokens"),
    Route("DELETE", "/user/tokens/{token_id}", tokens.delete_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Delete token", "user tokens"),
    Route("PUT", "/user/tokens/{token_id}/value", tokens.roll_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Roll token", "user tokens"),
    # --- account-owned API tokens (A1–A8) ---------------------------------------------------
    Route("GET", "/accounts/{account_id}/tokens/verify", tokens.verify_token,
          Need(None, verify=TokenKind.ACCOUNT),
          "Verify account token", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens/permission_groups", tokens.list_permission_groups,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "List account permission groups", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens", tokens.list_tokens,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "List account tokens", "account tokens"),
    Route("POST", "/accounts/{account_id}/tokens", tokens.create_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Create account token", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens/{token_id}", tokens.get_token,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "Account token details", "account tokens"),
    Route("PUT", "/accounts/{account_id}/tokens/{token_id}", tokens.update_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Update account token", "account tokens"),
    Route("DELETE", "/accounts/{account_id}/tokens/{token_id}", tokens.delete_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Delete account token", "account tokens"),
    Route("PUT", "/accounts/{account_id}/tokens/{token_id}/value", tokens.roll_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Roll account token", "account tokens"),
)  # fmt: skip

SECURITY_SCHEMES = {
    "api_token": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `Authorization: Bearer <token>`",
    }
}


def _guard(need: Need) -> Callable[..., Any]:
    # A plain dependency (not fastapi.security.HTTPBearer): no credentials model per request.
    async def guard(request: Request) -> None:
        await authorise(request, need)

    return guard


def install_routes(app: FastAPI) -> None:
    """Add every route of the table to ``app``, each behind the guard for its ``Need``."""
    for route in ROUTES:
        app.add_api_route(
            PREFIX + route.path,
            route.handler,
            methods=[route.method],
            dependencies=[Depends(_guard(route.need))],
            summary=route.summary,
            tags=[route.tag],
            operation_id=_operation_id(route),
            openapi_extra={"security": [{"api_token": []}]},
        )


def _operation_id(route: Route) -> str:
    return f"{route.tag.replace(' ', '_')}_{route.handler.__name__}_{route.method.lower()}"
