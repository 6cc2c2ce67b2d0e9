"""SVG sanitiser: hostile documents come out inert and well-formed, or are refused."""

from __future__ import annotations

import time
from xml.etree import ElementTree

import pytest

from flarelite.images.errors import InvalidSvg
from flarelite.images.svg import SVG_CSP, sanitise_svg, svg_size

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
PNG_DATA = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"


def reparse(document: bytes) -> ElementTree.Element:
    """Parse the sanitiser's own output (no DOCTYPE left), to prove it is well-formed."""
    return ElementTree.fromstring(document)  # noqa: S314 - our output, checked DTD-free


def svg(body: str, root_attrs: str = "") -> bytes:
    return f'<svg {NS} width="10" height="10" {root_attrs}>{body}</svg>'.encode()


def clean(body: str, root_attrs: str = "") -> str:
    out = sanitise_svg(svg(body, root_attrs))
    reparse(out)  # always well-formed
    return out.decode()


def test_keeps_ordinary_drawing() -> None:
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>'
        '<rect x="1" y="1" width="8" height="8" fill="url(#g)" style="stroke: blue"/>'
        '<text x="0" y="5">a &amp; b &lt; c</text><use xlink:href="#g"/><use href="#g"/>'
    )
    out = clean(body)
    for kept in ('fill="url(#g)"', 'style="stroke: blue"', "a &amp; b &lt; c", 'xlink:href="#g"'):
        assert kept in out
    tree = reparse(out.encode())
    assert tree.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize(
    ("body", "root_attrs", "gone"),
    [
        ("<script>alert(1)</script>", "", "alert"),
        ('<script xlink:href="https://evil.example/x.js"/>', "", "evil"),
        ("", 'onload="alert(1)"', "onload"),
        ('<rect onclick="alert(1)" ONMOUSEOVER="x()"/>', "", "alert"),
        (
            '<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">'
            "<iframe src='javascript:alert(1)'/></body></foreignObject>",
            "",
            "iframe",
        ),
        ('<a href="javascript:alert(1)"><rect/></a>', "", "javascript"),
        ('<a xlink:href="java&#9;script:alert(1)"><rect/></a>', "", "script"),
        ('<a href="https://evil.example/"><rect/></a>', "", "evil"),
        ('<image href="file:///etc/passwd"/>', "", "passwd"),
        ('<image xlink:href="http://evil.example/track.png"/>', "", "evil"),
        ('<image href="data:image/svg+xml;base64,PHN2Zz4="/>', "", "svg+xml"),
        ('<use xlink:href="https://evil.example/sprite.svg#icon"/>', "", "evil"),
        ('<use href="other.svg#icon"/>', "", "other.svg"),
        ('<rect fill="url(http://evil.example/#p)"/>', "", "evil"),
        ('<rect style="fill: url(https://evil.example/x)"/>', "", "evil"),
        ('<rect style="behavior: url(#x); background: u\\72l(x)"/>', "", "behavior"),
        ("<style>@import url(https://evil.example/x.css);</style>", "", "evil"),
        ("<style>rect { fill: url('http://evil.example/') }</style>", "", "evil"),
        ('<set attributeName="href" to="javascript:alert(1)"/>', "", "javascript"),
        ('<animate attributeName="href" values="javascript:alert(1)"/>', "", "javascript"),
        ('<handler type="application/ecmascript">alert(1)</handler>', "", "alert"),
        ('<x:evil xmlns:x="urn:evil">payload</x:evil>', "", "payload"),
        ("", 'xml:base="https://evil.example/"', "evil"),
        ('<rect xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="click"/>', "", "click"),
    ],
)
def test_drops_active_content_and_external_references(
    body: str, root_attrs: str, gone: str
) -> None:
    assert gone.lower() not in clean(body, root_attrs).lower()


def test_keeps_inline_raster_images() -> None:
    out = clean(f'<image width="1" height="1" href="{PNG_DATA}"/>')
    assert PNG_DATA in out


def test_style_element_without_tricks_is_kept() -> None:
    assert "rect { fill: red }" in clean("<style>rect { fill: red }</style><rect/>")


@pytest.mark.parametrize(
    "document",
    [
        # XXE: an external entity pointing at a local file
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
        # XXE over http
        b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "http://evil.example/x">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&xxe;</svg>',
        # billion laughs
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&c;</svg>',
        # parameter entity with an external DTD
        b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        # undefined entity after an (unfetched) external DOCTYPE
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://evil.example/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>',
        # not SVG at all
        b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
        b"",
        b"<svg" + b"<g>" * 10,
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 300 + b"</g>" * 300 + b"</svg>",
    ],
)
def test_refuses_entity_tricks_and_broken_documents(document: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidSvg) as caught:
        sanitise_svg(document)
    assert time.perf_counter() - started < 0.5
    assert caught.value.code == 5400


def test_bare_public_doctype_from_illustrator_is_tolerated_and_dropped() -> None:
    document = (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        b'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect/></svg>'
    )
    out = sanitise_svg(document)
    assert b"DOCTYPE" not in out
    assert svg_size(document) == (40, 20)


def test_unprefixed_svg_without_namespace_is_normalised() -> None:
    out = sanitise_svg(b"<svg width='3' height='4'><circle r='1'/></svg>")
    tree = reparse(out)
    assert tree.tag == "{http://www.w3.org/2000/svg}svg"
    assert tree[0].tag == "{http://www.w3.org/2000/svg}circle"


def test_comments_and_processing_instructions_are_dropped() -> None:
    out = clean("<!-- secret --><?php echo 1 ?><rect/>")
    assert "secret" not in out
    assert "php" not in out


@pytest.mark.parametrize(
    ("document", "size"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80"/>', (120, 80)),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0,0,300,150"/>', (300, 150)),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="50%" viewBox="0 0 9 7"/>', (9, 7)),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', (0, 0)),
    ],
)
def test_svg_size(document: bytes, size: tuple[int, int]) -> None:
    assert svg_size(document) == size


def test_csp_forbids_scripts_and_fetches() -> None:
    assert "default-src 'none'" in SVG_CSP
    assert "sandbox" in SVG_CSP
    assert "script-src" not in SVG_CSP
