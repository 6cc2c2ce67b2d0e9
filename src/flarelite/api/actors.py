"""Who is calling, for the audit log: the authenticated principal and the client address."""

from __future__ import annotations

from starlette.requests import Request

from flarelite.api.auth import principal_of, request_ip, services_of
from flarelite.audit.events import Actor
from flarelite.tokens.secrets import TokenKind


async def actor_of(request: Request) -> Actor:
    """The audit actor of an authorised request: the user behind a user token (with their
    email, as Cloudflare shows it), or the account-owned token itself."""
    principal = principal_of(request)
    ip = request_ip(request)
    if principal.kind is TokenKind.USER and principal.user_id is not None:
        user = await services_of(request).identity.get_user(principal.user_id)
        return Actor.user(principal.user_id, user.email, ip, token_id=principal.token_id)
    return Actor.account_token(principal.token_id, ip)
