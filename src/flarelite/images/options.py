"""Transform options: flexible-variant strings and named-variant dicts -> TransformOptions; pure.

Grammar and ranges follow reference images.md §4.2 and §2.7. ``canonical`` is the stable
spelling used in cache keys: ``parse_flexible(canonical(x)) == x`` for every valid ``x``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Literal, TypeVar, cast
from urllib.parse import unquote

from flarelite.images.colours import Rgba, format_colour, parse_css_colour
from flarelite.images.errors import InvalidOptions, InvalidVariantOptions

Fit = Literal["scale-down", "contain", "cover", "crop", "pad", "aspect-crop", "squeeze"]
NamedGravity = Literal["auto", "face", "left", "right", "top", "bottom", "center"]
Gravity = NamedGravity | tuple[float, float]
FormatOption = Literal["auto", "avif", "webp", "jpeg", "baseline-jpeg", "json"]
Metadata = Literal["keep", "copyright", "none"]
Rotate = Literal[0, 90, 180, 270]
Flip = Literal["h", "v", "hv"]
Trim = tuple[int, int, int, int]  # top, right, bottom, left (source pixels)

FITS: tuple[Fit, ...] = ("scale-down", "contain", "cover", "crop", "pad", "aspect-crop", "squeeze")
GRAVITIES: tuple[NamedGravity, ...] = ("auto", "face", "left", "right", "top", "bottom", "center")
FORMATS: tuple[FormatOption, ...] = ("auto", "avif", "webp", "jpeg", "baseline-jpeg", "json")
METADATA: tuple[Metadata, ...] = ("keep", "copyright", "none")
_T = TypeVar("_T", bound=str)
MAX_DIMENSION = 100_000  # parse bound only; the pipeline enforces the real output limit
MAX_DPR = 2.0  # §4.2 "max 2 (current docs)"; larger values are clamped, not refused


@dataclass(frozen=True, slots=True)
class TransformOptions:
    """One transform request. ``None`` means "not given" (the source's or the encoder's default)."""

    width: int | None = None
    height: int | None = None
    fit: Fit = "scale-down"
    gravity: Gravity = "center"
    quality: int | None = None  # None: 85 for lossy outputs, lossless PNG (§4.2)
    format: FormatOption = "auto"  # hosted images default to auto (§4.3)
    dpr: float = 1.0
    blur: float | None = None
    sharpen: float | None = None
    rotate: Rotate = 0
    flip: Flip | None = None
    background: Rgba | None = None  # None: white where a fill is needed
    trim: Trim | None = None
    anim: bool = True
    metadata: Metadata = "copyright"  # §3.3: the default for JPEG output
    brightness: float | None = None
    contrast: float | None = None
    gamma: float | None = None
    saturation: float | None = None


_ALIASES = {"w": "width", "h": "height", "q": "quality", "f": "format", "g": "gravity"}
# Accepted for compatibility and ignored: hints (compression, slow-connection quality) and
# options that only matter for features we do not have (face zoom, onerror for remote URLs).
_IGNORED = frozenset(
    {"zoom", "face-zoom", "compression", "slow-connection-quality", "scq", "onerror"}
)
# §4.2 keyword qualities; Cloudflare does not publish their numbers, these are our choice.
_QUALITY_WORDS = {"high": 90, "medium-high": 80, "medium-low": 65, "low": 50}
_INT = re.compile(r"[0-9]{1,7}")
_FLOAT = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]{1,3})?")


def _fail(key: str, raw: str, why: str) -> InvalidOptions:
    return InvalidOptions(f"{key}={raw!r}: {why}", detail=f"invalid {key}: {why}")


def _int(key: str, raw: str, low: int, high: int) -> int:
    if not _INT.fullmatch(raw) or not low <= int(raw) <= high:
        raise _fail(key, raw, f"expected a whole number from {low} to {high}")
    return int(raw)


def _float(key: str, raw: str, low: float, high: float) -> float:
    value = float(raw) if _FLOAT.fullmatch(raw) else math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise _fail(key, raw, f"expected a number from {low:g} to {high:g}")
    return value


def _choice(key: str, raw: str, allowed: tuple[_T, ...]) -> _T:
    if raw not in allowed:
        raise _fail(key, raw, "expected one of " + ", ".join(allowed))
    return cast(_T, raw)


def _optional_float(key: str, raw: str, low: float, high: float) -> float | None:
    # 0 means "no effect" for these options (§4.2), so it normalises to "not given".
    value = _float(key, raw, low, high)
    return None if value == 0 and key != "saturation" else value


def _width(raw: str) -> int | None:
    # width=auto needs Chromium client hints, which we do not read: keep the source width.
    return None if raw == "auto" else _int("width", raw, 1, MAX_DIMENSION)


def _gravity(raw: str) -> Gravity:
    if raw == "centre":
        return "center"
    if "x" in raw and raw not in GRAVITIES:
        x_raw, _, y_raw = raw.partition("x")
        return (_float("gravity", x_raw, 0.0, 1.0), _float("gravity", y_raw, 0.0, 1.0))
    return _choice("gravity", raw, GRAVITIES)


def _quality(raw: str) -> int:
    return _QUALITY_WORDS.get(raw) or _int("quality", raw, 1, 100)


def _rotate(raw: str) -> Rotate:
    value = _int("rotate", raw, 0, 270)
    if value not in (0, 90, 180, 270):
        raise _fail("rotate", raw, "expected 0, 90, 180 or 270")
    return cast(Rotate, value)


def _bool(key: str, raw: str) -> bool:
    if raw not in ("true", "false"):
        raise _fail(key, raw, "expected true or false")
    return raw == "true"


def _background(raw: str) -> Rgba:
    try:
        return parse_css_colour(unquote(raw))  # %23rrggbb, as the docs spell it in URLs
    except ValueError as exc:
        raise _fail("background", raw, "expected a CSS colour") from exc


def _trim(raw: str) -> Trim:
    parts = raw.split(";")
    if len(parts) != 4:
        raise _fail("trim", raw, "expected top;right;bottom;left in pixels")
    top, right, bottom, left = (_int("trim", p, 0, MAX_DIMENSION) for p in parts)
    return (top, right, bottom, left)


_Parser = Callable[[str], object]
_PARSERS: dict[str, _Parser] = {
    "width": _width,
    "height": lambda raw: _int("height", raw, 1, MAX_DIMENSION),
    "fit": lambda raw: _choice("fit", raw, FITS),
    "gravity": _gravity,
    "quality": _quality,
    "format": lambda raw: _choice("format", raw, FORMATS),
    "dpr": lambda raw: min(_float("dpr", raw, 0.01, 100.0), MAX_DPR),
    "blur": lambda raw: _optional_float("blur", raw, 0.0, 250.0),
    "sharpen": lambda raw: _optional_float("sharpen", raw, 0.0, 10.0),
    "rotate": _rotate,
    "flip": lambda raw: _choice("flip", raw, ("h", "v", "hv")),
    "background": _background,
    "trim": _trim,
    "anim": lambda raw: _bool("anim", raw),
    "metadata": lambda raw: _choice("metadata", raw, METADATA),
    "brightness": lambda raw: _optional_float("brightness", raw, 0.0, 10.0),
    "contrast": lambda raw: _optional_float("contrast", raw, 0.0, 10.0),
    "gamma": lambda raw: _optional_float("gamma", raw, 0.0, 10.0),
    "saturation": lambda raw: _float("saturation", raw, 0.0, 10.0),
}


def _split(option_string: str) -> list[str]:
    """Split on commas outside parentheses: ``background=rgb(1,2,3)`` is one option."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(option_string):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(option_string[start:i])
            start = i + 1
    items.append(option_string[start:])
    return [item for item in items if item]


