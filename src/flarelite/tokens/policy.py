"""The policy engine: may these policies do ``access`` on ``area`` of this resource, and why.

Pure: no I/O. The caller resolves facts (zone → account, the owner's memberships) and passes
them in. Rules follow reference tokens.md §4; every decision carries readable reasons for
``tokens explain``. Wire input lives in ``policy_input``, the no-escalation rule in ``grants``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from flarelite.core.ids import is_tag
from flarelite.tokens.catalog import GROUPS_BY_ID, Access, Area, PermissionGroup, Scope, find_group
from flarelite.tokens.conditions import Check, Failure, Success

Effect = Literal["allow", "deny"]
Resources = Mapping[str, str | Mapping[str, str]]

# Resource keys (§4). The zone prefix starts with the account prefix: test it first.
USER_PREFIX = "com.cloudflare.api.user."
ACCOUNT_PREFIX = "com.cloudflare.api.account."
ZONE_PREFIX = "com.cloudflare.api.account.zone."
# "*" is the only value with a meaning. Any other string matches nothing at decision time and
# is refused on input, so an odd stored value can only narrow a token, never widen it.
ANY = "*"


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy of a token; ``resources`` and the group ids are frozen on construction."""

    id: str
    effect: Effect
    resources: Resources
    permission_group_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.effect not in ("allow", "deny"):
            raise ValueError(f"policy effect must be 'allow' or 'deny', not {self.effect!r}")
        object.__setattr__(self, "resources", _frozen(self.resources))
        object.__setattr__(self, "permission_group_ids", tuple(self.permission_group_ids))


