"""Record rules: per-type validation of API input, same-name clash rules, the API record object.

Pure (zones-dns.md §4, §5, §9): no database, no HTTP. The service passes the other records
at the name; this module says whether the new one may join them and how it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from flarelite.core.clock import rfc3339
from flarelite.dns.errors import (
    CnameContentInvalid,
    RecordInvalid,
    RecordNameInvalid,
    RecordNotProxiable,
    TagQuotaExceeded,
    TargetNotProxiable,
    TtlInvalid,
    UnsupportedRecordType,
)
from flarelite.dns.names import qualify
from flarelite.dns.rdata import (
    CaaData,
    SrvData,
    check_txt,
    coerce_int,
    is_proxiable,
    parse_caa,
    parse_hostname,
    parse_ipv4,
    parse_ipv6,
    parse_srv,
)


class RecordType(StrEnum):
    A = "A"
    AAAA = "AAAA"
    CAA = "CAA"
    CNAME = "CNAME"
    MX = "MX"
    NS = "NS"
    PTR = "PTR"
    SRV = "SRV"
    TXT = "TXT"


# Cloudflare types we do not model yet (§4.1); SPF can no longer be created at all.
UNSUPPORTED_TYPES = frozenset(
    [
        "CERT",
        "DNSKEY",
        "DS",
        "HTTPS",
        "LOC",
        "NAPTR",
        "OPENPGPKEY",
        "SMIMEA",
        "SPF",
        "SSHFP",
        "SVCB",
        "TLSA",
        "URI",
    ]
)
HOSTNAME_TYPES = frozenset({RecordType.CNAME, RecordType.MX, RecordType.NS, RecordType.PTR})
_TAG_NAME = re.compile(r"[A-Za-z0-9_-]+")  # §5.10: letters, digits, '-', '_'; case-insensitive
_U16 = 65535
_INPUT_KEYS = [
    "type",
    "name",
    "content",
    "ttl",
    "proxied",
    "priority",
    "data",
    "comment",
    "tags",
    "settings",
]


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """Plan-dependent limits (§5.2, §5.10). Defaults follow paid plans; Free is 100/0."""

    min_ttl: int = 60  # 30 on Enterprise
    max_ttl: int = 86400
    comment_length: int = 500
    tags: int = 20  # the paid-plan tag quota is (unconfirmed)


DEFAULT_LIMITS = RecordLimits()


class RecordView(Protocol):
    """What the clash rules and filters read from a record: a ValidRecord or a stored row."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def priority(self) -> int | None: ...
    @property
    def ttl(self) -> int: ...
    @property
    def proxied(self) -> bool: ...
    @property
    def comment(self) -> str | None: ...
    @property
    def tags(self) -> Sequence[str]: ...


class StoredRecord(RecordView, Protocol):
    """A stored record as record_as_api needs it (a repo row satisfies this)."""

    @property
    def id(self) -> str: ...
    @property
    def data(self) -> Mapping[str, object] | None: ...
    @property
    def settings(self) -> Mapping[str, object]: ...
    @property
    def created_on(self) -> datetime: ...
    @property
    def modified_on(self) -> datetime: ...
    @property
    def comment_modified_on(self) -> datetime | None: ...
    @property
    def tags_modified_on(self) -> datetime | None: ...


