"""Every error a client can see: the families, each pinning status, Cloudflare code and public text.

Domain modules subclass these and pin their own code and text; edges (api, cdn, web) map
them to responses in exactly one place each. The exception's own message (``str(exc)``)
is internal detail: it is logged, never sent. ``public_message`` is what the client reads,
unless a ``detail`` is given at raise time for messages that must name a field or a value.

Tree::

    FlareliteError                 400  1001  generic bad request
    ├── Invalid                    400  1001  input fails validation (names the field)
    ├── Unauthenticated            401  10000 no usable credentials
    ├── Forbidden                  403  10000 "Authentication error" (permission or resource)
    ├── NotFound                   404  1003  unknown resource
    ├── Conflict                   409  1006  duplicate / state clash
    ├── PayloadTooLarge            413  1007
    ├── UnsupportedMediaType       415  1008
    ├── RateLimited                429  971   "Please wait and consider throttling …"
    ├── Unavailable                503  1010  overloaded; retry later
    └── Internal                   500  1002  a bug: logged with the request id
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of the envelope's ``errors`` list (code, message, optional chain/pointer)."""

    code: int
    message: str
    chain: tuple[ErrorDetail, ...] = ()
    pointer: str | None = None


class FlareliteError(Exception):
    """Base for every error a client can see; subclasses fix status, code and public text."""

    status: ClassVar[int] = 400
    code: ClassVar[int] = 1001
    public_message: ClassVar[str] = "Bad request"
    # Becomes the x-should-retry header when set (the SDKs retry 409/429/5xx otherwise).
    should_retry: ClassVar[bool | None] = None
    chain: ClassVar[tuple[tuple[int, str], ...]] = ()

    def __init__(
        self,
        internal: str = "",
        *,
        detail: str | None = None,
        pointer: str | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(internal or detail or self.public_message)
        self.detail = detail
        self.pointer = pointer
        self.retry_after = retry_after
        self.headers = headers or {}

    @property
    def message(self) -> str:
        """The text the client sees."""
        return self.detail or self.public_message

    def details(self) -> Sequence[ErrorDetail]:
        chain = tuple(ErrorDetail(code, msg) for code, msg in self.chain)
        return (ErrorDetail(self.code, self.message, chain, self.pointer),)


class Invalid(FlareliteError):
    status = 400
    code = 1001
    public_message = "Invalid request"


class Unauthenticated(FlareliteError):
    status = 401
    code = 10000
    public_message = "Authentication error"


class Forbidden(FlareliteError):
    status = 403
    code = 10000
    public_message = "Authentication error"


class NotFound(FlareliteError):
    status = 404
    code = 1003
    public_message = "Not found"


class Conflict(FlareliteError):
    status = 409
    code = 1006
    public_message = "Conflict"
    # A 409 is retried by the Stainless SDKs unless told otherwise (reference tokens.md §1).
    should_retry = False


class PayloadTooLarge(FlareliteError):
    status = 413
    code = 1007
    public_message = "Payload too large"


class UnsupportedMediaType(FlareliteError):
    status = 415
    code = 1008
    public_message = "Unsupported media type"


class RateLimited(FlareliteError):
    status = 429
    code = 971
    public_message = "Please wait and consider throttling your request speed"


class Unavailable(FlareliteError):
    status = 503
    code = 1010
    public_message = "Service temporarily unavailable, please retry"


class Internal(FlareliteError):
    status = 500
    code = 1002
    public_message = "Internal server error"
