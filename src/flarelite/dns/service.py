"""DNS record service: CRUD, batch (all or nothing), BIND import and export.

Validation rules live in ``records``/``conflicts``; this module applies them against the
zone's current records inside one transaction per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.core.errors import FlareliteError, Invalid
from flarelite.core.ids import new_tag
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.dns import repo
from flarelite.dns.conflicts import check_conflicts, check_type_unchanged
from flarelite.dns.errors import RecordNotFound, RecordQuotaExceeded
from flarelite.dns.filters import parse_record_filter, record_matches, sort_records
from flarelite.dns.models import DnsRecord, Zone
from flarelite.dns.records import ValidRecord, validate_record

MAX_RECORDS_PER_ZONE = 3500
MAX_BATCH_ACTIONS = 3500  # Cloudflare's paid-plan limit (reference zones-dns.md §7.1)
BATCH_SECTIONS = ("deletes", "patches", "puts", "posts")


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    parsed: int
    problems: tuple[tuple[int, str], ...]  # (code, message) per record that was refused


class RecordService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def list(
        self, zone: Zone, query: Mapping[str, str | list[str]], page: PageRequest
    ) -> tuple[list[DnsRecord], PageInfo]:
        flt = parse_record_filter(query, zone_name=zone.name)
        async with self._sessions() as session:
            rows = await repo.records_of(session, zone.id)
        found = sort_records(
            [r for r in rows if record_matches(flt, r)], order=flt.order, direction=flt.direction
        )
        chunk = found[page.offset : page.offset + page.per_page]
        return chunk, PageInfo(page.page, page.per_page, len(chunk), len(found))

    async def get(self, zone: Zone, record_id: str) -> DnsRecord:
        async with self._sessions() as session:
            return await _existing(session, zone, record_id)

    async def create(self, zone: Zone, raw: Mapping[str, Any]) -> DnsRecord:
        async with self._sessions.begin() as session:
            work = _Work(zone, list(await repo.records_of(session, zone.id)), self._clock)
            row = work.post(raw)
            session.add(row)
        return row

    async def update(self, zone: Zone, record_id: str, raw: Mapping[str, Any]) -> DnsRecord:
        """PUT: omitted fields return to their defaults (§2.7)."""
        async with self._sessions.begin() as session:
            work = _Work(zone, list(await repo.records_of(session, zone.id)), self._clock)
            return work.put(record_id, raw)

    async def edit(self, zone: Zone, record_id: str, raw: Mapping[str, Any]) -> DnsRecord:
        """PATCH: only the fields sent change."""
        async with self._sessions.begin() as session:
            work = _Work(zone, list(await repo.records_of(session, zone.id)), self._clock)
            return work.patch(record_id, raw)

    async def delete(self, zone: Zone, record_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.delete(await _existing(session, zone, record_id))

    async def batch(self, zone: Zone, body: Mapping[str, Any]) -> dict[str, list[DnsRecord]]:
        """deletes, patches, puts, posts in one transaction; the first error undoes all (§7.1)."""
        actions = {section: _list_of(body, section) for section in BATCH_SECTIONS}
        if sum(len(items) for items in actions.values()) > MAX_BATCH_ACTIONS:
            raise Invalid(detail=f"a batch may hold at most {MAX_BATCH_ACTIONS} actions")
        async with self._sessions.begin() as session:
            work = _Work(zone, list(await repo.records_of(session, zone.id)), self._clock)
            done: dict[str, list[DnsRecord]] = {section: [] for section in BATCH_SECTIONS}
            for section in BATCH_SECTIONS:
                for index, item in enumerate(actions[section]):
                    with _located(f"{section}[{index}]"):
                        done[section].append(work.apply(section, item))
            for row in work.deleted:
                await session.delete(row)
            session.add_all(work.created)
        return done

    async def import_zone_file(self, zone: Zone, text: str, *, proxied: bool) -> ImportResult:
        """Add every valid record of a BIND file; refused ones are reported, not fatal (§7.2)."""
        from flarelite.dns.bind import parse_zone_file  # dnspython: loaded only for zone files

        parsed = parse_zone_file(text, zone.name, proxied=proxied)
        problems: list[tuple[int, str]] = []
        async with self._sessions.begin() as session:
            work = _Work(zone, list(await repo.records_of(session, zone.id)), self._clock)
            for index, raw in enumerate(parsed):
                try:
                    work.post(raw)
                except FlareliteError as exc:
                    problems.append(
                        (exc.code, f"record {index + 1} ({raw.get('name')}): {exc.message}")
                    )
            session.add_all(work.created)
        return ImportResult(len(work.created), len(parsed), tuple(problems))

    async def export(self, zone: Zone) -> str:
        async with self._sessions() as session:
            rows = await repo.records_of(session, zone.id)
        from flarelite.dns.bind import export_zone

        return export_zone(
            zone.name, rows, name_servers=zone.name_servers, exported_at=self._clock.now()
        )


class _Work:
    """A zone's records being changed in memory within one transaction."""

    def __init__(self, zone: Zone, rows: list[DnsRecord], clock: Clock) -> None:
        self.zone = zone
        self.rows = rows
        self.created: list[DnsRecord] = []
        self.deleted: list[DnsRecord] = []
        self.now = clock.now()

    def apply(self, section: str, item: Mapping[str, Any]) -> DnsRecord:
        if section == "posts":
            return self.post(item)
        record_id = item.get("id")
        if not isinstance(record_id, str) or not record_id:
            raise Invalid(detail="id: required", pointer="id")
        if section == "deletes":
            return self.remove(record_id)
        if section == "patches":
            return self.patch(record_id, item)
        return self.put(record_id, item)

    def post(self, raw: Mapping[str, Any]) -> DnsRecord:
        if len(self.rows) >= MAX_RECORDS_PER_ZONE:
            raise RecordQuotaExceeded(detail="Record quota exceeded.")
        valid = validate_record(_without_ids(raw), self.zone.name)
        check_conflicts(valid, self.rows)
        row = DnsRecord(id=new_tag(), zone_id=self.zone.id, created_on=self.now)
        _store(row, valid, self.now)
        self.rows.append(row)
        self.created.append(row)
        return row

    def put(self, record_id: str, raw: Mapping[str, Any]) -> DnsRecord:
        row = self._find(record_id)
        valid = validate_record(_without_ids(raw), self.zone.name)
        return self._replace(row, valid)

    def patch(self, record_id: str, raw: Mapping[str, Any]) -> DnsRecord:
        row = self._find(record_id)
        valid = validate_record(_without_ids(raw), self.zone.name, existing=_stored_fields(row))
        return self._replace(row, valid)

    def remove(self, record_id: str) -> DnsRecord:
        row = self._find(record_id)
        self.rows.remove(row)
        if row in self.created:
            self.created.remove(row)
        else:
            self.deleted.append(row)
        return row

    def _replace(self, row: DnsRecord, valid: ValidRecord) -> DnsRecord:
        check_type_unchanged(row.type, valid)
        check_conflicts(valid, [r for r in self.rows if r is not row])
        _store(row, valid, self.now)
        return row

    def _find(self, record_id: str) -> DnsRecord:
        for row in self.rows:
            if row.id == record_id:
                return row
        raise RecordNotFound(record_id)


