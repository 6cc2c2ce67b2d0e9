"""Batch tokens (§2.9): short-lived bearer values good for one account's Images routes only.

Stateless: the value carries the account id and expiry, signed with HMAC-SHA256 under a key
derived from the server secret. Nothing is stored, so they cannot be listed or revoked; they
simply expire (one hour). The API guard recognises them by their ``imgbt_`` prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PREFIX = "imgbt_"
LIFETIME = timedelta(hours=1)
_SHAPE = re.compile(r"imgbt_([0-9a-f]{32})_([0-9]{1,12})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True, slots=True)
class BatchToken:
    value: str
    expires_at: datetime


def _signature(secret_key: bytes, account_id: str, expires: int) -> str:
    key = hmac.new(secret_key, b"flarelite images batch token", hashlib.sha256).digest()
    mac = hmac.new(key, f"{account_id}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue_batch_token(secret_key: bytes, account_id: str, now: datetime) -> BatchToken:
    expires = int((now + LIFETIME).timestamp())
    value = f"{PREFIX}{account_id}_{expires}_{_signature(secret_key, account_id, expires)}"
    return BatchToken(value, datetime.fromtimestamp(expires, UTC))


def is_batch_token(value: str) -> bool:
    return value.startswith(PREFIX)


def verify_batch_token(secret_key: bytes, value: str, now: datetime) -> str | None:
    """The account id the token is good for, or None (malformed, forged or expired)."""
    match = _SHAPE.fullmatch(value)
    if match is None:
        return None
    account_id, expires_text, signature = match.groups()
    expected = _signature(secret_key, account_id, int(expires_text))
    if not hmac.compare_digest(expected, signature):
        return None
    if now.timestamp() >= int(expires_text):
        return None
    return account_id
