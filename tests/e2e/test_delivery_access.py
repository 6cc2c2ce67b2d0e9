"""Delivery of private images (signed URLs, reference images.md §5) and of hostile SVGs (§3.3)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.e2e.delivery_support import (
    auth,
    decoded,
    delivery_base,
    images_api,
    set_config,
    sign,
    signing_keys,
    upload,
)
from tests.image_corpus import jpeg
from tests.servers import Server, running_server

from flarelite.images.svg import SVG_CSP

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("delivery-access")) as started:
        set_config(started, flexible_variants=True)
        yield started


@pytest.fixture(scope="module")
def private(server: Server) -> dict[str, Any]:
    return upload(server, jpeg(300, 200), "p.jpg", "image/jpeg", requireSignedURLs="true")


def signed(url: str, key: str, exp: int | None, *, strip_prefix: bool = False) -> str:
    parts = urlsplit(url)
    path = parts.path.removeprefix("/cdn-cgi/imagedelivery") if strip_prefix else parts.path
    message = f"{path}?exp={exp}" if exp is not None else path
    query = (
        f"exp={exp}&sig={sign(message, key)}" if exp is not None else f"sig={sign(message, key)}"
    )
    return f"{url}?{query}"


def test_private_image_needs_a_signature(private: dict[str, Any]) -> None:
    response = httpx.get(private["variants"][0])
    assert (response.status_code, response.text[:10]) == (403, "ERROR 9425")


def test_signed_url_with_every_key_is_served_privately(
    server: Server, private: dict[str, Any]
) -> None:
    url = private["variants"][0]
    exp = int(time.time()) + 600
    added = httpx.put(images_api(server, "v1/keys/second"), headers=auth(server))
    assert added.status_code == 200, added.text
    keys = signing_keys(server)
    assert len(keys) >= 2
    for key in keys:
        response = httpx.get(signed(url, key, exp))
        assert response.status_code == 200, response.text
        assert decoded(response).width == 300
        cache_control = response.headers["cache-control"]
        assert cache_control.startswith("private, max-age=")
        assert int(cache_control.split("=")[1]) <= 600


def test_imagedelivery_net_style_signature_and_no_expiry_are_accepted(
    server: Server, private: dict[str, Any]
) -> None:
    key = signing_keys(server)[0]
    url = private["variants"][0]
    assert httpx.get(signed(url, key, int(time.time()) + 60, strip_prefix=True)).status_code == 200
    assert httpx.get(signed(url, key, None)).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url[:-1] + ("0" if url[-1] != "0" else "1"),  # one hex digit off
        lambda url: url.replace("exp=", "exp=9"),  # expiry moved: signature no longer covers it
        lambda url: url.split("&sig=")[0] + "&sig=zz",  # malformed
        lambda url: url.split("&sig=")[0],  # missing
        lambda url: url + "&sig=" + "0" * 64,  # two signatures
    ],
)
def test_wrong_or_missing_signature_is_refused(
    server: Server, private: dict[str, Any], tamper: Any
) -> None:
    key = signing_keys(server)[0]
    url = tamper(signed(private["variants"][0], key, int(time.time()) + 600))
    response = httpx.get(url)
    assert (response.status_code, response.text[:10]) == (403, "ERROR 9425")


def test_expired_signed_url_is_refused(server: Server, private: dict[str, Any]) -> None:
    key = signing_keys(server)[0]
    response = httpx.get(signed(private["variants"][0], key, int(time.time()) - 5))
    assert (response.status_code, response.text[:10]) == (403, "ERROR 9425")
    assert "expired" in response.text


def test_flexible_options_never_serve_a_private_image(
    server: Server, private: dict[str, Any]
) -> None:
    key = signing_keys(server)[0]
    url = delivery_base(private) + "/w=100"
    response = httpx.get(signed(url, key, int(time.time()) + 600))
    assert (response.status_code, response.text[:10]) == (403, "ERROR 9425")


def test_variant_that_never_requires_signatures_is_public(
    server: Server, private: dict[str, Any]
) -> None:
    created = httpx.post(
        images_api(server, "v1/variants"),
        headers=auth(server),
        json={"id": "open", "options": {"width": 60}, "neverRequireSignedURLs": True},
    )
    assert created.status_code == 200, created.text
    response = httpx.get(delivery_base(private) + "/open")
    assert response.status_code == 200
    assert decoded(response).width == 60


def test_rotated_key_invalidates_urls_signed_with_the_old_value(
    server: Server, private: dict[str, Any]
) -> None:
    httpx.put(images_api(server, "v1/keys/rotating"), headers=auth(server)).raise_for_status()
    before = set(signing_keys(server))
    httpx.put(images_api(server, "v1/keys/rotating"), headers=auth(server)).raise_for_status()
    (old,) = before - set(signing_keys(server))
    response = httpx.get(signed(private["variants"][0], old, int(time.time()) + 600))
    assert response.status_code == 403


HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="80" onload="alert('onload')">
  <script>alert('script')</script>
  <rect width="120" height="80" fill="red" onclick="alert('click')"/>
  <foreignObject width="100" height="50"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <image xlink:href="file:///etc/passwd" width="10" height="10"/>
  <image href="http://attacker.invalid/x.png" width="10" height="10"/>
  <use xlink:href="http://attacker.invalid/sprite.svg#icon"/>
  <a xlink:href="javascript:alert('a')"><circle r="5"/></a>
  <style>@import url(http://attacker.invalid/x.css);
    rect { fill: url(http://attacker.invalid/f) }</style>
</svg>
"""


def test_hostile_svg_is_delivered_sanitised_with_a_strict_csp(server: Server) -> None:
    image = upload(server, HOSTILE_SVG, "evil.svg", "image/svg+xml")
    base = delivery_base(image)
    for suffix in ("public", "w=10,h=10,fit=cover"):  # SVG is never resized (§3.3)
        response = httpx.get(f"{base}/{suffix}", headers={"Accept": "image/avif,image/webp"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.headers["content-security-policy"] == SVG_CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        body = response.text.lower()
        for banned in ("<script", "onload", "onclick", "foreignobject", "file:", "http://att",
                       "javascript:", "@import"):  # fmt: skip
            assert banned not in body, banned
        assert "<rect" in body
    as_raster = httpx.get(f"{base}/f=webp")
    assert (as_raster.status_code, as_raster.text[:10]) == (415, "ERROR 9412")
