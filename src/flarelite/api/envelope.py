"""Cloudflare's v4 envelope: ``{success, errors, messages, result, result_info}`` on every answer.

Responses are encoded with msgspec: the envelope sits on hot paths (verify, delivery JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from starlette.responses import Response

from flarelite.core.errors import ErrorDetail
from flarelite.core.paging import PageInfo

_encoder = msgspec.json.Encoder()


class EnvelopeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)


def message(code: int, text: str) -> dict[str, Any]:
    # Real responses carry ``type: null`` in message items (reference tokens.md §1, §2.9).
    return {"code": code, "message": text, "type": None}


def ok(
    result: Any,
    *,
    result_info: PageInfo | Mapping[str, Any] | None = None,
    messages: Sequence[Mapping[str, Any]] = (),
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> EnvelopeResponse:
    body: dict[str, Any] = {
        "result": result,
        "success": True,
        "errors": [],
        "messages": list(messages),
    }
    if result_info is not None:
        body["result_info"] = (
            result_info.as_dict() if isinstance(result_info, PageInfo) else dict(result_info)
        )
    return EnvelopeResponse(body, status_code=status, headers=dict(headers or {}))


def error_item(detail: ErrorDetail) -> dict[str, Any]:
    item: dict[str, Any] = {"code": detail.code, "message": detail.message}
    if detail.chain:
        item["error_chain"] = [{"code": c.code, "message": c.message} for c in detail.chain]
    if detail.pointer:
        item["source"] = {"pointer": detail.pointer}
    return item


def failure(
    details: Sequence[ErrorDetail], *, status: int, headers: Mapping[str, str] | None = None
) -> EnvelopeResponse:
    body = {
        "result": None,
        "success": False,
        "errors": [error_item(d) for d in details],
        "messages": [],
    }
    return EnvelopeResponse(body, status_code=status, headers=dict(headers or {}))
