"""Direct creator uploads (§2.8): the authenticated create, and the one-time public upload URL.

The create takes multipart/form-data (spec, SDKs) or a JSON body (the docs' curl example);
the upload URL takes one multipart POST with the image in part ``file``, no credentials.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.api.forms import Form, is_multipart, read_body, read_form
from flarelite.api.handlers.images import form_bool, form_metadata, image_as_api
from flarelite.images.direct_upload import DirectUploadInput
from flarelite.images.errors import ImagesBadRequest

CREATE_BODY_LIMIT = 64 * 1024


async def create_direct_upload(request: Request, account_id: str) -> Response:
    form = await _create_form(request)
    created = await services_of(request).direct_uploads.create(
        DirectUploadInput(
            account_id=account_id,
            custom_id=form.fields.get("id"),
            creator=form.fields.get("creator"),
            metadata=form_metadata(form),
            requires_signed_urls=form_bool(form, "requireSignedURLs"),
            expiry=_expiry(form.fields.get("expiry")),
        )
    )
    return ok({"id": created.id, "uploadURL": created.upload_url})


async def upload_to_url(request: Request, token: str) -> Response:
    """POST <public>/cdn-cgi/imagedelivery/upload/<token>: unauthenticated, single use."""
    form = await read_form(request)
    file = form.files.get("file")
    if file is None:
        raise ImagesBadRequest("no file part", detail="Bad request: send the image as part file")
    image = await services_of(request).direct_uploads.complete(token, file.data, file.filename)
    return ok(image_as_api(image))


async def _create_form(request: Request) -> Form:
    if is_multipart(request):
        return await read_form(request, CREATE_BODY_LIMIT)
    body = await read_body(request, CREATE_BODY_LIMIT)
    if not body.strip():
        return Form()
    try:
        values = json.loads(body)
    except ValueError as exc:
        raise ImagesBadRequest("json", detail="Bad request: body is not JSON") from exc
    if not isinstance(values, dict):
        raise ImagesBadRequest("json", detail="Bad request: body must be a JSON object")
    return Form(fields={k: _as_field(v) for k, v in values.items()})


def _as_field(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _expiry(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ImagesBadRequest("expiry", detail="Bad request: expiry must be a date-time") from exc
