"""Closed sets of image formats (sniffed inputs, chosen outputs) and their content types; pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ImageFormat(StrEnum):
    """The real format of stored bytes, as sniffed from magic numbers (never from names)."""

    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    AVIF = "avif"
    HEIC = "heic"
    SVG = "svg"

    @property
    def content_type(self) -> str:
        return _INPUT_TYPES[self]


_INPUT_TYPES: dict[ImageFormat, str] = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.GIF: "image/gif",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.AVIF: "image/avif",
    ImageFormat.HEIC: "image/heic",
    ImageFormat.SVG: "image/svg+xml",
}


class OutputKind(StrEnum):
    """What delivery writes. ``baseline-jpeg`` and ``json`` are the `format` option's (§4.2)."""

    AVIF = "avif"
    WEBP = "webp"
    JPEG = "jpeg"
    BASELINE_JPEG = "baseline-jpeg"
    PNG = "png"
    GIF = "gif"
    SVG = "svg"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return _OUTPUT_TYPES[self]

    @property
    def keeps_animation(self) -> bool:
        # libvips writes animated WebP and GIF; its AVIF (libheif) writer has no sequences.
        return self in (OutputKind.WEBP, OutputKind.GIF)


_OUTPUT_TYPES: dict[OutputKind, str] = {
    OutputKind.AVIF: "image/avif",
    OutputKind.WEBP: "image/webp",
    OutputKind.JPEG: "image/jpeg",
    OutputKind.BASELINE_JPEG: "image/jpeg",
    OutputKind.PNG: "image/png",
    OutputKind.GIF: "image/gif",
    OutputKind.SVG: "image/svg+xml",
    OutputKind.JSON: "application/json",
}


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """The chosen output. ``fallback`` replaces AVIF when the output is too big to encode fast."""

    kind: OutputKind
    fallback: OutputKind | None = None

    @property
    def content_type(self) -> str:
        return self.kind.content_type
