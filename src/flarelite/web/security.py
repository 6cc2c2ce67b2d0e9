"""Response headers every dashboard page carries, and whether the request came over https.

The CSP allows scripts only from our own static files (no 'unsafe-inline'), so an injected
``<script>`` in a token name or image file name could never run even if escaping failed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from flarelite.config import Settings


def content_security_policy(public_url: str) -> str:
    # Thumbnails come from the delivery route, which may live on the public URL's origin.
    parts = urlsplit(public_url)
    image_origin = f"{parts.scheme}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'self'",
            f"img-src 'self' data: {image_origin}",
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def add_security_headers(response: Response, settings: Settings, *, no_store: bool) -> None:
    headers = response.headers
    headers["content-security-policy"] = content_security_policy(settings.public_url)
    headers["x-content-type-options"] = "nosniff"
    headers["x-frame-options"] = "DENY"
    headers["referrer-policy"] = "same-origin"
    # Pages hold per-user data; a page that shows a secret must not survive the Back button.
    headers["cache-control"] = "no-store" if no_store else "private, no-cache"


def is_https(request: Request, trusted_peer: bool) -> bool:
    """https on the socket, or X-Forwarded-Proto sent by a trusted proxy."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "")
    return trusted_peer and forwarded.split(",")[0].strip().lower() == "https"


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def peer_is_trusted(request: Request, trusted: Sequence[Network]) -> bool:
    peer = request.client.host if request.client else None
    if not peer or not trusted:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in trusted)
