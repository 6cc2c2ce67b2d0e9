"""The permission catalogue: real ids, one Read and one Write group per area, filters, templates."""

from __future__ import annotations

import re

import pytest

from flarelite.tokens.catalog import (
    GROUPS_BY_ID,
    PERMISSION_GROUPS,
    TEMPLATES,
    TEMPLATES_BY_KEY,
    Access,
    Area,
    Scope,
    find_group,
    list_groups,
)

# reference tokens.md §5: API name, scope, real id.
REAL_GROUPS = [
    ("API Tokens Read", Scope.USER, "0cc3a61731504c89b99ec1be78b77aa0"),
    ("API Tokens Write", Scope.USER, "686d18d5ac6c441c867cbf6771e58a0a"),
    ("Memberships Read", Scope.USER, "3518d0f75557482e952c6762d3e64903"),
    ("Memberships Write", Scope.USER, "9201bc6f42d440968aaab0c6f17ebb1d"),
    ("User Details Read", Scope.USER, "8acbe5bb0d54464ab867149d7f7cf8ac"),
    ("User Details Write", Scope.USER, "55a5e17cc99e4a3fa1f3432d262f2e55"),
    ("Account Settings Read", Scope.ACCOUNT, "c1fde68c7bcc44588cbb6ddbc16d6480"),
    ("Account Settings Write", Scope.ACCOUNT, "1af1fa2adc104452b74a9a3364202f20"),
    ("Account API Tokens Read", Scope.ACCOUNT, "eb56a6953c034b9d97dd838155666f06"),
    ("Account API Tokens Write", Scope.ACCOUNT, "5bc3f8b21c554832afc660159ab75fa4"),
    ("Images Read", Scope.ACCOUNT, "0cf6473ad41449e7b7b743d14fc20c60"),
    ("Images Write", Scope.ACCOUNT, "618ec6c64a3a42f8b08bdcb147ded4e4"),
    ("Zone Read", Scope.ZONE, "c8fed203ed3043cba015a93ad1616f1f"),
    ("Zone Write", Scope.ZONE, "e6d2666161e84845a636613608cee8d5"),
    ("DNS Read", Scope.ZONE, "82e64a83756745bbbb1c9c2701bf816b"),
    ("DNS Write", Scope.ZONE, "4755a26eedb94da69e1066d98aa820be"),
]

CATEGORIES = {
    "developer_platform",
    "ai_and_machine_learning",
    "dns_and_zones",
    "app_security",
    "rules_and_configuration",
    "cloudflare_one_and_zero_trust",
    "analytics_and_logs",
    "network_services",
    "media",
    "email_and_messaging",
    "cache_and_performance",
    "account_and_billing",
    "other",
}


def test_catalogue_holds_exactly_the_sixteen_groups() -> None:
    assert len(PERMISSION_GROUPS) == 16
    assert {(g.name, g.scope, g.id) for g in PERMISSION_GROUPS} == set(REAL_GROUPS)


@pytest.mark.parametrize(("name", "scope", "group_id"), REAL_GROUPS)
def test_group_has_cloudflares_real_id_and_scope(name: str, scope: Scope, group_id: str) -> None:
    group = GROUPS_BY_ID[group_id]
    assert group.name == name
    assert group.scope is scope


def test_group_ids_are_unique_32_hex_tags() -> None:
    ids = [g.id for g in PERMISSION_GROUPS]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_groups_are_alphabetised_by_api_name() -> None:
    names = [g.name.casefold() for g in PERMISSION_GROUPS]
    assert names == sorted(names)


@pytest.mark.parametrize("area", list(Area))
@pytest.mark.parametrize("access", list(Access))
def test_every_area_has_one_group_per_access_level(area: Area, access: Access) -> None:
    group = find_group(area, access)
    assert (group.area, group.access) == (area, access)
    assert group.name.endswith("Write" if access is Access.WRITE else "Read")
    assert [g for g in PERMISSION_GROUPS if (g.area, g.access) == (area, access)] == [group]


@pytest.mark.parametrize(
    ("area", "scope"),
    [
        (Area.API_TOKENS, Scope.USER),
        (Area.USER_DETAILS, Scope.USER),
        (Area.MEMBERSHIPS, Scope.USER),
        (Area.ACCOUNT_SETTINGS, Scope.ACCOUNT),
        (Area.ACCOUNT_API_TOKENS, Scope.ACCOUNT),
        (Area.IMAGES, Scope.ACCOUNT),
        (Area.ZONE, Scope.ZONE),
        (Area.DNS, Scope.ZONE),
    ],
)
def test_area_groups_live_in_the_documented_scope(area: Area, scope: Scope) -> None:
    assert find_group(area, Access.READ).scope is scope
    assert find_group(area, Access.WRITE).scope is scope


