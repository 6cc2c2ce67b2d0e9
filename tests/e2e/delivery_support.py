"""Helpers shared by the delivery e2e modules: upload, account config, signed URLs, decoding."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pyvips
from tests.servers import Server


def auth(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def images_api(server: Server, rest: str = "") -> str:
    return f"{server.api}/accounts/{server.account_id}/images/{rest}"


def upload(
    server: Server, data: bytes, name: str, content_type: str, **fields: str
) -> dict[str, Any]:
    response = httpx.post(
        images_api(server, "v1"),
        headers=auth(server),
        files={"file": (name, data, content_type)},
        data=fields,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def delivery_base(image: dict[str, Any]) -> str:
    """The delivery URL of ``image`` without its last segment."""
    url: str = image["variants"][0]
    return url.rsplit("/", 1)[0]


def set_config(server: Server, **values: object) -> None:
    response = httpx.patch(images_api(server, "v1/config"), headers=auth(server), json=values)
    assert response.status_code == 200, response.text


def signing_keys(server: Server) -> list[str]:
    response = httpx.get(images_api(server, "v1/keys"), headers=auth(server))
    assert response.status_code == 200, response.text
    return [key["value"] for key in response.json()["result"]["keys"]]


def sign(path_and_query: str, key: str) -> str:
    """§5: hex HMAC-SHA256 over path + query, keyed with the key string's bytes."""
    return hmac.new(key.encode(), path_and_query.encode(), hashlib.sha256).hexdigest()


def decoded(response: httpx.Response) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(response.content, "")


def loader(image: pyvips.Image) -> str:
    return str(image.get("vips-loader"))
