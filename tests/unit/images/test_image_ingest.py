"""Upload inspection: real-format sniffing, limits before decoding, metadata and custom ids."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
import pyvips

from flarelite.images.errors import (
    AnimationTooLarge,
    ImageDecodeFailed,
    ImageDimensionsTooLarge,
    ImageFileTooLarge,
    ImagesBadRequest,
    InvalidCustomId,
    InvalidMetadata,
    InvalidSvg,
    UnsupportedImageFormat,
)
from flarelite.images.formats import ImageFormat
from flarelite.images.ingest import (
    UploadLimits,
    inspect,
    validate_custom_id,
    validate_metadata,
)
from flarelite.images.pipeline import configure_vips

configure_vips()
LIMITS = UploadLimits()
STRUCTURAL = UploadLimits(verify_decode=False)  # proves the container walk alone catches it


def photo(width: int = 320, height: int = 200, *, alpha: bool = False) -> pyvips.Image:
    x = pyvips.Image.xyz(width, height)
    red = (x[0] * 255 / width).cast("uchar")
    green = (x[1] * 255 / height).cast("uchar")
    blue = pyvips.Image.gaussnoise(width, height, mean=128, sigma=40).cast("uchar")
    image = red.bandjoin([green, blue])
    if alpha:
        image = image.bandjoin((x[0] * 255 / width).cast("uchar"))
    return image.copy(interpretation="srgb")


def animation(frames: int = 5, width: int = 64, height: int = 48) -> pyvips.Image:
    parts = [(photo(width, height) * 0.2 + i * 30).cast("uchar") for i in range(frames)]
    strip = pyvips.Image.arrayjoin(parts, across=1).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", height)
    strip.set_type(pyvips.GValue.array_int_type, "delay", [100] * frames)
    return strip


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def crafted_png(width: int, height: int) -> bytes:
    """A structurally valid PNG whose IHDR declares any size (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


TINY_GIF_FRAME = (
    b"!\xf9\x04\x00\x01\x00\x00\x00"  # graphic control extension, 1/100 s
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # 1x1 image descriptor
    b"\x02\x02D\x01\x00"  # LZW data
)


def gif_with_frames(count: int) -> bytes:
    header = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    return header + TINY_GIF_FRAME * count + b";"


@pytest.mark.parametrize(
    ("suffix", "fmt", "content_type"),
    [
        (".jpg", ImageFormat.JPEG, "image/jpeg"),
        (".png", ImageFormat.PNG, "image/png"),
        (".gif", ImageFormat.GIF, "image/gif"),
        (".webp", ImageFormat.WEBP, "image/webp"),
        (".avif", ImageFormat.AVIF, "image/avif"),
    ],
)
def test_inspect_reports_real_format_and_size(
    suffix: str, fmt: ImageFormat, content_type: str
) -> None:
    result = inspect(photo().write_to_buffer(suffix), LIMITS)
    assert (result.format, result.content_type) == (fmt, content_type)
    assert (result.width, result.height, result.frames) == (320, 200, 1)
    assert not result.is_animated


def test_inspect_reports_alpha() -> None:
    assert inspect(photo(alpha=True).write_to_buffer(".png"), LIMITS).has_alpha is True
    assert inspect(photo().write_to_buffer(".png"), LIMITS).has_alpha is False


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_inspect_counts_animation_frames(suffix: str) -> None:
    result = inspect(animation(frames=5).write_to_buffer(suffix), LIMITS)
    assert (result.width, result.height, result.frames, result.is_animated) == (64, 48, 5, True)


def test_inspect_reports_size_after_exif_orientation() -> None:
    image = photo(300, 200).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    result = inspect(image.write_to_buffer(".jpg", keep="exif"), LIMITS)
    assert (result.width, result.height) == (200, 300)


def test_inspect_accepts_svg_and_reads_its_size() -> None:
    data = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"/>'
    )
    result = inspect(data, LIMITS)
    assert (result.format, result.content_type) == (ImageFormat.SVG, "image/svg+xml")
    assert (result.width, result.height) == (120, 80)


