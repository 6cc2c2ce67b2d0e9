"""Images account config (§2.9): ``flexible_variants``, ``browser_ttl``,
``preserve_content_credentials``. The SDKs have no method for it; the shape is ours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.images.account_config import AccountConfig


class ConfigBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    flexible_variants: bool | None = None
    browser_ttl: int | None = None
    preserve_content_credentials: bool | None = None


async def get_config(request: Request, account_id: str) -> Response:
    return ok(config_as_api(await services_of(request).image_config.get(account_id)))


async def edit_config(
    request: Request, account_id: str, body: Annotated[ConfigBody, Body()]
) -> Response:
    config = await services_of(request).image_config.update(
        account_id,
        flexible_variants=body.flexible_variants,
        browser_ttl=body.browser_ttl,
        preserve_content_credentials=body.preserve_content_credentials,
    )
    return ok(config_as_api(config))


def config_as_api(config: AccountConfig) -> dict[str, Any]:
    return {
        "flexible_variants": config.flexible_variants,
        "browser_ttl": config.browser_ttl,
        "preserve_content_credentials": config.preserve_content_credentials,
    }
