"""Resize geometry: source size + options -> resize, crop and pad boxes and crop offsets; pure.

Fit semantics of reference images.md §4.2: scale-down never enlarges; contain may; cover fills
and crops; crop is cover without enlarging; aspect-crop keeps the target aspect without
enlarging; pad is contain plus a fill; squeeze distorts. Works in pre-rotation axes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flarelite.images.options import Gravity, TransformOptions

Size = tuple[int, int]

# Named gravities as the point of the image to keep in view (x, y in 0..1).
GRAVITY_POINTS: dict[str, tuple[float, float]] = {
    "center": (0.5, 0.5),
    "left": (0.0, 0.5),
    "right": (1.0, 0.5),
    "top": (0.5, 0.0),
    "bottom": (0.5, 1.0),
}
_NO_UPSCALE = frozenset({"scale-down", "crop", "aspect-crop"})


@dataclass(frozen=True, slots=True)
class Plan:
    """``resize`` is the thumbnail size; ``crop`` and ``pad`` follow it, in that order."""

    resize: Size
    crop: Size | None = None
    pad: Size | None = None
    distort: bool = False  # squeeze: resize ignores the aspect ratio

    @property
    def output(self) -> Size:
        """Final size before rotation."""
        return self.pad or self.crop or self.resize


def trimmed(size: Size, opts: TransformOptions) -> Size:
    """Source size after ``trim`` (which applies before anything else, §4.2)."""
    if opts.trim is None:
        return size
    top, right, bottom, left = opts.trim
    return (size[0] - left - right, size[1] - top - bottom)


def target(opts: TransformOptions) -> tuple[int | None, int | None]:
    """Requested box in pre-rotation axes, with ``dpr`` applied."""

    def scaled(value: int | None) -> int | None:
        return None if value is None else max(1, round(value * opts.dpr))

    width, height = scaled(opts.width), scaled(opts.height)
    # §4.2: width and height name the axes of the rotated result.
    return (height, width) if opts.rotate in (90, 270) else (width, height)


def _scaled(size: Size, scale: float) -> Size:
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


def plan(source: Size, opts: TransformOptions) -> Plan:
    """The boxes for ``source`` (displayed size after trim) under ``opts``."""
    width, height = target(opts)
    if width is None and height is None:
        return Plan(source)
    if width is None or height is None:  # one side given: every fit scales to it
        scale = width / source[0] if width is not None else (height or 1) / source[1]
        return Plan(_scaled(source, min(scale, 1.0) if opts.fit in _NO_UPSCALE else scale))
    box = (width, height)
    fit_scale = min(width / source[0], height / source[1])
    cover_scale = max(width / source[0], height / source[1])
    if opts.fit == "scale-down":
        return Plan(_scaled(source, min(fit_scale, 1.0)))
    if opts.fit == "contain":
        return Plan(_scaled(source, fit_scale))
    if opts.fit == "pad":
        return Plan(_scaled(source, fit_scale), pad=box)
    if opts.fit == "squeeze":
        return Plan(box, distort=True)
    if opts.fit == "cover" or cover_scale <= 1.0:
        resized = _scaled(source, cover_scale)
        return Plan((max(resized[0], width), max(resized[1], height)), crop=box)
    if opts.fit == "crop":  # smaller than the box: never enlarged, cut to what overlaps
        return Plan(source, crop=(min(width, source[0]), min(height, source[1])))
    return Plan(source, crop=_aspect_box(source, box))  # aspect-crop


def _aspect_box(source: Size, box: Size) -> Size:
    """Largest box of ``box``'s aspect ratio that fits in ``source``."""
    if source[0] * box[1] > source[1] * box[0]:  # source is wider
        return (max(1, round(source[1] * box[0] / box[1])), source[1])
    return (source[0], max(1, round(source[0] * box[1] / box[0])))


def crop_offset(size: Size, box: Size, point: tuple[float, float]) -> tuple[int, int]:
    """Top-left of ``box`` inside ``size`` keeping ``point`` (0..1 each) as central as possible."""

    def axis(full: int, part: int, at: float) -> int:
        return min(max(round(at * full - part / 2), 0), full - part)

    return (axis(size[0], box[0], point[0]), axis(size[1], box[1], point[1]))


def gravity_point(gravity: Gravity) -> tuple[float, float] | None:
    """The focal point, or None for saliency-based gravities (auto, face)."""
    if isinstance(gravity, tuple):
        return gravity
    return GRAVITY_POINTS.get(gravity)
