"""The transform pipeline over pyvips: probe, check limits, resize on load, STEPS, encode.

CPU only: called in the worker pool with bytes and TransformOptions, returns bytes. Every
pyvips failure becomes a DeliveryError here (the one boundary that calls libvips for delivery).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pyvips

from flarelite.images import containers, geometry, svg
from flarelite.images.errors import (
    DecodeFailed,
    EncodeFailed,
    InvalidSvg,
    NotAnImage,
    TooLargeOrBusy,
    TooLargeToTransform,
    UnsupportedOriginal,
)
from flarelite.images.formats import ImageFormat, OutputFormat, OutputKind
from flarelite.images.options import TransformOptions
from flarelite.images.steps import STEPS, Job, per_frame
from flarelite.images.vips_memory import open_image, thumbnail

# Loaders a delivery or upload may reach; every other libvips loader (TIFF, PDF, SVG via
# librsvg, matrix, raw...) stays blocked so sniffing mistakes cannot widen the attack surface.
_ALLOWED_LOADERS = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadNsgif",
    "VipsForeignLoadWebp",
    "VipsForeignLoadHeif",
)
DEFAULT_QUALITY = 85  # Cloudflare's default quality (§4.2)
# fail_on reaches the loader only through option_string: thumbnail's own fail_on
# argument has no effect in libvips 8.18 (measured). "error" refuses truncated and broken data
# but tolerates the warnings many real JPEGs carry.
_LOAD_OPTIONS = "fail_on=error"


def configure_vips(threads: int = 1) -> None:
    """Process-wide libvips settings; call once per worker process before any image work.

    One thread per transform (performance.md: same throughput, half the memory, when the
    caller runs one transform per pool slot); the operation cache off, since every request
    brings new bytes and cached buffers would only pin memory; untrusted loaders blocked.
    """
    pyvips.cache_set_max(0)
    pyvips.concurrency_set(threads)
    pyvips.block_untrusted_set(True)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for loader in _ALLOWED_LOADERS:
        pyvips.operation_block_set(loader, False)


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Delivery limits: §3.1 (area, animation) and §3.5 (9413 for oversize outputs)."""

    max_input_pixels: int = 100_000_000
    max_output_side: int = 12_000
    # Animations whose frames sum to more than this are delivered untransformed (§3.1).
    max_animation_pixels: int = 50_000_000
    # AVIF encodes slowly: bigger outputs use the fallback format (§4.3, limits page).
    max_avif_side: int = 1_200
    # Past this a render is stopped (9529): one slow image must not hold a worker for long.
    # The slowest legal render measured here, sharpen on 81 MP, takes about 8 s.
    deadline_seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class Rendered:
    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Source:
    """What the header says: displayed size (after EXIF orientation and trim), frames, alpha."""

    format: ImageFormat
    width: int
    height: int
    frames: int
    has_alpha: bool
    # An embedded ICC profile or a non-RGB space (CMYK, Lab): only then convert to sRGB.
    needs_colour_transform: bool = True


# Without a profile these already are sRGB (or its grey): a transform would change nothing,
# yet lcms costs ~80 ns a pixel, 7 s for a 9000 x 9000 PNG (measured, hostile-image tests).
_SRGB_SPACES = frozenset({"srgb", "rgb16", "b-w", "grey16"})


def render(
    data: bytes, opts: TransformOptions, out: OutputFormat, *, limits: RenderLimits
) -> Rendered:
    """Transform ``data`` per ``opts`` into ``out``; raises DeliveryError subclasses only."""
    fmt = containers.sniff(data)
    if fmt is ImageFormat.SVG:
        return _render_svg(data, out)
    source = probe(data, fmt, opts)
    if source.frames > 1 and source.width * source.height * source.frames > (
        limits.max_animation_pixels
    ):
        return Rendered(data, source.format.content_type, source.width, source.height)
    if source.width * source.height > limits.max_input_pixels:
        mp = limits.max_input_pixels // 1_000_000
        raise TooLargeToTransform(
            detail=f"The image exceeds the maximum image area of {mp} megapixels"
        )
    plan = geometry.plan((source.width, source.height), opts)
    kind = _final_kind(out, plan, limits, source)
    job = Job(opts, plan, kind)
    width, height = _check_output(job, limits)
    if kind is OutputKind.JSON:
        return _render_json(data, source, width, height)
    animated = source.frames > 1 and opts.anim and kind.keeps_animation
    image = _load(data, job, animated=animated, colour=source.needs_colour_transform)
    for step in STEPS:
        image = step(image, job)
    deadline = _Deadline(limits.deadline_seconds)
    image = _materialise(deadline.watch(image), deadline)
    return Rendered(_encode(deadline.watch(image), job, deadline), kind.content_type, width, height)


