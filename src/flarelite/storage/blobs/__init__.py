"""Blob storage for originals and variants: one small protocol; a local folder, or S3 (obstore).

Knows no domain: keys are opaque slash-separated paths chosen by the caller.
"""

from flarelite.storage.blobs.base import (
    BlobMeta,
    BlobNotFound,
    BlobStore,
    BlobStoreFailed,
    StagingFiles,
)

__all__ = ["BlobMeta", "BlobNotFound", "BlobStore", "BlobStoreFailed", "StagingFiles"]
