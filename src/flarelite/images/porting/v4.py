"""A v4 Images API as a copy source: Cloudflare itself, or another flarelite.

Reads list v2 pages (continuation tokens), each original from ``/blob``, the named variants
and the account config (reference images.md §2). Retries 429, 5xx and dropped connections
with back-off, honouring ``Retry-After``: a long import runs into the API's rate limit
(1200 requests per 5 minutes) and must wait rather than fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import anyio
import httpx

from flarelite.images.porting.model import (
    ImageFailed,
    Original,
    PortingError,
    SourceImage,
    VariantSpec,
)

PAGE_SIZE = 1000  # list v2 allows 10 to 10000 per page
ATTEMPTS = 5
MAX_WAIT = 120.0  # seconds; a longer Retry-After is cut to this
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class V4Source:
    """Images of one account behind a v4 API base URL such as ``…/client/v4``."""

    def __init__(
        self, base_url: str, token: str, account_id: str, *, client: httpx.AsyncClient
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._account = f"/accounts/{quote(account_id, safe='')}"

    async def count(self) -> int | None:
        try:
            result = await self._json("GET", "/images/v1/stats")
            return int(result["count"]["current"])
        except (PortingError, KeyError, TypeError, ValueError):
            return None  # only the progress bar's total: not worth failing for

    async def images(self) -> AsyncIterator[SourceImage]:
        token: str | None = None
        while True:
            params: dict[str, str | int] = {"per_page": PAGE_SIZE, "sort_order": "asc"}
            if token:
                params["continuation_token"] = token
            result = await self._json("GET", "/images/v2", params=params)
            for item in result.get("images") or []:
                if not item.get("draft"):  # a pending direct upload has no bytes yet
                    yield image_of(item)
            token = result.get("continuation_token")
            if not token:
                return

    async def original(self, image: SourceImage) -> Original:
        path = f"/images/v1/{quote(image.id, safe='')}/blob"
        try:
            response = await self._request("GET", path, headers={"Accept": "image/*"})
        except PortingError as exc:
            raise ImageFailed(str(exc)) from exc
        content_type = response.headers.get("content-type", "").split(";")[0].strip() or None
        return Original(response.content, content_type)

    async def variants(self) -> list[VariantSpec]:
        result = await self._json("GET", "/images/v1/variants")
        found = result.get("variants") or {}
        return [
            VariantSpec(
                name=str(value.get("id") or name),
                options=dict(value.get("options") or {}),
                never_requires_signed_urls=bool(value.get("neverRequireSignedURLs", False)),
            )
            for name, value in sorted(found.items())
        ]

    async def config(self) -> dict[str, Any] | None:
        # No SDK method and an undocumented shape on Cloudflare (images.md §2.9, §9): optional.
        try:
            result = await self._json("GET", "/images/v1/config")
        except PortingError:
            return None
        return result if isinstance(result, dict) else None

    # --- HTTP -------------------------------------------------------------------------------

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError as exc:
            raise PortingError(f"{method} {path}: the answer is not JSON") from exc
        if not isinstance(body, dict) or not body.get("success"):
            raise PortingError(f"{method} {path}: {_errors_of(body)}")
        return body.get("result")

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self._base + self._account + path
        headers = self._headers | kwargs.pop("headers", {})
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await self._client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if attempt == ATTEMPTS:
                    raise PortingError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
                await anyio.sleep(_backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES and attempt < ATTEMPTS:
                await anyio.sleep(_retry_after(response) or _backoff(attempt))
                continue
            if response.is_success:
                return response
            raise PortingError(
                f"{method} {path}: HTTP {response.status_code}: {_describe(response)}"
            )
        raise AssertionError("unreachable")  # the loop returns or raises


def image_of(item: dict[str, Any]) -> SourceImage:
    """An Image object (§2.1) as a SourceImage."""
    meta = item.get("meta")
    return SourceImage(
        id=str(item["id"]),
        filename=item.get("filename"),
        creator=item.get("creator"),
        meta=dict(meta) if isinstance(meta, dict) else {},
        requires_signed_urls=bool(item.get("requireSignedURLs", False)),
        uploaded=parse_time(item.get("uploaded")),
    )


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as Cloudflare writes it (``…T12:00:00.123Z``); None when absent or odd."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _backoff(attempt: int) -> float:
    return min(MAX_WAIT, 0.5 * 2 ** (attempt - 1))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(MAX_WAIT, max(0.0, float(response.headers["retry-after"])))
    except (KeyError, ValueError):
        return None


def _describe(response: httpx.Response) -> str:
    try:
        return _errors_of(response.json())
    except ValueError:
        return response.text[:200] or response.reason_phrase


def _errors_of(body: object) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return "unexpected answer"
    return "; ".join(f"{e.get('message')} ({e.get('code')})" for e in errors if isinstance(e, dict))
