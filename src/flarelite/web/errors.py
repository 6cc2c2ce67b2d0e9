"""The dashboard's one error map: a domain error (or a bad form) becomes an HTML page.

The API answers the same errors as JSON envelopes (api/errors.py); here a person reads the
public text on a page with a way back. Internal detail (``str(exc)``) is logged, never shown.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flarelite.core.errors import FlareliteError
from flarelite.web.templating import environment

log = structlog.get_logger(__name__)


class CsrfRefused(FlareliteError):
    status = 403
    code = 10000
    public_message = "This form has expired or did not come from this site. Reload and try again."


class NotMember(FlareliteError):
    status = 404
    code = 1003
    public_message = "Not found"


class ReadOnlyMember(FlareliteError):
    status = 403
    code = 10000
    public_message = "Your role on this account is read-only."


TITLES = {400: "Invalid request", 403: "Not allowed", 404: "Not found", 429: "Too many requests"}


def error_page(request: Request, exc: FlareliteError) -> HTMLResponse:
    log.info("dashboard_error", status=exc.status, code=exc.code, error=str(exc))
    templates = environment()
    html = templates.get_template("error.html").render(
        title=TITLES.get(exc.status, "Something went wrong"),
        message=exc.message,
        status=exc.status,
        user=None,
    )
    return HTMLResponse(html, status_code=exc.status)


def crash_page(request: Request) -> HTMLResponse:
    templates = environment()
    html = templates.get_template("error.html").render(
        title="Something went wrong",
        message="The server could not finish this request. It has been logged.",
        status=500,
        user=None,
    )
    return HTMLResponse(html, status_code=500)
