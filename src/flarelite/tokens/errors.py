"""Token errors: each pins Cloudflare's status, code and public text (reference tokens.md §7).

Raised by the token modules and the API guard; mapped to the envelope only in ``api/errors.py``.
Messages given positionally are internal (logged); ``detail`` is what the client reads.

Tree::

    Invalid (400)
    ├── MalformedAuthorization     400  6003  "Invalid request headers", chain 6111
    ├── MissingCredentials         400  9106  "Missing X-Auth-Key, X-Auth-Email or Authorization …"
    ├── MissingAuthorizationHeader 400  1001  'Missing "Authorization" header' (verify endpoints)
    ├── AccountTokenNotSupported   400  1001  user-token-only endpoint (text given per route)
    ├── InvalidCondition           400  1001  bad ``condition`` (detail names the field)
    ├── InvalidPolicy              400  1001  bad ``policies`` (detail names the field)
    │   ├── PolicyIdOnCreate       400  1001  "Reusing existing policies is not supported …"
    │   └── UnknownPermissionGroup 400  1001  unknown ``permission_groups[].id``
    └── TokenQuotaReached          400  1001  50 user / 500 account tokens
    ├── LeakReportInvalid          400  1001  leak intake: the body is not GitHub's report list
    Unauthenticated (401)
    ├── InvalidApiToken            401  1000  "Invalid API Token" (verify endpoints)
    └── LeakReportUnsigned         401  10000 leak intake: no GitHub signature headers
    Forbidden (403)
    ├── InvalidAccessToken         403  9109  "Invalid access token" (other endpoints)
    ├── LocationRefused            403  9109  "Cannot use the access token from location: <ip>"
    ├── UnknownGlobalKey           403  9103  "Unknown X-Auth-Key or X-Auth-Email"
    ├── PermissionDenied           403  10000 "Authentication error"
    ├── EscalationRefused          403  10000 grant beyond the owner's own access (detail says what)
    ├── UnknownToken               403  9109  internal: no token has that hash (the guard re-raises)
    ├── TokenUnusable              403  9109  internal: disabled, expired, not yet valid, wrong IP
    └── LeakReportForged           403  10000 leak intake: unknown key or a signature that fails
    NotFound (404)
    └── TokenNotFound              404  1003  "Token not found"
"""

from __future__ import annotations

from flarelite.core.errors import Forbidden, Invalid, NotFound, Unauthenticated


class MalformedAuthorization(Invalid):
    """The Bearer value is syntactically wrong: checked before any lookup (§3.2, §7)."""

    code = 6003
    public_message = "Invalid request headers"
    chain = ((6111, "Invalid format for Authorization header"),)


class MissingCredentials(Invalid):
    """No Authorization and no X-Auth-* headers at all (§7)."""

    code = 9106
    public_message = "Missing X-Auth-Key, X-Auth-Email or Authorization headers"


class MissingAuthorizationHeader(Invalid):
    """Verify endpoints called with X-Auth-Email/X-Auth-Key, not Bearer (§7; status not stated)."""

    code = 1001
    public_message = 'Missing "Authorization" header'


class AccountTokenNotSupported(Invalid):
    """An account-owned token on an endpoint for user tokens only, e.g. GET /accounts (§7)."""

    code = 1001
    public_message = "This endpoint does not support account owned tokens."


class InvalidCondition(Invalid):
    """The ``condition`` object is malformed; ``detail`` names the field and the value."""

    code = 1001
    public_message = "Invalid token condition"


class InvalidPolicy(Invalid):
    """The ``policies`` list is malformed; ``detail`` names the field (Cloudflare's text: §11)."""

    code = 1001
    public_message = "Invalid token policies"


class PolicyIdOnCreate(InvalidPolicy):
    """A policy ``id`` sent on create: Cloudflare's exact answer (§2.3, §7)."""

    public_message = "Reusing existing policies is not supported by token creation"


class UnknownPermissionGroup(InvalidPolicy):
    public_message = "Unknown permission group"


class TokenQuotaReached(Invalid):
    """50 user tokens per user, 500 account tokens per account (§8; Cloudflare's error: §11)."""

    code = 1001
    public_message = "Token quota reached"
    should_retry = False


class InvalidApiToken(Unauthenticated):
    """Verify endpoints: unknown, revoked or wrong-kind token (§2.9, §7; 401 per most reports)."""

    code = 1000
    public_message = "Invalid API Token"


class InvalidAccessToken(Forbidden):
    """Other endpoints: unknown, disabled or expired token (§7; status unconfirmed, §11)."""

    code = 9109
    public_message = "Invalid access token"


class LocationRefused(Forbidden):
    """The client IP is outside the token's condition; raise with the address in ``detail`` (§7)."""

    code = 9109
    public_message = "Cannot use the access token from location"


class UnknownGlobalKey(Forbidden):
    """X-Auth-Key/X-Auth-Email sent: flarelite has no Global API keys, so none is ever known."""

    code = 9103
    public_message = "Unknown X-Auth-Key or X-Auth-Email"


class PermissionDenied(Forbidden):
    """The token lacks the permission or the resource; reasons go in the internal message (§7)."""

    code = 10000
    public_message = "Authentication error"


class EscalationRefused(Forbidden):
    """A token may not grant more than its owner holds (§8; Cloudflare's exact error: §11)."""

    code = 10000
    public_message = "Cannot grant permissions the token owner does not hold"


class UnknownToken(Forbidden):
    """No token has this secret. Internal: the guard turns it into 1000 or 9109."""

    code = 9109
    public_message = "Invalid access token"


class TokenUnusable(Forbidden):
    """The token exists but may not be used now. Internal: the guard picks the public error.

    ``reason`` is ``"disabled"``, ``"expired"`` (also not yet valid) or ``"ip"``; for ``"ip"``,
    ``client_ip`` is the refused address.
    """

    code = 9109
    public_message = "Invalid access token"

    def __init__(self, internal: str = "", *, reason: str, client_ip: str | None = None) -> None:
        super().__init__(internal)
        self.reason = reason
        self.client_ip = client_ip


class TokenNotFound(NotFound):
    """No token with this id for this owner (Cloudflare's exact body: §11)."""

    code = 1003
    public_message = "Token not found"


class LeakReportInvalid(Invalid):
    """A signed leak report whose body is not a JSON list of {token, type, url, source}."""

    public_message = "Bad request: expected a JSON list of {token, type, url, source}"


class LeakReportUnsigned(Unauthenticated):
    """A leak report without Github-Public-Key-Identifier and Github-Public-Key-Signature."""

    public_message = "Missing Github-Public-Key-Identifier or Github-Public-Key-Signature header"


class LeakReportForged(Forbidden):
    """A leak report signed by no configured key, or whose signature does not verify."""

    public_message = "The report's signature does not verify with a configured key"
