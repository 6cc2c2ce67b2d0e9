"""Blobs in any S3-compatible bucket (``s3://bucket/prefix``), through obstore's S3Store.

Endpoint, region and credentials come from the usual ``AWS_*`` variables, read into Settings
(``s3_settings``) so that every process built from the same settings reaches the same bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from obstore.store import S3Store

from flarelite.storage.blobs.objects import ObjectBlobs

# The AWS_* variables obstore's S3 store understands (others, e.g. AWS_PROFILE, it refuses).
S3_SETTINGS = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT",
        "AWS_ENDPOINT_URL",
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
        "AWS_S3_EXPRESS",
        "AWS_SKIP_SIGNATURE",
        "AWS_CHECKSUM_ALGORITHM",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_IMDSV1_FALLBACK",
        "AWS_METADATA_ENDPOINT",
        "AWS_UNSIGNED_PAYLOAD",
        "AWS_SSE_KMS_KEY_ID",
        "AWS_REQUEST_PAYER",
    }
)


def s3_settings(variables: Mapping[str, str]) -> tuple[dict[str, str], bool]:
    """obstore config and allow_http from AWS_* variables; unknown ones are left out."""
    config = {k.lower(): v for k, v in variables.items() if k in S3_SETTINGS}
    allow_http = variables.get("AWS_ALLOW_HTTP", "").lower() in {"1", "true", "yes"}
    return config, allow_http


def s3_blobs(
    url: str, config: Mapping[str, Any] | None = None, *, allow_http: bool = False
) -> ObjectBlobs:
    """``config`` takes ``aws_*`` keys; ``allow_http`` is a client option, not one of them."""
    client = {"allow_http": True} if allow_http else None
    store = S3Store.from_url(url, config=dict(config or {}), client_options=client)  # type: ignore[arg-type]
    return ObjectBlobs(store, name=f"s3:{url}")
