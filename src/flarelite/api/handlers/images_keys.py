"""Images signing keys (§2, rows 15-17; §5): every answer lists all keys of the account."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.images.signing import KeyValue


async def list_keys(request: Request, account_id: str) -> Response:
    return _keys(await services_of(request).image_keys.list(account_id))


async def update_key(request: Request, account_id: str, signing_key_name: str) -> Response:
    # The SDK sends no body (only a JSON content type): nothing to read (§2.10).
    return _keys(await services_of(request).image_keys.put(account_id, signing_key_name))


async def delete_key(request: Request, account_id: str, signing_key_name: str) -> Response:
    return _keys(await services_of(request).image_keys.delete(account_id, signing_key_name))


def _keys(keys: list[KeyValue]) -> Response:
    return ok({"keys": [{"name": k.name, "value": k.value} for k in keys]})
