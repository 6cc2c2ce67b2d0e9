"""The token wizard's form as plain values: parse posted fields, check them, build policies.

Pure (no I/O): ``TokenForm.from_fields`` reads the posted lists, ``to_payload`` turns a valid
form into the API's token payload (the same one ``POST /user/tokens`` takes), and
``TokenForm.from_token`` reads a stored token back into rows for "Edit". Problems are kept per
field, so each is explained next to the control it concerns.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flarelite.tokens.catalog import (
    PERMISSION_GROUPS,
    Access,
    Area,
    PermissionGroup,
    Scope,
    Template,
    find_group,
)
from flarelite.tokens.policy import ACCOUNT_PREFIX, ANY, USER_PREFIX, ZONE_PREFIX

SCOPES = {"account": Scope.ACCOUNT, "user": Scope.USER, "zone": Scope.ZONE}
SCOPE_NAMES = {scope: name for name, scope in SCOPES.items()}
ACCESS = {"read": Access.READ, "edit": Access.WRITE}
ACCESS_NAMES = {access: name for name, access in ACCESS.items()}
# Resource kinds of a resource row; the first three pick zones, the last two accounts.
ZONE_KINDS = ("zone", "account_zones", "all_zones")
ACCOUNT_KINDS = ("account", "all_accounts")
RESOURCE_KINDS = {
    "zone": "Specific zone",
    "account_zones": "All zones from an account",
    "all_zones": "All zones",
    "account": "Account",
    "all_accounts": "All accounts",
}
ALL_ZONES_KEY = ZONE_PREFIX + ANY


def groups_by_scope() -> dict[str, list[tuple[str, str]]]:
    """scope name → [(area value, dashboard label)], one entry per area (Read/Edit is apart)."""
    found: dict[str, list[tuple[str, str]]] = {name: [] for name in SCOPES}
    for group in PERMISSION_GROUPS:
        entry = (group.area.value, group.label)
        if entry not in found[SCOPE_NAMES[group.scope]]:
            found[SCOPE_NAMES[group.scope]].append(entry)
    return {name: sorted(entries, key=lambda e: e[1].casefold()) for name, entries in found.items()}


@dataclass
class PermissionRow:
    scope: str = "account"
    group: str = ""  # an Area value; "" until chosen
    access: str = "read"

    def resolved(self) -> PermissionGroup | None:
        try:
            group = find_group(Area(self.group), ACCESS[self.access])
        except (ValueError, KeyError):
            return None
        return group if SCOPE_NAMES[group.scope] == self.scope else None


@dataclass
class ResourceRow:
    effect: str = "include"  # include | exclude
    kind: str = "account"
    zone: str = ""
    account: str = ""


@dataclass
class IpRow:
    operator: str = "in"  # in | not_in
    address: str = ""


@dataclass
class TokenForm:
    name: str = ""
    permissions: list[PermissionRow] = field(default_factory=list)
    resources: list[ResourceRow] = field(default_factory=list)
    ips: list[IpRow] = field(default_factory=list)
    start: str = ""  # yyyy-mm-dd
    end: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    # --- reading ----------------------------------------------------------------------------

    @classmethod
    def from_fields(
        cls, get: Callable[[str], str], get_list: Callable[[str], list[str]]
    ) -> TokenForm:
        """Rows from the repeated fields; a row whose every field is blank is dropped."""
        perms = [
            PermissionRow(scope, group, access)
            for scope, group, access in zip(
                get_list("perm_scope"),
                get_list("perm_group"),
                get_list("perm_access"),
                strict=False,
            )
        ]
        resources = [
            ResourceRow(effect, kind, zone, account)
            for effect, kind, zone, account in zip(
                get_list("res_effect"), get_list("res_kind"), get_list("res_zone"),
                get_list("res_account"), strict=False,
            )
        ]  # fmt: skip
        ips = [
            IpRow(op, address.strip())
            for op, address in zip(get_list("ip_operator"), get_list("ip_address"), strict=False)
            if address.strip()
        ]
        return cls(
            name=get("name").strip(),
            permissions=perms,
            resources=resources,
            ips=ips,
            start=get("ttl_start").strip(),
            end=get("ttl_end").strip(),
        )

    @classmethod
    def blank(cls, account_id: str | None, *, user_scope: bool = True) -> TokenForm:
        """A custom token: one empty permission row; resources cover the account and its zones."""
        form = cls(permissions=[PermissionRow("account", "", "read")])
        form.resources = default_resources(account_id)
        return form

    @classmethod
    def from_template(cls, template: Template, account_id: str | None) -> TokenForm:
        rows: list[PermissionRow] = []
        for group in template.groups:
            row = PermissionRow(
                SCOPE_NAMES[group.scope], group.area.value, ACCESS_NAMES[group.access]
            )
            if row not in rows:
                rows.append(row)
        form = cls(name=template.name, permissions=rows, resources=default_resources(account_id))
        # Zone templates start with the account's zones, account ones with the account.
        if template.resource_hint == "zones":
            form.resources = [r for r in form.resources if r.kind in ZONE_KINDS]
        elif template.resource_hint == "accounts":
            form.resources = [r for r in form.resources if r.kind in ACCOUNT_KINDS]
        elif template.resource_hint == "all":
            form.resources = [
                ResourceRow("include", "all_accounts"),
                ResourceRow("include", "all_zones"),
            ]
        return form

    @classmethod
    def from_token(
        cls, name: str, policies: Sequence[Mapping[str, Any]], condition: Mapping[str, Any] | None,
        not_before: date | None, expires_on: date | None,
    ) -> TokenForm:  # fmt: skip
        form = cls(name=name, start=not_before.isoformat() if not_before else "",
                   end=expires_on.isoformat() if expires_on else "")  # fmt: skip
        for policy in policies:
            effect = "include" if policy.get("effect") == "allow" else "exclude"
            for group in policy.get("permission_groups", []):
                row = _row_of_group(str(group.get("id", "")))
                if row is not None and row not in form.permissions:
                    form.permissions.append(row)
            for key, value in (policy.get("resources") or {}).items():
                for row in _rows_of_key(effect, key, value):
                    if row not in form.resources:
                        form.resources.append(row)
        ip = (condition or {}).get("request_ip") or (condition or {}).get("request.ip") or {}
        form.ips = [IpRow("in", str(a)) for a in ip.get("in", [])] + [
            IpRow("not_in", str(a)) for a in ip.get("not_in", [])
        ]
        return form

    # --- checking and building ----------------------------------------------------------------

    def to_payload(self, *, user_id: str | None) -> dict[str, Any] | None:
        """The API payload, or None with ``errors`` filled (field name → explanation).

        ``user_id`` is the owner for user tokens; None for account-owned tokens, which may not
        hold User permissions.
        """
        self.errors = {}
        if not self.name:
            self.errors["name"] = "Give the token a name."
        elif len(self.name) > 120:
            self.errors["name"] = "The name can be at most 120 characters."
        chosen = self._check_permissions(user_id)
        policies = self._policies(chosen, user_id)
        condition = self._condition()
        not_before, expires_on = self._ttl()
        if self.errors:
            return None
        payload: dict[str, Any] = {"name": self.name, "policies": policies}
        if condition:
            payload["condition"] = condition
        if not_before:
            payload["not_before"] = not_before
        if expires_on:
            payload["expires_on"] = expires_on
        return payload

    def _check_permissions(self, user_id: str | None) -> dict[Scope, list[PermissionGroup]]:
        chosen: dict[Scope, list[PermissionGroup]] = {scope: [] for scope in Scope}
        for index, row in enumerate(self.permissions):
            if not row.group:
                self.errors.setdefault(f"perm_{index}", "Choose a permission group.")
                continue
            group = row.resolved()
            if group is None:
                self.errors.setdefault(
                    f"perm_{index}",
                    "This permission group does not belong to the chosen scope.",
                )
                continue
            if group.scope is Scope.USER and user_id is None:
                self.errors.setdefault(
                    f"perm_{index}", "Account API tokens cannot hold User permissions."
                )
                continue
            if group not in chosen[group.scope]:
                chosen[group.scope].append(group)
        if not self.permissions:
            self.errors["permissions"] = "Add at least one permission."
        return chosen

    def _policies(
        self, chosen: Mapping[Scope, list[PermissionGroup]], user_id: str | None
    ) -> list[dict[str, Any]]:
        resources: dict[tuple[str, str], dict[str, Any]] = {}  # (family, effect) → resources
        for index, row in enumerate(self.resources):
            key_value = _resource_key(row)
            if key_value is None:
                self.errors.setdefault(
                    f"res_{index}", "Choose which zone or account this row names."
                )
                continue
            family = "zone" if row.kind in ZONE_KINDS else "account"
            effect = "allow" if row.effect == "include" else "deny"
            target = resources.setdefault((family, effect), {})
            key, value = key_value
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key].update(value)
            else:
                target[key] = value
        policies: list[dict[str, Any]] = []
        for scope, family in ((Scope.ACCOUNT, "account"), (Scope.ZONE, "zone")):
            groups = chosen.get(scope, [])
            if not groups:
                continue
            if not resources.get((family, "allow")):
                what = "account" if family == "account" else "zone"
                self.errors.setdefault(
                    "resources",
                    f"{scope.name.title()} permissions need at least one included {what} resource.",
                )
                continue
            for effect in ("allow", "deny"):
                if resources.get((family, effect)):
                    policies.append(_policy(effect, resources[(family, effect)], groups))
        if chosen.get(Scope.USER) and user_id is not None:
            policies.append(_policy("allow", {USER_PREFIX + user_id: ANY}, chosen[Scope.USER]))
        return policies

    def _condition(self) -> dict[str, Any]:
        lists: dict[str, list[str]] = {"in": [], "not_in": []}
        for index, row in enumerate(self.ips):
            if row.operator not in lists:
                self.errors.setdefault(f"ip_{index}", "Choose “Is in” or “Is not in”.")
                continue
            try:
                network = ipaddress.ip_network(row.address, strict=False)
            except ValueError:
                self.errors.setdefault(
                    f"ip_{index}", f"“{row.address}” is not an IP address or CIDR range."
                )
                continue
            lists[row.operator].append(str(network))
        wanted = {op: values for op, values in lists.items() if values}
        return {"request_ip": wanted} if wanted else {}

    def _ttl(self) -> tuple[str | None, str | None]:
        start, end = _date(self.start), _date(self.end)
        if self.start and start is None:
            self.errors["ttl"] = "The start date must look like 2030-01-31."
        if self.end and end is None:
            self.errors["ttl"] = "The end date must look like 2030-01-31."
        if start and end and end <= start:
            self.errors["ttl"] = "The end date must be after the start date."
        return (
            f"{start.isoformat()}T00:00:00Z" if start else None,
            f"{end.isoformat()}T00:00:00Z" if end else None,
        )

    # --- showing --------------------------------------------------------------------------------

    def permission_lines(self) -> list[str]:
        """The summary's words: "Account · Cloudflare Images · Edit"."""
        lines = []
        for row in self.permissions:
            group = row.resolved()
            if group is not None:
                lines.append(f"{row.scope.title()} · {group.label} · {row.access.title()}")
        return lines


