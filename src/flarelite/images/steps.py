"""The transform steps after the resize, one function each, applied in STEPS order; CPU only.

Each step takes the image and the Job and returns a new image (pyvips images are immutable
and lazy: nothing is decoded until the pipeline materialises the result).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyvips

from flarelite.images.colours import Rgba
from flarelite.images.formats import OutputKind
from flarelite.images.geometry import Plan, crop_offset, gravity_point
from flarelite.images.options import TransformOptions

WHITE: Rgba = (255, 255, 255, 255)
_ALPHA_OUTPUTS = frozenset({OutputKind.PNG, OutputKind.WEBP, OutputKind.AVIF, OutputKind.GIF})
_COPYRIGHT_FIELD = "exif-ifd0-Copyright"


@dataclass(frozen=True, slots=True)
class Job:
    """Plain data for one render: what was asked, the planned boxes, the final output kind."""

    opts: TransformOptions
    plan: Plan
    kind: OutputKind


Step = Callable[[pyvips.Image, Job], pyvips.Image]


def frames_of(image: pyvips.Image) -> list[pyvips.Image]:
    """An animation is one tall strip of ``page-height`` rows per frame; split it."""
    height = int(image.get("page-height")) if image.get_typeof("page-height") else image.height
    if height >= image.height or image.height % height:
        return [image]
    return [image.crop(0, top, image.width, height) for top in range(0, image.height, height)]


def per_frame(image: pyvips.Image, fn: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Apply a geometric ``fn`` to every frame and rebuild the strip (and its page-height)."""
    frames = frames_of(image)
    if len(frames) == 1:
        return fn(image)
    done = [fn(frame) for frame in frames]
    strip = pyvips.Image.arrayjoin(done, across=1).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", done[0].height)
    return strip


def crop(image: pyvips.Image, job: Job) -> pyvips.Image:
    box = job.plan.crop
    if box is None:
        return image
    point = gravity_point(job.opts.gravity)

    def cut(frame: pyvips.Image) -> pyvips.Image:
        if (frame.width, frame.height) == box:
            return frame
        if point is None:  # auto/face: libvips attention saliency (no face detector here)
            # smartcrop reads its input more than once; the resized frame is small.
            return frame.copy_memory().smartcrop(box[0], box[1], interesting="attention")
        left, top = crop_offset((frame.width, frame.height), box, point)
        return frame.crop(left, top, box[0], box[1])

    return per_frame(image, cut)


def _fill(image: pyvips.Image, colour: Rgba) -> list[float]:
    """``colour`` as a pixel of ``image``'s band layout (grey or sRGB, with or without alpha)."""
    r, g, b, a = colour
    base = [round(0.2126 * r + 0.7152 * g + 0.0722 * b)] if image.bands <= 2 else [r, g, b]
    return [float(v) for v in ([*base, a] if image.hasalpha() else base)]


def pad(image: pyvips.Image, job: Job) -> pyvips.Image:
    box = job.plan.pad
    if box is None:
        return image
    colour = job.opts.background or WHITE
    if colour[3] < 255 and not image.hasalpha() and job.kind in _ALPHA_OUTPUTS:
        image = image.bandjoin_const([255])

    def embed(frame: pyvips.Image) -> pyvips.Image:
        left, top = (box[0] - frame.width) // 2, (box[1] - frame.height) // 2
        return frame.embed(
            left, top, box[0], box[1], extend="background", background=_fill(frame, colour)
        )

    return per_frame(image, embed)


def flip(image: pyvips.Image, job: Job) -> pyvips.Image:
    # §4.2: flip applies before rotate.
    direction = job.opts.flip
    if direction is None:
        return image
    if "h" in direction:
        image = per_frame(image, lambda frame: frame.fliphor())
    if "v" in direction:
        image = per_frame(image, lambda frame: frame.flipver())
    return image


def rotate(image: pyvips.Image, job: Job) -> pyvips.Image:
    angle = {90: "d90", 180: "d180", 270: "d270"}.get(job.opts.rotate)
    return image if angle is None else per_frame(image, lambda frame: frame.rot(angle))


def _on_colour(image: pyvips.Image, fn: Callable[[pyvips.Image], pyvips.Image]) -> pyvips.Image:
    """Apply ``fn`` to the colour bands only, keeping alpha as it is."""
    if not image.hasalpha():
        return fn(image).cast(image.format)
    colour = image.extract_band(0, n=image.bands - 1)
    return fn(colour).cast(image.format).bandjoin(image.extract_band(image.bands - 1))


