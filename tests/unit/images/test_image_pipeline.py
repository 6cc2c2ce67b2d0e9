"""The transform pipeline: geometry, fits, colour, metadata, animation, limits and bad input."""

from __future__ import annotations

import json
import math

import pytest
import pyvips

from flarelite.images.errors import DecodeFailed, NotAnImage, TooLargeToTransform
from flarelite.images.formats import OutputFormat, OutputKind
from flarelite.images.geometry import Plan, crop_offset, plan
from flarelite.images.options import TransformOptions, parse_flexible
from flarelite.images.pipeline import Rendered, RenderLimits, configure_vips, render
from flarelite.images.vips_memory import open_image, thumbnail

configure_vips()
LIMITS = RenderLimits()
JPEG = OutputFormat(OutputKind.JPEG)
PNG = OutputFormat(OutputKind.PNG)
WEBP = OutputFormat(OutputKind.WEBP)
GIF = OutputFormat(OutputKind.GIF)


def photo(width: int = 1200, height: int = 800, *, alpha: bool = False) -> pyvips.Image:
    x = pyvips.Image.xyz(width, height)
    red = (x[0] * 255 / width).cast("uchar")
    green = (x[1] * 255 / height).cast("uchar")
    blue = ((x[0] + x[1]) * 255 / (width + height)).cast("uchar")
    image = red.bandjoin([green, blue])
    if alpha:
        image = image.bandjoin((x[0] * 255 / width).cast("uchar"))
    return image.copy(interpretation="srgb")


def halves(width: int = 400, height: int = 200) -> bytes:
    """Left half red, right half blue: shows which side a crop kept."""
    red = pyvips.Image.black(width // 2, height).new_from_image([255, 0, 0])
    blue = pyvips.Image.black(width // 2, height).new_from_image([0, 0, 255])
    return red.join(blue, "horizontal").copy(interpretation="srgb").write_to_buffer(".png")


def animation(frames: int = 4, width: int = 80, height: int = 60) -> bytes:
    parts = [
        pyvips.Image.black(width, height).new_from_image([i * 60, 0, 0]) for i in range(frames)
    ]
    strip = pyvips.Image.arrayjoin(parts, across=1).copy(interpretation="srgb")
    strip.set_type(pyvips.GValue.gint_type, "page-height", height)
    strip.set_type(pyvips.GValue.array_int_type, "delay", [100] * frames)
    return strip.write_to_buffer(".gif")


def decoded(result: Rendered, **load: object) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(result.data, "", **load)


def psnr(a: pyvips.Image, b: pyvips.Image) -> float:
    diff = (a.cast("float") - b.cast("float")) ** 2
    mse = diff.avg()
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def go(data: bytes, options: str, out: OutputFormat = JPEG, **limits: int) -> Rendered:
    return render(data, parse_flexible(options), out, limits=RenderLimits(**limits))


SOURCE = photo().write_to_buffer(".png")


# -- geometry (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("w=400,h=300,fit=scale-down", Plan((400, 267))),
        ("w=2400,h=2000,fit=scale-down", Plan((1200, 800))),
        ("w=2400,h=2000,fit=contain", Plan((2400, 1600))),
        ("w=400,h=400,fit=cover", Plan((600, 400), crop=(400, 400))),
        ("w=2400,h=2400,fit=cover", Plan((3600, 2400), crop=(2400, 2400))),
        ("w=400,h=400,fit=crop", Plan((600, 400), crop=(400, 400))),
        ("w=2000,h=400,fit=crop", Plan((1200, 800), crop=(1200, 400))),
        ("w=2400,h=2400,fit=aspect-crop", Plan((1200, 800), crop=(800, 800))),
        ("w=400,h=400,fit=pad", Plan((400, 267), pad=(400, 400))),
        ("w=400,h=400,fit=squeeze", Plan((400, 400), distort=True)),
        ("w=600", Plan((600, 400))),
        ("h=1600", Plan((1200, 800))),
        ("h=1600,fit=contain", Plan((2400, 1600))),
        ("w=300,dpr=2", Plan((600, 400))),
        ("w=300,h=200,rotate=90,fit=contain", Plan((200, 133))),
        ("blur=5", Plan((1200, 800))),
    ],
)
def test_plan(options: str, expected: Plan) -> None:
    assert plan((1200, 800), parse_flexible(options)) == expected


