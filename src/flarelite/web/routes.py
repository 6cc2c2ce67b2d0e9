"""THE dashboard route table, and ``install`` which adds it (and the static files) to the app.

Every page goes through ``context.page``: protected unless marked public, CSRF-checked on
POST. Paths never overlap the API (/client/v4) or delivery (/cdn-cgi).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from flarelite.web.context import View, page
from flarelite.web.views import audit, check_access, dns, images, session, tokens
from flarelite.web.views.check_access import Explain

HERE = Path(__file__).parent
GET, POST = ["GET"], ["POST"]


def _route(path: str, view: View, methods: list[str], *, public: bool = False) -> Route:
    return Route(path, page(public=public)(view), methods=methods, include_in_schema=False)


def _token_routes(base: str) -> list[Route]:
    """The same token pages for the user's tokens and for an account's tokens."""
    return [
        _route(base, tokens.list_tokens, GET),
        _route(base + "/create", tokens.templates, GET),
        _route(base + "/new", tokens.new_form, GET),
        _route(base + "/new", tokens.new_post, POST),
        _route(base + "/{token_id}/edit", tokens.edit_form, GET),
        _route(base + "/{token_id}/edit", tokens.edit_post, POST),
        _route(base + "/{token_id}/roll", tokens.roll, POST),
        _route(base + "/{token_id}/disable", tokens.set_status, POST),
        _route(base + "/{token_id}/enable", tokens.set_status, POST),
        _route(base + "/{token_id}/delete", tokens.delete_confirm, GET),
        _route(base + "/{token_id}/delete", tokens.delete, POST),
        _route(base + "/{token_id}/check-access", check_access.check_access, GET),
    ]


def routes() -> list[BaseRoute]:
    account = "/accounts/{account_id}"
    return [
        _route("/login", session.login_form, GET, public=True),
        _route("/login", session.login, POST, public=True),
        _route("/logout", session.logout, POST),
        _route("/", session.home, GET),
        _route(account, session.account_home, GET),
        _route("/profile", session.profile, GET),
        _route("/profile/password", session.change_password, POST),
        *_token_routes("/profile/api-tokens"),
        *_token_routes(account + "/api-tokens"),
        _route(account + "/images", images.gallery, GET),
        _route(account + "/images", images.upload, POST),
        _route(account + "/images/use-api", images.use_api, POST),
        _route(account + "/images/variants", images.variants, GET),
        _route(account + "/images/variants", images.create_variant, POST),
        _route(account + "/images/variants/{name}/delete", images.delete_variant, POST),
        _route(account + "/images/{image_id:path}/delete", images.delete, POST),
        _route(account + "/images/{image_id:path}", images.details, GET),
        _route(account + "/dns", dns.zones, GET),
        _route(account + "/dns", dns.add_zone, POST),
        _route(account + "/audit-log", audit.audit_log, GET),
        _route("/zones/{zone_id}/dns", dns.records, GET),
        _route("/zones/{zone_id}/dns", dns.add_record, POST),
        _route("/zones/{zone_id}/dns/{record_id}/edit", dns.edit_record_form, GET),
        _route("/zones/{zone_id}/dns/{record_id}/edit", dns.edit_record, POST),
        _route("/zones/{zone_id}/dns/{record_id}/delete", dns.delete_record, POST),
        Mount("/static/dashboard", StaticFiles(directory=HERE / "static"), name="dashboard-static"),
    ]


def install(app: Starlette, *, client_ip: Callable[[Request], str], explain: Explain) -> None:
    """Add the dashboard to ``app``. ``client_ip`` is the API's rule (trusted proxies);
    ``explain`` is the API's policy simulator, behind "Check access" (api/explain.py)."""
    app.state.dashboard_client_ip = client_ip
    app.state.dashboard_explain = explain
    app.router.routes.extend(routes())
