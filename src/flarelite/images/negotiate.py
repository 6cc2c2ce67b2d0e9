"""Output format choice from the Accept header, the ``format`` option and the original; pure.

Follows reference images.md §4.3: ``auto`` (and named variants) pick AVIF, then WebP, then the
original's format; SVG stays SVG. Knows nothing about pixels beyond "animated" and "alpha".
"""

from __future__ import annotations

from flarelite.images.errors import InvalidOptions, UnsupportedConversion
from flarelite.images.formats import ImageFormat, OutputFormat, OutputKind

_EXPLICIT: dict[str, OutputKind] = {
    "avif": OutputKind.AVIF,
    "webp": OutputKind.WEBP,
    "jpeg": OutputKind.JPEG,
    "baseline-jpeg": OutputKind.BASELINE_JPEG,
    "json": OutputKind.JSON,
}
_SAME_AS_ORIGINAL: dict[ImageFormat, OutputKind] = {
    ImageFormat.JPEG: OutputKind.JPEG,
    ImageFormat.PNG: OutputKind.PNG,
    ImageFormat.GIF: OutputKind.GIF,
}


def accepted_types(accept: str | None) -> dict[str, float]:
    """Media ranges of an Accept header with their q-values (RFC 9110 §12.5.1), lower-cased."""
    ranges: dict[str, float] = {}
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        ranges[media] = max(quality, ranges.get(media, 0.0))
    return ranges


def _accepts(ranges: dict[str, float], media: str) -> bool:
    # Only an explicit entry counts: browsers send image/* and */* without decoding AVIF or
    # WebP, so Cloudflare keys on the literal "image/avif" / "image/webp" tokens (§4.3).
    return ranges.get(media, 0.0) > 0.0


def choose_format(
    accept: str | None,
    requested: str | None,
    original: ImageFormat,
    *,
    animated: bool,
    has_alpha: bool = False,
) -> OutputFormat:
    """The output for one delivery. ``requested`` is the ``format`` option (None = auto).

    ``animated`` must already account for ``anim=false`` (False then). An explicit format is
    honoured even if it drops animation: the caller asked for it. Raises
    UnsupportedConversion (9412) when an SVG is asked for as a raster format.
    """
    if original is ImageFormat.SVG:
        if requested in (None, "auto", "json"):
            return OutputFormat(OutputKind.JSON if requested == "json" else OutputKind.SVG)
        raise UnsupportedConversion(f"SVG requested as {requested}")
    if requested not in (None, "auto"):
        kind = _EXPLICIT.get(requested)
        if kind is None:
            raise InvalidOptions(f"format {requested!r}", detail="invalid format")
        return OutputFormat(
            kind, _fallback(original, has_alpha) if kind is OutputKind.AVIF else None
        )
    ranges = accepted_types(accept)
    if _accepts(ranges, "image/avif") and not animated:
        webp_ok = _accepts(ranges, "image/webp")
        return OutputFormat(
            OutputKind.AVIF, OutputKind.WEBP if webp_ok else _fallback(original, has_alpha)
        )
    if _accepts(ranges, "image/webp"):
        return OutputFormat(OutputKind.WEBP)
    if animated:
        return OutputFormat(OutputKind.GIF)
    return OutputFormat(_fallback(original, has_alpha))


def _fallback(original: ImageFormat, has_alpha: bool) -> OutputKind:
    """The original's own format; WebP/AVIF/HEIC originals become PNG (alpha) or JPEG."""
    if original in _SAME_AS_ORIGINAL:
        return _SAME_AS_ORIGINAL[original]
    return OutputKind.PNG if has_alpha else OutputKind.JPEG