def test_crop_offset_keeps_the_focal_point_in_view() -> None:
    assert crop_offset((600, 400), (400, 400), (0.5, 0.5)) == (100, 0)
    assert crop_offset((600, 400), (400, 400), (0.0, 0.5)) == (0, 0)
    assert crop_offset((600, 400), (400, 400), (1.0, 0.5)) == (200, 0)
    assert crop_offset((600, 400), (400, 400), (0.6, 0.5)) == (160, 0)


# -- fits and sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
@pytest.mark.parametrize(
    ("options", "size"),
    [
        ("w=400,h=300", (400, 267)),
        ("w=400,h=300,fit=cover", (400, 300)),
        ("w=400,h=300,fit=pad", (400, 300)),
        ("w=2000,h=2000,fit=scale-down", (1200, 800)),
        ("w=1800,h=1800,fit=contain", (1800, 1200)),
        ("w=2000,h=300,fit=crop", (1200, 300)),
        ("w=300,h=300,fit=squeeze", (300, 300)),
        ("w=200,h=100,rotate=90", (67, 100)),
        ("w=200,dpr=2", (400, 267)),
        ("trim=100;200;100;200,w=400", (400, 300)),
        ("w=300,h=300,fit=cover,gravity=auto,rotate=270,flip=v", (300, 300)),
        ("w=500,h=100,fit=cover,gravity=bottom,blur=3,sharpen=1", (500, 100)),
    ],
)
def test_output_size(options: str, size: tuple[int, int], suffix: str) -> None:
    result = go(photo().write_to_buffer(suffix), options)
    image = decoded(result)
    assert (image.width, image.height) == (result.width, result.height) == size
    assert result.content_type == "image/jpeg"


def test_resized_output_is_close_to_a_reference_resize() -> None:
    result = go(SOURCE, "w=400", PNG)
    reference = photo().resize(400 / 1200)
    assert psnr(decoded(result), reference.crop(0, 0, 400, 267)) > 35


@pytest.mark.parametrize(("gravity", "colour"), [("left", "red"), ("right", "blue")])
def test_cover_crops_towards_gravity(gravity: str, colour: str) -> None:
    image = decoded(go(halves(), f"w=100,h=100,fit=cover,gravity={gravity}", PNG))
    red, _, blue = (image.extract_band(i).avg() for i in range(3))
    assert (red > 200 and blue < 50) if colour == "red" else (blue > 200 and red < 50)


def test_gravity_point_and_auto_both_work() -> None:
    for gravity in ("0.1x0.5", "auto", "face"):
        image = decoded(go(halves(), f"w=100,h=100,fit=cover,gravity={gravity}", PNG))
        assert (image.width, image.height) == (100, 100)


def test_pad_fills_with_background() -> None:
    image = decoded(go(halves(400, 200), "w=200,h=200,fit=pad,background=%2300ff00", PNG))
    assert image(100, 5)[:3] == [0, 255, 0]  # top band is padding
    assert image(10, 100)[:3] == [255, 0, 0]


def test_pad_defaults_to_white_and_can_be_transparent() -> None:
    assert decoded(go(halves(), "w=200,h=200,fit=pad", PNG))(100, 5)[:3] == [255, 255, 255]
    clear = decoded(go(halves(), "w=200,h=200,fit=pad,background=transparent", PNG))
    assert clear.bands == 4
    assert clear(100, 5)[3] == 0


def test_exif_orientation_is_applied() -> None:
    image = photo(300, 200).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    result = go(image.write_to_buffer(".jpg", keep="exif"), "w=100", JPEG)
    out = decoded(result)
    assert (out.width, out.height) == (100, 150)
    assert not out.get_typeof("orientation") or out.get("orientation") == 1


def test_icc_profile_is_converted_to_srgb() -> None:
    red = pyvips.Image.black(64, 64).new_from_image([255, 0, 0]).copy(interpretation="srgb")
    wide = red.icc_transform("p3", input_profile="srgb", embedded=False)
    data = wide.write_to_buffer(".png", keep="icc")
    assert pyvips.Image.new_from_buffer(data, "")(5, 5)[:3] != [255, 0, 0]  # P3-encoded
    pixel = decoded(go(data, "w=32", PNG))(5, 5)
    assert pixel[0] > 245
    assert max(pixel[1], pixel[2]) < 12


