"""Seed: users, accounts, tokens with known secrets, zones with records and images, from a folder.

The folder holds ``seed.json`` (format in docs/test-control.md) and the image files it names.
Everything goes through the same services as the API, so a seed obeys the same rules (token
grants within the owner's reach, image limits). Token policies may name what the seed makes
with ``{user:EMAIL}``, ``{account:NAME}`` and ``{zone:NAME}``, replaced by the new ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from flarelite.core.errors import FlareliteError, Invalid
from flarelite.identity.models import Role
from flarelite.images.service import UploadInput
from flarelite.services import Services
from flarelite.tokens.errors import MalformedAuthorization
from flarelite.tokens.secrets import PREFIXES, TokenKind, parse_bearer
from flarelite.tokens.service import TokenOwner

SEED_FILE = "seed.json"
_PLACEHOLDER = re.compile(r"\{(user|account|zone):([^}]+)\}")


@dataclass
class Seeded:
    """Names → ids of everything made, the seed's answer."""

    users: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "accounts": self.accounts,
            "zones": self.zones,
            "tokens": self.tokens,
            "images": self.images,
        }


async def seed_from_folder(services: Services, folder: str) -> Seeded:
    """Load ``<folder>/seed.json`` and make everything in it; raises Invalid naming the entry."""
    root = anyio.Path(folder)
    try:
        spec = json.loads(await (root / SEED_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise Invalid(detail=f"folder: cannot read {SEED_FILE} in {folder!r}: {exc}") from exc
    if not isinstance(spec, dict):
        raise Invalid(detail=f"{SEED_FILE}: expected a JSON object")
    seeded = Seeded()
    for section, make in (
        ("users", _user),
        ("accounts", _account),
        ("zones", _zone),
        ("tokens", _token),
        ("images", _image),
    ):
        for index, entry in enumerate(_entries(spec, section)):
            try:
                await make(services, root, entry, seeded)
            except FlareliteError as exc:
                where = f"{section}[{index}]"
                raise Invalid(detail=f"{SEED_FILE} {where}: {_describe(exc)}") from exc
            except (KeyError, TypeError, ValueError) as exc:
                raise Invalid(detail=f"{SEED_FILE} {section}[{index}]: bad entry ({exc})") from exc
    return seeded


def _entries(spec: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    entries = spec.get(section, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Invalid(detail=f"{SEED_FILE} {section}: expected a list of objects")
    return entries


async def _user(
    services: Services, _root: anyio.Path, entry: dict[str, Any], seeded: Seeded
) -> None:
    user = await services.identity.create_user(entry["email"], entry["password"])
    seeded.users[user.email] = user.id


async def _account(
    services: Services, _root: anyio.Path, entry: dict[str, Any], seeded: Seeded
) -> None:
    owner = entry.get("owner")
    owner_id = _known(seeded.users, owner, "user") if owner else None
    account = await services.identity.create_account(entry["name"], owner_id=owner_id)
    for member in entry.get("members", []):
        user_id = _known(seeded.users, member["email"], "user")
        await services.identity.add_member(
            user_id, account.id, Role(member.get("role", "Administrator"))
        )
    seeded.accounts[entry["name"]] = {"id": account.id, "account_hash": account.account_hash}


async def _zone(
    services: Services, _root: anyio.Path, entry: dict[str, Any], seeded: Seeded
) -> None:
    account_id = _account_id(seeded, entry["account"])
    zone = await services.zones.create(account_id, entry["name"])
    for record in entry.get("records", []):
        await services.records.create(zone, record)
    seeded.zones[zone.name] = zone.id


async def _token(
    services: Services, _root: anyio.Path, entry: dict[str, Any], seeded: Seeded
) -> None:
    if "user" in entry:
        owner = TokenOwner(TokenKind.USER, _known(seeded.users, entry["user"], "user"))
    else:
        owner = TokenOwner(TokenKind.ACCOUNT, _account_id(seeded, entry["account"]))
    value = entry.get("value")
    if value is not None:
        _check_value(value, owner.kind)
    payload = _filled(
        {
            k: entry[k]
            for k in ("name", "policies", "condition", "not_before", "expires_on")
            if k in entry
        },
        seeded,
    )
    token, _ = await services.tokens.create(owner, payload, known_secret=value)
    seeded.tokens[token.name] = token.id


async def _image(
    services: Services, root: anyio.Path, entry: dict[str, Any], seeded: Seeded
) -> None:
    file = root / entry["file"]
    if not await file.is_file():
        raise Invalid(detail=f"file: {entry['file']!r} is not a file in the seed folder")
    record = await services.images.upload(
        UploadInput(
            account_id=_account_id(seeded, entry["account"]),
            data=await file.read_bytes(),
            filename=file.name,
            custom_id=entry.get("id"),
            metadata=entry.get("metadata"),
            requires_signed_urls=bool(entry.get("requireSignedURLs", False)),
        )
    )
    seeded.images.append(record.id)


def _check_value(value: object, kind: TokenKind) -> None:
    """A known secret must be one the API would accept: scannable with its CRC, or legacy."""
    if not isinstance(value, str):
        raise Invalid(detail="value: expected a string")
    try:
        parsed = parse_bearer(f"Bearer {value}")
    except MalformedAuthorization:
        raise Invalid(
            detail="value: cfut_/cfat_ + 40 letters or digits + their CRC32 in 8 hex digits, "
            "or a legacy value of 40 letters or digits"
        ) from None
    if parsed.kind is not None and parsed.kind is not kind:
        raise Invalid(detail=f"value: a {kind} token's value starts with {PREFIXES[kind]}")


def _filled(value: Any, seeded: Seeded) -> Any:
    """``value`` with every ``{user:…}``, ``{account:…}`` and ``{zone:…}`` replaced by its id."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: _placeholder_id(seeded, m[1], m[2]), value)
    if isinstance(value, list):
        return [_filled(item, seeded) for item in value]
    if isinstance(value, dict):
        return {_filled(k, seeded): _filled(v, seeded) for k, v in value.items()}
    return value


def _placeholder_id(seeded: Seeded, kind: str, name: str) -> str:
    if kind == "user":
        return _known(seeded.users, name, "user")
    if kind == "account":
        return _account_id(seeded, name)
    return _known(seeded.zones, name, "zone")


def _account_id(seeded: Seeded, name: str) -> str:
    return _known({n: a["id"] for n, a in seeded.accounts.items()}, name, "account")


def _known(made: Mapping[str, str], name: str, kind: str) -> str:
    if name not in made:
        raise Invalid(detail=f"no {kind} {name!r} earlier in the seed")
    return made[name]


def _describe(exc: FlareliteError) -> str:
    details = exc.details()
    return "; ".join(detail.message for detail in details) or str(exc)
