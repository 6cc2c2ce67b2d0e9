"""Record list filters and order: query parameters as the SDKs send them -> RecordFilter.

Pure (zones-dns.md §6.1, §1 query encoding): parses, matches and sorts; never pages or queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, cast, get_args

from flarelite.core.errors import Invalid
from flarelite.dns.names import normalise_target
from flarelite.dns.records import RecordView

Op = Literal["exact", "contains", "startswith", "endswith", "present", "absent"]
Field = Literal["name", "content", "comment"]
Match = Literal["all", "any"]
Order = Literal["type", "name", "content", "ttl", "proxied"]
Direction = Literal["asc", "desc"]
_TEXT_OPS: tuple[Op, ...] = ("exact", "contains", "startswith", "endswith")
# Removed in 2025 but still accepted here: name=contains:x etc. (§6.1, DEPR 2025-02-21).
_OLD_PREFIXES = {"contains": "contains", "starts_with": "startswith", "ends_with": "endswith"}
R = TypeVar("R", bound=RecordView)


@dataclass(frozen=True, slots=True)
class FieldCondition:
    field: Field
    op: Op
    value: str = ""


@dataclass(frozen=True, slots=True)
class TagCondition:
    op: Op
    name: str
    value: str | None = None  # None: any value


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Conditions joined by ``match``; tag conditions joined by ``tag_match`` count as one."""

    types: frozenset[str] = frozenset()
    conditions: tuple[FieldCondition, ...] = ()
    proxied: bool | None = None
    tags: tuple[TagCondition, ...] = ()
    search: str | None = None
    match: Match = "all"
    tag_match: Match = "all"
    order: Order = "type"
    direction: Direction = "asc"


def _values(query: Mapping[str, str | list[str]], key: str) -> list[str]:
    value = query.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _one_of(
    query: Mapping[str, str | list[str]], key: str, choices: tuple[str, ...], default: str
) -> str:
    values = _values(query, key)
    if not values:
        return default
    if values[-1] not in choices:
        raise Invalid(detail=f"{key} must be one of: {', '.join(choices)}", pointer=key)
    return values[-1]


def _name_value(value: str, zone_name: str | None) -> str:
    """Filter names compare against the lower-case FQDN; ``@`` is the apex (§6.1)."""
    text = value.strip()
    if text == "@" and zone_name:
        return zone_name
    try:
        return normalise_target(text).lower()
    except ValueError:
        return text.lower().rstrip(".")


def _field_conditions(
    query: Mapping[str, str | list[str]], field: Field, zone_name: str | None
) -> list[FieldCondition]:
    fix: Callable[[str], str] = (
        (lambda v: _name_value(v, zone_name)) if field == "name" else (lambda v: v)
    )
    out: list[FieldCondition] = []
    for plain in _values(query, field):
        prefix, sep, rest = plain.partition(":")
        if sep and prefix in _OLD_PREFIXES and field != "comment":
            out.append(FieldCondition(field, cast(Op, _OLD_PREFIXES[prefix]), fix(rest)))
        elif field == "name" and "," in plain:  # old comma list; names never hold commas
            out.extend(FieldCondition(field, "exact", fix(v)) for v in plain.split(","))
        else:
            out.append(FieldCondition(field, "exact", fix(plain)))
    for op in _TEXT_OPS:
        out.extend(FieldCondition(field, op, fix(v)) for v in _values(query, f"{field}.{op}"))
    if field == "comment":
        for op in ("present", "absent"):
            if f"comment.{op}" in query:  # the key itself is the condition
                out.append(FieldCondition(field, cast(Op, op)))
    return out


_TAG_KEYS: tuple[tuple[str, Op], ...] = (
    ("tag", "exact"),
    *((f"tag.{op}", op) for op in (*_TEXT_OPS, "present", "absent")),
)


def _tag_conditions(query: Mapping[str, str | list[str]]) -> list[TagCondition]:
    """``tag=name`` (any value) or ``tag=name:value``; ``tag.present=name``; ``tag.<op>=n:v``."""
    out: list[TagCondition] = []
    for key, op in _TAG_KEYS:
        for raw in _values(query, key):
            name, sep, value = raw.partition(":")
            any_value = op in ("present", "absent") or not sep
            out.append(TagCondition(op, name.strip().lower(), None if any_value else value))
    return out


