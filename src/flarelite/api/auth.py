"""The guard every API route passes: authenticate, check usability, rate-limit, authorise.

Routes declare a ``Need`` in ``api/routes.py``; this module turns it into a decision with
``tokens.policy.decide`` and picks the public error Cloudflare gives for each failure.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from starlette.requests import Request

from flarelite.api.clientip import client_ip
from flarelite.core.errors import FlareliteError, Invalid, RateLimited
from flarelite.dns.errors import ZoneNotFound
from flarelite.images.batch import is_batch_token, verify_batch_token
from flarelite.observability.metrics import AUTH_OUTCOMES, RATE_LIMIT_REJECTIONS
from flarelite.services import Services
from flarelite.storage.limits import Verdict
from flarelite.tokens.authn import Authenticator, Principal
from flarelite.tokens.catalog import Access, Area, Scope
from flarelite.tokens.conditions import Condition
from flarelite.tokens.errors import (
    AccountTokenNotSupported,
    InvalidAccessToken,
    InvalidApiToken,
    LocationRefused,
    MalformedAuthorization,
    MissingAuthorizationHeader,
    MissingCredentials,
    PermissionDenied,
    TokenUnusable,
    UnknownGlobalKey,
    UnknownToken,
)
from flarelite.tokens.policy import Decision, Resource, decide
from flarelite.tokens.secrets import TokenKind

log = structlog.get_logger(__name__)
_ALLOWED = AUTH_OUTCOMES.labels("allowed")  # resolved once: the hot path only increments


class On(StrEnum):
    """Where a route's resource comes from."""

    NOTHING = "nothing"  # any valid token (verify), or the handler filters by itself
    USER = "user"  # the token's own user
    ACCOUNT = "account"  # the {account_id} path parameter
    ZONE = "zone"  # the {zone_id} path parameter
    NEW_ZONE = "new_zone"  # a zone about to be made in the body's account.id: needs all its zones


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
    try:
        principal = await _authorise(request, need)
    except FlareliteError as exc:
        AUTH_OUTCOMES.labels(auth_outcome(exc)).inc()
        raise
    _ALLOWED.inc()
    return principal


async def _authorise(request: Request, need: Need) -> Principal:
    services = services_of(request)
    header = request.headers.get("authorization")
    if header is None:
        raise _missing_credentials(request, need)
    if need.area is Area.IMAGES and is_batch_token(header.partition(" ")[2].strip()):
        return _authorise_batch(request, header.partition(" ")[2].strip())
    try:
        principal = await services.authn.authenticate(header)
    except UnknownToken as exc:
        raise _invalid_token(need) from exc
    now = services.clock.now()
    check_principal(services.authn, principal, need, request_ip(request), now, request.path_params)
    request.state.rate_limit = await _count_request(services, principal)
    if need.area is not None:
        resource = await _resource(request, need, principal)
        decision = decide_need(principal, need, resource)
        if not decision.allowed:
            log.info("access_denied", token_id=principal.token_id, reasons=list(decision.reasons))
            raise PermissionDenied("; ".join(decision.reasons))
    services.authn.note_used(principal.token_id, now)
    request.state.principal = principal
    return principal


def check_principal(
    authn: Authenticator,
    principal: Principal,
    need: Need,
    ip: str,
    now: datetime,
    path_params: Mapping[str, Any],
) -> None:
    """What the guard checks of a known token before its policies (shared with ``explain``):
    usable now from ``ip``, and of a kind this endpoint takes. Raises the public error."""
    try:
        authn.check_usable(principal, ip, now)
    except TokenUnusable as exc:
        if exc.reason == "ip":
            raise LocationRefused(
                detail=f"Cannot use the access token from location: {exc.client_ip}"
            ) from exc
        raise _invalid_token(need) from exc
    if need.verify is not None and not _verifies_here(principal, need, path_params):
        raise InvalidApiToken("token of another kind or account on this verify endpoint")
    if need.user_tokens_only and principal.kind is TokenKind.ACCOUNT:
        raise AccountTokenNotSupported(detail=need.user_tokens_only)


def decide_need(principal: Principal, need: Need, resource: Resource) -> Decision:
    """The policy decision for a route's need on ``resource`` (shared with ``explain``)."""
    assert need.area is not None
    return decide(
        principal.policies,
        need.area,
        need.access,
        resource,
        principal.owner,
        principal.reachable,
    )


def auth_outcome(exc: FlareliteError) -> str:
    """The metrics label for a refused request: why the guard said no."""
    cause = exc.__cause__
    if isinstance(exc, MissingCredentials | MissingAuthorizationHeader | UnknownGlobalKey):
        return "missing_credentials"
    if isinstance(exc, MalformedAuthorization):
        return "malformed"
    if isinstance(exc, LocationRefused):
        return "ip"
    if isinstance(cause, UnknownToken):
        return "unknown_token"
    if isinstance(cause, TokenUnusable):
        return cause.reason or "unusable"  # disabled | expired (also "not yet valid")
    if isinstance(exc, PermissionDenied):
        return "permission"
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, InvalidApiToken | AccountTokenNotSupported):
        return "wrong_endpoint"
    if isinstance(exc, InvalidAccessToken):
        return "batch_token"
    if isinstance(exc, ZoneNotFound):
        return "zone_not_found"
    return "bad_request"


