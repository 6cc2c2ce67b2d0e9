"""create_app(settings) → the ASGI app: lifespan builds Services; the API, error map, health.

Factory mode: nothing is built at import time. Migrations run before workers start
(``flarelite serve``), not here.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

import anyio
import structlog
from fastapi import FastAPI
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from flarelite import __version__
from flarelite.api import errors as api_errors
from flarelite.api.auth import rate_limit_headers, request_ip
from flarelite.api.cors import UploadCorsMiddleware
from flarelite.api.explain import explain
from flarelite.api.handlers.direct_uploads import upload_to_url
from flarelite.api.handlers.leaks import LEAK_INTAKE_PATH, receive_leak_report
from flarelite.api.openapi_models import finish_openapi
from flarelite.api.paths import RawPathMiddleware, register_convertors
from flarelite.api.routes import SECURITY_SCHEMES, install_routes
from flarelite.cdn.app import DeliveryApp, DeliveryMount
from flarelite.cdn.invalidation import ImagesWriteSignal
from flarelite.config import Settings
from flarelite.control.app import ControlMiddleware
from flarelite.core.clock import Clock
from flarelite.images.direct_upload import UPLOAD_PATH
from flarelite.images.pipeline import configure_vips
from flarelite.observability.access import AccessMiddleware
from flarelite.observability.logging import configure_logging
from flarelite.observability.request_metrics import RequestMetricsMiddleware, metrics_endpoint
from flarelite.services import Services, build
from flarelite.storage.blobs import BlobNotFound
from flarelite.web.routes import install as install_dashboard

log = structlog.get_logger(__name__)
LAST_USED_FLUSH_SECONDS = 5.0
READINESS_PROBE_KEY = "readyz/probe"  # never written: readiness only asks the store


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    configure_logging()
    register_convertors()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build(settings, clock=clock)
        app.state.services = services
        configure_vips(threads=1)  # once per worker process (performance.md: 1 thread/transform)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_flush_last_used, services)
            for task in services.background_tasks():
                tasks.start_soon(task)
            freeze_startup_objects()
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
        await _write_last_used(services)
        await services.close()

    app = FastAPI(
        title="flarelite",
        version=__version__,
        description="Cloudflare v4-compatible API tokens, Images and DNS, self-hosted.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    install_routes(app)
    # Server-rendered pages at /login, /profile…, with the API's client-IP rule and simulator.
    install_dashboard(app, client_ip=request_ip, explain=explain)
    _declare_security(app)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/metrics",
        metrics_endpoint(settings.metrics_token),
        methods=["GET"],
        include_in_schema=False,
    )
    # The one-time direct creator upload URL: no credentials, the token is the capability.
    app.add_api_route(
        UPLOAD_PATH + "/{token}", upload_to_url, methods=["POST"], include_in_schema=False
    )
    # GitHub secret-scanning reports: the signature is the credential (SECURITY.md).
    app.add_api_route(
        LEAK_INTAKE_PATH, receive_leak_report, methods=["POST"], include_in_schema=False
    )
    api_errors.install(app)
    app.add_middleware(RawPathMiddleware)
    app.add_middleware(UploadCorsMiddleware, path_prefix=UPLOAD_PATH + "/")
    app.add_middleware(
        AccessMiddleware,
        rate_limit_headers=rate_limit_headers,
        crash_response=api_errors.crash_response,
    )
    app.add_middleware(ImagesWriteSignal, bump=lambda: app.state.services.image_changes.bump)
    # Outermost: delivery GET/HEAD never enter FastAPI's routing, access log or error map.
    app.add_middleware(DeliveryMount, delivery=DeliveryApp(lambda: app.state.services.delivery))
    if settings.test_control:  # CI only (docs/test-control.md): reset, seed, clock, faults
        app.add_middleware(
            ControlMiddleware, services=lambda: app.state.services, data_dir=settings.data_dir
        )
    # Outermost of all: every request is counted, delivery and injected faults included.
    app.add_middleware(RequestMetricsMiddleware)
    return app


def _declare_security(app: FastAPI) -> None:
    """Name the bearer scheme in the OpenAPI document (the guard enforces it, not FastAPI)."""
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = finish_openapi(build_schema())
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def freeze_startup_objects() -> None:
    """Move everything built so far (modules, routes, services) out of the collector's reach.

    Full collections then scan only what requests create, and they come sooner (the trigger
    is 25% growth over the long-lived objects), so garbage in reference cycles is freed
    before it piles up under load.
    """
    gc.collect()
    gc.freeze()


async def healthz() -> Response:
    return JSONResponse({"ok": True})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # readiness reports any failure instead of raising it
        log.warning("not_ready", error=str(exc))
        return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
    checks = {"ok": True, "database": "ok"}
    if services.redis is not None:
        try:
            await services.redis.ping()
        except Exception as exc:
            log.warning("redis_unreachable", error=str(exc))
            checks["redis"] = "unreachable (degraded: per-node limits, 1 s revocation TTL)"
        else:
            checks["redis"] = "ok"
    try:  # one small request: a key that is never written answers "not found" when all is well
        await services.blobs.get(READINESS_PROBE_KEY)
    except BlobNotFound:
        checks["storage"] = "ok"
    except Exception as exc:
        log.warning("not_ready", storage="unreachable", error=str(exc))
        return JSONResponse({**checks, "ok": False, "storage": "unreachable"}, status_code=503)
    else:
        checks["storage"] = "ok"
    return JSONResponse(checks)


async def _flush_last_used(services: Services) -> None:
    while True:
        await anyio.sleep(LAST_USED_FLUSH_SECONDS)
        await _write_last_used(services)


async def _write_last_used(services: Services) -> None:
    pending = services.authn.take_pending_uses()
    try:
        await services.tokens.record_last_used(pending)
    except Exception as exc:  # last_used_on is advisory: never let it take the server down
        log.warning("last_used_write_failed", error=str(exc), tokens=len(pending))
