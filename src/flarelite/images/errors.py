"""Images errors: the API family (5xxx, JSON envelope) and delivery errors (9xxx, plain text).

Pins codes, statuses and public text from reference images.md §3.4/§3.5; never builds responses.

Tree::

    FlareliteError
    ├── Invalid
    │   ├── ImagesBadRequest           400  5400  "Bad request" (detail names the problem)
    │   │   ├── InvalidMetadata        400  5400  metadata not a JSON object or over 1024 bytes
    │   │   ├── InvalidVariantOptions  400  5400  Variants API options (detail names the field)
    │   │   ├── ImageDimensionsTooLarge 400 5400  over 12,000 px a side or 100 megapixels
    │   │   └── InvalidSvg             400  5400  unparseable SVG, or DTD/entity tricks
    │   ├── InvalidCustomId            400  5411  custom id rules (§3.2)
    │   ├── AnimationTooLarge          400  5443  frame budget exceeded
    │   ├── ImageUrlFetchFailed        400  5454  upload by url: origin fetch failed
    │   └── ImageDecodeFailed          400  9422  truncated or corrupt image data
    ├── NotFound
    │   ├── VariantNotFound            404  5401
    │   ├── ImageNotFound              404  5404  "Image not found"
    │   ├── UploadUrlNotFound          404  5404  direct upload URL unknown, used or expired
    │   └── SigningKeyNotFound         404  5404  no signing key of that name
    ├── Forbidden
    │   └── ImagesServiceLimit         403  5453  account reached a service limit (quota)
    ├── Conflict
    │   ├── DuplicateImageId           409  5409  "Resource already exists", x-should-retry: false
    │   └── DuplicateVariant           409  5409  same, for a variant name
    ├── PayloadTooLarge
    │   └── ImageFileTooLarge          413  5413  file over 10 MB
    ├── UnsupportedMediaType
    │   ├── NotMultipartUpload         415  5415  raw body instead of multipart/form-data
    │   └── UnsupportedImageFormat     415  5455  not JPEG/PNG/GIF/WebP/SVG (AVIF accepted too)
    └── DeliveryError                  400  9432  plain-text ``ERROR <code>: <message>`` bodies
        ├── InvalidOptions             400  9401  missing or invalid resizing parameters
        ├── UnsupportedConversion      415  9412  SVG <-> raster
        ├── NotAnImage                 415  9412  original is not a usable image
        ├── TooLargeToTransform        403  9413  enlargement, area, zero size, animation, output
        ├── AccessDenied               403  9425  bad or missing signature, expired URL
        ├── InvalidDeliveryPath        403  9426  the URL has an invalid text part
        ├── WrongAccount               403  9427  account hash does not match
        ├── FlexibleVariantsDisabled   403  9429
        ├── DeliveryNotFound           404  9431  image or variant unknown
        ├── DecodeFailed               422  9516  error during decoding
        ├── EncodeFailed               500  9516  error during encoding
        ├── UnsupportedOriginal        415  9520  original has an unsupported format
        ├── Busy                       503  9522  worker pool full
        ├── TransformInternal          500  9523  a bug while processing
        └── TooLargeOrBusy             504  9529  deadline exceeded

HTTP statuses of the 5xxx family are not documented by Cloudflare (§3.4); the ones above
are what third parties observed (404, 409, 415) or our choice (the rest). Delivery statuses
and texts come from Cloudflare's images/reference/errors.mdx, summarised in §3.5.
"""

from __future__ import annotations

from flarelite.core.errors import (
    Conflict,
    FlareliteError,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)

# ---------------------------------------------------------------------------------------------
# Images API (5xxx): JSON envelope via api/errors.py


class ImagesBadRequest(Invalid):
    code = 5400
    public_message = "Bad request"


class InvalidMetadata(ImagesBadRequest):
    public_message = "Bad request: metadata must be a JSON object of at most 1024 bytes"


class InvalidVariantOptions(ImagesBadRequest):
    public_message = "Bad request: invalid variant options"


class ImageDimensionsTooLarge(ImagesBadRequest):
    # Cloudflare documents the limits (§3.1) but not the code it answers with; 5400 is ours.
    public_message = (
        "Bad request: image dimensions exceed the limit "
        "(12,000 pixels on the longest side, 100 megapixels in area)"
    )


class InvalidSvg(ImagesBadRequest):
    public_message = "Bad request: the SVG is malformed or uses forbidden XML features"


class InvalidCustomId(Invalid):
    code = 5411
    # Observed text (§3.2, 3P Swift client); the reason is appended after the colon.
    public_message = (
        "The Custom ID is invalid. Custom IDs can include 1024 characters or less, any number "
        "of subpaths, and support the UTF-8 encoding standard for characters. Enter a new "
        "Custom ID and try again"
    )

    @property
    def message(self) -> str:
        return f"{self.public_message}: {self.detail}" if self.detail else self.public_message


