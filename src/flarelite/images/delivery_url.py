"""Delivery URL paths -> (account hash, image id, variant name or option list); pure.

Follows reference images.md §4.1: the last segment is the variant or the options, everything
between the hash and it is the image id (custom ids hold ``/``, §3.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flarelite.images.errors import DeliveryNotFound, InvalidDeliveryPath

PREFIX = "/cdn-cgi/imagedelivery/"
MAX_IMAGE_ID = 1024  # §3.2: longer ids cannot exist
MAX_OPTIONS = 1024  # a generous bound on the option list; longer is refused as invalid
_HASH = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VARIANT = re.compile(r"[A-Za-z0-9]{1,99}")  # variant names are alphanumeric (§2.7)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class DeliveryPath:
    account_hash: str
    image_id: str
    variant: str | None  # a named variant, or None when ``options`` holds an option list
    options: str | None = None

    @property
    def is_flexible(self) -> bool:
        return self.variant is None


def parse_delivery_path(path: str) -> DeliveryPath:
    """Split a decoded request path; raises InvalidDeliveryPath (9426) or DeliveryNotFound.

    ``path`` may carry the ``/cdn-cgi/imagedelivery/`` prefix (custom domains) or not
    (imagedelivery.net form, ``/<hash>/<id>/<variant>``).
    """
    rest = path[len(PREFIX) :] if path.startswith(PREFIX) else path.lstrip("/")
    account_hash, _, tail = rest.partition("/")
    image_id, _, last = tail.rpartition("/")
    if not _HASH.fullmatch(account_hash):
        raise InvalidDeliveryPath("account hash", detail="invalid account hash")
    if not image_id or not last:  # §4.1: a URL must carry an image and a variant or options
        raise InvalidDeliveryPath("missing part", detail="missing image id or variant")
    if _CONTROL.search(image_id) or image_id.startswith("/") or "//" in image_id:
        raise InvalidDeliveryPath("image id text", detail="invalid image id")
    if len(image_id) > MAX_IMAGE_ID:
        raise DeliveryNotFound(f"image id of {len(image_id)} characters")
    if "=" in last:
        if len(last) > MAX_OPTIONS or _CONTROL.search(last):
            raise InvalidDeliveryPath("options text", detail="invalid options")
        return DeliveryPath(account_hash, image_id, None, last)
    if not _VARIANT.fullmatch(last):
        raise InvalidDeliveryPath("variant text", detail="invalid variant name")
    return DeliveryPath(account_hash, image_id, last)