def parse_flexible(option_string: str) -> TransformOptions:
    """Parse ``w=400,h=300,fit=cover``; raises InvalidOptions (9401) naming the bad option.

    An empty string gives the defaults; the delivery layer decides whether that is allowed.
    """
    values: dict[str, object] = {}
    for item in _split(option_string):
        raw_key, sep, raw = item.partition("=")
        key = _ALIASES.get(raw_key, raw_key)
        if not sep or not raw:
            raise InvalidOptions(f"option {item!r}", detail=f"option {raw_key[:40]} needs a value")
        if key in _IGNORED:
            continue
        if key not in _PARSERS:
            raise InvalidOptions(f"unknown {raw_key!r}", detail=f"unknown option {raw_key[:40]}")
        if key in values:
            raise InvalidOptions(f"duplicate {key}", detail=f"option {key} given twice")
        values[key] = _PARSERS[key](raw)
    return TransformOptions(**values)  # type: ignore[arg-type]


# Named-variant options (§2.7): the four typed keys plus the service-accepted extras.
_VARIANT_KEYS = ("fit", "width", "height", "metadata", "blur")
_VARIANT_TTL = (3600, 31_536_000)  # options.browser_ttl, 1 hour to 1 year (§4.4)


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    raise ValueError("expected a string or a number")


