"""Large blur radii blur a shrunk copy: same size, same look, cost independent of the radius."""

from __future__ import annotations

import time

import pytest
import pyvips
from tests.image_corpus import jpeg

from flarelite.images.steps import gaussian_blur


@pytest.fixture(scope="module")
def photo() -> pyvips.Image:
    return pyvips.Image.new_from_buffer(jpeg(1200, 900), "").copy_memory()


@pytest.mark.parametrize("sigma", [9.0, 20.0, 40.0])
def test_shrunk_blur_looks_like_the_direct_one(photo: pyvips.Image, sigma: float) -> None:
    ours = gaussian_blur(photo, sigma)
    assert (ours.width, ours.height, ours.bands) == (photo.width, photo.height, photo.bands)
    assert (ours - photo.gaussblur(sigma)).abs().avg() < 1.0  # of 255


@pytest.mark.parametrize(("width", "height"), [(1, 1), (3, 500), (41, 29)])
def test_tiny_images_keep_their_size(width: int, height: int) -> None:
    tiny = pyvips.Image.black(width, height, bands=3) + 90
    out = gaussian_blur(tiny, 125.0)
    assert (out.width, out.height) == (width, height)
    assert out.avg() == pytest.approx(90, abs=1)


def test_widest_blur_on_the_delivery_decode_is_quick() -> None:
    # The pipeline's lazy, uncached shrink-on-load decode: a direct gaussblur(125) on it
    # takes over 4 s (each region re-decodes the JPEG); the shrunk copy about 0.4 s.
    pyvips.cache_set_max(0)
    data = jpeg(2000, 1500)
    lazy = pyvips.Image.thumbnail_buffer(data, 2000, height=1500, size="both")
    started = time.monotonic()
    gaussian_blur(lazy, 125.0).copy_memory()
    assert time.monotonic() - started < 2.0
