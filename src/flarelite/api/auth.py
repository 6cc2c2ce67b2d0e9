"""The guard every API route passes: authenticate, check usability, rate-limit, authorise.

Routes declare a ``Need`` in ``api/routes.py``; this module turns it into a decision with
``tokens.policy.decide`` and picks the public error Cloudflare gives for each failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

import structlog
from starlette.requests import Request

from flarelite.api.clientip import client_ip
from flarelite.core.errors import RateLimited
from flarelite.services import Services
from flarelite.storage.limits import Verdict
from flarelite.tokens.authn import Principal
from flarelite.tokens.catalog import Access, Area, Scope
from flarelite.tokens.errors import (
    AccountTokenNotSupported,
    InvalidAccessToken,
    InvalidApiToken,
    LocationRefused,
    MissingAuthorizationHeader,
    MissingCredentials,
    PermissionDenied,
    TokenUnusable,
    UnknownGlobalKey,
    UnknownToken,
)
from flarelite.tokens.policy import Resource, decide
from flarelite.tokens.secrets import TokenKind

log = structlog.get_logger(__name__)


class On(StrEnum):
    """Where a route's resource comes from."""

    NOTHING = "nothing"  # any valid token (verify), or the handler filters by itself
    USER = "user"  # the token's own user
    ACCOUNT = "account"  # the {account_id} path parameter
    ZONE = "zone"  # the {zone_id} path parameter


@dataclass(frozen=True, slots=True)
class Need:
    area: Area | None
    access: Access = Access.READ
    on: On = On.NOTHING
    # Set for endpoints that refuse account-owned tokens: the 400/1001 text to answer.
    user_tokens_only: str | None = None
    # Verify endpoints answer bad tokens with 401/1000 instead of 403/9109.
    verify: TokenKind | None = None


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


async def authorise(request: Request, need: Need) -> Principal:
    services = services_of(request)
    header = request.headers.get("authorization")
    if header is None:
        raise _missing_credentials(request, need)
    try:
        principal = await services.authn.authenticate(header)
        ip = request_ip(request)
        services.authn.check_usable(principal, ip, services.clock.now())
    except TokenUnusable as exc:
        if exc.reason == "ip":
            raise LocationRefused(
                detail=f"Cannot use the access token from location: {exc.client_ip}"
            ) from exc
        raise _invalid_token(need) from exc
    except UnknownToken as exc:
        raise _invalid_token(need) from exc
    if need.verify is not None and not _verifies_here(principal, need, request):
        raise InvalidApiToken("token of another kind or account on this verify endpoint")
    if need.user_tokens_only and principal.kind is TokenKind.ACCOUNT:
        raise AccountTokenNotSupported(detail=need.user_tokens_only)
    request.state.rate_limit = await _count_request(services, principal)
    if need.area is not None:
        resource = _resource(request, need, principal)
        decision = decide(
            principal.policies,
            need.area,
            need.access,
            resource,
            principal.owner,
            principal.reachable,
        )
        if not decision.allowed:
            log.info("access_denied", token_id=principal.token_id, reasons=list(decision.reasons))
            raise PermissionDenied("; ".join(decision.reasons))
    services.authn.note_used(principal.token_id, services.clock.now())
    request.state.principal = principal
    return principal


def request_ip(request: Request) -> str:
    peer = request.client.host if request.client else None
    trusted = services_of(request).settings.trusted_proxies
    return client_ip(peer, request.headers.get("x-forwarded-for"), trusted)


def rate_limit_headers(verdict: Verdict) -> dict[str, str]:
    if verdict.limit == 0:
        return {}
    return {
        "x-ratelimit-limit": str(verdict.limit),
        "x-ratelimit-remaining": str(verdict.remaining),
        "x-ratelimit-reset": time.strftime(
            "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(verdict.reset_at)
        ),
    }


async def _count_request(services: Services, principal: Principal) -> Verdict:
    keys = (f"token:{principal.token_id}",)
    if principal.user_id is not None:
        keys += (f"user:{principal.user_id}",)
    now = time.time()
    verdict = await services.limiter.hit(keys, now)
    if not verdict.allowed:
        retry_after = max(1, int(verdict.reset_at - now + 0.999))
        raise RateLimited(
            f"rate limit reached for {keys}",
            retry_after=retry_after,
            headers=rate_limit_headers(verdict),
        )
    return verdict


def _resource(request: Request, need: Need, principal: Principal) -> Resource:
    if need.on is On.USER:
        return Resource(scope=Scope.USER, id=principal.user_id or "")
    if need.on is On.ACCOUNT:
        account_id = str(request.path_params["account_id"])
        return Resource(scope=Scope.ACCOUNT, id=account_id, account_id=account_id)
    raise NotImplementedError(f"no resource resolver for {need.on}")


def _verifies_here(principal: Principal, need: Need, request: Request) -> bool:
    # Account tokens verify only under /accounts/{id}/tokens/verify (reference tokens.md §2.9).
    if need.verify is TokenKind.USER:
        return principal.kind is TokenKind.USER
    return principal.kind is TokenKind.ACCOUNT and principal.account_id == request.path_params.get(
        "account_id"
    )


def _invalid_token(need: Need) -> InvalidAccessToken | InvalidApiToken:
    return InvalidApiToken() if need.verify is not None else InvalidAccessToken()


def _missing_credentials(
    request: Request, need: Need
) -> MissingCredentials | MissingAuthorizationHeader | UnknownGlobalKey:
    has_key = "x-auth-key" in request.headers or "x-auth-email" in request.headers
    if has_key and need.verify is not None:
        return MissingAuthorizationHeader()
    if has_key:
        return UnknownGlobalKey()
    return MissingCredentials()