class ZoneRef(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RecordInput:
    """The record body as the API received it, with JSON types coerced; not yet checked."""

    type: str
    name: str
    content: str | None = None
    ttl: int = 1  # spec default (§2.7)
    proxied: bool = False  # spec default; PUT resets an omitted value to this (§2.7)
    priority: int | None = None
    data: Mapping[str, object] | None = None
    comment: str | None = None
    tags: tuple[str, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: Mapping[str, object]) -> RecordInput:
        """Coerce JSON shapes; ``null`` means absent (§5.9). Raises errors naming the field."""
        rtype, name = raw.get("type"), raw.get("name")
        if not isinstance(rtype, str) or not rtype.strip():
            raise UnsupportedRecordType.about("type", "is required")
        if not isinstance(name, str) or not name.strip():
            raise RecordNameInvalid.about("name", "is required")
        content = raw.get("content")
        if content is not None and not isinstance(content, str):
            raise RecordInvalid.about("content", "must be a string")
        priority = raw.get("priority")
        return cls(
            type=rtype.strip().upper(),
            name=name,
            content=content,
            ttl=_ttl_value(raw.get("ttl")),
            proxied=_bool_value(raw.get("proxied"), "proxied"),
            priority=None if priority is None else coerce_int(priority, "priority", 0, _U16),
            data=_mapping_value(raw.get("data"), "data"),
            comment=_comment_value(raw.get("comment")),
            tags=_tags_value(raw.get("tags")),
            settings=_mapping_value(raw.get("settings"), "settings") or {},
        )


def _ttl_value(value: object) -> int:
    if value is None:
        return 1
    try:
        return coerce_int(value, "ttl", 0, 2**31 - 1)
    except RecordInvalid as exc:
        raise TtlInvalid.about("ttl", f"{value!r} is not a valid TTL") from exc


def _bool_value(value: object, name: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # import sends form strings (§7.2)
    raise RecordInvalid.about(name, "must be true or false")


def _mapping_value(value: object, name: str) -> Mapping[str, object] | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise RecordInvalid.about(name, "must be an object")


def _comment_value(value: object) -> str | None:
    if value is None or value == "":  # external-dns always sends a comment, often "" (§7.1)
        return None
    if not isinstance(value, str):
        raise RecordInvalid.about("comment", "must be a string")
    return value


def _tags_value(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise RecordInvalid.about("tags", "must be a list of 'name:value' strings")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class ValidRecord:
    """A record that passed every per-record rule, in stored and returned form."""

    type: RecordType
    name: str
    content: str
    ttl: int = 1
    proxied: bool = False
    priority: int | None = None
    data: SrvData | CaaData | None = None
    comment: str | None = None
    tags: tuple[str, ...] = ()
    flatten_cname: bool = False

    @property
    def proxiable(self) -> bool:
        return is_proxiable(self.type, self.content)

    @property
    def settings(self) -> dict[str, object]:
        """Real 2025 output: CNAME ``{"flatten_cname": false}``, others ``{}`` (§4.1)."""
        return {"flatten_cname": self.flatten_cname} if self.type is RecordType.CNAME else {}

    def data_dict(self) -> dict[str, int | str] | None:
        return None if self.data is None else self.data.as_dict()


def parse_record_type(value: str) -> RecordType:
    """The type, upper-cased; unknown or unsupported types are a 400 naming ``type``."""
    text = value.strip().upper()
    if text in RecordType.__members__:
        return RecordType(text)
    if text in UNSUPPORTED_TYPES:
        raise UnsupportedRecordType.about("type", f"{text} records are not supported here")
    raise UnsupportedRecordType.about("type", f"{value!r} is not a DNS record type")


def _merged(
    raw: Mapping[str, object], existing: Mapping[str, object] | None
) -> Mapping[str, object]:
    """PATCH: the stored fields, overlaid with the ones sent (§2.7)."""
    if existing is None:
        return raw
    base = {key: existing[key] for key in _INPUT_KEYS if key in existing}
    if raw.get("data") is not None:
        base.pop("content", None)  # content is derived from data (§5.9)
    elif raw.get("content") is not None:
        base.pop("data", None)
    return {**base, **raw}


def validate_record(
    raw: Mapping[str, object],
    zone_name: str,
    *,
    existing: Mapping[str, object] | None = None,
    limits: RecordLimits = DEFAULT_LIMITS,
) -> ValidRecord:
    """Check one record body (POST/PUT; PATCH with ``existing`` = the stored fields).

    ``zone_name`` must already be normalised. Raises the errors of dns.errors, naming the field.
    Rules that involve other records are in check_conflicts.
    """
    given = RecordInput.from_raw(_merged(raw, existing))
    rtype = parse_record_type(given.type)
    name = qualify(given.name, zone_name)
    content, priority, data = _typed_content(rtype, given, name, zone_name)
    proxied = _checked_proxied(rtype, given.proxied, content)
    ttl = _checked_ttl(given.ttl, limits)
    return ValidRecord(
        type=rtype,
        name=name,
        content=content,
        ttl=1 if proxied else ttl,  # proxied records are always TTL auto (§5.2)
        proxied=proxied,
        priority=priority,
        data=data,
        comment=_checked_comment(given.comment, limits),
        tags=_checked_tags(given.tags, limits),
        flatten_cname=_checked_flatten(rtype, given.settings, proxied),
    )


def _typed_content(
    rtype: RecordType, given: RecordInput, name: str, zone: str
) -> tuple[str, int | None, SrvData | CaaData | None]:
    if rtype is RecordType.A:
        return parse_ipv4(given.content), None, None
    if rtype is RecordType.AAAA:
        return parse_ipv6(given.content), None, None
    if rtype is RecordType.TXT:
        return check_txt(given.content), None, None
    if rtype is RecordType.SRV:
        srv = parse_srv(given.data, given.content, given.priority, name=name, zone=zone)
        return srv.content, srv.priority, srv
    if rtype is RecordType.CAA:
        caa = parse_caa(given.data, given.content)
        return caa.content, None, caa
    target = parse_hostname(rtype, given.content)
    if rtype is RecordType.CNAME and target.lower() == name:
        raise CnameContentInvalid.about("content", "a CNAME cannot point to itself")
    if rtype is RecordType.MX:
        return target, _mx_priority(given), None
    return target, None, None


def _mx_priority(given: RecordInput) -> int:
    """Top-level ``priority``, or its announced successor ``data.priority`` (§5.8)."""
    if given.priority is not None:
        return given.priority
    if given.data is not None and given.data.get("priority") is not None:
        return coerce_int(given.data["priority"], "data.priority", 0, _U16)
    raise RecordInvalid.about("priority", "priority is a required field.")


def _checked_proxied(rtype: RecordType, proxied: bool, content: str) -> bool:
    if not proxied:
        return False
    if rtype not in (RecordType.A, RecordType.AAAA, RecordType.CNAME):
        raise RecordNotProxiable.about("proxied", f"{rtype} records cannot be proxied")
    if not is_proxiable(rtype, content):
        raise TargetNotProxiable.about("proxied", f"{content} cannot be proxied")
    return True


def _checked_ttl(ttl: int, limits: RecordLimits) -> int:
    if ttl != 1 and not limits.min_ttl <= ttl <= limits.max_ttl:
        raise TtlInvalid.about("ttl", f"{ttl} is out of range")
    return ttl


def _checked_comment(comment: str | None, limits: RecordLimits) -> str | None:
    if comment is None:
        return None
    if "\n" in comment or "\r" in comment:  # §5.10
        raise RecordInvalid.about("comment", "must not contain line breaks")
    if len(comment) > limits.comment_length:
        raise RecordInvalid.about("comment", f"longer than {limits.comment_length} characters")
    return comment


def _checked_tags(tags: Sequence[str], limits: RecordLimits) -> tuple[str, ...]:
    """``name:value`` (or a bare ``name``); names are lower-cased, duplicates dropped."""
    seen: dict[str, None] = {}
    for tag in tags:
        tag_name, sep, value = tag.partition(":")
        if not _TAG_NAME.fullmatch(tag_name):
            raise RecordInvalid.about("tags", f"{tag_name!r} must be letters, digits, - or _")
        if "\n" in value or "\r" in value:
            raise RecordInvalid.about("tags", "tag values must not contain line breaks")
        seen[f"{tag_name.lower()}{sep}{value}"] = None
    if len(seen) > limits.tags:
        raise TagQuotaExceeded.counted(len(seen), limits.tags)
    return tuple(seen)


def _checked_flatten(rtype: RecordType, settings: Mapping[str, object], proxied: bool) -> bool:
    value = settings.get("flatten_cname", False)
    if not isinstance(value, bool):
        raise RecordInvalid.about("settings.flatten_cname", "must be true or false")
    # Proxied CNAMEs are always flattened and the setting is dropped (§5.5; dnscontrol#4026).
    return value and rtype is RecordType.CNAME and not proxied


def record_as_api(rec: StoredRecord, zone: ZoneRef) -> dict[str, object]:
    """The record object with every field the SDKs need to pick the right class (§4.1, §4.2).

    ``zone_id``/``zone_name`` are gone from Cloudflare's output but harmless, and octodns
    still reads ``zone_id`` (§10.9). Integers stay integers for the legacy Go client (§1).
    """
    settings: dict[str, object] = dict(rec.settings)
    if rec.type == RecordType.CNAME:
        settings = {"flatten_cname": False, **settings}
    out: dict[str, object] = {
        "id": rec.id,
        "zone_id": zone.id,
        "zone_name": zone.name,
        "name": rec.name,
        "type": rec.type,
        "content": rec.content,
        "proxiable": is_proxiable(rec.type, rec.content),
        "proxied": rec.proxied,
        "ttl": int(rec.ttl),
        "settings": settings,
        "meta": {},
        "comment": rec.comment,  # null when unset, as Cloudflare emits (§10.19)
        "tags": list(rec.tags),
        "created_on": rfc3339(rec.created_on),
        "modified_on": rfc3339(rec.modified_on),
    }
    if rec.type in (RecordType.MX, RecordType.SRV) and rec.priority is not None:
        out["priority"] = int(rec.priority)
    if rec.type in (RecordType.SRV, RecordType.CAA) and rec.data is not None:
        out["data"] = dict(rec.data)
    if rec.comment and rec.comment_modified_on is not None:
        out["comment_modified_on"] = rfc3339(rec.comment_modified_on)
    if rec.tags and rec.tags_modified_on is not None:
        out["tags_modified_on"] = rfc3339(rec.tags_modified_on)
    return out