def test_empty_file_is_a_bad_request() -> None:
    with pytest.raises(ImagesBadRequest) as caught:
        inspect(b"", LIMITS)
    assert (caught.value.code, caught.value.status) == (5400, 400)


def test_text_file_named_png_is_unsupported_format() -> None:
    with pytest.raises(UnsupportedImageFormat) as caught:
        inspect(b"hello, this is plain text pretending to be image.png\n" * 10, LIMITS)
    assert (caught.value.code, caught.value.status) == (5455, 415)
    assert "image/jpeg, image/png, image/webp, image/gif or image/svg+xml" in caught.value.message


def test_heic_is_refused_even_though_libvips_could_try() -> None:
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    with pytest.raises(UnsupportedImageFormat):
        inspect(ftyp + b"\x00" * 64, LIMITS)


def test_tiff_is_refused() -> None:
    with pytest.raises(UnsupportedImageFormat):
        inspect(photo().write_to_buffer(".tif"), LIMITS)


def test_file_over_the_byte_limit_is_refused_before_sniffing() -> None:
    data = photo().write_to_buffer(".png")
    with pytest.raises(ImageFileTooLarge) as caught:
        inspect(data, UploadLimits(max_bytes=len(data) - 1))
    assert (caught.value.code, caught.value.status) == (5413, 413)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif", ".webp", ".avif"])
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_files_are_rejected_by_the_container_walk(suffix: str, keep: float) -> None:
    data = photo(400, 300).write_to_buffer(suffix)
    cut = data[: int(len(data) * keep)]
    started = time.perf_counter()
    with pytest.raises(ImageDecodeFailed) as caught:
        inspect(cut, STRUCTURAL)
    assert time.perf_counter() - started < 0.5
    assert caught.value.code == 9422


def test_progressive_jpeg_walks_every_scan_to_eoi() -> None:
    data = photo(400, 300).write_to_buffer(".jpg", interlace=True)
    assert inspect(data, LIMITS).format is ImageFormat.JPEG
    with pytest.raises(ImageDecodeFailed):
        inspect(data[:-2], STRUCTURAL)


def test_png_declaring_30000_square_is_rejected_from_the_header_quickly() -> None:
    data = crafted_png(30_000, 30_000)
    started = time.perf_counter()
    with pytest.raises(ImageDimensionsTooLarge) as caught:
        inspect(data, LIMITS)
    assert time.perf_counter() - started < 0.05
    assert (caught.value.code, caught.value.status) == (5400, 400)


@pytest.mark.parametrize(("width", "height"), [(12_001, 10), (10, 12_001), (10_001, 10_000)])
def test_side_and_area_limits(width: int, height: int) -> None:
    with pytest.raises(ImageDimensionsTooLarge):
        inspect(crafted_png(width, height), LIMITS)


def test_png_with_a_bad_crc_in_a_critical_chunk_is_rejected() -> None:
    data = bytearray(photo().write_to_buffer(".png"))
    data[29] ^= 0xFF  # inside IHDR's CRC
    with pytest.raises(ImageDecodeFailed):
        inspect(bytes(data), LIMITS)


def test_gif_with_a_huge_number_of_frames_is_rejected_quickly() -> None:
    data = gif_with_frames(300_000)  # about 6.9 MB of 1x1 frames
    started = time.perf_counter()
    with pytest.raises(AnimationTooLarge) as caught:
        inspect(data, LIMITS)
    assert time.perf_counter() - started < 0.5
    assert caught.value.code == 5443


def test_animation_area_budget_counts_every_frame() -> None:
    data = animation(frames=5, width=64, height=48).write_to_buffer(".gif")
    with pytest.raises(AnimationTooLarge):
        inspect(data, UploadLimits(max_animation_pixels=64 * 48 * 4))
    assert inspect(data, UploadLimits(max_animation_pixels=64 * 48 * 5)).frames == 5


