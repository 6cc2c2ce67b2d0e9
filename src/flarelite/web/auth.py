"""Dashboard login: check a password (throttled), start, find and end cookie sessions.

``attempt_login`` is the one place where a login succeeds or fails: audit logging of logins
hooks in there. The cookie holds a random id; the database holds only its keyed hash
(HMAC-SHA256 under the server key), so neither a log line nor a database copy is a login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

import structlog
from starlette.requests import Request
from starlette.responses import Response

from flarelite.identity.models import User, WebSession
from flarelite.identity.web_sessions import SESSION_LIFETIME, WebSessionStore
from flarelite.services import LOGIN_FAILURES, Services
from flarelite.tokens.secrets import keyed_hash, matches

log = structlog.get_logger(__name__)

SESSION_COOKIE = "flarelite_session"
LOGIN_COOKIE = "flarelite_login"  # a random nonce binding the login form's CSRF token


class LoginOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # wrong password or unknown email (never told apart)
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None


def _throttle_keys(services: Services, email: str, ip: str) -> tuple[str, ...]:
    # The email is hashed so the limiter's keys (maybe in Redis) never hold an address.
    email_key = keyed_hash(services.settings.secret_key, "login:" + email.strip().lower())[:24]
    return (f"login-fail:email:{email_key}", f"login-fail:ip:{ip}")


async def attempt_login(services: Services, email: str, password: str, ip: str) -> LoginResult:
    """Check email and password unless too many recent failures; count each failure.

    Failures are counted per email and per client IP in five-minute windows; past
    ``LOGIN_FAILURES`` the password is not even checked (that is what the throttle saves).
    Every outcome goes to the audit log, throttled ones once per email, IP and window: a
    flood of refused attempts must not become a flood of rows.
    """
    now = services.clock.now().timestamp()
    keys = _throttle_keys(services, email, ip)
    if await services.login_limiter.count(keys, now) >= LOGIN_FAILURES:
        log.warning("login_throttled", ip=ip)
        if await _first_throttled_attempt(services, keys, now):
            await _audit_failure(services, email, ip, reason="throttled")
        return LoginResult(LoginOutcome.THROTTLED)
    user = await services.identity.authenticate(email, password) if email and password else None
    if user is None:
        await services.login_limiter.hit(keys, now)
        log.info("login_failed", ip=ip)
        await _audit_failure(services, email, ip, reason="wrong_credentials")
        return LoginResult(LoginOutcome.REFUSED)
    log.info("login_succeeded", user_id=user.id, ip=ip)
    await services.audit.record_login(
        email=user.email, user_id=user.id, ip=ip, succeeded=True, interface="UI"
    )
    return LoginResult(LoginOutcome.OK, user)


async def _first_throttled_attempt(services: Services, keys: tuple[str, ...], now: float) -> bool:
    """Count a throttled attempt; true for the first one of its email and IP in this window."""
    noted = ("login-throttled:" + "|".join(keys),)
    first = await services.login_limiter.count(noted, now) == 0
    await services.login_limiter.hit(noted, now)
    return first


async def _audit_failure(services: Services, email: str, ip: str, *, reason: str) -> None:
    # A failure against a real user is attributed to them, so it shows in their accounts'
    # logs (that is how an owner sees someone guessing their password); the page still
    # says only "wrong email or password".
    known = await services.identity.find_user_by_email(email) if email else None
    await services.audit.record_login(
        email=email,
        user_id=known.id if known else None,
        ip=ip,
        succeeded=False,
        interface="UI",
        reason=reason,
    )


def store(services: Services) -> WebSessionStore:
    return WebSessionStore(services.sessions, services.clock)


def session_hash(services: Services, raw_id: str) -> str:
    return keyed_hash(services.settings.secret_key, "web-session:" + raw_id)


async def start_session(
    services: Services, user: User, response: Response, *, ip: str, user_agent: str | None,
    secure: bool,
) -> None:  # fmt: skip
    raw_id = secrets.token_urlsafe(32)
    await store(services).create(
        session_hash(services, raw_id), user.id, secrets.token_urlsafe(32),
        ip=ip, user_agent=user_agent,
    )  # fmt: skip
    response.set_cookie(
        SESSION_COOKIE,
        raw_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")


async def current_session(services: Services, request: Request) -> WebSession | None:
    raw_id = request.cookies.get(SESSION_COOKIE)
    if not raw_id or len(raw_id) > 128:
        return None
    return await store(services).find(session_hash(services, raw_id))


async def end_session(services: Services, session: WebSession, response: Response) -> None:
    await store(services).end(session.id_hash)
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_csrf(services: Services, nonce: str) -> str:
    """The login form's CSRF token: bound to the nonce cookie, so a third site cannot forge it."""
    return keyed_hash(services.settings.secret_key, "login-csrf:" + nonce)


def login_csrf_valid(services: Services, nonce: str | None, submitted: str) -> bool:
    return bool(nonce) and bool(submitted) and matches(login_csrf(services, nonce or ""), submitted)
