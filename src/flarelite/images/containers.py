"""Cheap walks over image containers: real format, completeness, declared size, frame count.

Reads structure only (markers, chunks, boxes) and never decodes pixels; truncation and
structural damage raise ImageDecodeFailed here, before libvips sees the bytes.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from flarelite.images.errors import AnimationTooLarge, ImageDecodeFailed
from flarelite.images.formats import ImageFormat

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_GENERIC = frozenset({b"mif1", b"msf1"})
# XML prolog (declaration, comments, processing instructions, a DOCTYPE) then an <svg> root,
# optionally prefixed (<svg:svg>). Only the opening bytes are looked at; svg.py parses for real.
_SVG_ROOT = re.compile(
    r"\A\s*(?:<\?xml[^>]*\?>\s*)?"
    r"(?:(?:<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*"
    r"<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]",
    re.DOTALL | re.IGNORECASE,
)
# In JPEG entropy-coded data an 0xFF is followed by 0x00 (stuffing) or RST0-7; anything else
# is the next marker (ITU T.81 B.1.1.5).
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True, slots=True)
class Structure:
    """What the container itself declares. Sizes are None where only a decoder can tell."""

    width: int | None
    height: int | None
    frames: int
    trailing_bytes: int


def sniff(data: bytes) -> ImageFormat | None:
    """The real format from magic bytes; None when it is none of the known ones."""
    if data[:3] == b"\xff\xd8\xff":
        return ImageFormat.JPEG
    if data[:8] == _PNG_MAGIC:
        return ImageFormat.PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ImageFormat.GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if data[4:8] == b"ftyp":
        return _sniff_isobmff(data)
    head = data[:4096].decode("utf-8", errors="replace").removeprefix("\ufeff")
    if _SVG_ROOT.match(head):
        return ImageFormat.SVG
    return None


def _sniff_isobmff(data: bytes) -> ImageFormat | None:
    size = int.from_bytes(data[0:4], "big")
    end = min(max(size, 16), len(data), 4096)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _AVIF_BRANDS:
        return ImageFormat.AVIF
    if brands & (_HEIF_BRANDS | _HEIF_GENERIC):
        return ImageFormat.HEIC
    return None


def walk(fmt: ImageFormat, data: bytes, *, max_frames: int) -> Structure:
    """Walk the container of ``fmt`` to its end marker; raises ImageDecodeFailed when cut short.

    Raises AnimationTooLarge as soon as more than ``max_frames`` frames are counted, so a GIF
    of a million 1x1 frames costs no more than reaching the limit.
    """
    if fmt is ImageFormat.JPEG:
        return _walk_jpeg(data)
    if fmt is ImageFormat.PNG:
        return _walk_png(data)
    if fmt is ImageFormat.GIF:
        return _walk_gif(data, max_frames)
    if fmt is ImageFormat.WEBP:
        return _walk_webp(data, max_frames)
    if fmt in (ImageFormat.AVIF, ImageFormat.HEIC):
        return _walk_isobmff(data)
    return Structure(None, None, 1, 0)


def _truncated(what: str) -> ImageDecodeFailed:
    return ImageDecodeFailed(f"truncated {what}")


def _walk_jpeg(data: bytes) -> Structure:
    n, pos = len(data), 2
    width = height = None
    while True:
        if pos >= n:
            raise _truncated("JPEG: no EOI marker")
        if data[pos] != 0xFF:
            raise ImageDecodeFailed(f"JPEG: expected a marker at {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _truncated("JPEG: no EOI marker")
        marker, pos = data[pos], pos + 1
        if marker == 0xD9:
            return Structure(width, height, 1, n - pos)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers carry no length
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        if pos + length > n or pos + 2 > n:
            raise _truncated("JPEG segment")
        if length < 2:
            raise ImageDecodeFailed("JPEG: bad segment length")
        if marker in _JPEG_SOF and length >= 7:
            height = int.from_bytes(data[pos + 3 : pos + 5], "big")
            width = int.from_bytes(data[pos + 5 : pos + 7], "big")
        pos += length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            found = _JPEG_NEXT_MARKER.search(data, pos)
            if found is None:
                raise _truncated("JPEG scan data")
            pos = found.start()


def _walk_png(data: bytes) -> Structure:
    n, pos = len(data), 8
    width = height = None
    view = memoryview(data)
    while True:
        if pos + 12 > n:
            raise _truncated("PNG: no IEND chunk")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF:
            raise ImageDecodeFailed("PNG: chunk length out of range")
        if end > n:
            raise _truncated("PNG chunk")
        if (pos == 8) != (kind == b"IHDR"):
            raise ImageDecodeFailed("PNG: IHDR must come first, once")
        # Critical chunks (upper-case first letter) must carry a good CRC; libpng errors on them.
        if kind[0] < 0x61:
            crc = int.from_bytes(data[end - 4 : end], "big")
            if zlib.crc32(view[pos + 4 : end - 4]) != crc:
                raise ImageDecodeFailed(f"PNG: bad CRC in {kind!r}")
        if kind == b"IHDR":
            if length != 13:
                raise ImageDecodeFailed("PNG: bad IHDR")
            width = int.from_bytes(data[pos + 8 : pos + 12], "big")
            height = int.from_bytes(data[pos + 12 : pos + 16], "big")
        if kind == b"IEND":
            # APNG frames (acTL) are not counted: libvips reads the default image only.
            return Structure(width, height, 1, n - end)
        pos = end


def _skip_gif_sub_blocks(data: bytes, pos: int) -> int:
    n = len(data)
    while True:
        if pos >= n:
            raise _truncated("GIF data sub-blocks")
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _walk_gif(data: bytes, max_frames: int) -> Structure:
    n = len(data)
    if n < 13:
        raise _truncated("GIF header")
    width = int.from_bytes(data[6:8], "little")
    height = int.from_bytes(data[8:10], "little")
    flags, pos, frames = data[10], 13, 0
    if flags & 0x80:  # global colour table
        pos += 3 * (2 << (flags & 7))
    while True:
        if pos >= n:
            raise _truncated("GIF: no trailer")
        block = data[pos]
        if block == 0x3B:  # trailer
            if frames == 0:
                raise ImageDecodeFailed("GIF without any image")
            return Structure(width, height, frames, n - pos - 1)
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor
            if pos + 10 > n:
                raise _truncated("GIF image descriptor")
            local = data[pos + 9]
            pos += 10 + (3 * (2 << (local & 7)) if local & 0x80 else 0)
            pos = _skip_gif_sub_blocks(data, pos + 1)  # +1: LZW minimum code size
            frames += 1
            if frames > max_frames:
                raise AnimationTooLarge(f"GIF has more than {max_frames} frames")
        else:
            raise ImageDecodeFailed(f"GIF: unknown block 0x{block:02x} at {pos}")


def _walk_webp(data: bytes, max_frames: int) -> Structure:
    n = len(data)
    if n < 20:
        raise _truncated("WebP header")
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > n:
        raise _truncated("WebP: RIFF size beyond the data")
    pos, frames, still = 12, 0, False
    width = height = None
    while pos + 8 <= end:
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if body + size > end:
            raise _truncated(f"WebP {fourcc!r} chunk")
        if fourcc == b"VP8X" and size >= 10:
            width = 1 + int.from_bytes(data[body + 4 : body + 7], "little")
            height = 1 + int.from_bytes(data[body + 7 : body + 10], "little")
        elif fourcc == b"ANMF":
            frames += 1
            if frames > max_frames:
                raise AnimationTooLarge(f"WebP has more than {max_frames} frames")
        elif fourcc in (b"VP8 ", b"VP8L"):
            still = True
        pos = body + size + (size & 1)
    if frames == 0 and not still:
        raise ImageDecodeFailed("WebP without image data")
    return Structure(width, height, max(frames, 1), n - end)


def _walk_isobmff(data: bytes) -> Structure:
    n, pos = len(data), 0
    while pos < n:
        if pos + 8 > n:
            raise _truncated("ISOBMFF box header")
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif size == 0:  # box runs to the end of the file
            size = n - pos
        if size < 8:
            raise ImageDecodeFailed("ISOBMFF: bad box size")
        if pos + size > n:
            raise _truncated("ISOBMFF box")
        pos += size
    return Structure(None, None, 1, 0)