def test_alpha_is_flattened_for_jpeg_and_kept_for_png() -> None:
    source = photo(200, 100, alpha=True).write_to_buffer(".png")
    assert decoded(go(source, "w=100", JPEG)).bands == 3
    assert decoded(go(source, "w=100", PNG)).bands == 4


# -- metadata ---------------------------------------------------------------------------------


def _with_exif() -> bytes:
    image = photo(200, 100).copy()
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Copyright", "ACME 2024")
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd0-Artist", "Jo Bloggs")
    return image.write_to_buffer(".jpg", keep="all")


@pytest.mark.parametrize(
    ("mode", "copyright", "artist"),
    [("keep", True, True), ("copyright", True, False), ("none", False, False)],
)
def test_metadata_modes(mode: str, copyright: bool, artist: bool) -> None:
    out = decoded(go(_with_exif(), f"w=100,metadata={mode}", JPEG))
    fields = out.get_fields()
    assert ("exif-ifd0-Copyright" in fields) is copyright
    assert ("exif-ifd0-Artist" in fields) is artist
    if copyright:
        assert "ACME 2024" in out.get("exif-ifd0-Copyright")


def test_webp_never_carries_exif() -> None:
    out = decoded(go(_with_exif(), "w=100,metadata=keep", WEBP))
    assert "exif-data" not in out.get_fields()


# -- effects ----------------------------------------------------------------------------------


def _detail(image: pyvips.Image) -> float:
    return float(image.colourspace("b-w").sobel().avg())


def test_blur_removes_detail_and_sharpen_adds_it() -> None:
    noisy = pyvips.Image.gaussnoise(300, 200, mean=128, sigma=20).cast("uchar")
    source = noisy.bandjoin([noisy, noisy]).copy(interpretation="srgb").write_to_buffer(".png")
    plain = _detail(decoded(go(source, "w=300", PNG)))
    assert _detail(decoded(go(source, "w=300,blur=10", PNG))) < plain / 2
    assert _detail(decoded(go(source, "w=300,sharpen=5", PNG))) > plain


def test_saturation_zero_is_grey_and_flip_mirrors() -> None:
    grey = decoded(go(halves(), "saturation=0", PNG))
    r, g, b = grey(10, 10)[:3]
    assert max(r, g, b) - min(r, g, b) <= 2
    flipped = decoded(go(halves(), "flip=h", PNG))
    assert flipped(10, 10)[:3] == [0, 0, 255]


def test_quality_changes_size_and_progressive_rule() -> None:
    low, high = go(SOURCE, "w=600,q=20"), go(SOURCE, "w=600,q=95")
    assert len(low.data) < len(high.data)
    assert decoded(high).get("jpeg-multiscan") == 1
    baseline = go(SOURCE, "w=600", OutputFormat(OutputKind.BASELINE_JPEG))
    assert decoded(baseline).get("jpeg-multiscan") == 0
    assert decoded(go(SOURCE, "w=40")).get("jpeg-multiscan") == 0


# -- animation --------------------------------------------------------------------------------


@pytest.mark.parametrize("out", [GIF, WEBP])
def test_animations_stay_animated(out: OutputFormat) -> None:
    result = go(animation(), "w=40", out)
    image = decoded(result, n=-1)
    assert image.get("n-pages") == 4
    assert (image.width, image.get("page-height")) == (40, 30)
    assert (result.width, result.height) == (40, 30)


def test_animated_crop_and_rotate_apply_per_frame() -> None:
    image = decoded(go(animation(), "w=30,h=30,fit=cover,rotate=90", WEBP), n=-1)
    assert (image.width, image.get("page-height"), image.get("n-pages")) == (30, 30, 4)


def test_anim_false_and_still_formats_take_the_first_frame() -> None:
    first = decoded(go(animation(), "w=40,anim=false", GIF), n=-1)
    assert (first.width, first.height) == (40, 30)  # one frame, not a strip
    still = decoded(go(animation(), "w=40", JPEG))
    assert (still.width, still.height) == (40, 30)