def test_hand_made_gif_frames_are_counted() -> None:
    result = inspect(gif_with_frames(3), LIMITS)
    assert (result.frames, result.is_animated, result.width, result.height) == (3, True, 1, 1)


def test_polyglot_jpeg_with_appended_html_is_a_jpeg_with_trailing_bytes() -> None:
    tail = b"<html><script>alert(1)</script></html>"
    result = inspect(photo().write_to_buffer(".jpg") + tail, LIMITS)
    assert result.format is ImageFormat.JPEG
    assert result.trailing_bytes == len(tail)


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a=1;alert(document.domain)//" + b" " * 40,
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        b"\xff\xd8\xff<script>alert(1)</script>",
        b"RIFF\x10\x00\x00\x00WEBP<script>",
    ],
)
def test_magic_bytes_followed_by_script_are_rejected(data: bytes) -> None:
    with pytest.raises(ImageDecodeFailed):
        inspect(data, LIMITS)


def test_svg_with_entity_tricks_is_rejected_at_upload() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    )
    with pytest.raises(InvalidSvg) as caught:
        inspect(xxe, LIMITS)
    assert caught.value.code == 5400


def test_decode_check_catches_what_the_walk_cannot() -> None:
    data = bytearray(photo(256, 256).write_to_buffer(".png"))
    # Corrupt the compressed pixel data but fix up the CRC: the walk is happy, zlib is not.
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    data[start + 10 : start + 60] = b"\xff" * 50
    crc = zlib.crc32(bytes(data[start - 4 : start + length])) & 0xFFFFFFFF
    data[start + length : start + length + 4] = struct.pack(">I", crc)
    assert inspect(bytes(data), STRUCTURAL).format is ImageFormat.PNG
    with pytest.raises(ImageDecodeFailed):
        inspect(bytes(data), LIMITS)


# -- metadata ---------------------------------------------------------------------------------


def test_metadata_accepts_json_string_object_or_nothing() -> None:
    assert validate_metadata('{"a": 1, "b": {"c": [true]}}') == {"a": 1, "b": {"c": [True]}}
    assert validate_metadata({"k": "v"}) == {"k": "v"}
    assert validate_metadata(None) == {}
    assert validate_metadata("") == {}


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "12", "{not json", '{"n": NaN}'])
def test_metadata_must_be_a_json_object(raw: str) -> None:
    with pytest.raises(InvalidMetadata) as caught:
        validate_metadata(raw)
    assert caught.value.code == 5400


def test_metadata_limit_is_1024_bytes_of_compact_utf8_json() -> None:
    # {"k":"..."} is 8 bytes of framing.
    assert validate_metadata({"k": "x" * 1016})
    with pytest.raises(InvalidMetadata):
        validate_metadata({"k": "x" * 1017})
    with pytest.raises(InvalidMetadata):
        validate_metadata({"k": "é" * 509})  # 2 bytes each in UTF-8


# -- custom ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["logo", "products/2024/shoe.png", "ünïcødé/名前", "a" * 1024, "x.jpeg", "report.v2.1"],
)
def test_custom_id_accepted(value: str) -> None:
    assert validate_custom_id(value) == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("a" * 1025, "1024"),
        ("/leading", "slash"),
        ("trailing/", "slash"),
        ("double//slash", "segments"),
        ("dot/../segment", "segments"),
        ("083eb7b2-5392-4565-b69e-aff66acddd00", "UUID"),
        ("083EB7B2-5392-4565-B69E-AFF66ACDDD00", "UUID"),
        ("page.html", "extension"),
        ("files/doc.pdf", "extension"),
        ("tab\there", "control"),
    ],
)
def test_custom_id_rejected(value: str, reason: str) -> None:
    with pytest.raises(InvalidCustomId) as caught:
        validate_custom_id(value)
    assert caught.value.code == 5411
    assert caught.value.message.startswith("The Custom ID is invalid.")
    assert reason.lower() in caught.value.message.lower()