def test_write_group_grants_read_and_write_of_its_area() -> None:
    dns_write = find_group(Area.DNS, Access.WRITE)
    assert dns_write.grants(Area.DNS, Access.WRITE)
    assert dns_write.grants(Area.DNS, Access.READ)


def test_read_group_does_not_grant_write() -> None:
    dns_read = find_group(Area.DNS, Access.READ)
    assert dns_read.grants(Area.DNS, Access.READ)
    assert not dns_read.grants(Area.DNS, Access.WRITE)


def test_group_grants_nothing_outside_its_area() -> None:
    zone_write = find_group(Area.ZONE, Access.WRITE)
    assert not zone_write.grants(Area.DNS, Access.READ)
    assert not zone_write.grants(Area.IMAGES, Access.READ)


def test_images_groups_carry_the_dashboard_label_cloudflare_images() -> None:
    write = find_group(Area.IMAGES, Access.WRITE)
    assert write.name == "Images Write"
    assert write.label == "Cloudflare Images"
    assert write.dashboard_name == "Cloudflare Images Edit"
    assert find_group(Area.IMAGES, Access.READ).dashboard_name == "Cloudflare Images Read"


def test_every_group_uses_a_documented_category() -> None:
    assert {g.category for g in PERMISSION_GROUPS} <= CATEGORIES


def test_group_as_api_has_the_permission_groups_list_shape() -> None:
    assert find_group(Area.IMAGES, Access.WRITE).as_api() == {
        "id": "618ec6c64a3a42f8b08bdcb147ded4e4",
        "name": "Images Write",
        "description": "Grants write access to upload Images",
        "scopes": ["com.cloudflare.api.account"],
        "category": "media",
        "is_selectable": True,
    }


def test_groups_by_id_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        GROUPS_BY_ID["x"] = PERMISSION_GROUPS[0]  # type: ignore[index]


def test_list_groups_without_filters_returns_the_whole_catalogue() -> None:
    assert list_groups() == list(PERMISSION_GROUPS)
    assert list_groups(name="", scope="") == list(PERMISSION_GROUPS)


@pytest.mark.parametrize("name", ["DNS Write", "dns write", "DNS WRITE"])
def test_list_groups_filters_by_name_ignoring_case(name: str) -> None:
    assert [g.name for g in list_groups(name=name)] == ["DNS Write"]


def test_list_groups_name_filter_is_an_exact_match() -> None:
    assert list_groups(name="DNS") == []


def test_list_groups_filters_by_exact_scope() -> None:
    zone_groups = list_groups(scope="com.cloudflare.api.account.zone")
    assert {g.name for g in zone_groups} == {"DNS Read", "DNS Write", "Zone Read", "Zone Write"}
    assert len(list_groups(scope="com.cloudflare.api.account")) == 6
    assert len(list_groups(scope="com.cloudflare.api.user")) == 6
    assert list_groups(scope="com.cloudflare.api") == []


def test_list_groups_combines_name_and_scope() -> None:
    assert list_groups(name="Images Read", scope="com.cloudflare.api.account") == [
        find_group(Area.IMAGES, Access.READ)
    ]
    assert list_groups(name="Images Read", scope="com.cloudflare.api.user") == []


@pytest.mark.parametrize(
    ("name", "groups", "hint"),
    [
        ("Edit zone DNS", {"DNS Write"}, "zones"),
        ("Create Additional Tokens", {"API Tokens Write"}, "user"),
        ("Edit Cloudflare Images", {"Images Write"}, "accounts"),
    ],
)
def test_template_grants_the_documented_groups(name: str, groups: set[str], hint: str) -> None:
    (template,) = [t for t in TEMPLATES if t.name == name]
    assert {g.name for g in template.groups} == groups
    assert template.resource_hint == hint


def test_read_all_resources_template_holds_every_read_group_and_nothing_else() -> None:
    template = TEMPLATES_BY_KEY["read_all_resources"]
    assert template.name == "Read all resources"
    assert set(template.groups) == {g for g in PERMISSION_GROUPS if g.access is Access.READ}
    assert template.resource_hint == "all"


def test_templates_use_only_catalogue_groups_and_unique_keys() -> None:
    assert len(TEMPLATES_BY_KEY) == len(TEMPLATES)
    for template in TEMPLATES:
        assert template.groups
        assert all(GROUPS_BY_ID[g.id] is g for g in template.groups)