def default_resources(account_id: str | None) -> list[ResourceRow]:
    """The owner's account and all its zones: what a new custom token covers untouched."""
    if account_id is None:
        return [ResourceRow("include", "all_accounts"), ResourceRow("include", "all_zones")]
    return [
        ResourceRow("include", "account", account=account_id),
        ResourceRow("include", "account_zones", account=account_id),
    ]


def _resource_key(row: ResourceRow) -> tuple[str, Any] | None:
    if row.effect not in ("include", "exclude"):
        return None
    if row.kind == "zone":
        return (ZONE_PREFIX + row.zone, ANY) if _is_id(row.zone) else None
    if row.kind == "account_zones":
        return (ACCOUNT_PREFIX + row.account, {ALL_ZONES_KEY: ANY}) if _is_id(row.account) else None
    if row.kind == "all_zones":
        return ALL_ZONES_KEY, ANY
    if row.kind == "account":
        return (ACCOUNT_PREFIX + row.account, ANY) if _is_id(row.account) else None
    if row.kind == "all_accounts":
        return ACCOUNT_PREFIX + ANY, ANY
    return None


def _is_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _policy(
    effect: str, resources: Mapping[str, Any], groups: Sequence[PermissionGroup]
) -> dict[str, Any]:
    return {
        "effect": effect,
        "resources": dict(resources),
        "permission_groups": [{"id": g.id} for g in groups],
    }


def _row_of_group(group_id: str) -> PermissionRow | None:
    for group in PERMISSION_GROUPS:
        if group.id == group_id:
            return PermissionRow(
                SCOPE_NAMES[group.scope], group.area.value, ACCESS_NAMES[group.access]
            )
    return None


def _rows_of_key(effect: str, key: str, value: object) -> list[ResourceRow]:
    if key.startswith(ZONE_PREFIX):
        ident = key[len(ZONE_PREFIX) :]
        return (
            [ResourceRow(effect, "all_zones")]
            if ident == ANY
            else [ResourceRow(effect, "zone", zone=ident)]
        )
    if key.startswith(ACCOUNT_PREFIX):
        ident = key[len(ACCOUNT_PREFIX) :]
        if isinstance(value, Mapping):
            rows = []
            for nested in value:
                zone = str(nested)[len(ZONE_PREFIX) :]
                rows.append(
                    ResourceRow(effect, "account_zones", account=ident)
                    if zone == ANY
                    else ResourceRow(effect, "zone", zone=zone)
                )
            return rows
        return (
            [ResourceRow(effect, "all_accounts")]
            if ident == ANY
            else [ResourceRow(effect, "account", account=ident)]
        )
    return []  # user keys are implied by User permissions


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
