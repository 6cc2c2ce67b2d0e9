"""Per-request plumbing for every dashboard page: session, CSRF, membership checks, rendering.

``page(view)`` wraps a view: it finds the session (a protected page without one answers
303 to /login), checks the CSRF field on every POST, maps domain errors to HTML
(web/errors.py) and adds the security headers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import structlog
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from flarelite.audit.events import Actor
from flarelite.core.errors import FlareliteError
from flarelite.identity.errors import UserNotFound
from flarelite.identity.models import Account, Role, User, WebSession
from flarelite.services import Services
from flarelite.tokens.secrets import matches
from flarelite.web import auth
from flarelite.web.errors import CsrfRefused, NotMember, ReadOnlyMember, crash_page, error_page
from flarelite.web.security import add_security_headers, is_https, peer_is_trusted
from flarelite.web.templating import environment

if TYPE_CHECKING:
    from jinja2 import Environment

log = structlog.get_logger(__name__)

CSRF_FIELD = "csrf_token"
ClientIp = Callable[[Request], str]


@dataclass
class Dash:
    """What a view needs: the request, services, the signed-in user and the posted form."""

    request: Request
    services: Services
    templates: Environment
    client_ip: str
    session: WebSession | None = None
    user: User | None = None
    form: FormData | None = None
    memberships: list[tuple[str, Account]] = field(default_factory=list)  # (role, account)
    no_store: bool = False

    @property
    def secure(self) -> bool:
        trusted = peer_is_trusted(self.request, self.services.settings.trusted_proxies)
        return is_https(self.request, trusted)

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session else ""

    @property
    def signed_in_user(self) -> User:
        assert self.user is not None  # page() guarantees it for protected views
        return self.user

    @property
    def actor(self) -> Actor:
        """The signed-in user as the audit log's actor of a change made on this page."""
        user = self.signed_in_user
        return Actor.user(user.id, user.email, self.client_ip, interface="UI")

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(
            user=self.user,
            memberships=self.memberships,
            csrf_token=self.csrf,
            path=self.request.url.path,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def account(self, account_id: str, *, write: bool = False) -> Account:
        """The signed-in user's account; NotMember when not theirs, ReadOnlyMember on a write."""
        for role, account in self.memberships:
            if account.id == account_id:
                if write and role != Role.ADMIN:
                    raise ReadOnlyMember(f"read-only member wrote to {account_id}")
                return account
        raise NotMember(f"user is not a member of account {account_id}")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


View = Callable[[Dash], Awaitable[Response]]


def page(*, public: bool = False) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            services: Services = request.app.state.services
            dash = Dash(
                request,
                services,
                environment(),
                request.app.state.dashboard_client_ip(request),
            )
            try:
                response = await _run(view, dash, public=public)
            except FlareliteError as exc:
                response = error_page(request, exc)
            except Exception:
                log.exception("dashboard_crashed", path=request.url.path)
                response = crash_page(request)
            add_security_headers(response, services.settings, no_store=dash.no_store)
            return response

        return endpoint

    return wrap


async def _run(view: View, dash: Dash, *, public: bool) -> Response:
    request = dash.request
    dash.session = await auth.current_session(dash.services, request)
    if dash.session is not None:
        try:
            dash.user = await dash.services.identity.get_user(dash.session.user_id)
        except UserNotFound:  # deleted while signed in: the session cascades away with it
            dash.user = None
        memberships = await dash.services.identity.memberships(dash.session.user_id)
        dash.memberships = [(m.role, a) for m, a in memberships]
    if dash.user is None and not public:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect("/login?next=" + quote(target, safe="/"))
    if request.method == "POST":
        dash.form = await request.form()
        if dash.session is not None and not matches(dash.csrf, dash.field(CSRF_FIELD)):
            raise CsrfRefused("missing or wrong csrf_token")
    return await view(dash)
