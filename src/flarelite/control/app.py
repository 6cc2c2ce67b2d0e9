"""The test-control plane's HTTP face: ``/_flarelite/*`` endpoints and fault injection.

Mounted by ``create_app`` only when FLARELITE_TEST_CONTROL=1, so production servers pay
nothing and expose nothing. Endpoints (docs/test-control.md):

    POST   /_flarelite/reset            wipe every row and blob; real clock; no faults
    POST   /_flarelite/seed             {"folder": "/abs/path"}: make what its seed.json lists
    GET    /_flarelite/clock            the clock everyone uses now
    PUT    /_flarelite/clock            {"now": "2030-01-01T00:00:00Z"}: freeze time there
    POST   /_flarelite/clock/advance    {"seconds": 3600}: move it (frozen or running)
    DELETE /_flarelite/clock            back to the system clock
    GET|POST|DELETE /_flarelite/faults  list, add ({"path", "status", "count", ...}), clear
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from flarelite.control.faults import Fault, FaultBook, parse_fault
from flarelite.control.reset import reset_everything
from flarelite.control.seed import seed_from_folder
from flarelite.core.errors import FlareliteError, Internal, Invalid, RateLimited, Unavailable
from flarelite.services import Services
from flarelite.storage.shared_clock import FileClock

PREFIX = "/_flarelite/"
API_PREFIX = "/client/v4/"


class ControlMiddleware:
    def __init__(self, app: ASGIApp, *, services: Callable[[], Services], data_dir: Path) -> None:
        self.app = app
        self._services = services
        self._faults = FaultBook(data_dir / "run" / "faults.json")
        self._router = Router(routes=self._routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(PREFIX):
            await self._router(scope, receive, send)
            return
        # A small locked file read when faults are set; test servers only, so it may block.
        fault = self._faults.take(scope["method"], scope["path"])
        if fault is not None:
            await fault_response(fault, scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _routes(self) -> list[Route]:
        def route(path: str, endpoint: Callable[[Request], Awaitable[Any]], method: str) -> Route:
            return Route(PREFIX + path, _answering(endpoint), methods=[method])

        return [
            route("reset", self.reset, "POST"),
            route("seed", self.seed, "POST"),
            route("clock", self.get_clock, "GET"),
            route("clock", self.set_clock, "PUT"),
            route("clock/advance", self.advance_clock, "POST"),
            route("clock", self.reset_clock, "DELETE"),
            route("faults", self.list_faults, "GET"),
            route("faults", self.add_fault, "POST"),
            route("faults", self.clear_faults, "DELETE"),
        ]

    async def reset(self, _request: Request) -> Any:
        return await reset_everything(self._services(), self._faults)

    async def seed(self, request: Request) -> Any:
        body = await _json(request)
        folder = body.get("folder")
        if not isinstance(folder, str) or not Path(folder).is_absolute():
            raise Invalid(
                detail="folder: required, an absolute path on the server", pointer="folder"
            )
        seeded = await seed_from_folder(self._services(), folder)
        return seeded.as_json()

    async def get_clock(self, _request: Request) -> Any:
        return self._clock().state().as_json()

    async def set_clock(self, request: Request) -> Any:
        raw = (await _json(request)).get("now")
        try:
            when = datetime.fromisoformat(str(raw).replace("z", "Z"))
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise Invalid(
                detail="now: an RFC 3339 timestamp with a zone, e.g. 2030-01-01T00:00:00Z"
            )
        return self._clock().freeze(when).as_json()

    async def advance_clock(self, request: Request) -> Any:
        seconds = (await _json(request)).get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise Invalid(
                detail="seconds: a number (negative moves the clock back)", pointer="seconds"
            )
        return self._clock().advance(timedelta(seconds=seconds)).as_json()

    async def reset_clock(self, _request: Request) -> Any:
        return self._clock().reset().as_json()

    async def list_faults(self, _request: Request) -> Any:
        return [asdict(fault) for fault in self._faults.list()]

    async def add_fault(self, request: Request) -> Any:
        fault = parse_fault(await _json(request))
        return [asdict(f) for f in self._faults.add(fault)]

    async def clear_faults(self, _request: Request) -> Any:
        self._faults.clear()
        return []

    def _clock(self) -> FileClock:
        clock = self._services().clock
        if not isinstance(clock, FileClock):  # a clock injected by an in-process test
            raise Invalid(detail="this server's clock is not the test-control clock")
        return clock


def _answering(
    endpoint: Callable[[Request], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a control endpoint's result (or error) in a Cloudflare-style envelope."""

    async def answer(request: Request) -> Response:
        try:
            result = await endpoint(request)
        except FlareliteError as exc:
            return _failure(exc)
        return JSONResponse({"success": True, "errors": [], "messages": [], "result": result})

    return answer


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Invalid(detail="body: expected a JSON object") from None
    if not isinstance(body, dict):
        raise Invalid(detail="body: expected a JSON object")
    return body


def fault_response(fault: Fault, path: str) -> Response:
    """What an injected fault answers: the API's envelope under /client/v4, plain text elsewhere."""
    error: FlareliteError
    if fault.status == 429:
        error = RateLimited("injected fault", retry_after=fault.retry_after)
    elif fault.status == 503:
        error = Unavailable("injected fault", retry_after=fault.retry_after)
    else:
        error = Internal("injected fault")
    headers = {"x-flarelite-fault": "injected"}
    if fault.retry_after is not None:
        headers["retry-after"] = str(fault.retry_after)
    if path.startswith(API_PREFIX):
        return _failure(error, status=fault.status, headers=headers)
    return PlainTextResponse(
        f"ERROR: injected fault ({fault.status})", fault.status, headers=headers
    )


def _failure(
    exc: FlareliteError, *, status: int | None = None, headers: dict[str, str] | None = None
) -> Response:
    errors = [{"code": d.code, "message": d.message} for d in exc.details()]
    body = {"success": False, "errors": errors, "messages": [], "result": None}
    return JSONResponse(body, status_code=status or exc.status, headers=headers)