def _authorise_batch(request: Request, value: str) -> Principal:
    """An Images batch token (§2.9): good on Images routes of its one account, until it
    expires; not rate limited (Cloudflare exempts batch traffic from the global limit)."""
    services = services_of(request)
    account_id = verify_batch_token(services.settings.secret_key, value, services.clock.now())
    if account_id is None or account_id != request.path_params.get("account_id"):
        raise InvalidAccessToken("batch token forged, expired or for another account")
    principal = Principal(
        token_id="images-batch",  # noqa: S106 (a label, not a secret)
        kind=TokenKind.ACCOUNT,
        user_id=None,
        account_id=account_id,
        status="active",
        policies=(),
        condition=Condition(),
        not_before=None,
        expires_on=None,
        reachable=None,
    )
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
        RATE_LIMIT_REJECTIONS.inc()
        retry_after = max(1, int(verdict.reset_at - now + 0.999))
        raise RateLimited(
            f"rate limit reached for {keys}",
            retry_after=retry_after,
            headers=rate_limit_headers(verdict),
        )
    return verdict


async def _resource(request: Request, need: Need, principal: Principal) -> Resource:
    resource, zone = await resolve_resource(
        services_of(request),
        need,
        principal,
        request.path_params,
        lambda: _body_account_id(request, principal),
    )
    if zone is not None:
        request.state.zone = zone  # the handler reuses it instead of a second query
    return resource


async def resolve_resource(
    services: Services,
    need: Need,
    principal: Principal,
    path_params: Mapping[str, Any],
    body_account_id: Callable[[], Awaitable[str]],
) -> tuple[Resource, Any]:
    """What the route acts on, and the zone row when it is a zone (shared with ``explain``)."""
    if need.on is On.USER:
        return Resource(scope=Scope.USER, id=principal.user_id or ""), None
    if need.on is On.ACCOUNT:
        account_id = str(path_params["account_id"])
        return Resource(scope=Scope.ACCOUNT, id=account_id, account_id=account_id), None
    if need.on is On.NEW_ZONE:
        account_id = await body_account_id()
        return Resource(scope=Scope.ZONE, id=ANY_ZONE_PROBE, account_id=account_id), None
    if need.on is On.ZONE:
        zone_id = str(path_params["zone_id"])
        zone = await services.zones.find(zone_id)
        if zone is None:
            raise _missing_zone(principal, need, zone_id)
        return Resource(scope=Scope.ZONE, id=zone.id, account_id=zone.account_id), zone
    raise AssertionError(f"no resource resolver for {need.on}")


# A zone id no policy can name: a token allowed on it is allowed on *every* zone of the account.
ANY_ZONE_PROBE = "0" * 32


def reaches_all_zones(principal: Principal, area: Area, access: Access, account_id: str) -> bool:
    """Whether the token may act on every zone of an account, including zones made later."""
    probe = Resource(scope=Scope.ZONE, id=ANY_ZONE_PROBE, account_id=account_id)
    decision = decide(principal.policies, area, access, probe, principal.owner, principal.reachable)
    return decision.allowed


def _missing_zone(principal: Principal, need: Need, zone_id: str) -> Exception:
    # A token that covers all zones of an account learns the zone is gone (404, which
    # Terraform needs to drop it from state); one that named the zone gets 403 (issue 5).
    accounts = [principal.account_id] if principal.account_id else list(principal.reachable or {})
    assert need.area is not None
    if any(reaches_all_zones(principal, need.area, need.access, a) for a in accounts):
        return ZoneNotFound(zone_id)
    return PermissionDenied(f"zone {zone_id} does not exist and the token does not cover it")


async def _body_account_id(request: Request, principal: Principal) -> str:
    """``account.id`` of a create-zone body, or the caller's only account when omitted."""
    try:
        body = await request.json()
    except ValueError:
        raise Invalid(detail="request body must be JSON") from None
    account = body.get("account") if isinstance(body, dict) else None
    if isinstance(account, dict) and isinstance(account.get("id"), str):
        return str(account["id"])
    if principal.account_id:
        return principal.account_id
    accounts = list(principal.reachable or {})
    if len(accounts) == 1:  # octodns omits account when none is configured (§2.3)
        return accounts[0]
    raise Invalid(detail="account.id: required", pointer="account.id")


def _verifies_here(principal: Principal, need: Need, path_params: Mapping[str, Any]) -> bool:
    # Account tokens verify only under /accounts/{id}/tokens/verify (reference tokens.md §2.9).
    if need.verify is TokenKind.USER:
        return principal.kind is TokenKind.USER
    return principal.kind is TokenKind.ACCOUNT and principal.account_id == path_params.get(
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
