"""The signed-URL check for private images (reference images.md §5); pure.

``sig`` = hex HMAC-SHA256, keyed with the key string's UTF-8 bytes, over the URL path plus
``?`` and the query without ``sig``; every key is tried, in constant time. No I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from flarelite.images.delivery_url import PREFIX
from flarelite.images.errors import AccessDenied

_HEX_SIG = re.compile(r"[0-9a-fA-F]{64}")
_DIGITS = re.compile(r"[0-9]{1,12}")


def signed_messages(raw_path: str, query: str) -> tuple[list[bytes], str | None, str | None]:
    """(messages a valid ``sig`` may cover, the ``sig`` value, the ``exp`` value).

    Tolerant on purpose (§5 caveats): the path with or without the ``/cdn-cgi/imagedelivery``
    prefix (custom domains vs imagedelivery.net), and with or without the query (PR #12323).
    """
    kept: list[str] = []
    sig: str | None = None
    exp: str | None = None
    for item in query.split("&") if query else ():
        name, _, value = item.partition("=")
        if name == "sig":
            if sig is not None:
                raise AccessDenied("two sig parameters", detail=_MISMATCH)
            sig = value
            continue
        if name == "exp":
            exp = value
        kept.append(item)
    paths = [raw_path]
    if raw_path.startswith(PREFIX):
        paths.append("/" + raw_path[len(PREFIX) :])
    rest = "&".join(kept)
    messages = [f"{path}?{rest}".encode() for path in paths] if rest else []
    messages += [path.encode() for path in paths]
    return messages, sig, exp


_MISMATCH = "check failed: The URL signature does not match"


def check_signature(raw_path: str, query: str, keys: Sequence[str], now: int) -> int | None:
    """Raise AccessDenied (9425, 403) unless the URL is signed by one of ``keys`` and unexpired.

    Returns the expiry (Unix seconds) when the URL carries one, else None.
    """
    messages, sig, exp = signed_messages(raw_path, query)
    if sig is None or not _HEX_SIG.fullmatch(sig):
        raise AccessDenied("missing or malformed sig", detail=_MISMATCH)
    expected = bytes.fromhex(sig)
    matched = False
    # Every key and message is tried, so timing does not tell which key (or none) matched.
    for key in keys:
        for message in messages:
            digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()
            matched |= hmac.compare_digest(digest, expected)
    if not matched:
        raise AccessDenied("signature mismatch", detail=_MISMATCH)
    if exp is None:
        return None  # §5: a URL signed without exp does not expire
    if not _DIGITS.fullmatch(exp):
        raise AccessDenied("malformed exp", detail="check failed: invalid exp")
    if int(exp) < now:
        raise AccessDenied("expired", detail="check failed: the URL has expired")
    return int(exp)
