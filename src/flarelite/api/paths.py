"""Raw-path routing: ``%2F`` inside a path segment survives as part of that segment.

Starlette routes on the decoded path, where ``images/v1/a%2Fb`` would become three segments.
The middleware re-decodes the raw path with encoded slashes replaced by a sentinel, and the
``segment`` convertor turns the sentinel back into ``/`` inside the parameter value.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

ENCODED_SLASH = "\x00"


class SegmentConvertor(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value.replace(ENCODED_SLASH, "/")

    def to_string(self, value: str) -> str:
        return value.replace("/", "%2F")


def register_convertors() -> None:
    register_url_convertor("segment", SegmentConvertor())


def decode_path(raw_path: bytes) -> str | None:
    """The routing path for ``raw_path``; None when it holds a NUL (never legitimate)."""
    text = raw_path.decode("latin-1")
    if "%00" in text or "\x00" in text:
        return None
    parts = text.replace("%2F", ENCODED_SLASH).replace("%2f", ENCODED_SLASH)
    return unquote(parts, encoding="utf-8", errors="replace")


class RawPathMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: Any = scope.get("raw_path")
        if scope["type"] == "http" and raw and b"%2" in raw.lower():
            path = decode_path(raw.split(b"?", 1)[0])
            if path is not None:
                scope = {**scope, "path": path}
        await self.app(scope, receive, send)