async def _existing(session: AsyncSession, zone: Zone, record_id: str) -> DnsRecord:
    row = await repo.record(session, zone.id, record_id)
    if row is None:
        raise RecordNotFound(record_id)
    return row


def _store(row: DnsRecord, valid: ValidRecord, now: Any) -> None:
    if row.comment != valid.comment:
        row.comment_modified_on = now if valid.comment else None
    if list(row.tags or []) != list(valid.tags):
        row.tags_modified_on = now if valid.tags else None
    row.type = valid.type.value
    row.name = valid.name
    row.content = valid.content
    row.ttl = valid.ttl
    row.proxied = valid.proxied
    row.priority = valid.priority
    row.data = valid.data_dict()
    row.settings = valid.settings
    row.comment = valid.comment
    row.tags = list(valid.tags)
    row.modified_on = now


def _stored_fields(row: DnsRecord) -> dict[str, object]:
    return {
        "type": row.type,
        "name": row.name,
        "content": row.content,
        "ttl": row.ttl,
        "proxied": row.proxied,
        "priority": row.priority,
        "data": row.data,
        "settings": row.settings,
        "comment": row.comment,
        "tags": list(row.tags or []),
    }


def _without_ids(raw: Mapping[str, Any]) -> dict[str, Any]:
    # Clients echo read-only fields from earlier answers; they never change anything (§2.7).
    ignored = {
        "id",
        "zone_id",
        "zone_name",
        "locked",
        "proxiable",
        "meta",
        "created_on",
        "modified_on",
    }
    return {k: v for k, v in raw.items() if k not in ignored}


def _list_of(body: Mapping[str, Any], section: str) -> Sequence[Mapping[str, Any]]:
    items = body.get(section)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise Invalid(detail=f"{section}: must be a list of objects", pointer=section)
    return items


class _located:
    """Prefix an error raised inside a batch with the action it came from."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, FlareliteError):
            exc.detail = f"{self.where}: {exc.message}"
            exc.pointer = f"{self.where}.{exc.pointer}" if exc.pointer else self.where
        return False
