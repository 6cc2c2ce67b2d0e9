"""Images variants (§2.7): the map of named variants; ``public`` always present."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.actors import actor_of
from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.images.variants import VariantDef

_EXAMPLE = {"id": "thumb", "options": {"fit": "scale-down", "width": 120, "height": 90}}


class VariantCreateBody(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_EXAMPLE]})

    id: str = Field(max_length=99)
    options: Any = None  # validated by the service, which names the bad field
    neverRequireSignedURLs: bool = False


class VariantEditBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    options: Any = None
    neverRequireSignedURLs: bool | None = None


async def list_variants(request: Request, account_id: str) -> Response:
    variants = await services_of(request).image_variants.list(account_id)
    return ok({"variants": {name: variant_as_api(v) for name, v in variants.items()}})


async def create_variant(
    request: Request, account_id: str, body: Annotated[VariantCreateBody, Body()]
) -> Response:
    variant = await services_of(request).image_variants.create(
        account_id,
        body.id,
        body.options,
        body.neverRequireSignedURLs,
        actor=await actor_of(request),
    )
    return ok({"variant": variant_as_api(variant)})


async def get_variant(request: Request, account_id: str, variant_id: str) -> Response:
    variant = await services_of(request).image_variants.get(account_id, variant_id)
    return ok({"variant": variant_as_api(variant)})


async def edit_variant(
    request: Request, account_id: str, variant_id: str, body: Annotated[VariantEditBody, Body()]
) -> Response:
    variant = await services_of(request).image_variants.edit(
        account_id,
        variant_id,
        body.options,
        body.neverRequireSignedURLs,
        actor=await actor_of(request),
    )
    return ok({"variant": variant_as_api(variant)})


async def delete_variant(request: Request, account_id: str, variant_id: str) -> Response:
    await services_of(request).image_variants.delete(
        account_id, variant_id, actor=await actor_of(request)
    )
    return ok({})


def variant_as_api(variant: VariantDef) -> dict[str, Any]:
    return {
        "id": variant.name,
        "options": dict(variant.options),
        "neverRequireSignedURLs": variant.never_requires_signed_urls,
    }