def _bool_param(query: Mapping[str, str | list[str]], key: str) -> bool | None:
    values = _values(query, key)
    if not values:
        return None
    text = values[-1].strip().lower()
    if text not in ("true", "false"):
        raise Invalid(detail=f"{key} must be true or false", pointer=key)
    return text == "true"


def parse_record_filter(
    query: Mapping[str, str | list[str]], *, zone_name: str | None = None
) -> RecordFilter:
    """Dotted keys, repeated or comma-separated arrays, plain ``name``/``content`` (§10.6).

    Unknown keys (``page``, ``per_page``, shadow options) are ignored. ``zone_name`` lets
    ``name=@`` mean the apex. Bad ``match``/``order``/``direction``/``proxied`` are a 400.
    """
    types = {t.strip().upper() for raw in _values(query, "type") for t in raw.split(",")}
    search = _values(query, "search")
    return RecordFilter(
        types=frozenset(t for t in types if t),
        conditions=tuple(
            c
            for f in ("name", "content", "comment")
            for c in _field_conditions(query, cast(Field, f), zone_name)
        ),
        proxied=_bool_param(query, "proxied"),
        tags=tuple(_tag_conditions(query)),
        search=search[-1] if search else None,
        match=cast(Match, _one_of(query, "match", get_args(Match), "all")),
        tag_match=cast(Match, _one_of(query, "tag_match", get_args(Match), "all")),
        order=cast(Order, _one_of(query, "order", get_args(Order), "type")),
        direction=cast(Direction, _one_of(query, "direction", get_args(Direction), "asc")),
    )


def _text_matches(op: Op, have: str, want: str, *, fold: bool = True) -> bool:
    """Case-insensitive, as the list docs say for name and content (§6.1)."""
    if fold:
        have, want = have.lower(), want.lower()
    if op == "exact":
        return have == want
    if op == "contains":
        return want in have
    if op == "startswith":
        return have.startswith(want)
    return have.endswith(want)


def _field_matches(cond: FieldCondition, rec: RecordView) -> bool:
    have = getattr(rec, cond.field)
    if cond.op == "present":
        return bool(have)
    if cond.op == "absent":
        return not have
    return have is not None and _text_matches(cond.op, have, cond.value)


def _tag_matches(cond: TagCondition, tags: Sequence[str]) -> bool:
    pairs = [(name.lower(), value) for name, _, value in (t.partition(":") for t in tags)]
    named = [value for name, value in pairs if name == cond.name]
    if cond.op == "absent":
        return not named
    if cond.op == "present" or cond.value is None:
        return bool(named)
    # Tag names are case-insensitive, values case-sensitive like comments (§5.10).
    return any(_text_matches(cond.op, value, cond.value, fold=False) for value in named)


def _search_matches(text: str, rec: RecordView) -> bool:
    """Free text for humans; unspecified by Cloudflare (§6.1), so any visible field."""
    fields = (rec.name, rec.content, rec.comment or "", *rec.tags)
    return any(text.lower() in f.lower() for f in fields)


def record_matches(flt: RecordFilter, rec: RecordView) -> bool:
    """Whether a record passes the filter; an empty filter passes everything."""
    checks: list[bool] = []
    if flt.types:
        checks.append(rec.type in flt.types)
    checks.extend(_field_matches(c, rec) for c in flt.conditions)
    if flt.proxied is not None:
        checks.append(rec.proxied is flt.proxied)
    if flt.tags:
        joined = all if flt.tag_match == "all" else any
        checks.append(joined(_tag_matches(c, rec.tags) for c in flt.tags))
    if flt.search:
        checks.append(_search_matches(flt.search, rec))
    if not checks:
        return True
    return all(checks) if flt.match == "all" else any(checks)


def _sort_key(order: Order) -> Callable[[RecordView], tuple[object, ...]]:
    def key(rec: RecordView) -> tuple[object, ...]:
        primary: object = {
            "type": rec.type,
            "name": rec.name,
            "content": rec.content.lower(),
            "ttl": rec.ttl,
            "proxied": rec.proxied,
        }[order]
        return (primary, rec.name, rec.type, rec.content)

    return key


def sort_records(
    records: Sequence[R], order: Order = "type", direction: Direction = "asc"
) -> list[R]:
    """Sorted by ``order`` then name, type, content; default type then name (§6.1, 2025)."""
    return sorted(records, key=_sort_key(order), reverse=direction == "desc")
