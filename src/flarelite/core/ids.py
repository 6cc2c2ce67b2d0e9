"""Identifiers: 32-hex tags for users, accounts, tokens, zones, records; account hashes."""

from __future__ import annotations

import re
import secrets
from typing import NewType

UserId = NewType("UserId", str)
AccountId = NewType("AccountId", str)
TokenId = NewType("TokenId", str)
ZoneId = NewType("ZoneId", str)
RecordId = NewType("RecordId", str)
ImageId = NewType("ImageId", str)

_TAG = re.compile(r"[0-9a-f]{32}")


def new_tag() -> str:
    """A fresh Cloudflare-style identifier tag: 32 lowercase hex characters."""
    return secrets.token_hex(16)


def is_tag(value: str) -> bool:
    return bool(_TAG.fullmatch(value))


def new_account_hash() -> str:
    """The public account hash used in delivery URLs (22 URL-safe characters, like Cloudflare's)."""
    return secrets.token_urlsafe(16)[:22]
