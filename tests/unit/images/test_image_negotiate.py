"""Format negotiation: Accept q-values, explicit formats, animation and SVG rules (§4.3)."""

from __future__ import annotations

import pytest

from flarelite.images.errors import UnsupportedConversion
from flarelite.images.formats import ImageFormat, OutputFormat, OutputKind
from flarelite.images.negotiate import accepted_types, choose_format

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI_OLD = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
CURL = "*/*"

J, P, G, W, A, S = (
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.GIF,
    ImageFormat.WEBP,
    ImageFormat.AVIF,
    ImageFormat.SVG,
)


@pytest.mark.parametrize(
    ("accept", "original", "expected"),
    [
        (CHROME, J, OutputKind.AVIF),
        (SAFARI_OLD, J, OutputKind.WEBP),
        (CURL, J, OutputKind.JPEG),
        (CURL, P, OutputKind.PNG),
        (CURL, G, OutputKind.GIF),
        (None, J, OutputKind.JPEG),
        ("", P, OutputKind.PNG),
        ("image/*", J, OutputKind.JPEG),
        ("IMAGE/WEBP", J, OutputKind.WEBP),
        ("image/avif;q=0, image/webp", J, OutputKind.WEBP),
        ("image/avif;q=0,image/webp;q=0,*/*", J, OutputKind.JPEG),
        ("image/avif;q=0.1,image/webp;q=1", J, OutputKind.AVIF),
        ("image/avif; q=bogus, */*", P, OutputKind.PNG),
        (CURL, W, OutputKind.JPEG),
        (CURL, A, OutputKind.JPEG),
    ],
)
def test_auto_prefers_avif_then_webp_then_the_original(
    accept: str | None, original: ImageFormat, expected: OutputKind
) -> None:
    chosen = choose_format(accept, None, original, animated=False)
    assert chosen.kind is expected
    assert chosen == choose_format(accept, "auto", original, animated=False)


def test_avif_carries_a_fallback_for_big_outputs() -> None:
    assert choose_format(CHROME, None, J, animated=False) == OutputFormat(
        OutputKind.AVIF, OutputKind.WEBP
    )
    assert choose_format("image/avif", None, P, animated=False).fallback is OutputKind.PNG


def test_transparent_webp_falls_back_to_png() -> None:
    assert choose_format(CURL, None, W, animated=False, has_alpha=True).kind is OutputKind.PNG


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(CHROME, OutputKind.WEBP), ("image/avif", OutputKind.GIF), (CURL, OutputKind.GIF)],
)
def test_animations_never_go_to_a_still_format_under_auto(
    accept: str, expected: OutputKind
) -> None:
    assert choose_format(accept, None, G, animated=True).kind is expected


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("avif", OutputKind.AVIF),
        ("webp", OutputKind.WEBP),
        ("jpeg", OutputKind.JPEG),
        ("baseline-jpeg", OutputKind.BASELINE_JPEG),
        ("json", OutputKind.JSON),
    ],
)
def test_explicit_format_ignores_accept(requested: str, expected: OutputKind) -> None:
    assert choose_format(CURL, requested, P, animated=False).kind is expected


def test_svg_stays_svg() -> None:
    for accept in (CHROME, CURL, None):
        chosen = choose_format(accept, None, S, animated=False)
        assert (chosen.kind, chosen.content_type) == (OutputKind.SVG, "image/svg+xml")


def test_svg_to_raster_is_9412() -> None:
    with pytest.raises(UnsupportedConversion) as caught:
        choose_format(CHROME, "webp", S, animated=False)
    assert (caught.value.status, caught.value.code) == (415, 9412)
    assert caught.value.body == (
        "ERROR 9412: Conversion between SVG and raster formats is not supported"
    )


def test_content_types() -> None:
    assert choose_format(CURL, "baseline-jpeg", J, animated=False).content_type == "image/jpeg"
    assert choose_format(CURL, "json", J, animated=False).content_type == "application/json"


def test_accept_parsing_keeps_the_best_q_per_type() -> None:
    assert accepted_types("image/webp;q=0.2, image/webp;q=0.9 ,text/html") == {
        "image/webp": 0.9,
        "text/html": 1.0,
    }
