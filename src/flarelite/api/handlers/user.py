"""GET /user: the token's own user, with Cloudflare's field names."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import principal_of, services_of
from flarelite.api.envelope import ok
from flarelite.core.clock import rfc3339
from flarelite.identity.models import User


async def get_user(request: Request) -> Response:
    principal = principal_of(request)
    user = await services_of(request).identity.get_user(principal.user_id or "")
    return ok(user_as_api(user))


def user_as_api(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.email.split("@", 1)[0],
        "telephone": None,
        "country": None,
        "zipcode": None,
        "two_factor_authentication_enabled": False,
        "two_factor_authentication_locked": False,
        "has_pro_zones": False,
        "has_business_zones": False,
        "has_enterprise_zones": False,
        "suspended": False,
        "betas": [],
        "organizations": [],
        "created_on": rfc3339(user.created_on),
        "modified_on": rfc3339(user.modified_on),
    }
