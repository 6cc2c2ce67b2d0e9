"""Blobs in any S3-compatible bucket (``s3://bucket/prefix``), through obstore's S3Store.

Endpoint, region and credentials come from the usual ``AWS_*`` variables (obstore reads
them, ``AWS_ALLOW_HTTP`` included) unless ``config`` overrides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from obstore.store import S3Store

from flarelite.storage.blobs.objects import ObjectBlobs


def s3_blobs(
    url: str, config: Mapping[str, Any] | None = None, *, allow_http: bool = False
) -> ObjectBlobs:
    """``config`` takes ``aws_*`` keys; ``allow_http`` is a client option, not one of them."""
    client = {"allow_http": True} if allow_http else None
    store = S3Store.from_url(url, config=dict(config or {}), client_options=client)  # type: ignore[arg-type]
    return ObjectBlobs(store, name=f"s3:{url}")
