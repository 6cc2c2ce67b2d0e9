"""Images v1/v2: upload, list, get, edit, delete, blob, stats, batch token (reference images.md §2).

Wire names are Cloudflare's (``requireSignedURLs``, ``meta``, ``continuation_token``);
translation to the service's Python names happens here and nowhere else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Body, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.actors import actor_of
from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.api.forms import Form, read_form
from flarelite.core.paging import PageRequest
from flarelite.images.batch import issue_batch_token
from flarelite.images.errors import ImagesBadRequest
from flarelite.images.listing import parse_filters
from flarelite.images.records import ImageRecord
from flarelite.images.service import UNSET, ListQuery, UploadInput
from flarelite.images.svg import SVG_CSP

PerPage = Annotated[float | None, Query(ge=1, le=100_000)]


async def create_image(request: Request, account_id: str) -> Response:
    form = await read_form(request)
    image = await services_of(request).images.upload(upload_input(account_id, form))
    return ok(image_as_api(image))


async def list_images(
    request: Request,
    account_id: str,
    page: Annotated[float | None, Query(ge=1, le=1_000_000)] = None,
    per_page: PerPage = None,
    creator: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    """List v1 (§2.3): ``result.images``; a page past the end is empty."""
    paging = _paging(page, per_page)
    images = await services_of(request).images.list_page(
        account_id, paging.page, paging.per_page, creator
    )
    return ok({"images": [image_as_api(i) for i in images]})


async def list_images_v2(
    request: Request,
    account_id: str,
    continuation_token: Annotated[str | None, Query(max_length=100)] = None,
    per_page: PerPage = None,
    sort_order: Annotated[Literal["asc", "desc"] | None, Query()] = None,
    creator: Annotated[str | None, Query(max_length=1024)] = None,
) -> Response:
    """List v2 (§2.4): keyset pages, ``continuation_token`` null on the last one."""
    query = ListQuery(
        per_page=_paging(1, per_page).per_page,
        cursor=continuation_token or None,
        descending=sort_order != "asc",
        creator=creator,
        filters=parse_filters(request.query_params.multi_items()),
    )
    images, token = await services_of(request).images.list_after(account_id, query)
    return ok({"images": [image_as_api(i) for i in images], "continuation_token": token})


async def get_image(request: Request, account_id: str, image_id: str) -> Response:
    return ok(image_as_api(await services_of(request).images.get(account_id, image_id)))


class ImageEditBody(BaseModel):
    """PATCH fields (§2.5); omitted ones stay as they are, ``metadata`` replaces."""

    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    requireSignedURLs: bool | None = None
    creator: str | None = Field(default=None, max_length=1024)


async def edit_image(
    request: Request, account_id: str, image_id: str, body: Annotated[ImageEditBody, Body()]
) -> Response:
    given = body.model_fields_set
    image = await services_of(request).images.edit(
        account_id,
        image_id,
        metadata=(body.metadata or {}) if "metadata" in given else UNSET,
        requires_signed_urls=body.requireSignedURLs,
        creator=body.creator if "creator" in given else UNSET,
    )
    return ok(image_as_api(image))


async def delete_image(request: Request, account_id: str, image_id: str) -> Response:
    await services_of(request).images.delete(account_id, image_id, actor=await actor_of(request))
    return ok({})


async def get_image_blob(request: Request, account_id: str, image_id: str) -> Response:
    data, content_type = await services_of(request).images.original(account_id, image_id)
    # The original as uploaded: an SVG keeps its scripts, a polyglot its payload. Never let a
    # browser sniff it or run it (the delivery surface does the same, cdn/app.py).
    return Response(data, media_type=content_type, headers=_BLOB_HEADERS)


_BLOB_HEADERS = {"x-content-type-options": "nosniff", "content-security-policy": SVG_CSP}


async def get_stats(request: Request, account_id: str) -> Response:
    current, allowed = await services_of(request).images.stats(account_id)
    return ok({"count": {"allowed": allowed, "current": current}})


async def get_batch_token(request: Request, account_id: str) -> Response:
    services = services_of(request)
    await services.images.stats(account_id)  # the account must exist
    token = issue_batch_token(services.settings.secret_key, account_id, services.clock.now())
    return ok({"token": token.value, "expiresAt": _rfc3339_nanos(token.expires_at)})


# --- wire translation ---------------------------------------------------------------------


def upload_input(account_id: str, form: Form) -> UploadInput:
    """The upload fields of §2.2 from a multipart form (file xor url is the service's rule)."""
    file = form.files.get("file")
    return UploadInput(
        account_id=account_id,
        data=file.data if file is not None else None,
        url=form.fields.get("url") or None,
        filename=file.filename if file is not None else None,
        custom_id=form.fields.get("id"),
        metadata=form_metadata(form),
        requires_signed_urls=form_bool(form, "requireSignedURLs"),
        creator=form.fields.get("creator"),
    )


def form_bool(form: Form, name: str) -> bool:
    raw = form.fields.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", ""):
        raise ImagesBadRequest(name, detail=f"Bad request: {name} must be true or false")
    return raw in ("true", "1")


_BRACKETS = re.compile(r"(?:\[[^\[\]]+\])+")
_BRACKET = re.compile(r"\[([^\[\]]+)\]")


def form_metadata(form: Form) -> str | dict[str, Any] | None:
    """``metadata`` as one JSON-string part (curl, docs), or the SDKs' ``metadata.k`` (PY, GO)
    and ``metadata[k]`` (TS) parts, whose values arrive as strings (§2.10)."""
    if "metadata" in form.fields:
        return form.fields["metadata"]
    nested: dict[str, Any] = {}
    for name, value in form.fields.items():
        if name.startswith(("metadata.", "metadata[")):
            _put(nested, _metadata_path(name), value, name)
    return nested or None


def _metadata_path(name: str) -> list[str]:
    rest = name.removeprefix("metadata")
    if rest.startswith(".") and all(rest[1:].split(".")):
        return rest[1:].split(".")
    if _BRACKETS.fullmatch(rest):
        return _BRACKET.findall(rest)
    raise ImagesBadRequest(name, detail="Bad request: Error parsing form fields")


def _put(target: dict[str, Any], path: list[str], value: str, name: str) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise ImagesBadRequest(name, detail="Bad request: Error parsing form fields")
    if isinstance(target.get(path[-1]), dict):
        raise ImagesBadRequest(name, detail="Bad request: Error parsing form fields")
    target[path[-1]] = value


def _paging(page: float | None, per_page: float | None) -> PageRequest:
    # Spec bounds for both lists: per_page 10-10000, default 1000 (§2.3, §2.4).
    whole = [None if v is None else int(v) for v in (page, per_page)]
    if any(v is not None and v != int(v) for v in (page, per_page)):
        raise ImagesBadRequest("paging", detail="Bad request: page and per_page are whole numbers")
    return PageRequest.parse(
        whole[0], whole[1], default_per_page=1000, min_per_page=10, max_per_page=10_000
    )


def image_as_api(image: ImageRecord) -> dict[str, Any]:
    """The Image object (§2.1, §2.11): ``meta`` and ``creator`` only when set, ``draft`` only
    on drafts, and no ``filename`` before a draft has bytes."""
    result: dict[str, Any] = {"id": image.id}
    if image.filename is not None:
        result["filename"] = image.filename
    if image.creator is not None:
        result["creator"] = image.creator
    if image.meta:
        result["meta"] = image.meta
    result["uploaded"] = _rfc3339_millis(image.uploaded)
    result["requireSignedURLs"] = image.requires_signed_urls
    result["variants"] = list(image.variants)
    if image.is_draft:
        result["draft"] = True
    return result


def _rfc3339_millis(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rfc3339_nanos(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