class AnimationTooLarge(Invalid):
    # 5443 seen on the upload host for over-long GIFs (§3.1, §3.4); status not documented.
    code = 5443
    public_message = "Animation too large"


class ImageUrlFetchFailed(Invalid):
    code = 5454
    public_message = "Bad request: failed to fetch the image from the given URL"


class ImageDecodeFailed(Invalid):
    # §3.4: 9422 "error during decoding" was seen on upload; the status is our choice.
    code = 9422
    public_message = "Bad request: error during decoding: the image is truncated or corrupt"


class VariantNotFound(NotFound):
    code = 5401
    public_message = "Variant not found"


class ImageNotFound(NotFound):
    code = 5404
    public_message = "Image not found"


class UploadUrlNotFound(ImageNotFound):
    # Single use (§2.8): a second POST to the same upload URL finds nothing.
    public_message = "Upload URL not found: it is unknown, expired or already used"


class SigningKeyNotFound(NotFound):
    code = 5404
    public_message = "Signing key not found"


class ImagesServiceLimit(Forbidden):
    # 5453 "account has reached a service limit" (§3.4); status not documented.
    code = 5453
    public_message = "The given account has reached a service limit"


class DuplicateImageId(Conflict):
    code = 5409
    public_message = "Resource already exists"
    # The Python SDK re-POSTs a 409 twice unless told not to (§1).
    should_retry = False


class DuplicateVariant(DuplicateImageId):
    """A variant name that exists already (same code and text as a duplicate image id)."""


class ImageFileTooLarge(PayloadTooLarge):
    code = 5413
    # Message wording not captured anywhere; meaning from the legacy code list (§3.4).
    public_message = "Maximum image size of 10 MB is reached"


class NotMultipartUpload(UnsupportedMediaType):
    code = 5415
    public_message = "Images must be uploaded as a form, not as raw image data"


class UnsupportedImageFormat(UnsupportedMediaType):
    code = 5455
    # Exact observed text (§3.1, §7: terraform-provider-cloudflare#6176).
    public_message = (
        "Uploaded image must have image/jpeg, image/png, image/webp, image/gif or "
        "image/svg+xml content-type"
    )


# ---------------------------------------------------------------------------------------------
# Delivery (9xxx): plain text via cdn/, plus a ``Cf-Resized: err=<code>`` header (§3.5)


class DeliveryError(FlareliteError):
    """A delivery failure; its body is ``ERROR <code>: <message>`` in text/plain.

    ``detail`` given at raise time is appended after a colon, as Cloudflare does
    ("Missing or invalid resizing parameters: <what>").
    """

    status = 400
    code = 9432
    public_message = "Bad request: bad request"

    @property
    def message(self) -> str:
        return f"{self.public_message}: {self.detail}" if self.detail else self.public_message

    @property
    def body(self) -> str:
        """The exact plain-text response body."""
        return f"ERROR {self.code}: {self.message}"

    @property
    def cf_resized(self) -> str:
        """Value of the ``Cf-Resized`` response header."""
        return f"err={self.code}"


class InvalidOptions(DeliveryError):
    status = 400
    code = 9401
    public_message = "Missing or invalid resizing parameters"


class UnsupportedConversion(DeliveryError):
    status = 415
    code = 9412
    public_message = "Conversion between SVG and raster formats is not supported"


class NotAnImage(DeliveryError):
    status = 415
    code = 9412
    public_message = (
        "Could not resize the image: The requested file is not an image. Please make sure "
        "the server always serves an image (e.g. not an error page, or a login page)"
    )


class TooLargeToTransform(DeliveryError):
    status = 403
    code = 9413
    public_message = "Could not resize the image"


class AccessDenied(DeliveryError):
    status = 403
    code = 9425
    public_message = "Image access denied"


class InvalidDeliveryPath(DeliveryError):
    status = 403
    code = 9426
    public_message = "The URL of imagedelivery.net has invalid text part"


class WrongAccount(DeliveryError):
    status = 403
    code = 9427
    public_message = "Image access denied with incorrect account id"


class FlexibleVariantsDisabled(DeliveryError):
    status = 403
    code = 9429
    public_message = "Flexible variants are not enabled for the account"


class DeliveryNotFound(DeliveryError):
    status = 404
    code = 9431
    public_message = "Not found"


class DecodeFailed(DeliveryError):
    status = 422
    code = 9516
    public_message = "Could not resize the image: error during decoding"


class EncodeFailed(DeliveryError):
    status = 500
    code = 9516
    public_message = "Could not resize the image: error during encoding"


class UnsupportedOriginal(DeliveryError):
    status = 415
    code = 9520
    public_message = "Original image has unsupported format"


class Busy(DeliveryError):
    status = 503
    code = 9522
    public_message = "The service in this colo is too busy"
    should_retry = True


class TransformInternal(DeliveryError):
    status = 500
    code = 9523
    public_message = "Could not resize the image: internal error while processing the image"


class TooLargeOrBusy(DeliveryError):
    status = 504
    code = 9529
    public_message = "The image is too large to process or the service is too busy"
