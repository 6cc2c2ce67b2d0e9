"""Rules between records: identical, CNAME and NS clashes, TXT totals, type changes.

Pure (zones-dns.md §5.5–5.7, §5.10, §9): the service passes the zone's other records at the
name, without the one being replaced; these functions raise or return None.
"""

from __future__ import annotations

from collections.abc import Sequence

from flarelite.dns.errors import (
    CnameConflict,
    CnameExists,
    IdenticalRecordExists,
    NsConflict,
    NsExists,
    RecordContentInvalid,
    RecordTypeChange,
)
from flarelite.dns.rdata import TXT_MAX_COMBINED
from flarelite.dns.records import HOSTNAME_TYPES, RecordType, RecordView


def check_type_unchanged(old_type: str, new: RecordView) -> None:
    """PUT/PATCH may not change the type (Cloudflare stopped supporting it 2026-06-30, §2.7)."""
    if old_type.upper() != new.type:
        raise RecordTypeChange.about("type", f"the record is {old_type.upper()}, not {new.type}")


def _same_content(a: RecordView, b: RecordView) -> bool:
    if a.type in HOSTNAME_TYPES:
        return a.content.lower() == b.content.lower()
    return a.content == b.content


def check_identical(new: RecordView, others: Sequence[RecordView]) -> None:
    """Same name, type, content (and priority) already there: 81058 (§5.10)."""
    for other in others:
        if (
            other.name == new.name
            and other.type == new.type
            and other.priority == new.priority
            and _same_content(new, other)
        ):
            raise IdenticalRecordExists()


def check_ns_rule(new: RecordView, others: Sequence[RecordView]) -> None:
    """NS records cannot share a name with any other type (§5.7)."""
    at_name = [o.type for o in others if o.name == new.name]
    if new.type == RecordType.NS and any(t != RecordType.NS for t in at_name):
        raise NsConflict.about("type")
    if new.type != RecordType.NS and RecordType.NS in at_name:
        raise NsExists.about("type")


def check_cname_rule(new: RecordView, others: Sequence[RecordView]) -> None:
    """CNAME vs A/AAAA/CNAME at one name: 81053 / 81054 (§5.5, §9).

    Other types (TXT, MX, ...) may sit beside a CNAME: the reference's codes name only
    A/AAAA/CNAME, and Cloudflare's CNAME flattening serves such mixes (whether it refuses
    them below the apex is unconfirmed, §5.5).
    """
    at_name = {o.type for o in others if o.name == new.name}
    if new.type == RecordType.CNAME and at_name & {"A", "AAAA", "CNAME"}:
        raise CnameConflict.about("name")
    if new.type in (RecordType.A, RecordType.AAAA) and RecordType.CNAME in at_name:
        raise CnameExists.about("name")


def check_txt_total(new: RecordView, others: Sequence[RecordView]) -> None:
    """All TXT contents at one name together stay within 8,192 characters (§5.6)."""
    if new.type != RecordType.TXT:
        return
    total = len(new.content) + sum(
        len(o.content) for o in others if o.name == new.name and o.type == RecordType.TXT
    )
    if total > TXT_MAX_COMBINED:
        raise RecordContentInvalid.for_type(
            "TXT", f"TXT records at this name exceed {TXT_MAX_COMBINED} characters together"
        )


def check_conflicts(new: RecordView, others: Sequence[RecordView]) -> None:
    """Every rule against the zone's other records, in Cloudflare's order of report.

    ``others`` must leave out the record being replaced (PUT/PATCH); names are compared as
    stored (lower-case FQDN). Identical comes first: lexicon treats 81057/81058 as success.
    """
    check_identical(new, others)
    check_ns_rule(new, others)
    check_cname_rule(new, others)
    check_txt_total(new, others)
