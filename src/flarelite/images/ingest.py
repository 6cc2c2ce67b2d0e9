"""Upload checks: the real format, size/pixel/frame limits, metadata and custom-id rules.

Limits are enforced from container structure and the header before anything decodes pixels
(reference images.md §3.1-§3.3). No storage, no HTTP; CPU-bound parts run in the worker pool.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pyvips

from flarelite.images import containers, svg
from flarelite.images.errors import (
    AnimationTooLarge,
    ImageDecodeFailed,
    ImageDimensionsTooLarge,
    ImageFileTooLarge,
    ImagesBadRequest,
    InvalidCustomId,
    InvalidMetadata,
    UnsupportedImageFormat,
)
from flarelite.images.formats import ImageFormat
from flarelite.images.vips_memory import open_image, thumbnail

MAX_METADATA_BYTES = 1024  # §3.1, §3.3
MAX_CUSTOM_ID_CHARS = 1024  # §3.2


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Upload limits of §3.1. ``max_frames`` is ours: Cloudflare documents only summed area."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 100_000_000
    max_side: int = 12_000
    max_frames: int = 1_000
    # Summed area of all frames of an animation: 50 MP on the upload page (§3.1).
    max_animation_pixels: int = 50_000_000
    # Decode a tiny thumbnail after the limits pass, so that corrupt entropy data (which the
    # container walk cannot see) is refused at upload rather than at first delivery.
    verify_decode: bool = True


@dataclass(frozen=True, slots=True)
class Inspected:
    """What an upload really is. Sizes are as displayed (after EXIF orientation)."""

    format: ImageFormat
    width: int
    height: int
    frames: int
    is_animated: bool
    content_type: str
    has_alpha: bool = False
    # Bytes after the format's end marker (JPEG EOI, PNG IEND, GIF trailer, RIFF size).
    # Accepted: phones append data there (motion photos); delivery always re-encodes.
    trailing_bytes: int = 0


# libvips reports errors by loader; the header read never decodes pixel data.
_ACCEPTED = frozenset(
    {ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.AVIF}
)


def inspect(data: bytes, limits: UploadLimits) -> Inspected:
    """Sniff, walk and header-read ``data``; raises an Images error on the first problem.

    Order: empty -> byte size -> magic -> container walk (truncation, frames) -> declared
    dimensions -> libvips header -> limits again -> optional bounded decode.
    """
    if not data:
        raise ImagesBadRequest("empty upload", detail="Bad request: the file is empty")
    if len(data) > limits.max_bytes:
        raise ImageFileTooLarge(f"{len(data)} bytes")
    fmt = containers.sniff(data)
    if fmt is ImageFormat.SVG:
        return _inspect_svg(data)
    if fmt not in _ACCEPTED:
        # HEIC: the 5455 text (§3.1) and the errors page exclude it, whatever libvips can read.
        raise UnsupportedImageFormat(f"sniffed {fmt or 'unknown'}")
    structure = containers.walk(fmt, data, max_frames=limits.max_frames)
    if structure.width is not None and structure.height is not None:
        _check_size(structure.width, structure.height, structure.frames, limits)
    header = _read_header(data)
    width, height = _displayed_size(header)
    frames = max(structure.frames, _pages(header))
    _check_size(width, height, frames, limits)
    if limits.verify_decode:
        _verify_decode(data, fmt)
    return Inspected(
        format=fmt,
        width=width,
        height=height,
        frames=frames,
        is_animated=frames > 1,
        content_type=fmt.content_type,
        has_alpha=bool(header.hasalpha()),
        trailing_bytes=structure.trailing_bytes,
    )


def _inspect_svg(data: bytes) -> Inspected:
    svg.sanitise_svg(data)  # raises InvalidSvg on DTD/entity tricks or broken XML
    width, height = svg.svg_size(data)
    return Inspected(ImageFormat.SVG, width, height, 1, False, ImageFormat.SVG.content_type)


def _check_size(width: int, height: int, frames: int, limits: UploadLimits) -> None:
    if width <= 0 or height <= 0:
        raise ImageDecodeFailed(f"zero dimension {width}x{height}")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise ImageDimensionsTooLarge(f"{width}x{height}")
    if frames > 1 and (
        frames > limits.max_frames or width * height * frames > limits.max_animation_pixels
    ):
        raise AnimationTooLarge(f"{frames} frames of {width}x{height}")


def _read_header(data: bytes) -> pyvips.Image:
    try:
        # Sequential access + no pixel access = libvips parses the header only.
        return open_image(data, access="sequential")
    except pyvips.Error as exc:
        raise ImageDecodeFailed(f"header: {exc}") from exc


def _pages(header: pyvips.Image) -> int:
    return int(header.get("n-pages")) if header.get_typeof("n-pages") else 1


def _displayed_size(header: pyvips.Image) -> tuple[int, int]:
    height = int(header.get("page-height")) if header.get_typeof("page-height") else header.height
    orientation = int(header.get("orientation")) if header.get_typeof("orientation") else 1
    # EXIF orientations 5-8 are transposed: the image displays rotated by 90 degrees.
    return (height, header.width) if orientation >= 5 else (header.width, height)


def _verify_decode(data: bytes, fmt: ImageFormat) -> None:
    try:
        if fmt is ImageFormat.JPEG:
            # Every entropy-coded byte is still decoded at 1/8 scale, without thumbnail's
            # resize on top: about a quarter less CPU per upload (measured, 2 MP photo).
            open_image(data, "shrink=8,fail_on=error", access="sequential").avg()
            return
        # thumbnail ignores its fail_on argument in libvips 8.18 (measured): pass it to the
        # loader through option_string, where it takes effect.
        thumbnail(data, 32, option_string="fail_on=error").avg()
    except pyvips.Error as exc:
        raise ImageDecodeFailed(f"decode: {exc}") from exc


def validate_metadata(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """The ``metadata`` form field or JSON value as a dict; raises InvalidMetadata (5400).

    Accepts a JSON string (what curl and the docs send) or an already-decoded object; the
    1024-byte limit applies to the compact UTF-8 JSON serialisation (§3.3).
    """
    if raw is None or raw == "":
        return {}
    value: object = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise InvalidMetadata(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidMetadata("metadata is not a JSON object")
    try:
        encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidMetadata(f"not serialisable: {exc}") from exc
    if len(encoded.encode("utf-8")) > MAX_METADATA_BYTES:
        raise InvalidMetadata("metadata over 1024 bytes")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_EXTENSION = re.compile(r"\.([A-Za-z][A-Za-z0-9]{1,4})\Z")
_IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "avif", "svg", "heic", "heif", "tif"}
    | {"tiff", "bmp", "ico"}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_custom_id(value: str) -> str:
    """Return ``value`` unchanged if it is a valid custom id (§3.2); else raise InvalidCustomId.

    Rules: 1-1024 characters of valid UTF-8; no leading or trailing ``/``; not a UUID (those
    are reserved for generated ids); no non-image file extension. Ours on top: no empty,
    ``.`` or ``..`` path segments (``//`` is ambiguous in delivery URLs, dot segments are
    normalised away by clients) and no control characters.
    """
    if not value:
        raise InvalidCustomId("empty", detail="Must not be empty")
    if len(value) > MAX_CUSTOM_ID_CHARS:
        raise InvalidCustomId("too long", detail="Must be 1024 characters or less")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidCustomId("bad UTF-8", detail="Must be valid UTF-8") from exc
    if _CONTROL.search(value):
        raise InvalidCustomId("control", detail="Must not contain control characters")
    if value.startswith("/") or value.endswith("/"):
        raise InvalidCustomId("slash", detail="Must not start or end with a slash")
    if any(segment in ("", ".", "..") for segment in value.split("/")):
        raise InvalidCustomId("segment", detail="Must not contain empty, . or .. path segments")
    if _UUID.fullmatch(value):
        raise InvalidCustomId("uuid", detail="Must not be UUID")
    extension = _EXTENSION.search(value.rsplit("/", 1)[-1])
    if extension and extension.group(1).lower() not in _IMAGE_EXTENSIONS:
        raise InvalidCustomId("extension", detail="Must not use a non-image file name extension")
    return value
