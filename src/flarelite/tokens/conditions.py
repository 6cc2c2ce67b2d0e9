"""When a token may be used: client IP ``in``/``not_in`` (v4 and v6), ``not_before``/``expires_on``.

Pure: parses the client's ``condition`` object and answers checks with ``Success`` or
``Failure(reason)`` (warehouse's caveat results). Never looks up anything or raises on a check.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from flarelite.tokens.errors import InvalidCondition

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Both spellings of the IP key are in use: "request.ip" (docs, OAS24, legacy Go SDK) and
# "request_ip" (Stainless SDKs and Terraform v5 since 2024-12). Accept both, emit request_ip
# (reference tokens.md §9.1).
IP_KEY = "request_ip"
LEGACY_IP_KEY = "request.ip"


@dataclass(frozen=True, slots=True)
class Success:
    """A check passed."""

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Failure:
    """A check failed; ``reason`` is for logs and ``flarelite tokens explain``, not for clients."""

    reason: str

    def __bool__(self) -> bool:
        return False


Check = Success | Failure


@dataclass(frozen=True, slots=True)
class Condition:
    """The client-IP restriction of a token; both tuples empty means any address (§3.1, §9.6)."""

    ip_in: tuple[Network, ...] = ()
    ip_not_in: tuple[Network, ...] = ()

    @property
    def is_restricted(self) -> bool:
        return bool(self.ip_in or self.ip_not_in)

    def as_api(self) -> dict[str, Any] | None:
        """The wire form: normalised CIDR strings, empty lists left out; None if unrestricted."""
        if not self.is_restricted:
            return None
        ip: dict[str, list[str]] = {}
        if self.ip_in:
            ip["in"] = [str(net) for net in self.ip_in]
        if self.ip_not_in:
            ip["not_in"] = [str(net) for net in self.ip_not_in]
        return {IP_KEY: ip}


def normalise_condition(raw: object) -> Condition:
    """Validate a client's (or a stored) ``condition`` object into a ``Condition``.

    ``None``, ``{}``, an empty IP object and empty or missing lists all mean "any address": an
    empty condition must not lock the token (§9.6). Entries may be CIDRs or bare addresses (taken
    as /32 or /128); host bits are cleared. Raises ``InvalidCondition`` naming the field.
    """
    if raw is None:
        return Condition()
    if not isinstance(raw, Mapping):
        _invalid("condition", "expected an object")
    unknown = sorted(str(key) for key in raw if key not in (IP_KEY, LEGACY_IP_KEY))
    if unknown:
        # Ignoring an unknown key would leave a token unrestricted that its owner thinks is not.
        _invalid(f"condition.{unknown[0]}", f"unknown condition; expected {IP_KEY!r}")
    if IP_KEY in raw and LEGACY_IP_KEY in raw and raw[IP_KEY] != raw[LEGACY_IP_KEY]:
        _invalid("condition", f"{IP_KEY!r} and {LEGACY_IP_KEY!r} are the same field; send one")
    key = IP_KEY if IP_KEY in raw else LEGACY_IP_KEY
    ip = raw.get(key)
    if ip is None:
        return Condition()
    if not isinstance(ip, Mapping):
        _invalid(f"condition.{key}", "expected an object with 'in' and/or 'not_in'")
    unknown = sorted(str(name) for name in ip if name not in ("in", "not_in"))
    if unknown:
        _invalid(f"condition.{key}.{unknown[0]}", "unknown field; expected 'in' or 'not_in'")
    return Condition(
        ip_in=_networks(ip.get("in"), f"condition.{key}.in"),
        ip_not_in=_networks(ip.get("not_in"), f"condition.{key}.not_in"),
    )


def _networks(raw: object, field: str) -> tuple[Network, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        _invalid(field, "expected a list of CIDR strings")
    networks: list[Network] = []
    for index, entry in enumerate(raw):
        network = _network(entry, f"{field}[{index}]")
        if network not in networks:
            networks.append(network)
    return tuple(networks)


def _network(entry: object, field: str) -> Network:
    if not isinstance(entry, str):
        _invalid(field, f"{entry!r} is not a string")
    text = entry.strip()
    try:
        # strict=False: Cloudflare's own examples carry host bits ("123.123.123.100/24").
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        _invalid(field, f"{entry!r} is not an IPv4 or IPv6 CIDR")


def _invalid(field: str, problem: str) -> NoReturn:
    raise InvalidCondition(detail=f"{field}: {problem}", pointer=field)


def check_ip(cond: Condition, client_ip: str) -> Check:
    """Whether ``client_ip`` may use a token with this condition (§3.1).

    With ``in`` set, the address must fall in one of its ranges; ``not_in`` carves exceptions
    out. An IPv4-mapped IPv6 client (``::ffff:1.2.3.4``) also matches IPv4 ranges.
    """
    if not cond.is_restricted:
        return Success()
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return Failure(f"client address {client_ip!r} is not an IP address")
    candidates = _forms(address)
    for network in cond.ip_not_in:
        if any(candidate in network for candidate in candidates):
            return Failure(f"client address {client_ip} is excluded by not_in {network}")
    if cond.ip_in and not any(c in net for net in cond.ip_in for c in candidates):
        allowed = ", ".join(str(net) for net in cond.ip_in)
        return Failure(f"client address {client_ip} is outside the allowed ranges ({allowed})")
    return Success()


def _forms(address: Address) -> tuple[Address, ...]:
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:  # fe80::1%eth0: match on the address, not the interface
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        if address.ipv4_mapped is not None:
            return (address, address.ipv4_mapped)
    return (address,)


def check_time(not_before: datetime | None, expires_on: datetime | None, now: datetime) -> Check:
    """Whether a token is live at ``now``: rejected before ``not_before`` and at or after
    ``expires_on``; a missing bound is no bound (§3, §3.1). Naive datetimes are taken as UTC.
    """
    moment = _utc(now)
    if expires_on is not None and moment >= _utc(expires_on):
        return Failure(f"token expired at {_utc(expires_on).isoformat()}")
    if not_before is not None and moment < _utc(not_before):
        return Failure(f"token is not valid before {_utc(not_before).isoformat()}")
    return Success()


def _utc(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything flarelite stores is UTC.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
