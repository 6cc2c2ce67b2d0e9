"""The DNS record form: per-type fields to API body and back, error placement, readable content.

Pure: no request, no database. The form shows one fieldset per kind of record (plain content,
MX, SRV, CAA) and every fieldset is posted when JavaScript is off, so the body is built only
from the fields of the chosen type; the others are ignored. The API body is exactly what an
API client would send, so the record service validates it the same way (zones-dns.md §5.9).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flarelite.dns.models import DnsRecord
from flarelite.dns.rdata import PROXIABLE_TYPES

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR")

# Types whose value is the one plain "Content" field (Cloudflare labels it per type).
CONTENT_TYPES = ("A", "AAAA", "CNAME", "TXT", "NS", "PTR")
CONTENT_HINT = (
    "A: IPv4 address · AAAA: IPv6 address · CNAME: target · TXT: text · NS: nameserver · "
    "PTR: domain name"
)
# CAA tags as Cloudflare's dashboard offers them.
CAA_TAG_LABELS = {
    "issue": "Only allow specific hostnames",
    "issuewild": "Only allow wildcards",
    "iodef": "Send violation reports to URL",
}
COMMON_FIELDS = ("type", "name", "ttl", "comment", "proxied")
# Per type: the form field that carries each API field (``data.`` keys for data types).
TYPED_FIELDS: dict[str, dict[str, str]] = {
    "MX": {"content": "mx_content", "priority": "mx_priority"},
    "SRV": {
        "data.priority": "srv_priority",
        "data.weight": "srv_weight",
        "data.port": "srv_port",
        "data.target": "srv_target",
    },
    "CAA": {"data.flags": "caa_flags", "data.tag": "caa_tag", "data.value": "caa_value"},
    **{t: {"content": "content"} for t in CONTENT_TYPES},
}
ALL_FIELDS = (*COMMON_FIELDS, *sorted({f for m in TYPED_FIELDS.values() for f in m.values()}))
FORM_ERROR = "form"  # errors that belong to no single field: shown above the form


class MissingFields(Exception):
    """Required per-type fields left empty; caught before the service is asked."""

    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def chosen_type(fields: Mapping[str, str]) -> str:
    return fields.get("type", "").strip().upper()


def record_body(fields: Mapping[str, str]) -> dict[str, Any]:
    """The API body from the posted fields of the chosen type; MissingFields if any is empty.

    Values stay strings where the API takes numeric strings too (lexicon does), so a bad
    number gets the service's own message naming the field.
    """
    record_type = chosen_type(fields)
    typed = {api: fields.get(form, "").strip() for api, form in _typed(record_type).items()}
    missing = {_typed(record_type)[api]: "Required." for api, value in typed.items() if not value}
    if missing:
        raise MissingFields(missing)
    ttl = fields.get("ttl", "").strip() or "1"
    body: dict[str, Any] = {
        "type": record_type,
        "name": fields.get("name", "").strip(),
        "ttl": int(ttl) if ttl.isdigit() else ttl,
        # Only proxiable types show the switch; a stale tick elsewhere must not fail the post.
        "proxied": record_type in PROXIABLE_TYPES and fields.get("proxied") == "on",
        "comment": fields.get("comment", "").strip() or None,
    }
    data = {api.removeprefix("data."): v for api, v in typed.items() if api.startswith("data.")}
    if data:
        body["data"] = data
    body.update({api: v for api, v in typed.items() if not api.startswith("data.")})
    return body


def _typed(record_type: str) -> dict[str, str]:
    # An unknown type gets a plain content field; the service then names the bad type.
    return TYPED_FIELDS.get(record_type, {"content": "content"})


def error_field(record_type: str, pointer: str | None) -> str:
    """The form field next to which a service error with this ``pointer`` is shown."""
    if pointer in COMMON_FIELDS:
        return pointer
    typed = _typed(record_type)
    if pointer in typed:
        return typed[pointer]
    if pointer and not pointer.startswith("data.") and f"data.{pointer}" in typed:
        return typed[f"data.{pointer}"]  # SRV's top-level priority mirrors data.priority
    return FORM_ERROR


def draft_of(record: DnsRecord) -> dict[str, str]:
    """The form fields pre-filled from a stored record (the edit page)."""
    draft = {
        "type": record.type,
        "name": record.name,
        "ttl": str(record.ttl),
        "comment": record.comment or "",
        "proxied": "on" if record.proxied else "",
    }
    values: dict[str, object] = {"content": record.content, "priority": record.priority}
    values.update({f"data.{k}": v for k, v in (record.data or {}).items()})
    for api, form in _typed(record.type).items():
        value = values.get(api)
        draft[form] = "" if value is None else str(value)
    return draft


def new_draft(record_type: str = "A") -> dict[str, str]:
    kind = record_type.upper() if record_type.upper() in RECORD_TYPES else "A"
    return {"type": kind, "ttl": "1", "caa_flags": "0", "caa_tag": "issue"}


def posted_draft(fields: Mapping[str, str]) -> dict[str, str]:
    """What the user typed, to show again beside the errors."""
    return {name: fields.get(name, "") for name in ALL_FIELDS}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the records table."""

    record: DnsRecord
    content: str


def _srv(data: Mapping[str, Any]) -> str:
    return f"{data['target']}:{data['port']} · weight {data['weight']}"


def _caa(data: Mapping[str, Any]) -> str:
    tag = str(data["tag"])
    label = CAA_TAG_LABELS.get(tag, tag)
    flags = f" · flags {data['flags']}" if data.get("flags") else ""
    return f"{label}: {data['value']}{flags}"


_READABLE: dict[str, Callable[[Mapping[str, Any]], str]] = {"SRV": _srv, "CAA": _caa}


def readable_content(record: DnsRecord) -> str:
    """The content column: data-typed records spelled out, the others as stored."""
    show = _READABLE.get(record.type)
    if show is None or not record.data:
        return record.content
    try:
        return show(record.data)
    except KeyError:  # data from an older writer: the stored content is still right
        return record.content


def rows_of(records: list[DnsRecord]) -> list[Row]:
    return [Row(record, readable_content(record)) for record in records]
