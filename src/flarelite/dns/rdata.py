"""Per-type record data: check and format content for A, AAAA, hostname types, TXT, SRV and CAA.

Pure value work (zones-dns.md §5.4–5.9); raises DNS field errors naming the field. Knows
nothing of record names, other records or storage.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from flarelite.dns.errors import (
    CnameContentInvalid,
    IPv4ContentInvalid,
    IPv6ContentInvalid,
    RecordContentInvalid,
    RecordInvalid,
)
from flarelite.dns.names import normalise_target, qualify

PROXIABLE_TYPES = frozenset({"A", "AAAA", "CNAME"})  # §5.3
CAA_TAGS = frozenset({"issue", "issuewild", "iodef"})  # §5.9
TXT_MAX_WIRE_BYTES = 4096  # per record, wire format (§5.6)
TXT_MAX_COMBINED = 8192  # all TXT contents at one name (§5.6)
TXT_CHUNK = 255  # bytes per RFC 1035 character-string
_U16 = 65535
# Not proxiable: python-cloudflare#73 (private IP) and LEXCAS (127.0.0.1 -> proxiable false).
# Documentation ranges stay proxiable: Cloudflare's own examples proxy 198.51.100.x (§7.3).
_PRIVATE_NETS = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_CAA_CONTENT = re.compile(r"(\d+)\s+([A-Za-z0-9]+)\s+(.*)", re.DOTALL)
TXT_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
TXT_QUOTED_ALL = re.compile(r'\s*"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*\s*', re.DOTALL)


def coerce_int(value: object, field: str, low: int, high: int) -> int:
    """An integer from JSON: ints, integral floats and numeric strings (lexicon, §5.9)."""
    number: float | int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number != int(number):
        raise RecordInvalid.about(field, f"{value!r} is not an integer")
    if not low <= int(number) <= high:
        raise RecordInvalid.about(field, f"must be between {low} and {high}")
    return int(number)


def _text(value: object, field: str, record_type: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordContentInvalid.for_type(record_type, "is required", field)
    if any(c in value for c in "\r\n\0"):
        raise RecordContentInvalid.for_type(record_type, "must be a single line", field)
    return value


def parse_ipv4(content: object) -> str:
    """A dotted quad; short forms such as ``1.1`` are refused (§5.4)."""
    try:
        return str(ipaddress.IPv4Address(str(content).strip()))
    except ValueError as exc:
        raise IPv4ContentInvalid.about("content", f"{content!r} is not an IPv4 address") from exc


def parse_ipv6(content: object) -> str:
    """An IPv6 address in RFC 5952 compressed form: ``fe80::0:0:1`` -> ``fe80::1`` (§5.4)."""
    text = str(content).strip()
    try:
        if "%" in text:
            raise ValueError("scoped addresses are not DNS data")
        return ipaddress.IPv6Address(text).compressed
    except ValueError as exc:
        raise IPv6ContentInvalid.about("content", f"{content!r} is not an IPv6 address") from exc


def parse_hostname(record_type: str, content: object, field: str = "content") -> str:
    """A hostname target (CNAME, MX, NS, PTR, SRV): trailing dot stripped, ``.`` kept (§5.1)."""
    text = _text(content, field, record_type)
    try:
        return normalise_target(text)
    except ValueError as exc:
        if record_type == "CNAME":
            raise CnameContentInvalid.about(field, str(exc)) from exc
        raise RecordContentInvalid.for_type(record_type, str(exc), field) from exc


def txt_wire_length(content: str) -> int:
    """Wire bytes of a TXT content kept verbatim: chunks of 255 bytes, one length octet each."""
    size = len(content.encode("utf-8"))
    return size + max(1, math.ceil(size / TXT_CHUNK))


def quote_txt(text: str) -> str:
    """One RFC 1035 character-string: quotes and backslashes escaped, controls as \\DDD."""
    body = "".join(
        f"\\{c}" if c in '"\\' else (f"\\{ord(c):03d}" if ord(c) < 32 or ord(c) == 127 else c)
        for c in text
    )
    return f'"{body}"'


def chunk_txt(text: str) -> list[str]:
    """Split at character boundaries into pieces of at most 255 UTF-8 bytes (§5.6)."""
    pieces, current, size = [], "", 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > TXT_CHUNK:
            pieces.append(current)
            current, size = "", 0
        current, size = current + char, size + width
    return [*pieces, current]


def quoted_txt_strings(content: str) -> list[str] | None:
    """The unescaped strings of a content written as quoted strings only, else None."""
    if not TXT_QUOTED_ALL.fullmatch(content):
        return None
    return [re.sub(r"\\(.)", r"\1", s) for s in TXT_QUOTED.findall(content)]


def check_txt(content: object) -> str:
    """TXT content is stored verbatim: no quoting or unquoting (§5.6, compatibility trap 5).

    The one rewrite is Cloudflare's: quoted content with a string over 255 bytes comes back
    chunked as ``"<255 bytes>" "<rest>"``, so list, get and export agree (§5.6, trap 5).
    """
    text = _text(content, "content", "TXT")
    if txt_wire_length(text) > TXT_MAX_WIRE_BYTES:
        raise RecordContentInvalid.for_type(
            "TXT", f"longer than {TXT_MAX_WIRE_BYTES} bytes in wire format"
        )
    strings = quoted_txt_strings(text)
    if strings is not None and any(len(s.encode("utf-8")) > TXT_CHUNK for s in strings):
        return " ".join(quote_txt(piece) for piece in chunk_txt("".join(strings)))
    return text


def is_proxiable(record_type: str, content: str) -> bool:
    """Whether Cloudflare would allow ``proxied`` on this record (§4.1 ``proxiable``, §5.3)."""
    if record_type not in PROXIABLE_TYPES:
        return False
    if record_type == "CNAME":
        return True
    try:
        address = ipaddress.ip_address(content)
    except ValueError:
        return False
    local = address.is_loopback or address.is_link_local or address.is_unspecified
    private = any(address.version == net.version and address in net for net in _PRIVATE_NETS)
    return not (local or private or address.is_multicast)


@dataclass(frozen=True, slots=True)
class SrvData:
    priority: int
    weight: int
    port: int
    target: str

    @property
    def content(self) -> str:
        """``"<weight> <port> <target>"``; priority travels separately (§5.9)."""
        return f"{self.weight} {self.port} {self.target}"

    def as_dict(self) -> dict[str, int | str]:
        return {
            "priority": self.priority,
            "weight": self.weight,
            "port": self.port,
            "target": self.target,
        }


@dataclass(frozen=True, slots=True)
class CaaData:
    flags: int
    tag: str
    value: str

    @property
    def content(self) -> str:
        """``0 issue "letsencrypt.org"`` (§5.9)."""
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.flags} {self.tag} "{escaped}"'

    def as_dict(self) -> dict[str, int | str]:
        return {"flags": self.flags, "tag": self.tag, "value": self.value}


def _srv_fields(
    data: Mapping[str, object] | None, content: object, priority: object
) -> dict[str, object]:
    if data is not None:
        fields = dict(data)
        fields.setdefault("priority", priority)
        return fields
    parts = _text(content, "content", "SRV").split()
    if len(parts) == 4:
        return dict(zip(("priority", "weight", "port", "target"), parts, strict=True))
    if len(parts) == 3:
        return {"priority": priority, **dict(zip(("weight", "port", "target"), parts, strict=True))}
    raise RecordContentInvalid.for_type("SRV", "expected '[priority] weight port target'")


def _check_srv_legacy(fields: Mapping[str, object], name: str, zone: str) -> None:
    """Old ``data.service/proto/name`` are tolerated only when they spell the record's name.

    §5.9: rejected by Cloudflare since 2024-05-31, yet octodns still sends them, consistent.
    """
    legacy = [fields.get(key) for key in ("service", "proto", "name")]
    if all(value is None for value in legacy):
        return
    service, proto, owner = (str(value or "").strip() for value in legacy)
    spelled = f"{service}.{proto}.{qualify(owner or '@', zone, field='data.name')}"
    if not (service and proto) or spelled.lower() != name:
        raise RecordInvalid.about(
            "data", "SRV data fields 'service', 'proto' and 'name' are no longer supported"
        )


def parse_srv(
    data: Mapping[str, object] | None, content: object, priority: object, *, name: str, zone: str
) -> SrvData:
    """SRV from ``data`` (preferred) or content ``"prio weight port target"`` (§5.9)."""
    fields = _srv_fields(data, content, priority)
    _check_srv_legacy(fields, name, zone)
    prefix = "data." if data is not None else ""
    if fields.get("priority") is None:
        raise RecordInvalid.about(f"{prefix}priority", "priority is a required field.")
    return SrvData(
        priority=coerce_int(fields.get("priority"), f"{prefix}priority", 0, _U16),
        weight=coerce_int(fields.get("weight"), f"{prefix}weight", 0, _U16),
        port=coerce_int(fields.get("port"), f"{prefix}port", 0, _U16),
        target=parse_hostname("SRV", fields.get("target"), f"{prefix}target"),
    )


def _caa_fields(data: Mapping[str, object] | None, content: object) -> tuple[object, ...]:
    if data is not None:
        return data.get("flags"), data.get("tag"), data.get("value")
    match = _CAA_CONTENT.fullmatch(_text(content, "content", "CAA").strip())
    if match is None:
        raise RecordContentInvalid.for_type("CAA", "expected 'flags tag \"value\"'")
    flags, tag, value = match.groups()
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    return flags, tag, value


def parse_caa(data: Mapping[str, object] | None, content: object) -> CaaData:
    """CAA from ``data {flags, tag, value}`` (preferred) or content ``0 issue "ca"`` (§5.9)."""
    prefix = "data." if data is not None else ""
    flags, tag, value = _caa_fields(data, content)
    tag_text = str(tag or "").strip().lower()
    if tag_text not in CAA_TAGS:
        raise RecordContentInvalid.for_type(
            "CAA", f"tag must be one of {', '.join(sorted(CAA_TAGS))}", f"{prefix}tag"
        )
    text = _text(value, f"{prefix}value", "CAA")
    if tag_text == "iodef" and not text.startswith(("mailto:", "http://", "https://")):
        raise RecordContentInvalid.for_type(
            "CAA", "iodef value must be a mailto:, http:// or https:// URL", f"{prefix}value"
        )
    return CaaData(coerce_int(flags, f"{prefix}flags", 0, 255), tag_text, text)
