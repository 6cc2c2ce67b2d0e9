"""The one map from exceptions to API responses: FlareliteError → envelope, status, headers.

Framework errors (validation, unknown route, wrong method) go through the same map, so
a client never sees FastAPI's 422 shape or an HTML page under /client/v4.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response

from flarelite.api.envelope import failure
from flarelite.core.errors import ErrorDetail, FlareliteError, Internal
from flarelite.observability.metrics import STORAGE_ERRORS
from flarelite.storage.blobs import BlobStoreFailed

log = structlog.get_logger(__name__)


def error_response(exc: FlareliteError) -> Response:
    headers = dict(exc.headers)
    if exc.should_retry is not None:
        headers["x-should-retry"] = "true" if exc.should_retry else "false"
    if exc.retry_after is not None:
        headers["retry-after"] = str(exc.retry_after)
    return failure(exc.details(), status=exc.status, headers=headers)


async def on_flarelite_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FlareliteError)
    if exc.status >= 500:
        log.error("request_failed", error=str(exc), code=exc.code)
        if isinstance(exc, BlobStoreFailed):
            STORAGE_ERRORS.labels("api").inc()
    return error_response(exc)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [_validation_detail(error) for error in exc.errors()[:10]]
    return failure(details, status=400)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        detail = ErrorDetail(7003, "No route for the URI")
    elif exc.status_code == 405:
        detail = ErrorDetail(
            10000, f"{request.method} method not allowed for the api_token authentication scheme"
        )
    else:
        detail = ErrorDetail(1001 if exc.status_code < 500 else 1002, str(exc.detail))
    return failure([detail], status=exc.status_code, headers=exc.headers)


def crash_response(path: str) -> Response:
    """The answer to a bug (logged by the access middleware): an envelope under the API."""
    if path.startswith("/client/v4"):
        return error_response(Internal())
    return PlainTextResponse("Internal server error", status_code=500)


def _validation_detail(error: dict[str, object]) -> ErrorDetail:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]  # type: ignore[union-attr]
    field = ".".join(location) or "request"
    return ErrorDetail(1001, f"{field}: {error.get('msg', 'invalid value')}", pointer=field)


def install(app: FastAPI) -> None:
    app.add_exception_handler(FlareliteError, on_flarelite_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
