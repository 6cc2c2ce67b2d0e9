"""Identity errors with their Cloudflare codes."""

from __future__ import annotations

from flarelite.core.errors import Conflict, Invalid, NotFound


class UserExists(Conflict):
    code = 1004
    public_message = "A user with that email already exists"


class InvalidEmail(Invalid):
    code = 1001
    public_message = "Invalid email address"


class WeakPassword(Invalid):
    code = 1001
    public_message = "Password must be at least 8 characters"


class AccountNotFound(NotFound):
    # Cloudflare answers an unknown or foreign account with 403/9109 on most routes; the
    # guard decides which the caller sees, this error is for lookups that passed the guard.
    code = 1003
    public_message = "Account not found"


class UserNotFound(NotFound):
    code = 1003
    public_message = "User not found"
