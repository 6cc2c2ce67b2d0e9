"""A render that runs past its deadline is stopped and answers 9529, not a worker held."""

from __future__ import annotations

import time

import pytest
from tests.hostile_images import png_zlib_bomb

from flarelite.images.errors import TooLargeOrBusy
from flarelite.images.formats import OutputFormat, OutputKind
from flarelite.images.options import parse_flexible
from flarelite.images.pipeline import RenderLimits, render

PNG = OutputFormat(OutputKind.PNG)


@pytest.fixture(scope="module")
def big() -> bytes:
    return png_zlib_bomb()  # 9000 x 9000: many tiles, so libvips reports progress often


def test_a_render_past_its_deadline_is_stopped_with_9529(big: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(TooLargeOrBusy) as caught:
        render(
            big, parse_flexible("w=9000,sharpen=10"), PNG, limits=RenderLimits(deadline_seconds=0.2)
        )
    assert (caught.value.status, caught.value.code) == (504, 9529)
    assert time.monotonic() - started < 3.0  # stopped, not finished (about 8 s here)


def test_a_render_within_its_deadline_is_untouched(big: bytes) -> None:
    done = render(big, parse_flexible("w=300"), PNG, limits=RenderLimits(deadline_seconds=30))
    assert (done.width, done.height) == (300, 300)
