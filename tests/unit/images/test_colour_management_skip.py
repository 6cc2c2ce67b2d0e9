"""Delivery converts to sRGB only when there is something to convert: an embedded ICC profile
or a non-RGB space. Profile-less RGB and grey are sRGB already, and the no-op transform cost
7 s on a 9000 x 9000 PNG."""

from __future__ import annotations

import time

import pyvips
from tests.hostile_images import png_zlib_bomb
from tests.image_corpus import jpeg, png

from flarelite.images import containers
from flarelite.images.formats import OutputFormat, OutputKind
from flarelite.images.options import parse_flexible
from flarelite.images.pipeline import RenderLimits, probe, render


def needs_transform(data: bytes) -> bool:
    return probe(data, containers.sniff(data), parse_flexible("")).needs_colour_transform


def test_profile_less_rgb_and_grey_need_no_transform() -> None:
    grey = pyvips.Image.black(20, 10) + 128
    assert not needs_transform(png())
    assert not needs_transform(jpeg())
    assert not needs_transform(bytes(grey.pngsave_buffer()))


def test_embedded_profile_and_cmyk_are_transformed() -> None:
    image = pyvips.Image.new_from_buffer(jpeg(), "")
    with_profile = bytes(image.icc_transform("p3", embedded=False).jpegsave_buffer(keep="icc"))
    cmyk = bytes(image.colourspace("cmyk").jpegsave_buffer())
    assert needs_transform(with_profile)
    assert needs_transform(cmyk)


def test_a_large_profile_less_png_renders_quickly() -> None:
    data = png_zlib_bomb()  # 9000 x 9000 RGBA, no profile
    started = time.monotonic()
    done = render(
        data, parse_flexible("w=9000"), OutputFormat(OutputKind.PNG), limits=RenderLimits()
    )
    assert (done.width, done.height) == (9000, 9000)
    assert time.monotonic() - started < 4.0  # was 7.7 s with the no-op lcms transform
