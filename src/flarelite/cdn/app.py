"""The raw ASGI delivery app and the mount that sends ``GET|HEAD /cdn-cgi/imagedelivery/`` to it.

No framework machinery on this path: a cached variant costs a few dictionary lookups and
one ``send`` (performance.md: about 0.1 ms of CPU per hit). Errors go through cdn/errors.py.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from flarelite.cdn.errors import Headers, as_delivery_error, error_response
from flarelite.images.delivery import Delivered, DeliveryRequest, DeliveryService
from flarelite.images.delivery_url import PREFIX
from flarelite.images.svg import SVG_CSP
from flarelite.observability.metrics import DELIVERY_BYTES

_METHODS = frozenset({"GET", "HEAD"})
_SVG_CSP = SVG_CSP.encode()


class DeliveryApp:
    """Answers delivery requests; ``services`` yields this process's DeliveryService."""

    def __init__(self, delivery: Callable[[], DeliveryService]) -> None:
        self._delivery = delivery

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _request(scope)
        try:
            delivered = await self._delivery().deliver(request)
        except Exception as exc:  # every failure answers in the plain-text map (§3.5)
            status, headers, body = error_response(as_delivery_error(exc))
        else:
            status, headers, body = _success(delivered)
            DELIVERY_BYTES.inc(len(body) if scope["method"] == "GET" else 0)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def _request(scope: Scope) -> DeliveryRequest:
    accept = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    raw = scope.get("raw_path") or scope["path"].encode()
    return DeliveryRequest(
        path=scope["path"],
        raw_path=raw.split(b"?", 1)[0].decode("latin-1"),
        query=scope.get("query_string", b"").decode("latin-1"),
        accept=accept,
        if_none_match=if_none_match,
    )


def _success(delivered: Delivered) -> tuple[int, Headers, bytes]:
    variant = delivered.variant
    headers: Headers = [
        (b"etag", variant.etag.encode()),
        (b"cache-control", delivered.cache_control.encode()),
        (b"vary", b"Accept"),
        (b"x-content-type-options", b"nosniff"),
    ]
    if delivered.not_modified:  # RFC 9110 §15.4.5: validators and caching headers, no body
        return 304, headers, b""
    headers.append((b"content-type", variant.content_type.encode()))
    headers.append((b"content-length", str(len(variant.data)).encode()))
    if delivered.is_svg:  # §3.3: SVG is served sanitised, and locked down by CSP as well
        headers.append((b"content-security-policy", _SVG_CSP))
    return 200, headers, variant.data


class DeliveryMount:
    """Middleware in front of the API: delivery GET/HEAD go to ``delivery``, the rest passes.

    Other methods under the prefix (the direct-upload POST and its CORS preflight) stay with
    the API app.
    """

    def __init__(self, app: ASGIApp, *, delivery: ASGIApp) -> None:
        self.app = app
        self._delivery = delivery

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(PREFIX)
            and scope["method"] in _METHODS
        ):
            await self._delivery(scope, receive, send)
            return
        await self.app(scope, receive, send)
