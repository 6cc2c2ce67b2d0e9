"""SVG sanitising: parse without DTD subsets or entities, keep an allowlist of SVG elements.

Drops scripts, event handlers, foreign content and every reference to another document
(like Cloudflare's svg-hush, §3.3). Never fetches, never renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from flarelite.images.errors import InvalidSvg

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Sent with every SVG response: no script, no fetches except inline data images, and a
# sandbox so that even a sanitiser miss cannot run with the origin's privileges.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

_MAX_DEPTH = 256
_ALLOWED_TEXT = """
    a circle clipPath defs desc ellipse feBlend feColorMatrix feComponentTransfer feComposite
    feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood
    feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology
    feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence filter g image line
    linearGradient marker mask path pattern polygon polyline radialGradient rect stop style svg
    switch symbol text textPath title tspan use view"""
_ALLOWED_ELEMENTS = frozenset(_ALLOWED_TEXT.split())
# Elements whose href may hold an inline raster image; everything else may only point inside.
_IMAGE_ELEMENTS = frozenset({"image", "feImage"})
_DATA_RASTER = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]*")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_FORBIDDEN = re.compile(r"@import|expression\s*\(|javascript:|behavior|-moz-binding|\\", re.I)
_UNITS = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*")


@dataclass(slots=True)
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


def sanitise_svg(data: bytes) -> bytes:
    """The sanitised document as UTF-8; raises InvalidSvg when it cannot be parsed safely."""
    root = _parse(data)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _serialise(root, out, is_root=True)
    return "".join(out).encode("utf-8")


def svg_size(data: bytes) -> tuple[int, int]:
    """Intrinsic size from width/height (px) or the viewBox; (0, 0) when neither says."""
    root = _parse(data)
    width, height = _length(root.attrs.get("width")), _length(root.attrs.get("height"))
    box = root.attrs.get("viewBox", "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        try:
            box_w, box_h = float(box[2]), float(box[3])
        except ValueError:
            box_w = box_h = 0.0
        width = box_w if width is None else width
        height = box_h if height is None else height
    return round(width or 0), round(height or 0)


def _length(value: str | None) -> float | None:
    match = _UNITS.fullmatch(value or "")
    return float(match.group(1)) if match else None


class _Builder:
    """Expat callbacks that build the allowlisted tree and refuse DTD and entity tricks."""

    def __init__(self) -> None:
        self.root: _Node | None = None
        self.stack: list[_Node] = []
        self.skipping = 0  # depth inside a dropped element

    def start(self, name: str, attrs: dict[str, str]) -> None:
        depth = len(self.stack) + self.skipping
        if depth >= _MAX_DEPTH:
            raise InvalidSvg("SVG nested too deeply")
        ns, _, local = name.rpartition(" ")
        if self.skipping or ns not in ("", SVG_NS) or local not in _ALLOWED_ELEMENTS:
            if depth == 0:
                raise InvalidSvg(f"root element is {name!r}, not svg")
            self.skipping += 1
            return
        if depth == 0 and local != "svg":
            raise InvalidSvg(f"root element is {local!r}, not svg")
        node = _Node(local, _clean_attrs(local, attrs))
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
        else:
            node = self.stack.pop()
            if node.tag == "style" and not _css_is_safe("".join(map(str, node.children))):
                node.children.clear()

    def text(self, data: str) -> None:
        if self.stack and not self.skipping:
            self.stack[-1].children.append(data)


def _refuse(what: str) -> object:
    def handler(*_args: object) -> None:
        raise InvalidSvg(f"SVG uses a forbidden XML feature: {what}")

    return handler


def _parse(data: bytes) -> _Node:
    builder = _Builder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.StartDoctypeDeclHandler = _doctype
    for name in ("EntityDeclHandler", "UnparsedEntityDeclHandler", "NotationDeclHandler"):
        setattr(parser, name, _refuse(name))
    # Unknown entities (possible after an external DOCTYPE, which is never fetched) are refused.
    parser.SkippedEntityHandler = _refuse("undefined entity")
    parser.ExternalEntityRefHandler = _refuse("external entity")
    try:
        parser.Parse(data.removeprefix(b"\xef\xbb\xbf"), True)
    except expat.ExpatError as exc:
        raise InvalidSvg(f"SVG is not well-formed XML: {exc}") from exc
    if builder.root is None:
        raise InvalidSvg("SVG has no root element")
    return builder.root


def _doctype(_name: str, _sysid: str | None, _pubid: str | None, has_internal: int) -> None:
    # A bare <!DOCTYPE svg PUBLIC ...> (Illustrator, Inkscape) is harmless: expat never fetches
    # it. An internal subset is where ENTITY tricks (XXE, billion laughs) live: refuse it.
    if has_internal:
        raise InvalidSvg("SVG DOCTYPE has an internal subset")


def _clean_attrs(tag: str, attrs: dict[str, str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in attrs.items():
        ns, _, local = name.rpartition(" ")
        if local == "href" and ns in (XLINK_NS, ""):
            if _href_is_safe(tag, value):
                kept["xlink:href" if ns else "href"] = value
        elif ns == XML_NS and local in ("space", "lang"):
            kept[f"xml:{local}"] = value
        elif ns == "" and _plain_attr_is_safe(local, value):
            kept[local] = value
    return kept


def _plain_attr_is_safe(name: str, value: str) -> bool:
    if name.lower().startswith("on"):  # event handlers
        return False
    if name == "style" or "url(" in value.lower() or "\\" in value:
        return _css_is_safe(value)
    return "javascript:" not in value.lower()


def _href_is_safe(tag: str, value: str) -> bool:
    # Browsers ignore ASCII whitespace and controls inside schemes ("java\tscript:").
    compact = re.sub(r"[\x00-\x20]+", "", value)
    if compact.startswith("#") and tag != "image":
        return True
    return tag in _IMAGE_ELEMENTS and bool(_DATA_RASTER.fullmatch(value.strip()))


def _css_is_safe(css: str) -> bool:
    if _CSS_FORBIDDEN.search(css):
        return False
    urls = _CSS_URL.findall(css)
    if css.lower().count("url(") != len(urls):
        return False
    return all(t.strip().startswith("#") or _DATA_RASTER.fullmatch(t.strip()) for _, t in urls)


def _serialise(node: _Node, out: list[str], *, is_root: bool = False) -> None:
    out.append(f"<{node.tag}")
    if is_root:
        out.append(f' xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"')
    for name, value in node.attrs.items():
        out.append(f" {name}={quoteattr(value)}")
    if not node.children:
        out.append("/>")
        return
    out.append(">")
    for child in node.children:
        if isinstance(child, str):
            out.append(escape(child))
        else:
            _serialise(child, out)
    out.append(f"</{node.tag}>")
