"""Request metrics: one latency observation per HTTP request, by route group and status; and
the ``/metrics`` endpoint that serves them behind FLARELITE_METRICS_TOKEN.

The middleware sits outermost, so image delivery (which skips the API's middleware) is counted.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flarelite.observability.metrics import record_request, render

API_PREFIX = "/client/v4/"
DELIVERY_PREFIX = "/cdn-cgi/imagedelivery/"


def route_group(scope: Scope) -> str:
    """The route table's tag for API routes ("user tokens", "images"...), else a path family."""
    tags = getattr(scope.get("route"), "tags", None)
    if tags:
        return str(tags[0])
    path: str = scope["path"]
    if path.startswith(DELIVERY_PREFIX):
        return "delivery" if scope["method"] in ("GET", "HEAD") else "direct upload"
    if path.startswith(API_PREFIX):
        # Unmatched routes, and the rare image id holding %2F (routed on a copied scope).
        return "api other"
    return "other"


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app crashes before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            record_request(route_group(scope), status, time.perf_counter() - started)


def metrics_endpoint(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """``GET /metrics``: 404 when no token is configured, 401 without ``Bearer <token>``."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: Request) -> Response:
        if expected is None:
            return PlainTextResponse("Not found", status_code=404)
        given = request.headers.get("authorization", "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"www-authenticate": "Bearer"}
            )
        # Reading every worker's files is blocking I/O: keep it off the event loop.
        body, content_type = await anyio.to_thread.run_sync(render)
        return Response(body, media_type=content_type)

    return metrics