class _Deadline:
    """Kills libvips' evaluation of the images it watches once the render runs too long."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds
        self.passed = False

    def watch(self, image: pyvips.Image) -> pyvips.Image:
        image.set_progress(True)  # libvips then calls back between batches of tiles
        image.signal_connect("eval", self._check)
        return image

    def _check(self, image: pyvips.Image, _progress: object) -> None:
        if time.monotonic() > self._ends:
            self.passed = True
            image.set_kill(True)  # the running operation fails with "killed"

    def check_failure(self, exc: pyvips.Error) -> None:
        if self.passed:
            raise TooLargeOrBusy(f"render deadline passed: {exc}") from exc


def probe(data: bytes, fmt: ImageFormat | None, opts: TransformOptions) -> Source:
    """Header facts, no pixel decode; raises NotAnImage, UnsupportedOriginal or DecodeFailed."""
    if fmt is None:
        raise NotAnImage("unrecognised bytes")
    if fmt is ImageFormat.HEIC:
        raise UnsupportedOriginal("HEIC original")
    try:
        header = open_image(data, access="sequential")
    except pyvips.Error as exc:
        raise DecodeFailed(f"header: {exc}") from exc
    page_height = int(header.get("page-height")) if header.get_typeof("page-height") else 0
    height = page_height or header.height
    frames = int(header.get("n-pages")) if header.get_typeof("n-pages") else 1
    orientation = int(header.get("orientation")) if header.get_typeof("orientation") else 1
    size = (height, header.width) if orientation >= 5 else (header.width, height)
    width, height = geometry.trimmed(size, opts)
    if width <= 0 or height <= 0:
        raise TooLargeToTransform(detail="The image has width or height of size 0")
    managed = bool(header.get_typeof("icc-profile-data")) or header.interpretation not in (
        _SRGB_SPACES
    )
    return Source(fmt, width, height, frames, bool(header.hasalpha()), managed)


def _final_kind(
    out: OutputFormat, plan: geometry.Plan, limits: RenderLimits, source: Source
) -> OutputKind:
    if out.kind is OutputKind.AVIF and max(plan.output) > limits.max_avif_side:
        if out.fallback is not None:
            return out.fallback
        return OutputKind.PNG if source.has_alpha else OutputKind.JPEG
    return out.kind


def _check_output(job: Job, limits: RenderLimits) -> tuple[int, int]:
    width, height = job.plan.output
    if job.opts.rotate in (90, 270):
        width, height = height, width
    if max(width, height) > limits.max_output_side:
        raise TooLargeToTransform(
            detail=f"The image enlarged too much: {width}×{height}, but maximum dimension "
            f"allowed is {limits.max_output_side}"
        )
    return width, height


def _load(data: bytes, job: Job, *, animated: bool, colour: bool = True) -> pyvips.Image:
    """Decode with shrink-on-load (thumbnail), EXIF rotation and ICC -> sRGB in one go."""
    options = f"n=-1,{_LOAD_OPTIONS}" if animated else _LOAD_OPTIONS
    width, height = job.plan.resize
    size = "force" if job.plan.distort else "both"
    profile = {"export_profile": "srgb"} if colour else {}
    try:
        if job.opts.trim is None:
            return thumbnail(
                data, width, height=height, size=size, option_string=options, **profile
            )
        # Trim needs the oriented full-size image first, so shrink-on-load is not possible.
        image = open_image(data, options, access="random").autorot()
        top, _, _, left = job.opts.trim
        image = _trim_frames(image, left, top, job)
        return image.thumbnail_image(width, height=height, size=size, **profile)
    except pyvips.Error as exc:
        raise DecodeFailed(f"load: {exc}") from exc


def _trim_frames(image: pyvips.Image, left: int, top: int, job: Job) -> pyvips.Image:
    width, height = geometry.trimmed((image.width, _page_height(image)), job.opts)
    return per_frame(image, lambda frame: frame.crop(left, top, width, height))


def _page_height(image: pyvips.Image) -> int:
    return int(image.get("page-height")) if image.get_typeof("page-height") else image.height


def _materialise(image: pyvips.Image, deadline: _Deadline) -> pyvips.Image:
    # pyvips is lazy: decoding happens when pixels are first needed. Copying the (already
    # small) result to memory here separates decode errors (422) from encode errors (500).
    try:
        return image.copy_memory()
    except pyvips.Error as exc:
        deadline.check_failure(exc)
        raise DecodeFailed(f"decode: {exc}") from exc


def _keep_flags(job: Job) -> str:
    """libvips ``keep`` flags for the saver: which metadata blocks survive (§3.3)."""
    if job.opts.metadata == "none":
        return "none"
    if job.kind in (OutputKind.PNG, OutputKind.WEBP, OutputKind.GIF):
        return "icc" if job.opts.metadata == "keep" else "none"  # these never carry EXIF
    return "exif:xmp:iptc:icc" if job.opts.metadata == "keep" else "exif"


def _encode(image: pyvips.Image, job: Job, deadline: _Deadline) -> bytes:
    quality = job.opts.quality or DEFAULT_QUALITY
    keep = _keep_flags(job)
    kind = job.kind
    try:
        if kind in (OutputKind.JPEG, OutputKind.BASELINE_JPEG):
            return image.jpegsave_buffer(
                Q=quality, interlace=_progressive(image, kind), optimize_coding=True, keep=keep
            )
        if kind is OutputKind.WEBP:
            return image.webpsave_buffer(
                Q=quality, lossless=job.opts.quality == 100, effort=4, keep=keep
            )
        if kind is OutputKind.AVIF:
            return image.heifsave_buffer(Q=quality, compression="av1", effort=2, keep=keep)
        if kind is OutputKind.PNG:
            # An explicit quality allows a palette (PNG8) encode (§4.2); otherwise lossless.
            palette = job.opts.quality is not None
            return image.pngsave_buffer(palette=palette, Q=quality, effort=4, keep=keep)
        return image.gifsave_buffer(effort=4, keep=keep)
    except pyvips.Error as exc:
        deadline.check_failure(exc)
        raise EncodeFailed(f"{kind}: {exc}") from exc


def _progressive(image: pyvips.Image, kind: OutputKind) -> bool:
    # §4.3: progressive, except tiny (<50 px) and huge (>3000 px) outputs, and baseline-jpeg.
    if kind is OutputKind.BASELINE_JPEG:
        return False
    return min(image.width, image.height) >= 50 and max(image.width, image.height) <= 3000


def _render_svg(data: bytes, out: OutputFormat) -> Rendered:
    # §3.3: SVG is never resized; every variant serves the sanitised document.
    try:
        clean = svg.sanitise_svg(data)
        width, height = svg.svg_size(data)
    except InvalidSvg as exc:  # the stored original no longer passes the sanitiser
        raise NotAnImage(f"svg: {exc}") from exc
    if out.kind is OutputKind.JSON:
        info = {
            "width": width,
            "height": height,
            "original": _original_info(data, "image/svg+xml", width, height),
        }
        return Rendered(json.dumps(info).encode(), OutputKind.JSON.content_type, width, height)
    return Rendered(clean, OutputKind.SVG.content_type, width, height)


def _original_info(data: bytes, content_type: str, width: int, height: int) -> dict[str, object]:
    return {"file_size": len(data), "width": width, "height": height, "format": content_type}


def _render_json(data: bytes, source: Source, width: int, height: int) -> Rendered:
    # format=json (§4.3): the size the transform would produce and the original's facts.
    info = {
        "width": width,
        "height": height,
        "original": _original_info(data, source.format.content_type, source.width, source.height),
    }
    return Rendered(json.dumps(info).encode(), OutputKind.JSON.content_type, width, height)
