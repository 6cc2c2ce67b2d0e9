"""Log in, log out, the account list and account home, and "My Profile" (password change)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.responses import Response

from flarelite.core.errors import Invalid
from flarelite.web import auth
from flarelite.web.context import Dash, redirect
from flarelite.web.errors import CsrfRefused


def _safe_next(target: str) -> str:
    """Only a local path: a login link must never send people to another site."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


async def login_form(dash: Dash) -> Response:
    if dash.user is not None:
        return redirect("/")
    return _login_page(dash, error=None, email="")


def _login_page(dash: Dash, *, error: str | None, email: str, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = dash.render(
        "login.html",
        status=status,
        error=error,
        email=email,
        login_csrf=auth.login_csrf(dash.services, nonce),
        next=_safe_next(dash.request.query_params.get("next", "/")),
    )
    response.set_cookie(
        auth.LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax",
        secure=dash.secure, path="/login",
    )  # fmt: skip
    return response


async def login(dash: Dash) -> Response:
    nonce = dash.request.cookies.get(auth.LOGIN_COOKIE)
    if not auth.login_csrf_valid(dash.services, nonce, dash.field("csrf_token")):
        raise CsrfRefused("login form without a matching csrf_token")
    email = dash.field("email").strip()
    result = await auth.attempt_login(dash.services, email, dash.field("password"), dash.client_ip)
    if result.outcome is auth.LoginOutcome.THROTTLED:
        message = "Too many failed attempts. Wait a few minutes, then try again."
        return _login_page(dash, error=message, email=email, status=429)
    if result.user is None:
        return _login_page(dash, error="Wrong email or password.", email=email, status=401)
    response = redirect(_safe_next(dash.field("next", "/")))
    await auth.start_session(
        dash.services, result.user, response, ip=dash.client_ip,
        user_agent=dash.request.headers.get("user-agent"), secure=dash.secure,
    )  # fmt: skip
    return response


async def logout(dash: Dash) -> Response:
    response = redirect("/login")
    if dash.session is not None:
        await auth.end_session(dash.services, dash.session, response)
    return response


async def home(dash: Dash) -> Response:
    if len(dash.memberships) == 1:
        return redirect(f"/accounts/{dash.memberships[0][1].id}")
    return dash.render("accounts.html")


async def account_home(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"])
    role = next(role for role, a in dash.memberships if a.id == account.id)
    return dash.render("account.html", account=account, role=role)


async def profile(dash: Dash) -> Response:
    return dash.render("profile.html", message=None, error=None)


async def change_password(dash: Dash) -> Response:
    user = dash.signed_in_user
    new, again = dash.field("new_password"), dash.field("confirm_password")
    if new != again:
        return dash.render(
            "profile.html", error="The new passwords differ.", message=None, status=400
        )
    try:
        changed = await dash.services.identity.change_password(
            user.id, dash.field("current_password"), new
        )
    except Invalid as exc:
        return dash.render("profile.html", error=exc.message, message=None, status=400)
    if not changed:
        return dash.render(
            "profile.html", error="The current password is wrong.", message=None, status=400
        )
    assert dash.session is not None
    ended = await auth.store(dash.services).end_others(user.id, keep_hash=dash.session.id_hash)
    message = f"Password changed. {ended} other session(s) were signed out."
    return dash.render("profile.html", message=message, error=None)
