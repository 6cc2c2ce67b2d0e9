"""Test images made on the spot with pyvips (never downloaded), and the hostile-input corpus."""

from __future__ import annotations

import struct
import zlib

import pyvips


def png(width: int = 64, height: int = 48) -> bytes:
    colour = pyvips.Image.black(width, height, bands=3).new_from_image([40, 120, 200])
    return bytes(colour.pngsave_buffer())


def jpeg(width: int = 64, height: int = 48, quality: int = 85) -> bytes:
    image = pyvips.Image.xyz(width, height)[0].cast("uchar").bandjoin([128, 64])
    return bytes(image.copy(interpretation="srgb").jpegsave_buffer(Q=quality))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but holds one tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def oversized_jpeg_bytes() -> bytes:
    """A valid JPEG start padded past 10 MB: refused on size before anything decodes it."""
    return jpeg(32, 32) + b"\x00" * (10 * 1024 * 1024 + 1024)
