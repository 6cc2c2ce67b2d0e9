"""The audit-log query: Cloudflare's v1 filters as one value object, parsed from query strings.

Pure; raises ``core.errors.Invalid`` naming the parameter. ``since``/``before`` take a full
date (``2019-04-30``, midnight UTC) or an RFC 3339 timestamp; ``actor.ip`` an address or a CIDR.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flarelite.core.errors import Invalid

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class AuditFilter:
    id: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    actor_ip: Network | None = None
    actor_email: str | None = None
    action_type: str | None = None
    descending: bool = True  # Cloudflare lists newest first unless direction=asc
    include_user_events: bool = True  # hide_user_logs=true turns user-level events off

    @property
    def exact_ip(self) -> str | None:
        """The one address a single-host filter names: it can be matched in SQL."""
        if self.actor_ip is None or self.actor_ip.num_addresses != 1:
            return None
        return str(self.actor_ip.network_address)


def parse_when(raw: str | None, name: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time(), tzinfo=UTC)
        when = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise Invalid(
            detail=f"{name}: expected a date (2019-04-30) or an RFC 3339 timestamp", pointer=name
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def parse_network(raw: str | None, name: str = "actor.ip") -> Network | None:
    if raw is None or raw == "":
        return None
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        raise Invalid(
            detail=f"{name}: {raw[:60]!r} is not an IP address or CIDR", pointer=name
        ) from None


def contains(network: Network, address: str | None) -> bool:
    if address is None:
        return False
    try:
        return ipaddress.ip_address(address) in network
    except ValueError:
        return False
