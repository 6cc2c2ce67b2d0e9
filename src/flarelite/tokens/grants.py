"""The no-escalation rule: a token may never be granted more than its owner holds (§8). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from flarelite.tokens.catalog import GROUPS_BY_ID, Access, PermissionGroup, Scope
from flarelite.tokens.errors import (
    EscalationRefused,
)
from flarelite.tokens.policy import (
    Policy,
    parse_resource_key,
)


@dataclass(frozen=True, slots=True)
class Grantable:
    """What a token's owner holds, for the no-escalation rule (§8)."""

    user_id: str | None  # None for account-owned tokens
    accounts: Mapping[str, Access]  # account id → the most the owner may do there
    zone_accounts: Mapping[str, str] = field(default_factory=dict)  # zone id → account id


def check_grantable(policies: Sequence[Policy], grantable: Grantable) -> None:
    """Refuse policies that grant more than the owner holds (§8), with ``EscalationRefused``.

    Only allow policies are checked: a deny can only narrow. Every account, zone and user named
    must be the owner's; Write groups need Write (admin) on the account they apply to. Wildcard
    keys are allowed (they mean "every account the owner holds"; ``decide`` limits them with
    ``reachable_accounts``) but a Write group on a wildcard needs Write on at least one account.
    """
    for index, policy in enumerate(policies):
        if policy.effect != "allow":
            continue
        groups = [GROUPS_BY_ID[g] for g in policy.permission_group_ids if g in GROUPS_BY_ID]
        where = f"policies[{index}]"
        for key, value in policy.resources.items():
            parsed = parse_resource_key(key)
            if parsed is None:
                continue  # matches nothing; parse_policies refuses it on input anyway
            if parsed.scope == Scope.USER:
                _check_user(parsed.id, grantable, where)
                continue
            nested = isinstance(value, Mapping)
            # A nested account key grants zone groups on that account's zones (§4).
            scope = Scope.ZONE if nested or parsed.scope == Scope.ZONE else Scope.ACCOUNT
            applying = [g for g in groups if g.scope == scope]
            if parsed.is_wildcard:
                _check_wildcard(applying, grantable, where, key)
                continue
            if parsed.scope == Scope.ZONE:
                account = grantable.zone_accounts.get(parsed.id)
                if account is None:
                    _refuse(
                        where, applying, f"zone {parsed.id}", "the owner holds no zone with that id"
                    )
                _check_account(account, applying, grantable, where, f"zone {parsed.id}")
            else:
                _check_account(parsed.id, applying, grantable, where, f"account {parsed.id}")


def _check_user(user_id: str, grantable: Grantable, where: str) -> None:
    if grantable.user_id is None:
        _refuse(where, [], f"user {user_id}", "an account-owned token cannot hold user resources")
    if user_id != grantable.user_id:
        _refuse(where, [], f"user {user_id}", "a token may only name its owner's own user")


def _check_wildcard(
    applying: Sequence[PermissionGroup], grantable: Grantable, where: str, key: str
) -> None:
    if not applying:
        return
    if not grantable.accounts:
        _refuse(where, applying, key, "the owner is not a member of any account")
    writes = [g for g in applying if g.access == Access.WRITE]
    if writes and Access.WRITE not in grantable.accounts.values():
        _refuse(where, writes, key, "the owner has write access to no account")


def _check_account(
    account: str, applying: Sequence[PermissionGroup], grantable: Grantable, where: str, what: str
) -> None:
    held = grantable.accounts.get(account)
    if held is None:
        _refuse(where, applying, what, f"the owner is not a member of account {account}")
    writes = [g for g in applying if g.access == Access.WRITE]
    if writes and held != Access.WRITE:
        _refuse(where, writes, what, f"the owner has read-only access to account {account}")


def _refuse(where: str, groups: Sequence[PermissionGroup], what: str, why: str) -> NoReturn:
    names = ", ".join(g.name for g in groups) or "access"
    raise EscalationRefused(
        detail=f"{where}: cannot grant {names} on {what}: {why}", pointer=f"{where}.resources"
    )
