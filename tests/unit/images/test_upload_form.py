"""Multipart upload forms as curl and the three SDKs send them (reference images.md §2.10)."""

from __future__ import annotations

import httpx
import pytest

from flarelite.api.forms import parse_multipart
from flarelite.api.handlers.images import form_metadata, upload_input
from flarelite.images.errors import ImagesBadRequest


def encode(fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> bytes:
    parts = {k: (None, v) for k, v in fields.items()} | dict(files or {})
    request = httpx.Request("POST", "http://x/", files=parts, extensions={})
    body = request.read()
    boundary = request.headers["content-type"].split("boundary=")[1]
    return parse_multipart(body, boundary.encode())  # type: ignore[return-value]


def test_curl_style_form_with_json_metadata() -> None:
    form = encode(
        {"metadata": '{"a": 1}', "id": "x/y", "requireSignedURLs": "false"},
        {"file": ("p.png", b"\x89PNG...")},
    )
    upload = upload_input("acct", form)  # type: ignore[arg-type]
    assert (upload.custom_id, upload.metadata, upload.filename) == ("x/y", '{"a": 1}', "p.png")
    assert upload.data == b"\x89PNG..."
    assert upload.requires_signed_urls is False


@pytest.mark.parametrize(
    "fields",
    [
        {"metadata.k": "v", "metadata.n.x": "1"},  # Python and Go SDKs
        {"metadata[k]": "v", "metadata[n][x]": "1"},  # TypeScript SDK
    ],
)
def test_sdk_flattened_metadata_is_rebuilt(fields: dict[str, str]) -> None:
    assert form_metadata(encode(fields)) == {"k": "v", "n": {"x": "1"}}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"metadata.": "v"},
        {"metadata.a..b": "v"},
        {"metadata[a": "v"},
        {"metadata.a": "1", "metadata.a.b": "2"},
    ],
)
def test_malformed_flattened_metadata_is_a_form_error(fields: dict[str, str]) -> None:
    with pytest.raises(ImagesBadRequest):
        form_metadata(encode(fields))  # type: ignore[arg-type]


def test_truncated_multipart_is_a_form_error() -> None:
    with pytest.raises(ImagesBadRequest):
        parse_multipart(b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nxx', b"b")
