"""Announces successful Images API writes on the images change feed, so every worker's delivery
lookups (images/delivery_lookup.py) drop what they cached: PATCH/DELETE of images, variants,
keys and config, and new uploads, are seen by the next delivery on any worker (§4.4 purges)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flarelite.images.direct_upload import UPLOAD_PATH

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_API_ACCOUNTS = "/client/v4/accounts/"


def is_images_write(method: str, path: str) -> bool:
    if method in _SAFE:
        return False
    return (path.startswith(_API_ACCOUNTS) and "/images/" in path) or path.startswith(UPLOAD_PATH)


class ImagesWriteSignal:
    def __init__(self, app: ASGIApp, *, bump: Callable[[], Callable[[], None]]) -> None:
        self.app = app
        self._bump = bump  # returns the feed's bump: services exist only after the lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_images_write(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_after_write(message: Message) -> None:
            # Bump before the client sees the answer, so its next request finds fresh data.
            if message["type"] == "http.response.start" and message["status"] < 400:
                self._bump()()
            await send(message)

        await self.app(scope, receive, send_after_write)
