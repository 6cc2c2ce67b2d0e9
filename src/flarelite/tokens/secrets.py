"""Token secret values: make them, check their shape, hash them for lookup, hand them out once.

Pure: randomness comes from ``secrets``, nothing is stored or logged here. A secret value must
never reach a log line, an exception message or a repr.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from flarelite.tokens.errors import MalformedAuthorization

BODY_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits
# Scannable format (reference tokens.md §3.2): prefix + 40 alphanumerics + CRC32 of the body as
# 8 lowercase hex digits, 53 characters in all; TruffleHog's v2 detector regex has the same shape.
_SCANNABLE = re.compile(r"(cf[ua]t_)([A-Za-z0-9]{40})([0-9a-f]{8})")
_SCANNABLE_IN_TEXT = re.compile(r"\b(cf[ua]t_)([A-Za-z0-9]{40})([0-9a-f]{8})\b")
# Legacy (pre-2026) values: 40 characters; the spec's own example has '-' and '_' (§3.2).
_LEGACY = re.compile(r"[A-Za-z0-9_-]{40}")
# Anything longer cannot be a token; stop before doing any work on it.
_MAX_HEADER_LENGTH = 1024


class TokenKind(StrEnum):
    """Who owns a token; the scannable prefix says which (``cfut_`` user, ``cfat_`` account)."""

    USER = "user"
    ACCOUNT = "account"


PREFIXES: dict[TokenKind, str] = {TokenKind.USER: "cfut_", TokenKind.ACCOUNT: "cfat_"}
_KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}


@dataclass(frozen=True, slots=True)
class ParsedBearer:
    """A syntactically valid Bearer value; ``kind`` is None for legacy values (no prefix)."""

    value: str
    kind: TokenKind | None

    def __repr__(self) -> str:
        return f"ParsedBearer(value=<redacted>, kind={self.kind!r})"


def checksum(body: str) -> str:
    """CRC32 (IEEE, ``zlib.crc32``) of the 40-character body alone as 8 lowercase hex (§3.2)."""
    return f"{zlib.crc32(body.encode('ascii')):08x}"


def new_secret(kind: TokenKind) -> str:
    """A fresh scannable value: ``cfut_``/``cfat_`` + 40 random alphanumerics + CRC32 (§3.2)."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(BODY_LENGTH))
    return PREFIXES[kind] + body + checksum(body)


def parse_bearer(header_value: str | None) -> ParsedBearer:
    """Check an Authorization header value before any lookup (§3.2, §7).

    Accepts ``Bearer <value>`` (scheme in any case) where the value is a scannable
    ``cf[ua]t_`` token with a correct checksum or a legacy 40-character value. Anything else,
    including a missing header and a wrong checksum, raises ``MalformedAuthorization``
    (400, 6003/6111). The raised message never contains the value.
    """
    if header_value is None:
        _malformed("no Authorization header")
    if len(header_value) > _MAX_HEADER_LENGTH:
        _malformed(f"Authorization header of {len(header_value)} characters")
    parts = header_value.split(maxsplit=1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        _malformed("Authorization is not 'Bearer <value>'")
    value = parts[1].strip()
    scannable = _SCANNABLE.fullmatch(value)
    if scannable is not None:
        prefix, body, crc = scannable.groups()
        if not hmac.compare_digest(checksum(body), crc):
            _malformed(f"{prefix} value with a wrong checksum")
        return ParsedBearer(value, _KIND_BY_PREFIX[prefix])
    if _LEGACY.fullmatch(value) is not None:
        return ParsedBearer(value, None)
    _malformed(
        f"Bearer value of {len(value)} characters is neither a {BODY_LENGTH}-character "
        "legacy token nor a cfut_/cfat_ token"
    )


def _malformed(why: str) -> NoReturn:
    raise MalformedAuthorization(why)


def looks_like_token(value: str) -> bool:
    """Whether ``value`` is a whole scannable token with a valid checksum (leak intake, offline)."""
    match = _SCANNABLE.fullmatch(value)
    return match is not None and checksum(match.group(2)) == match.group(3)


def find_tokens(text: str) -> list[str]:
    """Every checksum-valid scannable token in free text, in order (leak reports, pastes)."""
    return [
        match.group(0)
        for match in _SCANNABLE_IN_TEXT.finditer(text)
        if checksum(match.group(2)) == match.group(3)
    ]


def keyed_hash(secret_key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the server key, hex: the only form stored (design §3 Secrets).

    Raises ValueError on an empty key: a missing key is a wiring bug, never a default.
    """
    if not secret_key:
        raise ValueError("keyed_hash needs a non-empty secret key")
    return hmac.new(secret_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def matches(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes or values."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def last_four(value: str) -> str:
    """The last four characters, kept so owners can recognise a token (as Sentry does)."""
    return value[-4:]


class SecretAlreadyRevealed(RuntimeError):
    """A programming error: a one-time secret was read twice."""


class OneTimeSecret:
    """A secret value that can be read once, then only its last four characters remain.

    Sentry's ``plaintext_token`` idea: the value exists only in the create and roll answers.
    ``repr``/``str`` never show it, and it cannot be pickled or copied into a cache by accident.
    """

    __slots__ = ("_last_four", "_value")

    def __init__(self, value: str) -> None:
        self._value: str | None = value
        self._last_four = last_four(value)

    def reveal(self) -> str:
        """Return the value and forget it. Raises ``SecretAlreadyRevealed`` on a second call."""
        value = self._value
        if value is None:
            raise SecretAlreadyRevealed("this secret was already revealed")
        self._value = None
        return value

    @property
    def is_revealed(self) -> bool:
        return self._value is None

    @property
    def last_four(self) -> str:
        return self._last_four

    def __repr__(self) -> str:
        state = "revealed" if self._value is None else "unrevealed"
        return f"OneTimeSecret(<{state}>, last_four={self._last_four!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("OneTimeSecret cannot be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError("OneTimeSecret cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("OneTimeSecret cannot be copied")
