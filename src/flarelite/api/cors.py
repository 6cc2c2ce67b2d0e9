"""CORS for the direct-upload URL: browsers POST there from the creator's own site (§2.8).

Answers the preflight itself and adds ``Access-Control-Allow-Origin: *`` to every answer
under the upload path, errors included (a browser cannot read an error it may not see).
No credentials are involved, so a wildcard origin is safe.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ALLOW = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-max-age", b"86400"),
]


class UploadCorsMiddleware:
    def __init__(self, app: ASGIApp, path_prefix: str) -> None:
        self.app = app
        self.prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._preflight(scope, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), _ALLOW[0]]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: Scope, send: Send) -> None:
        asked = dict(scope["headers"]).get(b"access-control-request-headers", b"*")
        headers = [*_ALLOW, (b"access-control-allow-headers", asked[:1000])]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
