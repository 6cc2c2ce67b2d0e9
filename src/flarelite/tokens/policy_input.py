"""Policies on the wire and in storage ↔ engine values: validate client ``policies`` input
(naming the field that is wrong), read stored policies back, write Cloudflare's shape. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flarelite.tokens.catalog import GROUPS_BY_ID, Scope
from flarelite.tokens.errors import (
    InvalidPolicy,
    PolicyIdOnCreate,
    UnknownPermissionGroup,
)
from flarelite.tokens.policy import (
    ANY,
    Policy,
    Resources,
    parse_resource_key,
)


def parse_policies(raw: object, *, on_create: bool, new_id: Callable[[], str]) -> list[Policy]:
    """Validate a client's ``policies`` list into ``Policy`` values with fresh ids.

    On create a policy ``id`` is refused with Cloudflare's exact 1001 (§2.3); on update incoming
    ids are ignored (§9.5) and fresh ones made. Raises ``InvalidPolicy`` (or its subclasses
    ``PolicyIdOnCreate``, ``UnknownPermissionGroup``) with a detail naming the field.
    """
    if raw is None:
        _invalid("policies", "required: a list of policies")
    if not isinstance(raw, list | tuple):
        _invalid("policies", "expected a list of policies")
    if not raw:
        _invalid("policies", "at least one policy is required")
    return [_parse_policy(item, f"policies[{i}]", on_create, new_id) for i, item in enumerate(raw)]


def _parse_policy(raw: object, where: str, on_create: bool, new_id: Callable[[], str]) -> Policy:
    if not isinstance(raw, Mapping):
        _invalid(where, "expected an object with effect, resources and permission_groups")
    # Only a real id counts as reuse; null or "" is what some clients send for "none".
    if on_create and raw.get("id") not in (None, ""):
        raise PolicyIdOnCreate(f"{where}.id sent on create", pointer=f"{where}.id")
    effect = raw.get("effect")
    if effect not in ("allow", "deny"):
        _invalid(f"{where}.effect", f"must be 'allow' or 'deny', not {effect!r}")
    return Policy(
        id=new_id(),
        effect=effect,
        resources=_parse_resources(raw.get("resources"), f"{where}.resources"),
        permission_group_ids=_parse_groups(
            raw.get("permission_groups"), f"{where}.permission_groups"
        ),
    )


def _parse_groups(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        _invalid(where, "at least one permission group is required")
    ids: list[str] = []
    for index, item in enumerate(raw):
        # name is ignored and meta may be any object (§2.3, §4); only id matters.
        if not isinstance(item, Mapping):
            _invalid(f"{where}[{index}]", "expected an object with an 'id'")
        group_id = item.get("id")
        if not isinstance(group_id, str) or not group_id:
            _invalid(f"{where}[{index}].id", "required: a permission group id")
        if group_id not in GROUPS_BY_ID:
            raise UnknownPermissionGroup(
                detail=f"{where}[{index}].id: unknown permission group {group_id!r}",
                pointer=f"{where}[{index}].id",
            )
        if group_id not in ids:
            ids.append(group_id)
    return tuple(ids)


def _parse_resources(raw: object, where: str) -> dict[str, str | dict[str, str]]:
    if not isinstance(raw, Mapping) or not raw:
        _invalid(where, "expected a non-empty object of resource keys")
    resources: dict[str, str | dict[str, str]] = {}
    for key, value in raw.items():
        parsed = parse_resource_key(key) if isinstance(key, str) else None
        if parsed is None:
            _invalid(
                where,
                f"unrecognised resource key {key!r}; expected "
                "com.cloudflare.api.account.<id|*>, com.cloudflare.api.account.zone."
                "<id|*> or com.cloudflare.api.user.<id> (ids: 32 lowercase hex)",
            )
        if isinstance(value, Mapping):
            if parsed.scope != Scope.ACCOUNT:
                _invalid(f"{where}.{key}", "only an account key may hold nested zone keys")
            resources[key] = _parse_nested(value, f"{where}.{key}")
        elif value == ANY:
            resources[key] = ANY
        else:
            _invalid(
                f"{where}.{key}", f"value must be '*' or an object of zone keys, not {value!r}"
            )
    return resources


def _parse_nested(raw: Mapping[Any, Any], where: str) -> dict[str, str]:
    if not raw:
        _invalid(where, "expected at least one zone key")
    nested: dict[str, str] = {}
    for key, value in raw.items():
        parsed = parse_resource_key(key) if isinstance(key, str) else None
        if parsed is None or parsed.scope != Scope.ZONE:
            _invalid(where, f"{key!r} is not a zone key (com.cloudflare.api.account.zone.<id|*>)")
        if value != ANY:
            _invalid(f"{where}.{key}", f"value must be '*', not {value!r}")
        nested[key] = ANY
    return nested


def _invalid(field_name: str, problem: str) -> NoReturn:
    raise InvalidPolicy(detail=f"{field_name}: {problem}", pointer=field_name)


def policies_from_stored(raw: object) -> list[Policy]:
    """Rebuild policies from their stored ``policy_as_api`` form, keeping ids as they are.

    Tolerant on purpose: a group id no longer in the catalogue or an odd resource key simply
    matches nothing (narrowing the token); only a structurally broken row raises ValueError.
    """
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValueError("stored policies must be a list")
    policies: list[Policy] = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("resources"), Mapping):
            raise ValueError("stored policy must be an object with resources")
        groups = item.get("permission_groups") or []
        policies.append(
            Policy(
                id=str(item.get("id", "")),
                effect=item.get("effect", "deny"),
                resources=item["resources"],
                permission_group_ids=tuple(
                    str(g["id"]) for g in groups if isinstance(g, Mapping) and "id" in g
                ),
            )
        )
    return policies


def policy_as_api(p: Policy) -> dict[str, Any]:
    """The wire (and stored) shape: ``{id, effect, resources, permission_groups: [{id, name}]}``."""
    return {
        "id": p.id,
        "effect": p.effect,
        "resources": _plain(p.resources),
        "permission_groups": [
            {"id": gid, "name": GROUPS_BY_ID[gid].name} if gid in GROUPS_BY_ID else {"id": gid}
            for gid in p.permission_group_ids
        ],
    }


def _plain(resources: Resources) -> dict[str, Any]:
    return {
        key: dict(value) if isinstance(value, Mapping) else value
        for key, value in resources.items()
    }
