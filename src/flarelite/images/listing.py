"""List v2 pieces: the continuation token and the ``meta.<field>[<op>]`` filters of §2.4; pure.

The token names the last image returned by its (uploaded, seq) position, so paging stays
correct while images are added or deleted: nothing is skipped or repeated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flarelite.images.errors import ImagesBadRequest

MAX_CONDITIONS = 5  # binding limits (§2.4)
MAX_IN_VALUES = 10
MAX_FIELD_CHARS = 100
MAX_DEPTH = 5
OPERATORS = frozenset(
    {"eq", "eq:string", "eq:number", "eq:boolean", "in", "in:string", "in:number"}
    | {"gt", "gt:number", "gte", "gte:number", "lt", "lt:number", "lte", "lte:number"}
)
_FIELD = re.compile(r"[A-Za-z0-9_]+")
_PARAM = re.compile(r"meta\.(?P<field>[^\[\]]+)\[(?P<op>[a-z:]+)\]")


def encode_cursor(uploaded: datetime, seq: int) -> str:
    micros = int(uploaded.timestamp() * 1_000_000)
    return f"{_base36(micros)}.{_base36(seq)}"


def decode_cursor(token: str) -> tuple[datetime, int]:
    """The position a continuation token names; raises ImagesBadRequest for foreign tokens."""
    try:
        micros_text, seq_text = token.split(".")
        micros, seq = int(micros_text, 36), int(seq_text, 36)
        return datetime.fromtimestamp(micros / 1_000_000, UTC), seq
    except (ValueError, OverflowError, OSError) as exc:
        raise ImagesBadRequest(
            f"bad token {token[:40]!r}", detail="Bad request: invalid continuation_token"
        ) from exc


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out


@dataclass(frozen=True, slots=True)
class MetaFilter:
    path: tuple[str, ...]
    op: str  # "eq", "gt", "in", ... without the type suffix
    kind: str | None  # "string" | "number" | "boolean" | None (untyped)
    values: tuple[str, ...]

    def matches(self, meta: Mapping[str, Any]) -> bool:
        found = _lookup(meta, self.path)
        if found is _MISSING:
            return False
        if self.op in ("eq", "in"):
            return any(_equals(found, value, self.kind) for value in self.values)
        number = _number(found)
        limit = _parse_number(self.values[0])
        if number is None or limit is None:
            return False
        return {"gt": number > limit, "gte": number >= limit, "lt": number < limit}.get(
            self.op, number <= limit
        )


def parse_filters(params: Iterable[tuple[str, str]]) -> tuple[MetaFilter, ...]:
    """Filters from query parameters named ``meta.<field>[<op>]``; others are ignored."""
    filters = []
    for name, value in params:
        if not name.startswith("meta."):
            continue
        filters.append(_parse_filter(name, value))
    if len(filters) > MAX_CONDITIONS:
        raise _bad(f"at most {MAX_CONDITIONS} metadata filters are allowed")
    return tuple(filters)


def _parse_filter(name: str, value: str) -> MetaFilter:
    match = _PARAM.fullmatch(name)
    if match is None:
        raise _bad(f"{name[:120]}: expected meta.<field>[<operator>]")
    field_path, op = match.group("field"), match.group("op")
    path = tuple(field_path.split("."))
    if len(field_path) > MAX_FIELD_CHARS or len(path) > MAX_DEPTH:
        raise _bad(f"{name[:120]}: field names are at most 100 characters and 5 levels")
    if not all(_FIELD.fullmatch(part) for part in path):
        raise _bad(f"{name[:120]}: field names use letters, digits and _")
    if op not in OPERATORS:
        raise _bad(f"{name[:120]}: unsupported operator {op}")
    base, _, kind = op.partition(":")
    if base in ("gt", "gte", "lt", "lte"):
        kind = "number"
        if _parse_number(value) is None:
            raise _bad(f"{name[:120]}: expected a number")
    values = tuple(value.split("|")) if base == "in" else (value,)
    if len(values) > MAX_IN_VALUES:
        raise _bad(f"{name[:120]}: at most {MAX_IN_VALUES} values")
    return MetaFilter(path, base, kind or None, values)


def _bad(why: str) -> ImagesBadRequest:
    return ImagesBadRequest(why, detail=f"Bad request: {why}")


_MISSING = object()


def _lookup(meta: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = meta
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _parse_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _equals(found: Any, wanted: str, kind: str | None) -> bool:
    if isinstance(found, bool):
        return kind in (None, "boolean") and wanted == ("true" if found else "false")
    number = _number(found)
    if number is not None:
        return kind in (None, "number") and number == _parse_number(wanted)
    if isinstance(found, str):
        return kind in (None, "string") and found == wanted
    return False