def from_variant(options: Mapping[str, object]) -> TransformOptions:
    """TransformOptions for a stored named variant; ``browser_ttl`` is not a transform."""
    values: dict[str, object] = {}
    for key in _VARIANT_KEYS:
        if options.get(key) is not None:
            try:
                text = _as_text(options[key])
            except ValueError as exc:
                raise _fail(key, repr(options[key]), str(exc)) from exc
            values[key] = _PARSERS[key](text)
    return TransformOptions(**values)  # type: ignore[arg-type]


def validate_variant_options(raw: object) -> dict[str, object]:
    """Normalised ``options`` for the Variants API; raises InvalidVariantOptions naming the field.

    The spec marks fit, width, height and metadata required, but Cloudflare's own docs create
    variants with only ``width`` (§2.7): missing fit/metadata get scale-down/none.
    """
    if not isinstance(raw, Mapping):
        raise InvalidVariantOptions("options not an object", detail="options must be an object")
    for key in raw:
        if key not in (*_VARIANT_KEYS, "browser_ttl"):
            raise InvalidVariantOptions(f"key {key!r}", detail=f"options.{key}: unknown option")
    try:
        parsed = from_variant(raw)
    except InvalidOptions as exc:
        reason = (exc.detail or "").removeprefix("invalid ")  # "<key>: <why>"
        raise InvalidVariantOptions(str(exc), detail=f"options.{reason}") from exc
    result: dict[str, object] = {"fit": parsed.fit, "metadata": "none"}
    for key in ("width", "height", "blur"):
        if getattr(parsed, key) is not None:
            result[key] = getattr(parsed, key)
    if raw.get("metadata") is not None:
        result["metadata"] = parsed.metadata
    if raw.get("browser_ttl") is not None:
        result["browser_ttl"] = _browser_ttl(raw["browser_ttl"])
    return result


def _browser_ttl(value: object) -> int:
    low, high = _VARIANT_TTL
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidVariantOptions(
            "browser_ttl", detail=f"options.browser_ttl: expected seconds from {low} to {high}"
        )
    return value


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _format_value(key: str, value: object) -> str:
    if key == "gravity" and isinstance(value, tuple):
        return f"{_format_number(value[0])}x{_format_number(value[1])}"
    if key == "background":
        return format_colour(cast(Rgba, value))
    if key == "trim":
        return ";".join(str(v) for v in cast(Trim, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_number(value)
    return str(value)


_DEFAULTS = TransformOptions()


def canonical(opts: TransformOptions) -> str:
    """Stable spelling for cache keys: full names, fixed order, defaults left out."""
    parts = []
    for spec in fields(TransformOptions):
        value = getattr(opts, spec.name)
        if value != getattr(_DEFAULTS, spec.name):
            parts.append(f"{spec.name}={_format_value(spec.name, value)}")
    return ",".join(parts)
