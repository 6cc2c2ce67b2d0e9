"""Hypothesis fuzz of upload ingest (issue 10 §2): sniffing, container walks, header reads
and the SVG sanitiser on arbitrary and mutated bytes. Every input is either inspected or
refused with an Images 4xx error; nothing else escapes, and sanitised SVG is inert."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile_images import gif, webp
from tests.image_corpus import jpeg, png

from flarelite.core.errors import FlareliteError
from flarelite.images.errors import InvalidSvg
from flarelite.images.ingest import Inspected, UploadLimits, inspect
from flarelite.images.svg import sanitise_svg

LIMITS = UploadLimits(max_bytes=64 * 1024)
SEEDS = {"jpeg": jpeg(24, 16), "png": png(24, 16), "gif": gif(24, 16), "webp": webp(24, 16)}
MAGIC = [
    *(b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x01\x00\x00WEBP"),
    *(b"\x00\x00\x00\x1cftypavif", b"\x00\x00\x00\x18ftypheic", b"<svg ", b"<?xml ?><svg>"),
]
FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def inspect_or_refuse(data: bytes) -> Inspected | None:
    refused: FlareliteError | None = None
    try:
        return inspect(data, LIMITS)
    except FlareliteError as exc:  # the Images errors; anything else fails the test
        refused = exc
    assert 400 <= refused.status < 500, refused
    return None


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_are_inspected_or_refused(data: bytes) -> None:
    inspect_or_refuse(data)


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=2048))
def test_bytes_behind_real_magic_are_inspected_or_refused(magic: bytes, rest: bytes) -> None:
    inspect_or_refuse(magic + rest)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid small image with a few bytes overwritten, inserted, or the tail cut off."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["flip", "insert", "delete"])):
            case "flip":
                data[at] = draw(st.integers(0, 255))
            case "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=16))
            case "delete":
                del data[at : at + draw(st.integers(1, 16))]
        if not data:
            break
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_images_are_inspected_or_refused(data: bytes) -> None:
    found = inspect_or_refuse(data)
    if found is not None:
        assert min(found.width, found.height, found.frames) >= 1


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_mutation_seeds_are_valid(name: str) -> None:
    assert inspect_or_refuse(SEEDS[name]) is not None  # else the mutations test only refusals


ELEMENTS = ["svg", "script", "a", "foreignObject", "image", "use", "style", "rect", "feImage",
            "iframe", "set", "animate", "handler", "x:script", "svg:script", "SCRIPT"]  # fmt: skip
ATTRIBUTES = ["onload", "onclick", "ONLOAD", "href", "xlink:href", "style", "src", "fill",
              "begin", "attributeName", "to", "values", "from", "xml:base"]  # fmt: skip
ATTR_VALUES = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "http://127.0.0.1:9/x",
               "file:///etc/passwd", "//evil.invalid/x", "data:text/html,<script>",
               "data:image/png;base64,AAAA", "url(http://evil.invalid/)", "#local", "href",
               "onload", "red", "&#106;avascript:alert(1)"]  # fmt: skip


@st.composite
def svg_documents(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(ELEMENTS))
    attrs = draw(
        st.dictionaries(st.sampled_from(ATTRIBUTES), st.sampled_from(ATTR_VALUES), max_size=3)
    )
    rendered = "".join(
        f' {k}="{v.replace("&", "&amp;").replace("<", "&lt;")}"' for k, v in attrs.items()
    )
    children = draw(st.lists(svg_documents(depth + 1), max_size=3)) if depth < 3 else []
    text = draw(st.sampled_from(["", "alert(1)", "@import url(http://evil.invalid/a.css);"]))
    return f"<{tag}{rendered}>{text}{''.join(children)}</{tag}>"


ROOT = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
ACTIVE_TAGS = {"script", "foreignobject", "iframe", "set", "animate", "handler"}
LINKS = {"href", "base"}  # attributes an SVG renderer follows (href, xlink:href, xml:base)
INSIDE = re.compile(r"#|data:image/(?:png|jpeg|gif|webp);", re.IGNORECASE)
CSS_FETCH = re.compile(r"@import|url\(\s*['\"]?(?!#)|javascript:|expression\(", re.IGNORECASE)


@FUZZ
@given(svg_documents())
def test_sanitised_svg_keeps_nothing_active(body: str) -> None:
    try:
        clean = sanitise_svg((ROOT + body + "</svg>").encode())
    except InvalidSvg:
        return
    for element in ElementTree.fromstring(clean).iter():  # noqa: S314 (our own output)
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag.lower() not in ACTIVE_TAGS, clean
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), clean
            assert local not in LINKS or INSIDE.match(value.strip()), clean
            assert not CSS_FETCH.search(value), clean
        if tag == "style":  # text elsewhere is inert; in a style sheet it may fetch
            assert not CSS_FETCH.search(element.text or ""), clean
