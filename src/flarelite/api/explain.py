"""``flarelite tokens explain``: what the API guard answers a token for one request, and why.

By construction the server's answer: the request is matched against the route table
(``api/routes.py``) and run through the guard's own steps (``api/auth.py``: usability,
endpoint kind, resource, ``tokens.policy.decide``). Only two steps are skipped: the secret
lookup (the token is named by id) and the rate limiter (it depends on traffic, not policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from starlette.convertors import Convertor
from starlette.routing import compile_path

from flarelite.api.auth import check_principal, decide_need, resolve_resource
from flarelite.api.paths import register_convertors
from flarelite.api.routes import PREFIX, ROUTES, Route
from flarelite.core.errors import FlareliteError, Invalid
from flarelite.services import Services
from flarelite.tokens.authn import Principal
from flarelite.tokens.catalog import find_group
from flarelite.tokens.errors import PermissionDenied, TokenNotFound


@dataclass(frozen=True, slots=True)
class Explanation:
    allowed: bool
    status: int  # what the guard answers; 200 means the handler runs (it may still say 404)
    code: int | None  # Cloudflare's error code when refused
    message: str  # the client's text
    reasons: tuple[str, ...]  # why, for people: never sent to clients
    route: str | None  # "GET /zones/{zone_id}"
    needs: str | None  # "DNS Read"
    policy_id: str | None  # the deciding policy, when one decided

    def as_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "reasons": list(self.reasons),
            "route": self.route,
            "needs": self.needs,
            "policy_id": self.policy_id,
        }


async def explain(
    services: Services,
    token_id: str,
    method: str,
    path: str,
    *,
    ip: str,
    at: datetime,
    account_id: str | None = None,
) -> Explanation:
    """The guard's verdict for ``method path`` by ``token_id`` from ``ip`` at ``at``.

    ``account_id`` stands in for the body's ``account.id`` on create-zone requests.
    Raises TokenNotFound when no token has that id.
    """
    principal = await services.authn.principal_by_id(token_id)
    if principal is None:
        raise TokenNotFound(token_id)
    matched = match_route(method, path)
    if matched is None:
        return Explanation(
            False, 404, 7003, "No route for the URI", ("no route matches",), None, None, None
        )
    route, params = matched
    need = route.need
    label = f"{route.method} {route.path}"
    needs = find_group(need.area, need.access).name if need.area else None
    deciding: str | None = None
    try:
        check_principal(services.authn, principal, need, ip, at, params)
        if need.area is None:
            reason = "any usable token may call this route (the handler filters what it shows)"
            return Explanation(True, 200, None, "OK", (reason,), label, None, None)

        async def body_account() -> str:
            return _body_account(principal, account_id)

        resource, _ = await resolve_resource(services, need, principal, params, body_account)
        decision = decide_need(principal, need, resource)
        if not decision.allowed:
            deciding = decision.policy_id  # a deny policy, or None when nothing granted it
            raise PermissionDenied("; ".join(decision.reasons))
    except FlareliteError as exc:
        why = _why(exc)
        return Explanation(False, exc.status, exc.code, exc.message, why, label, needs, deciding)
    return Explanation(True, 200, None, "OK", decision.reasons, label, needs, decision.policy_id)


def match_route(method: str, path: str) -> tuple[Route, dict[str, Any]] | None:
    """The first route of the table for ``method path`` (as the router picks), with its params."""
    path = path.split("?", 1)[0]
    if path.startswith(PREFIX):
        path = path[len(PREFIX) :]
    method = method.upper()
    for route, pattern, convertors in _compiled():
        found = pattern.match(path)
        if found is not None and route.method == method:
            params = {k: convertors[k].convert(v) for k, v in found.groupdict().items()}
            return route, params
    return None


@cache
def _compiled() -> tuple[tuple[Route, re.Pattern[str], dict[str, Convertor[Any]]], ...]:
    register_convertors()  # the `segment` convertor of image ids
    compiled = []
    for route in ROUTES:
        pattern, _, convertors = compile_path(route.path)
        compiled.append((route, pattern, convertors))
    return tuple(compiled)


def _body_account(principal: Principal, account_id: str | None) -> str:
    if account_id:
        return account_id
    if principal.account_id:
        return principal.account_id
    accounts = list(principal.reachable or {})
    if len(accounts) == 1:
        return accounts[0]
    raise Invalid(
        detail="account.id: required (name the create-zone body's account: "
        "--account in the CLI, the Account field in the dashboard)"
    )


def _why(exc: FlareliteError) -> tuple[str, ...]:
    """The internal reasons: the denial's own, else its cause's (expired, wrong address...)."""
    if isinstance(exc, PermissionDenied):
        return tuple(str(exc).split("; "))
    cause = exc.__cause__
    return (str(cause) if cause is not None else str(exc),)