def test_huge_animation_is_delivered_untransformed() -> None:
    data = animation()
    result = go(data, "w=40", WEBP, max_animation_pixels=80 * 60 * 3)
    assert (result.data, result.content_type) == (data, "image/gif")


# -- formats ----------------------------------------------------------------------------------


def test_avif_output_and_its_fallback_for_big_outputs() -> None:
    avif = OutputFormat(OutputKind.AVIF, OutputKind.WEBP)
    small = go(SOURCE, "w=300", avif)
    assert small.content_type == "image/avif"
    assert decoded(small).get("vips-loader") == "heifload_buffer"
    big = go(SOURCE, "w=300", avif, max_avif_side=200)
    assert big.content_type == "image/webp"


def test_json_output_describes_the_result_without_pixels() -> None:
    result = go(SOURCE, "w=300,format=json", OutputFormat(OutputKind.JSON))
    info = json.loads(result.data)
    assert result.content_type == "application/json"
    assert (info["width"], info["height"]) == (300, 200)
    assert info["original"] == {
        "file_size": len(SOURCE),
        "width": 1200,
        "height": 800,
        "format": "image/png",
    }


def test_svg_is_served_sanitised_and_never_resized() -> None:
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5" onload="x()"><rect/></svg>'
    )
    result = go(data, "w=400", OutputFormat(OutputKind.SVG))
    assert result.content_type == "image/svg+xml"
    assert b"onload" not in result.data
    assert (result.width, result.height) == (5, 5)


# -- limits and hostile input -----------------------------------------------------------------


def test_input_area_over_the_limit_is_9413() -> None:
    with pytest.raises(TooLargeToTransform) as caught:
        go(SOURCE, "w=100", max_input_pixels=1200 * 800 - 1)
    assert (caught.value.status, caught.value.code) == (403, 9413)
    assert "maximum image area" in caught.value.body


def test_enlarging_past_the_output_limit_is_9413() -> None:
    with pytest.raises(TooLargeToTransform) as caught:
        go(SOURCE, "w=5000,fit=contain", max_output_side=4000)
    assert caught.value.body == (
        "ERROR 9413: Could not resize the image: The image enlarged too much: 5000×3333, "
        "but maximum dimension allowed is 4000"
    )


def test_trim_larger_than_the_image_is_9413_zero_size() -> None:
    with pytest.raises(TooLargeToTransform) as caught:
        go(SOURCE, "trim=400;0;400;0")
    assert "width or height of size 0" in caught.value.message


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif", ".webp"])
def test_truncated_originals_fail_cleanly_as_9516(suffix: str) -> None:
    data = photo(400, 300).write_to_buffer(suffix)
    with pytest.raises(DecodeFailed) as caught:
        go(data[: len(data) // 2], "w=100")
    assert (caught.value.status, caught.value.code) == (422, 9516)


@pytest.mark.parametrize("data", [b"", b"plain text", photo(10, 10).write_to_buffer(".tif")])
def test_non_images_are_9412(data: bytes) -> None:
    with pytest.raises(NotAnImage) as caught:
        go(data, "w=100")
    assert (caught.value.status, caught.value.code) == (415, 9412)


def test_tiff_loader_is_blocked_by_configure_vips() -> None:
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_buffer(photo(10, 10).write_to_buffer(".tif"), "").avg()


def test_default_options_reencode_at_source_size() -> None:
    result = render(SOURCE, TransformOptions(), JPEG, limits=LIMITS)
    assert (result.width, result.height) == (1200, 800)
    assert psnr(decoded(result), photo()) > 30


def test_memory_sources_open_exactly_what_the_buffer_loaders_open() -> None:
    # vips_memory skips pyvips' copy of the bytes; pixels, options and errors stay the same.
    data = bytes(pyvips.Image.xyz(640, 480).cast("uchar").bandjoin(0).jpegsave_buffer(Q=90))
    assert open_image(data).avg() == pyvips.Image.new_from_buffer(data, "").avg()
    ours = thumbnail(data, 100, option_string="fail_on=error").jpegsave_buffer()
    assert ours == pyvips.Image.thumbnail_buffer(data, 100).jpegsave_buffer()
    with pytest.raises(pyvips.Error):
        thumbnail(data[: len(data) // 2], 32, option_string="fail_on=error").avg()