@dataclass(frozen=True, slots=True)
class Resource:
    """What a request acts on. A zone names its owning account; an account is its own account."""

    scope: Scope
    id: str
    account_id: str | None = None

    def __post_init__(self) -> None:
        if self.scope == Scope.ACCOUNT:
            if self.account_id is None:
                object.__setattr__(self, "account_id", self.id)
            elif self.account_id != self.id:
                raise ValueError("an account resource's account_id must equal its id")

    def describe(self) -> str:
        if self.scope == Scope.USER:
            return f"user {self.id}"
        if self.scope == Scope.ACCOUNT:
            return f"account {self.id}"
        owner = f" (account {self.account_id})" if self.account_id else ""
        return f"zone {self.id}{owner}"


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns the token: a user (user-owned) or an account (account-owned), never both."""

    user_id: str | None
    account_id: str | None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.account_id is None):
            raise ValueError("a token is owned by exactly one user or one account")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    policy_id: str | None  # the deciding policy; None when no policy decided


@dataclass(frozen=True, slots=True)
class ResourceKey:
    """A parsed resource key: its scope and a 32-hex id or ``*``."""

    scope: Scope
    id: str

    @property
    def is_wildcard(self) -> bool:
        return self.id == ANY


def parse_resource_key(key: str) -> ResourceKey | None:
    """The scope and id of a §4 resource key, or None when the key is not a recognised form.

    ``com.cloudflare.api.user.*`` is not recognised: only the caller's own user may be named (§4).
    """
    for prefix, scope in ((ZONE_PREFIX, Scope.ZONE), (ACCOUNT_PREFIX, Scope.ACCOUNT)):
        if key.startswith(prefix):
            ident = key[len(prefix) :]
            return ResourceKey(scope, ident) if ident == ANY or is_tag(ident) else None
    if key.startswith(USER_PREFIX):
        ident = key[len(USER_PREFIX) :]
        return ResourceKey(Scope.USER, ident) if is_tag(ident) else None
    return None


# ---------------------------------------------------------------------------------- deciding


def decide(
    policies: Sequence[Policy],
    area: Area,
    access: Access,
    resource: Resource,
    owner: Owner,
    reachable_accounts: Mapping[str, Access] | None = None,
) -> Decision:
    """Whether ``policies`` allow ``access`` on ``area`` of ``resource``, with the reasons.

    Order (§4): the owner's boundary, then deny policies, then allow policies, else deny.
    ``reachable_accounts`` (account id → the owner's access there) is None for "no restriction";
    when given, a resource outside those accounts is denied, and so is Write where the owner
    only has Read: wildcard keys never reach past the owner's current memberships.
    """
    wanted = find_group(area, access).name
    target = resource.describe()
    boundary = _check_boundary(resource, access, owner, reachable_accounts, wanted)
    if isinstance(boundary, Failure):
        return Decision(False, (boundary.reason, f"denied: {wanted} on {target}"), None)
    reasons: list[str] = []
    for effect in ("deny", "allow"):
        for policy in policies:
            if policy.effect != effect:
                continue
            found = _match(policy, area, access, resource)
            if isinstance(found, Failure):
                reasons.append(f"policy {policy.id} ({effect}): {found.reason}")
                continue
            group, key = found
            reasons.append(f"policy {policy.id}: {effect} {group.name} on {key} matches {target}")
            return Decision(effect == "allow", tuple(reasons), policy.id)
    reasons.append(f"no allow policy grants {wanted} on {target}")
    return Decision(False, tuple(reasons), None)


def _check_boundary(
    resource: Resource,
    access: Access,
    owner: Owner,
    reachable: Mapping[str, Access] | None,
    wanted: str,
) -> Check:
    """What no policy can grant: other users, other accounts, past the owner's memberships."""
    if resource.scope == Scope.USER:
        if owner.account_id is not None:
            return Failure(f"account-owned token cannot act on {resource.describe()}")
        if resource.id != owner.user_id:
            # §4: only the caller's own user may be a resource.
            return Failure(f"{resource.describe()} is not the token owner (user {owner.user_id})")
        return Success()
    account = resource.account_id
    if not account:
        return Failure(f"{resource.describe()} has no known account")
    if owner.account_id is not None and account != owner.account_id:
        return Failure(
            f"account-owned token of account {owner.account_id} cannot reach account {account}"
        )
    if reachable is not None:
        held = reachable.get(account)
        if held is None:
            return Failure(f"owner is not a member of account {account}")
        if access == Access.WRITE and held != Access.WRITE:
            return Failure(f"owner has read-only access to account {account}; {wanted} needs write")
    return Success()


def _match(
    policy: Policy, area: Area, access: Access, resource: Resource
) -> tuple[PermissionGroup, str] | Failure:
    groups = [GROUPS_BY_ID[g] for g in policy.permission_group_ids if g in GROUPS_BY_ID]
    granting = [g for g in groups if g.grants(area, access)]
    if not granting:
        held = ", ".join(g.name for g in groups) or "no known groups"
        return Failure(f"its groups ({held}) do not grant {find_group(area, access).name}")
    # §4: a permission group applies only to resources of its own scope.
    scoped = [g for g in granting if g.scope == resource.scope]
    if not scoped:
        return Failure(f"{granting[0].name} applies to {granting[0].scope} resources only")
    key = _covering_key(policy.resources, resource)
    if key is None:
        keys = ", ".join(policy.resources) or "none"
        return Failure(
            f"{scoped[0].name} granted, but its resources ({keys}) do not cover "
            f"{resource.describe()}"
        )
    return scoped[0], key


def _covering_key(resources: Resources, resource: Resource) -> str | None:
    """The resource key (``outer → inner`` when nested) that covers ``resource``, if any.

    A flat ``com.cloudflare.api.account.<ID>`` covers that account's account-scoped resources
    only, not its zones: the documented way to grant all zones of one account is the nested
    form (§4 table, "All zones of one account"), and no source shows a flat account key reaching
    zones (the one third-party discussion found, mynameistito/create-cf-token PR #49, calls that
    use broken). Zones of one account need ``{account.<ID>: {account.zone.*: "*"}}`` or zone keys.
    """
    for key, value in resources.items():
        parsed = parse_resource_key(key)
        if parsed is None:
            continue
        if isinstance(value, Mapping):
            if parsed.scope != Scope.ACCOUNT or resource.scope != Scope.ZONE:
                continue
            if not _id_matches(parsed.id, resource.account_id):
                continue
            for inner_key, inner_value in value.items():
                inner = parse_resource_key(inner_key)
                if (
                    inner is not None
                    and inner.scope == Scope.ZONE
                    and inner_value == ANY
                    and _id_matches(inner.id, resource.id)
                ):
                    return f"{key} → {inner_key}"
            continue
        if value == ANY and parsed.scope == resource.scope and _id_matches(parsed.id, resource.id):
            return key
    return None


def _id_matches(pattern: str, ident: str | None) -> bool:
    return bool(ident) and pattern in (ANY, ident)


def reaches_account(
    policies: Sequence[Policy],
    account_id: str,
    zone_accounts: Mapping[str, str] | None = None,
) -> bool:
    """Whether any allow policy names ``account_id`` at all (any group, any scope).

    For listing accounts: a flat or nested account key, ``account.*``, ``zone.*``, or a zone
    key whose zone ``zone_accounts`` maps to this account. Deny policies are not subtracted.
    """
    zones = zone_accounts or {}
    for policy in policies:
        if policy.effect != "allow":
            continue
        for key in policy.resources:
            parsed = parse_resource_key(key)
            if parsed is None or parsed.scope == Scope.USER:
                continue
            if parsed.is_wildcard or parsed.id == account_id:
                return True
            if parsed.scope == Scope.ZONE and zones.get(parsed.id) == account_id:
                return True
    return False


def _frozen(resources: Resources) -> Resources:
    return MappingProxyType(
        {
            key: MappingProxyType(dict(value)) if isinstance(value, Mapping) else value
            for key, value in resources.items()
        }
    )
