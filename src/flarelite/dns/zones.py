"""Zone service: create, list, get, edit, delete zones within accounts.

Authorisation is the edge's job (which zones a token may see is passed in as a predicate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.core.errors import Invalid
from flarelite.core.ids import new_tag
from flarelite.dns import repo
from flarelite.dns.errors import ZoneAlreadyExists, ZoneNotFound
from flarelite.dns.models import Zone
from flarelite.dns.names import normalise_zone_name, to_ascii

ZONE_TYPES = ("full", "partial", "secondary", "internal")
ZONE_STATUSES = ("initializing", "pending", "active", "moved")


@dataclass(frozen=True, slots=True)
class ZoneFilter:
    """``GET /zones`` filters (reference zones-dns.md §2.2); names match by operator."""

    name: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    status: str | None = None
    types: tuple[str, ...] = ()
    match_all: bool = True


class ZoneService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        name_servers: Sequence[str],
        initial_status: str,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._name_servers = list(name_servers)
        self._initial_status = initial_status

    async def create(self, account_id: str, name: str, zone_type: str = "full") -> Zone:
        name = normalise_zone_name(name)
        if zone_type not in ZONE_TYPES:
            raise Invalid(detail=f"type: must be one of {', '.join(ZONE_TYPES)}", pointer="type")
        now = self._clock.now()
        active = self._initial_status == "active"
        zone = Zone(
            id=new_tag(),
            account_id=account_id,
            name=name,
            status=self._initial_status,
            type=zone_type,
            paused=False,
            name_servers=self._name_servers,
            created_on=now,
            modified_on=now,
            activated_on=now if active else None,
        )
        try:
            async with self._sessions.begin() as session:
                if await repo.zone_by_name(session, account_id, name):
                    raise ZoneAlreadyExists.named(name)
                session.add(zone)
        except IntegrityError as exc:  # a concurrent create of the same name won
            raise ZoneAlreadyExists.named(name) from exc
        return zone

    async def get(self, zone_id: str) -> Zone:
        async with self._sessions() as session:
            zone = await repo.zone_by_id(session, zone_id)
        if zone is None:
            raise ZoneNotFound(zone_id)
        return zone

    async def find(self, zone_id: str) -> Zone | None:
        async with self._sessions() as session:
            return await repo.zone_by_id(session, zone_id)

    async def list(
        self,
        account_ids: Iterable[str],
        account_names: Mapping[str, str],
        flt: ZoneFilter,
        visible: Callable[[Zone], bool],
    ) -> list[Zone]:
        """Zones of the accounts that pass the filter and the caller's visibility predicate."""
        async with self._sessions() as session:
            zones = await repo.zones_in(session, account_ids)
        return [z for z in zones if visible(z) and _matches(flt, z, account_names)]

    async def edit(self, zone_id: str, *, paused: bool | None, zone_type: str | None) -> Zone:
        if zone_type is not None and zone_type not in ZONE_TYPES:
            raise Invalid(detail=f"type: must be one of {', '.join(ZONE_TYPES)}", pointer="type")
        async with self._sessions.begin() as session:
            zone = await repo.zone_by_id(session, zone_id)
            if zone is None:
                raise ZoneNotFound(zone_id)
            if paused is not None:
                zone.paused = paused
            if zone_type is not None:
                zone.type = zone_type
            zone.modified_on = self._clock.now()
        return zone

    async def activate(self, zone_id: str) -> Zone:
        """The activation check: there is no registrar here, so a pending zone goes active."""
        async with self._sessions.begin() as session:
            zone = await repo.zone_by_id(session, zone_id)
            if zone is None:
                raise ZoneNotFound(zone_id)
            if zone.status != "active":
                zone.status = "active"
                zone.activated_on = self._clock.now()
        return zone

    async def delete(self, zone_id: str) -> None:
        """Delete a zone and all its records in one transaction."""
        async with self._sessions.begin() as session:
            zone = await repo.zone_by_id(session, zone_id)
            if zone is None:
                raise ZoneNotFound(zone_id)
            await repo.delete_records_of(session, zone_id)
            await session.delete(zone)

    async def zone_accounts(self, zone_ids: Iterable[str]) -> dict[str, str]:
        """zone id → account id for the zones that exist (for token grants and guards)."""
        async with self._sessions() as session:
            return await repo.zone_accounts(session, zone_ids)


def _text_matches(spec: str, value: str, *, domain: bool = False) -> bool:
    # Cloudflare's "<op>:<value>" operators; plain values compare equal (§2.2).
    op, separator, wanted = spec.partition(":")
    base = op.removesuffix("_case_sensitive")
    if not separator or base not in _OPERATORS:
        base, wanted = "equal", spec
    if domain:  # zone names are stored in Punycode (§5.1)
        wanted = to_ascii(wanted)
    test = _OPERATORS[base]
    if op.endswith("_case_sensitive"):
        return test(value, wanted)
    return test(value.lower(), wanted.lower())


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "equal": lambda have, want: have == want.rstrip("."),
    "not_equal": lambda have, want: have != want.rstrip("."),
    "starts_with": str.startswith,
    "ends_with": str.endswith,
    "contains": lambda have, want: want in have,
}


def _matches(flt: ZoneFilter, zone: Zone, account_names: Mapping[str, str]) -> bool:
    checks: list[bool] = []
    if flt.name is not None:
        checks.append(_text_matches(flt.name, zone.name, domain=True))
    if flt.account_id is not None:
        checks.append(zone.account_id == flt.account_id)
    if flt.account_name is not None:
        checks.append(_text_matches(flt.account_name, account_names.get(zone.account_id, "")))
    if flt.status is not None:
        checks.append(zone.status == flt.status)
    # Without a type filter, internal zones are left out (§2.2).
    type_ok = zone.type in flt.types if flt.types else zone.type != "internal"
    if not checks:
        return type_ok
    return type_ok and (all(checks) if flt.match_all else any(checks))
