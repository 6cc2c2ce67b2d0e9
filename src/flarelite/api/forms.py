"""Bounded request bodies and multipart/form-data parsing for the Images upload routes.

A body is read up to a hard limit and never buffered past it: above the limit the rest is
drained without being kept (so the client can read the 413), and a declared length far
above it is refused before reading. Parts are parsed in memory with python-multipart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from flarelite.images.errors import ImageFileTooLarge, ImagesBadRequest, NotMultipartUpload

UPLOAD_BODY_LIMIT = 10 * 1024 * 1024 + 256 * 1024  # 10 MB file (§3.1) + the form around it
DRAIN_LIMIT = 64 * 1024 * 1024  # past this a client is cut off instead of drained
MAX_PARTS = 64
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FilePart:
    filename: str | None
    data: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)  # last value wins
    files: dict[str, FilePart] = field(default_factory=dict)


async def read_body(request: Request, limit: int = UPLOAD_BODY_LIMIT) -> bytes:
    """The whole body, at most ``limit`` bytes; raises ImageFileTooLarge (413/5413) beyond."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > DRAIN_LIMIT:
        raise ImageFileTooLarge(f"declared {declared} bytes")
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            await _drain(request, len(body) + len(chunk))
            raise ImageFileTooLarge(f"body over {limit} bytes")
        body += chunk
    return bytes(body)


async def _drain(request: Request, seen: int) -> None:
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > DRAIN_LIMIT:
            return


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_form(request: Request, limit: int = UPLOAD_BODY_LIMIT) -> Form:
    """The multipart form of ``request``; 415/5415 when it is not multipart/form-data."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise NotMultipartUpload(f"content type {content_type[:60]!r}")
    body = await read_body(request, limit)
    return parse_multipart(body, params[b"boundary"])


def parse_multipart(body: bytes, boundary: bytes) -> Form:
    """Parse a complete multipart body; raises ImagesBadRequest (5400) when malformed."""
    collector = _Collector()
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise _bad_form(f"multipart: {exc}") from exc
    if not collector.ended:  # cut short: no closing boundary
        raise _bad_form("multipart body ends before its closing boundary")
    return collector.form


def _bad_form(internal: str) -> ImagesBadRequest:
    # Cloudflare's words for a form it cannot read (§2.10, cloudflare-go#4150).
    return ImagesBadRequest(internal, detail="Bad request: Error parsing form fields")


class _Collector:
    """python-multipart callbacks that gather parts into a Form, enforcing part limits."""

    def __init__(self) -> None:
        self.form = Form()
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._data = bytearray()
        self.ended = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._end,
            "on_end": self._finished,
        }

    def _finished(self) -> None:
        self.ended = True

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise _bad_form(f"more than {MAX_PARTS} parts")
        self._headers, self._data = {}, bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name, self._header_value = bytearray(), bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def _end(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            self.form.files[name] = FilePart(filename or None, bytes(self._data))
            return
        if len(self._data) > MAX_FIELD_BYTES:
            raise _bad_form(f"field {name[:40]!r} over {MAX_FIELD_BYTES} bytes")
        try:
            self.form.fields[name] = self._data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_form(f"field {name[:40]!r} is not UTF-8") from exc
