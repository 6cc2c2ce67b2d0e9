"""Hypothesis fuzz of the delivery option parsers (issue 10 §2): on any input they give parsed
options or their documented error (9401 for flexible strings, 5400 for the Variants API),
never another exception; what they accept spells back to itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flarelite.images.errors import InvalidOptions, InvalidVariantOptions
from flarelite.images.options import (
    TransformOptions,
    canonical,
    from_variant,
    parse_flexible,
    validate_variant_options,
)


def outcome(parse: Callable[[Any], object], raw: Any) -> object:
    """What ``parse`` returns, or the documented error it raised (any other one fails)."""
    try:
        return parse(raw)
    except (InvalidOptions, InvalidVariantOptions) as exc:
        return exc


KEYS = [
    *("w", "width", "h", "height", "fit", "g", "gravity", "q", "quality", "f", "format", "dpr"),
    *("blur", "sharpen", "r", "rotate", "flip", "background", "trim", "anim", "metadata"),
    *("brightness", "contrast", "gamma", "saturation", "onerror", "slow-connection-quality"),
]
TRICKY_VALUES = st.sampled_from(
    ["0", "-1", "1e309", "nan", "inf", "-0", "0x10", "1_000", "١٢", "auto", "left", "0.5x0.5",
     "1x", "x1", "rgb(1,2,3)", "rgba(1,2,3,0.5)", "#fff", "#ggg", "hsl(1,2%,3%)", "1;2;3;4",
     "1;2;3", "true", "TRUE", "1", " 10", "10 ", "999999999999999999999", "()", "(((", ")"]
)  # fmt: skip
VALUES = TRICKY_VALUES | st.text(max_size=12) | st.integers(-(10**12), 10**12).map(str)
ITEMS = st.tuples(st.sampled_from(KEYS) | st.text(max_size=6), VALUES).map("=".join)
OPTION_STRINGS = st.lists(ITEMS, max_size=8).map(",".join) | st.text(max_size=200)


@settings(max_examples=1500)
@given(OPTION_STRINGS)
def test_flexible_options_parse_or_raise_9401(option_string: str) -> None:
    opts = outcome(parse_flexible, option_string)
    if isinstance(opts, InvalidOptions):
        assert (opts.code, opts.status) == (9401, 400)
        assert 0 < len(opts.detail or "") < 200  # the plain-text answer stays short
        return
    assert isinstance(opts, TransformOptions)
    assert parse_flexible(canonical(opts)) == opts  # the cache key names the same transform


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
VARIANT_KEYS = st.sampled_from(["fit", "width", "height", "metadata", "blur", "browser_ttl"])
VARIANT_OPTIONS = st.dictionaries(VARIANT_KEYS, JSON | VALUES, max_size=6) | JSON


@settings(max_examples=1500)
@given(VARIANT_OPTIONS)
def test_variant_options_validate_or_raise_5400(raw: object) -> None:
    options = outcome(validate_variant_options, raw)
    if isinstance(options, InvalidVariantOptions):
        assert (options.code, options.status) == (5400, 400)
        assert (options.detail or "").startswith("options")
        return
    # What the API stored must render at delivery without a surprise.
    assert isinstance(from_variant(options), TransformOptions)
    assert validate_variant_options(options) == options
