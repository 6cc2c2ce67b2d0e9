"""The permission catalogue as data: groups (id, API name, dashboard label, scope) and templates.

Pure constants and lookups; no I/O. Ids are Cloudflare's real ones (reference tokens.md §5) so that
Terraform configs and scripts written against Cloudflare work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal


class Scope(StrEnum):
    """The kind of resource a group acts on (reference tokens.md §4, "How scopes relate")."""

    USER = "com.cloudflare.api.user"
    ACCOUNT = "com.cloudflare.api.account"
    ZONE = "com.cloudflare.api.account.zone"


class Access(StrEnum):
    """API names say Read/Write; the dashboard says Read/Edit. Write is full CRUDL (§5)."""

    READ = "read"
    WRITE = "write"


class Area(StrEnum):
    """What a route touches; each area has one Read and one Write group."""

    API_TOKENS = "api_tokens"
    USER_DETAILS = "user_details"
    MEMBERSHIPS = "memberships"
    ACCOUNT_SETTINGS = "account_settings"
    ACCOUNT_API_TOKENS = "account_api_tokens"
    IMAGES = "images"
    ZONE = "zone"
    DNS = "dns"


@dataclass(frozen=True, slots=True)
class PermissionGroup:
    """One permission group: Cloudflare's id and API name, plus our area and access level."""

    id: str
    name: str  # API name, e.g. "Images Write"
    label: str  # dashboard label without Read/Edit, e.g. "Cloudflare Images"
    area: Area
    access: Access
    scope: Scope
    description: str
    category: str  # one of the §2.8 categories

    def grants(self, area: Area, access: Access) -> bool:
        """Whether holding this group allows ``access`` on ``area``: Write implies Read (§5)."""
        return self.area == area and (self.access == Access.WRITE or access == Access.READ)

    @property
    def dashboard_name(self) -> str:
        """The name the dashboard shows: label plus Read or Edit (§5)."""
        return f"{self.label} {'Edit' if self.access is Access.WRITE else 'Read'}"

    def as_api(self) -> dict[str, Any]:
        """The wire shape of one permission-groups list item (§2.8)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "scopes": [self.scope.value],
            "category": self.category,
            # Every group here is pickable; the real check happens at creation (§2.8, §8).
            "is_selectable": True,
        }


# Categories from the §2.8 enum.
_ACCOUNT_AND_BILLING = "account_and_billing"
_DNS_AND_ZONES = "dns_and_zones"
_MEDIA = "media"

# Alphabetised by API name, as warehouse keeps its permission enum. Ids: tokens.md §5.
PERMISSION_GROUPS: tuple[PermissionGroup, ...] = (
    PermissionGroup(
        id="eb56a6953c034b9d97dd838155666f06",
        name="Account API Tokens Read",
        label="Account API Tokens",
        area=Area.ACCOUNT_API_TOKENS,
        access=Access.READ,
        scope=Scope.ACCOUNT,
        description="Grants read access to the account's API tokens",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="5bc3f8b21c554832afc660159ab75fa4",
        name="Account API Tokens Write",
        label="Account API Tokens",
        area=Area.ACCOUNT_API_TOKENS,
        access=Access.WRITE,
        scope=Scope.ACCOUNT,
        description="Grants write access to the account's API tokens",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="c1fde68c7bcc44588cbb6ddbc16d6480",
        name="Account Settings Read",
        label="Account Settings",
        area=Area.ACCOUNT_SETTINGS,
        access=Access.READ,
        scope=Scope.ACCOUNT,
        description="Grants read access to account settings",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="1af1fa2adc104452b74a9a3364202f20",
        name="Account Settings Write",
        label="Account Settings",
        area=Area.ACCOUNT_SETTINGS,
        access=Access.WRITE,
        scope=Scope.ACCOUNT,
        description="Grants write access to account settings",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="0cc3a61731504c89b99ec1be78b77aa0",
        name="API Tokens Read",
        label="API Tokens",
        area=Area.API_TOKENS,
        access=Access.READ,
        scope=Scope.USER,
        description="Grants read access to the user's API tokens",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="686d18d5ac6c441c867cbf6771e58a0a",
        name="API Tokens Write",
        label="API Tokens",
        area=Area.API_TOKENS,
        access=Access.WRITE,
        scope=Scope.USER,
        description="Grants write access to the user's API tokens",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="82e64a83756745bbbb1c9c2701bf816b",
        name="DNS Read",
        label="DNS",
        area=Area.DNS,
        access=Access.READ,
        scope=Scope.ZONE,
        description="Grants read access to DNS",
        category=_DNS_AND_ZONES,
    ),
    PermissionGroup(
        id="4755a26eedb94da69e1066d98aa820be",
        name="DNS Write",
        label="DNS",
        area=Area.DNS,
        access=Access.WRITE,
        scope=Scope.ZONE,
        description="Grants write access to DNS",
        category=_DNS_AND_ZONES,
    ),
    # The API name is plain "Images Read/Write"; the dashboard says "Cloudflare Images"
    # (§5 notes; the seed document picks "Cloudflare Images" in the Account drop-down).
    PermissionGroup(
        id="0cf6473ad41449e7b7b743d14fc20c60",
        name="Images Read",
        label="Cloudflare Images",
        area=Area.IMAGES,
        access=Access.READ,
        scope=Scope.ACCOUNT,
        description="Grants read access to Images",
        category=_MEDIA,
    ),
    PermissionGroup(
        id="618ec6c64a3a42f8b08bdcb147ded4e4",
        name="Images Write",
        label="Cloudflare Images",
        area=Area.IMAGES,
        access=Access.WRITE,
        scope=Scope.ACCOUNT,
        description="Grants write access to upload Images",
        category=_MEDIA,
    ),
    PermissionGroup(
        id="3518d0f75557482e952c6762d3e64903",
        name="Memberships Read",
        label="Memberships",
        area=Area.MEMBERSHIPS,
        access=Access.READ,
        scope=Scope.USER,
        description="Grants read access to the user's account memberships",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="9201bc6f42d440968aaab0c6f17ebb1d",
        name="Memberships Write",
        label="Memberships",
        area=Area.MEMBERSHIPS,
        access=Access.WRITE,
        scope=Scope.USER,
        description="Grants write access to the user's account memberships",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="8acbe5bb0d54464ab867149d7f7cf8ac",
        name="User Details Read",
        label="User Details",
        area=Area.USER_DETAILS,
        access=Access.READ,
        scope=Scope.USER,
        description="Grants read access to user details",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="55a5e17cc99e4a3fa1f3432d262f2e55",
        name="User Details Write",
        label="User Details",
        area=Area.USER_DETAILS,
        access=Access.WRITE,
        scope=Scope.USER,
        description="Grants write access to user details",
        category=_ACCOUNT_AND_BILLING,
    ),
    PermissionGroup(
        id="c8fed203ed3043cba015a93ad1616f1f",
        name="Zone Read",
        label="Zone",
        area=Area.ZONE,
        access=Access.READ,
        scope=Scope.ZONE,
        description="Grants read access to zones",
        category=_DNS_AND_ZONES,
    ),
    PermissionGroup(
        id="e6d2666161e84845a636613608cee8d5",
        name="Zone Write",
        label="Zone",
        area=Area.ZONE,
        access=Access.WRITE,
        scope=Scope.ZONE,
        description="Grants write access to zones",
        category=_DNS_AND_ZONES,
    ),
)

GROUPS_BY_ID: Mapping[str, PermissionGroup] = MappingProxyType({g.id: g for g in PERMISSION_GROUPS})
_GROUPS_BY_AREA: Mapping[tuple[Area, Access], PermissionGroup] = MappingProxyType(
    {(g.area, g.access): g for g in PERMISSION_GROUPS}
)


def find_group(area: Area, access: Access) -> PermissionGroup:
    """The one group for ``area`` at exactly ``access`` (each area has a Read and a Write group)."""
    return _GROUPS_BY_AREA[(area, access)]


def list_groups(name: str | None = None, scope: str | None = None) -> list[PermissionGroup]:
    """The §2.8 list filters: ``name`` matches the API name ignoring case, ``scope`` exactly.

    An empty filter string counts as no filter, as an absent query parameter would.
    """
    wanted_name = name.casefold() if name else None
    return [
        group
        for group in PERMISSION_GROUPS
        if (wanted_name is None or group.name.casefold() == wanted_name)
        and (not scope or group.scope.value == scope)
    ]


@dataclass(frozen=True, slots=True)
class Template:
    """A dashboard template: it only pre-fills the create form; tokens store plain policies (§6)."""

    key: str
    name: str
    description: str
    groups: tuple[PermissionGroup, ...]
    # Which resources the form should offer: picked zones, picked accounts, the user, or all.
    resource_hint: Literal["zones", "accounts", "user", "all"]


def _groups(*names: str) -> tuple[PermissionGroup, ...]:
    by_name = {g.name: g for g in PERMISSION_GROUPS}
    return tuple(by_name[name] for name in names)


# Cloudflare's templates restricted to groups we have (§6). Cloudflare lists no Images template;
# ours follows the seed document's custom token (Account › Cloudflare Images › Edit).
TEMPLATES: tuple[Template, ...] = (
    Template(
        key="edit_zone_dns",
        name="Edit zone DNS",
        description="Edit the DNS records of the zones you pick.",
        groups=_groups("DNS Write"),
        resource_hint="zones",
    ),
    Template(
        key="edit_cloudflare_images",
        name="Edit Cloudflare Images",
        description="Upload, list, change and delete images of the accounts you pick.",
        groups=_groups("Images Write"),
        resource_hint="accounts",
    ),
    Template(
        key="read_cloudflare_images",
        name="Read Cloudflare Images",
        description="List and read images of the accounts you pick.",
        groups=_groups("Images Read"),
        resource_hint="accounts",
    ),
    Template(
        key="create_additional_tokens",
        name="Create Additional Tokens",
        description=(
            "Create, change and delete your API tokens. It can mint tokens covering everything "
            "you can reach: keep it free of other permissions and limit it by IP or TTL."
        ),
        groups=_groups("API Tokens Write"),
        resource_hint="user",
    ),
    Template(
        key="read_all_resources",
        name="Read all resources",
        description="Read every account, zone and user resource you can reach.",
        groups=tuple(g for g in PERMISSION_GROUPS if g.access is Access.READ),
        resource_hint="all",
    ),
)

TEMPLATES_BY_KEY: Mapping[str, Template] = MappingProxyType({t.key: t for t in TEMPLATES})