def adjust(image: pyvips.Image, job: Job) -> pyvips.Image:
    """brightness, contrast, gamma (1.0 = unchanged) and saturation (0 = grey), §4.2."""
    opts = job.opts
    if opts.brightness is not None:
        image = _on_colour(image, lambda c: c.linear(opts.brightness, 0))
    if opts.contrast is not None:
        image = _on_colour(image, lambda c: c.linear(opts.contrast, 128 * (1 - opts.contrast)))
    if opts.gamma is not None:
        image = _on_colour(image, lambda c: c.gamma(exponent=opts.gamma))
    if opts.saturation is not None and opts.saturation != 1.0 and image.bands >= 3:
        image = _on_colour(image, lambda c: _saturate(c, opts.saturation or 0.0))
    return image


def _saturate(image: pyvips.Image, factor: float) -> pyvips.Image:
    lch = image.colourspace("lch")
    return (lch * [1.0, factor, 1.0]).colourspace("srgb")


def blur(image: pyvips.Image, job: Job) -> pyvips.Image:
    # Cloudflare's blur is a radius of 1-250; a Gaussian with sigma = radius / 2 looks alike.
    radius = job.opts.blur
    if radius is None:
        return image
    return per_frame(image, lambda frame: gaussian_blur(frame, max(radius / 2, 0.5)))


# A Gaussian's cost grows with its sigma (mask ~6 sigma wide): blur=250 on a 3 MP image took
# 15 s (measured, hostile-image tests). Past this sigma, blur a copy shrunk by sigma / 8 and
# scale it back: the same soft result, at a cost that no longer depends on the radius.
_DIRECT_SIGMA = 8.0


def gaussian_blur(frame: pyvips.Image, sigma: float) -> pyvips.Image:
    factor = min(sigma / _DIRECT_SIGMA, min(frame.width, frame.height) / 4)
    if factor <= 1:
        return frame.gaussblur(sigma)
    # In memory: small by construction, and the enlargement would otherwise recompute it
    # (and the decode behind it) for every region it reads.
    small = frame.resize(1 / factor).gaussblur(sigma / factor).copy_memory()
    grown = small.resize(frame.width / small.width, vscale=frame.height / small.height)
    # Rounding may leave the result a pixel short or long: cut or extend to the exact size.
    return grown.embed(0, 0, frame.width, frame.height, extend="copy")


def sharpen(image: pyvips.Image, job: Job) -> pyvips.Image:
    # 0-10 scale (§4.2); libvips' unsharp mask with the slope for jaggy areas as the strength.
    amount = job.opts.sharpen
    if amount is None:
        return image
    return per_frame(image, lambda frame: frame.sharpen(sigma=1.0, m1=0.0, m2=amount))


def flatten(image: pyvips.Image, job: Job) -> pyvips.Image:
    """Composite alpha onto the background for outputs without transparency (JPEG)."""
    if not image.hasalpha() or job.kind in _ALPHA_OUTPUTS:
        return image
    return image.flatten(background=_fill(image, job.opts.background or WHITE)[: image.bands - 1])


def strip_metadata(image: pyvips.Image, job: Job) -> pyvips.Image:
    """``metadata=copyright`` keeps only the EXIF copyright; ``none`` drops everything (§3.3).

    libvips rebuilds the EXIF block from the ``exif-ifd*`` fields on save, so removing a field
    removes the tag. Orientation is already applied by the resize step.
    """
    mode = job.opts.metadata
    if mode == "keep":
        return image
    image = image.copy()
    keep_copyright = mode == "copyright" and bool(image.get_typeof(_COPYRIGHT_FIELD))
    for name in image.get_fields():
        if _drops(name, keep_copyright=keep_copyright):
            image.remove(name)
    return image


def _drops(field: str, *, keep_copyright: bool) -> bool:
    if field in ("xmp-data", "iptc-data"):
        return True
    if not field.startswith("exif-"):
        return False
    # With a copyright to keep, the exif-data block stays and every other tag field goes.
    return not keep_copyright or (field.startswith("exif-ifd") and field != _COPYRIGHT_FIELD)


STEPS: tuple[Step, ...] = (crop, pad, flip, rotate, adjust, blur, sharpen, flatten, strip_metadata)
