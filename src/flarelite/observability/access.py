"""Per-request middleware: a request id bound into every log line, and the access log.

Also copies the rate-limit verdict the guard left in the request state onto the response,
and turns a crash into the surface's 500 answer here, where the request id is still known.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

import structlog
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("flarelite.access")


class AccessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        rate_limit_headers: Any,
        crash_response: Callable[[str], Response],
    ) -> None:
        self.app = app
        self._rate_limit_headers = rate_limit_headers
        self._crash_response = crash_response
        # A random per-process prefix plus a counter: unique without a syscall per request.
        self._id_prefix = f"{secrets.token_hex(4)}{os.getpid() & 0xFFFF:04x}"
        self._counter = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"{self._id_prefix}{next(self._counter):08x}"
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                verdict = scope.get("state", {}).get("rate_limit")
                if verdict is not None:
                    headers.extend(
                        (k.encode(), v.encode())
                        for k, v in self._rate_limit_headers(verdict).items()
                    )
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug: logged with the request id; the client gets a generic answer.
            log.exception("unhandled_error", path=scope.get("path"))
            if started_response:
                raise
            await self._crash_response(scope.get("path", ""))(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
