"""The delivery surface's error map: DeliveryError -> plain-text ``ERROR <code>: <message>``.

Statuses and texts come from the error classes (reference images.md §3.5); every response also
carries ``Cf-Resized: err=<code>``. Busy answers add ``Retry-After``. Nothing else maps errors here.
"""

from __future__ import annotations

import structlog

from flarelite.core.errors import FlareliteError, Unavailable
from flarelite.images.errors import Busy, DeliveryError, TransformInternal
from flarelite.observability.metrics import STORAGE_ERRORS
from flarelite.storage.blobs import BlobStoreFailed

log = structlog.get_logger(__name__)
RETRY_AFTER_SECONDS = 1

Headers = list[tuple[bytes, bytes]]


def as_delivery_error(exc: BaseException) -> DeliveryError:
    """The delivery error to answer with; anything unexpected is logged and becomes 9523."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, Unavailable):  # blob store or database down: retryable, not our bug
        log.warning("delivery_backend_unavailable", error=str(exc))
        if isinstance(exc, BlobStoreFailed):
            STORAGE_ERRORS.labels("delivery").inc()
        return Busy(str(exc))
    if isinstance(exc, FlareliteError):
        log.error("delivery_unexpected_domain_error", error=repr(exc))
    else:
        log.exception("delivery_crashed", exc_info=exc)
    return TransformInternal(repr(exc))


def error_response(error: DeliveryError) -> tuple[int, Headers, bytes]:
    """Status, headers and body of the plain-text answer for ``error``."""
    body = (error.body + "\n").encode("utf-8")
    headers: Headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"cf-resized", error.cf_resized.encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if error.status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    return error.status, headers, body
