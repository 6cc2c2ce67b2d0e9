"""Option parsing: flexible strings, named-variant dicts, the Variants API check, canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flarelite.images.errors import InvalidOptions, InvalidVariantOptions
from flarelite.images.options import (
    FITS,
    FORMATS,
    GRAVITIES,
    METADATA,
    TransformOptions,
    canonical,
    from_variant,
    parse_flexible,
    validate_variant_options,
)


def test_short_and_long_names_mean_the_same() -> None:
    short = parse_flexible("w=400,h=300,q=70,f=webp,g=left")
    long = parse_flexible("width=400,height=300,quality=70,format=webp,gravity=left")
    assert (
        short
        == long
        == TransformOptions(width=400, height=300, quality=70, format="webp", gravity="left")
    )


def test_defaults_match_hosted_images() -> None:
    opts = parse_flexible("w=10")
    assert (opts.fit, opts.format, opts.metadata, opts.anim, opts.dpr) == (
        "scale-down",
        "auto",
        "copyright",
        True,
        1.0,
    )


def test_every_documented_option_parses() -> None:
    opts = parse_flexible(
        "width=800,height=600,fit=pad,gravity=0.25x0.75,quality=high,format=avif,dpr=1.5,"
        "anim=false,background=rgb(255,0,0),blur=12,sharpen=2.5,rotate=270,flip=hv,"
        "trim=1;2;3;4,metadata=keep,brightness=1.1,contrast=0.9,gamma=2,saturation=0"
    )
    assert opts == TransformOptions(
        width=800,
        height=600,
        fit="pad",
        gravity=(0.25, 0.75),
        quality=90,
        format="avif",
        dpr=1.5,
        anim=False,
        background=(255, 0, 0, 255),
        blur=12.0,
        sharpen=2.5,
        rotate=270,
        flip="hv",
        trim=(1, 2, 3, 4),
        metadata="keep",
        brightness=1.1,
        contrast=0.9,
        gamma=2.0,
        saturation=0.0,
    )


@pytest.mark.parametrize(
    ("raw", "rgba"),
    [
        ("%23ff8000", (255, 128, 0, 255)),
        ("#f80", (255, 136, 0, 255)),
        ("#11223344", (17, 34, 51, 68)),
        ("red", (255, 0, 0, 255)),
        ("transparent", (0, 0, 0, 0)),
        ("rgba(0,0,255,0.5)", (0, 0, 255, 128)),
        ("rgb(0 128 0 / 50%)", (0, 128, 0, 128)),
    ],
)
def test_background_accepts_css_colours(raw: str, rgba: tuple[int, int, int, int]) -> None:
    assert parse_flexible(f"w=10,background={raw},h=5").background == rgba


def test_zero_means_no_effect_for_blur_and_sharpen() -> None:
    assert parse_flexible("blur=0,sharpen=0") == TransformOptions()


def test_dpr_above_two_is_clamped() -> None:
    assert parse_flexible("dpr=3").dpr == 2.0


def test_width_auto_keeps_the_source_width() -> None:
    assert parse_flexible("width=auto").width is None


def test_hints_we_cannot_act_on_are_ignored() -> None:
    assert parse_flexible("w=5,compression=fast,onerror=redirect,zoom=0.5,scq=50") == (
        TransformOptions(width=5)
    )


@pytest.mark.parametrize(
    ("option_string", "named"),
    [
        ("w=abc", "width"),
        ("w=0", "width"),
        ("w=-5", "width"),
        ("h=1.5", "height"),
        ("fit=stretch", "fit"),
        ("gravity=middle", "gravity"),
        ("gravity=1.5x0.5", "gravity"),
        ("quality=0", "quality"),
        ("quality=101", "quality"),
        ("format=bmp", "format"),
        ("format=png", "format"),
        ("dpr=0", "dpr"),
        ("dpr=nan", "dpr"),
        ("blur=251", "blur"),
        ("sharpen=11", "sharpen"),
        ("rotate=45", "rotate"),
        ("anim=yes", "anim"),
        ("background=notacolour", "background"),
        ("trim=1;2;3", "trim"),
        ("metadata=all", "metadata"),
        ("segment=foreground", "segment"),
        ("bogus=1", "bogus"),
        ("w", "w"),
        ("w=", "w"),
        ("w=1,width=2", "width"),
    ],
)
def test_invalid_options_are_9401_naming_the_option(option_string: str, named: str) -> None:
    with pytest.raises(InvalidOptions) as caught:
        parse_flexible(option_string)
    error = caught.value
    assert (error.status, error.code) == (400, 9401)
    assert error.body.startswith("ERROR 9401: Missing or invalid resizing parameters: ")
    assert named in error.message
    assert error.cf_resized == "err=9401"


def test_named_variant_options() -> None:
    options = {"fit": "scale-down", "width": 400, "height": 300.0, "metadata": "none"}
    assert from_variant(options) == TransformOptions(
        width=400, height=300, fit="scale-down", metadata="none"
    )
    assert from_variant({"width": 100, "browser_ttl": 3600}) == TransformOptions(width=100)


def test_validate_variant_options_normalises() -> None:
    raw = {"fit": "cover", "width": 400, "height": 300, "metadata": "keep"}
    assert validate_variant_options(raw) == raw
    assert validate_variant_options({"width": 50, "browser_ttl": 86400}) == {
        "fit": "scale-down",
        "metadata": "none",
        "width": 50,
        "browser_ttl": 86400,
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"fit": "stretch", "width": 1}, "options.fit"),
        ({"width": 0}, "options.width"),
        ({"width": "wide"}, "options.width"),
        ({"height": [1]}, "options.height"),
        ({"metadata": "everything"}, "options.metadata"),
        ({"width": 10, "colour": "red"}, "options.colour"),
        ({"width": 10, "browser_ttl": 5}, "options.browser_ttl"),
        ("scale-down", "options"),
    ],
)
def test_validate_variant_options_names_the_bad_field(raw: object, field: str) -> None:
    with pytest.raises(InvalidVariantOptions) as caught:
        validate_variant_options(raw)
    assert (caught.value.status, caught.value.code) == (400, 5400)
    assert field in caught.value.message


def test_canonical_uses_full_names_in_a_fixed_order_and_omits_defaults() -> None:
    opts = parse_flexible("q=80,h=300,w=400,fit=scale-down,background=%23FF0000")
    assert canonical(opts) == "width=400,height=300,quality=80,background=#ff0000"
    assert canonical(parse_flexible("height=300,quality=80,w=400,background=red")) == (
        canonical(opts)
    )


def _finite(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def _nonzero(low: float, high: float) -> st.SearchStrategy[float | None]:
    return st.none() | _finite(low, high).filter(lambda v: v != 0)


_options = st.builds(
    TransformOptions,
    width=st.none() | st.integers(1, 100_000),
    height=st.none() | st.integers(1, 100_000),
    fit=st.sampled_from(FITS),
    gravity=st.sampled_from(GRAVITIES) | st.tuples(_finite(0, 1), _finite(0, 1)),
    quality=st.none() | st.integers(1, 100),
    format=st.sampled_from(FORMATS),
    dpr=_finite(0.01, 2.0),
    blur=_nonzero(0, 250),
    sharpen=_nonzero(0, 10),
    rotate=st.sampled_from([0, 90, 180, 270]),
    flip=st.sampled_from([None, "h", "v", "hv"]),
    background=st.none() | st.tuples(*(st.integers(0, 255),) * 4),
    trim=st.none() | st.tuples(*(st.integers(0, 100_000),) * 4),
    anim=st.booleans(),
    metadata=st.sampled_from(METADATA),
    brightness=_nonzero(0, 10),
    contrast=_nonzero(0, 10),
    gamma=_nonzero(0, 10),
    saturation=st.none() | _finite(0, 10),
)


@given(_options)
def test_canonical_round_trips(opts: TransformOptions) -> None:
    assert parse_flexible(canonical(opts)) == opts


@given(_options)
def test_canonical_is_stable(opts: TransformOptions) -> None:
    assert canonical(parse_flexible(canonical(opts))) == canonical(opts)
