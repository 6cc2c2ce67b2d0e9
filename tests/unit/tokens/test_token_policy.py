"""The policy engine: deny before allow, resource keys, owner boundaries, input, no escalation."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flarelite.core.errors import Forbidden, Invalid
from flarelite.tokens.catalog import (
    GROUPS_BY_ID,
    PERMISSION_GROUPS,
    Access,
    Area,
    Scope,
    find_group,
)
from flarelite.tokens.errors import (
    EscalationRefused,
    InvalidPolicy,
    PolicyIdOnCreate,
    UnknownPermissionGroup,
)
from flarelite.tokens.grants import Grantable, check_grantable
from flarelite.tokens.policy import (
    Owner,
    Policy,
    Resource,
    decide,
    parse_resource_key,
    reaches_account,
)
from flarelite.tokens.policy_input import parse_policies, policies_from_stored, policy_as_api

A1, A2 = "a1" * 16, "a2" * 16
Z1, Z2 = "c1" * 16, "c2" * 16  # Z1 belongs to A1, Z2 to A2
U1, U2 = "e1" * 16, "e2" * 16
ZONE_ACCOUNTS = {Z1: A1, Z2: A2}

ACCOUNT = "com.cloudflare.api.account."
ZONE = "com.cloudflare.api.account.zone."
USER = "com.cloudflare.api.user."

DNS_READ = find_group(Area.DNS, Access.READ).id
DNS_WRITE = find_group(Area.DNS, Access.WRITE).id
ZONE_READ = find_group(Area.ZONE, Access.READ).id
IMAGES_READ = find_group(Area.IMAGES, Access.READ).id
IMAGES_WRITE = find_group(Area.IMAGES, Access.WRITE).id
TOKENS_WRITE = find_group(Area.API_TOKENS, Access.WRITE).id
USER_DETAILS_READ = find_group(Area.USER_DETAILS, Access.READ).id

USER_OWNER = Owner(user_id=U1, account_id=None)
ACCOUNT_OWNER = Owner(user_id=None, account_id=A1)

ZONE_1 = Resource(Scope.ZONE, Z1, account_id=A1)
ZONE_2 = Resource(Scope.ZONE, Z2, account_id=A2)
ACCOUNT_1 = Resource(Scope.ACCOUNT, A1)
ACCOUNT_2 = Resource(Scope.ACCOUNT, A2)
USER_1 = Resource(Scope.USER, U1)
USER_2 = Resource(Scope.USER, U2)


def allow(resources: Mapping[str, Any], *groups: str, pid: str = "p-allow") -> Policy:
    return Policy(pid, "allow", resources, groups)


def deny(resources: Mapping[str, Any], *groups: str, pid: str = "p-deny") -> Policy:
    return Policy(pid, "deny", resources, groups)


def counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{next(numbers):032x}"


# ------------------------------------------------------------------------------- decide


def test_allow_policy_on_the_zone_grants_dns_write_and_says_why() -> None:
    decision = decide(
        [allow({ZONE + Z1: "*"}, DNS_WRITE, pid="f26")], Area.DNS, Access.WRITE, ZONE_1, USER_OWNER
    )
    assert decision.allowed
    assert decision.policy_id == "f26"
    assert decision.reasons == (
        f"policy f26: allow DNS Write on {ZONE}{Z1} matches zone {Z1} (account {A1})",
    )


def test_write_group_also_grants_read() -> None:
    policies = [allow({ZONE + Z1: "*"}, DNS_WRITE)]
    assert decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed


def test_read_group_does_not_grant_write() -> None:
    decision = decide(
        [allow({ZONE + Z1: "*"}, DNS_READ)], Area.DNS, Access.WRITE, ZONE_1, USER_OWNER
    )
    assert not decision.allowed
    assert decision.reasons[-1] == f"no allow policy grants DNS Write on zone {Z1} (account {A1})"


def test_group_of_another_area_grants_nothing() -> None:
    policies = [allow({ZONE + Z1: "*"}, ZONE_READ)]
    assert not decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed


def test_no_policies_means_no_access() -> None:
    decision = decide([], Area.IMAGES, Access.READ, ACCOUNT_1, USER_OWNER)
    assert not decision.allowed
    assert decision.policy_id is None
    assert decision.reasons == (f"no allow policy grants Images Read on account {A1}",)


@pytest.mark.parametrize("deny_first", [True, False])
def test_deny_policy_beats_overlapping_allow(deny_first: bool) -> None:
    policies = [allow({ZONE + "*": "*"}, DNS_WRITE), deny({ZONE + Z1: "*"}, DNS_WRITE)]
    if deny_first:
        policies.reverse()
    decision = decide(policies, Area.DNS, Access.WRITE, ZONE_1, USER_OWNER)
    assert not decision.allowed
    assert decision.policy_id == "p-deny"
    assert decision.reasons[-1] == (
        f"policy p-deny: deny DNS Write on {ZONE}{Z1} matches zone {Z1} (account {A1})"
    )
    # The deny names one zone: the allow still covers the others.
    assert decide(policies, Area.DNS, Access.WRITE, ZONE_2, USER_OWNER).allowed


def test_deny_of_write_also_denies_read_but_deny_of_read_leaves_write() -> None:
    # A Write group contains the Read permissions (§5), so denying it denies reading too.
    deny_write = [allow({ZONE + Z1: "*"}, DNS_WRITE), deny({ZONE + Z1: "*"}, DNS_WRITE)]
    assert not decide(deny_write, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed
    deny_read = [allow({ZONE + Z1: "*"}, DNS_WRITE), deny({ZONE + Z1: "*"}, DNS_READ)]
    assert not decide(deny_read, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed
    assert decide(deny_read, Area.DNS, Access.WRITE, ZONE_1, USER_OWNER).allowed


def test_deny_alone_grants_nothing() -> None:
    policies = [deny({ZONE + Z2: "*"}, DNS_WRITE)]
    assert not decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed


def test_reasons_explain_every_policy_considered() -> None:
    policies = [
        deny({ZONE + Z2: "*"}, DNS_WRITE, pid="d1"),
        allow({ZONE + Z1: "*"}, ZONE_READ, pid="a1"),
        allow({ACCOUNT + A1: "*"}, IMAGES_WRITE, pid="a2"),
        allow({ZONE + Z2: "*"}, DNS_READ, pid="a3"),
    ]
    decision = decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER)
    assert decision.reasons == (
        f"policy d1 (deny): DNS Write granted, but its resources ({ZONE}{Z2}) do not cover "
        f"zone {Z1} (account {A1})",
        "policy a1 (allow): its groups (Zone Read) do not grant DNS Read",
        "policy a2 (allow): its groups (Images Write) do not grant DNS Read",
        f"policy a3 (allow): DNS Read granted, but its resources ({ZONE}{Z2}) do not cover "
        f"zone {Z1} (account {A1})",
        f"no allow policy grants DNS Read on zone {Z1} (account {A1})",
    )


ZONE_KEY_CASES = [
    pytest.param({ZONE + Z1: "*"}, True, id="the-zone"),
    pytest.param({ZONE + "*": "*"}, True, id="all-zones"),
    pytest.param({ZONE + Z2: "*"}, False, id="another-zone"),
    pytest.param({ACCOUNT + A1: {ZONE + "*": "*"}}, True, id="nested-all-zones-of-account"),
    pytest.param({ACCOUNT + A1: {ZONE + Z1: "*"}}, True, id="nested-the-zone"),
    pytest.param({ACCOUNT + A1: {ZONE + Z2: "*"}}, False, id="nested-zone-not-of-this-account"),
    pytest.param({ACCOUNT + A2: {ZONE + "*": "*"}}, False, id="nested-other-account"),
    pytest.param({ACCOUNT + "*": {ZONE + "*": "*"}}, True, id="nested-all-accounts-all-zones"),
    pytest.param({ACCOUNT + "*": {ZONE + Z1: "*"}}, True, id="nested-any-account-the-zone"),
    # A flat account key does not reach the account's zones: the nested form does (§4).
    pytest.param({ACCOUNT + A1: "*"}, False, id="flat-account-key"),
    pytest.param({ACCOUNT + "*": "*"}, False, id="flat-all-accounts"),
    pytest.param({USER + U1: "*"}, False, id="user-key"),
    # Only "*" means anything; any other value matches nothing.
    pytest.param({ZONE + Z1: "read"}, False, id="value-not-star"),
    pytest.param({ACCOUNT + A1: {ZONE + Z1: "yes"}}, False, id="nested-value-not-star"),
    pytest.param({ZONE + Z1.upper(): "*"}, False, id="uppercase-id-is-not-a-key"),
    pytest.param({"com.cloudflare.edge.r2.bucket.x": "*"}, False, id="unknown-key"),
]


@pytest.mark.parametrize(("resources", "allowed"), ZONE_KEY_CASES)
def test_zone_resource_keys(resources: Mapping[str, Any], allowed: bool) -> None:
    decision = decide([allow(resources, DNS_WRITE)], Area.DNS, Access.WRITE, ZONE_1, USER_OWNER)
    assert decision.allowed is allowed


@pytest.mark.parametrize(
    ("resources", "allowed"),
    [
        pytest.param({ACCOUNT + A1: "*"}, True, id="the-account"),
        pytest.param({ACCOUNT + "*": "*"}, True, id="all-accounts"),
        pytest.param({ACCOUNT + A2: "*"}, False, id="another-account"),
        pytest.param({ACCOUNT + A1: {ZONE + "*": "*"}}, False, id="nested-means-zones-only"),
        pytest.param({ZONE + "*": "*"}, False, id="all-zones"),
        pytest.param({ACCOUNT + A1: "x"}, False, id="value-not-star"),
    ],
)
def test_account_resource_keys(resources: Mapping[str, Any], allowed: bool) -> None:
    policies = [allow(resources, IMAGES_WRITE)]
    assert decide(policies, Area.IMAGES, Access.WRITE, ACCOUNT_1, USER_OWNER).allowed is allowed


def test_group_applies_only_to_resources_of_its_scope() -> None:
    # DNS Write is a zone group: an account key gives it nothing on the account (§4).
    decision = decide(
        [allow({ACCOUNT + A1: "*"}, DNS_WRITE)], Area.IMAGES, Access.WRITE, ACCOUNT_1, USER_OWNER
    )
    assert not decision.allowed


def test_user_resource_is_reached_through_the_owners_own_user_key() -> None:
    policies = [allow({USER + U1: "*"}, TOKENS_WRITE)]
    assert decide(policies, Area.API_TOKENS, Access.WRITE, USER_1, USER_OWNER).allowed


def test_user_resource_of_another_user_is_denied_even_when_named() -> None:
    policies = [allow({USER + U2: "*"}, TOKENS_WRITE)]
    decision = decide(policies, Area.API_TOKENS, Access.WRITE, USER_2, USER_OWNER)
    assert not decision.allowed
    assert decision.reasons[0] == f"user {U2} is not the token owner (user {U1})"


def test_user_key_of_another_user_does_not_cover_the_owner() -> None:
    policies = [allow({USER + U2: "*"}, TOKENS_WRITE)]
    assert not decide(policies, Area.API_TOKENS, Access.WRITE, USER_1, USER_OWNER).allowed


def test_account_owned_token_reaches_its_own_account_and_zones() -> None:
    policies = [
        allow({ACCOUNT + A1: "*"}, IMAGES_WRITE, pid="img"),
        allow({ACCOUNT + A1: {ZONE + "*": "*"}}, DNS_WRITE, pid="dns"),
    ]
    assert decide(policies, Area.IMAGES, Access.WRITE, ACCOUNT_1, ACCOUNT_OWNER).allowed
    assert decide(policies, Area.DNS, Access.WRITE, ZONE_1, ACCOUNT_OWNER).allowed


@pytest.mark.parametrize(
    ("area", "resource", "reason"),
    [
        (Area.IMAGES, ACCOUNT_2, f"account-owned token of account {A1} cannot reach account {A2}"),
        (Area.DNS, ZONE_2, f"account-owned token of account {A1} cannot reach account {A2}"),
        (Area.API_TOKENS, USER_1, f"account-owned token cannot act on user {U1}"),
    ],
)
def test_account_owned_token_never_leaves_its_account(
    area: Area, resource: Resource, reason: str
) -> None:
    policies = [
        allow({ACCOUNT + "*": "*"}, *(g.id for g in PERMISSION_GROUPS)),
        allow({ZONE + "*": "*", USER + U1: "*"}, *(g.id for g in PERMISSION_GROUPS)),
    ]
    decision = decide(policies, area, Access.READ, resource, ACCOUNT_OWNER)
    assert not decision.allowed
    assert decision.reasons[0] == reason


def test_zone_without_a_known_account_is_denied() -> None:
    orphan = Resource(Scope.ZONE, Z1)
    decision = decide(
        [allow({ZONE + "*": "*"}, DNS_READ)], Area.DNS, Access.READ, orphan, USER_OWNER
    )
    assert not decision.allowed


# ------------------------------------------------------------- decide with memberships


def test_wildcard_does_not_reach_an_account_the_owner_is_not_a_member_of() -> None:
    policies = [allow({ACCOUNT + "*": "*"}, IMAGES_READ)]
    reachable = {A1: Access.WRITE}
    assert decide(policies, Area.IMAGES, Access.READ, ACCOUNT_1, USER_OWNER, reachable).allowed
    decision = decide(policies, Area.IMAGES, Access.READ, ACCOUNT_2, USER_OWNER, reachable)
    assert not decision.allowed
    assert decision.reasons[0] == f"owner is not a member of account {A2}"


def test_zone_wildcard_does_not_reach_zones_of_foreign_accounts() -> None:
    policies = [allow({ZONE + "*": "*"}, DNS_READ)]
    reachable = {A1: Access.READ}
    assert decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER, reachable).allowed
    assert not decide(policies, Area.DNS, Access.READ, ZONE_2, USER_OWNER, reachable).allowed


def test_write_is_denied_where_the_owner_only_reads() -> None:
    policies = [allow({ACCOUNT + A1: "*"}, IMAGES_WRITE)]
    reachable = {A1: Access.READ}
    assert decide(policies, Area.IMAGES, Access.READ, ACCOUNT_1, USER_OWNER, reachable).allowed
    decision = decide(policies, Area.IMAGES, Access.WRITE, ACCOUNT_1, USER_OWNER, reachable)
    assert not decision.allowed
    assert decision.reasons[0] == (
        f"owner has read-only access to account {A1}; Images Write needs write"
    )


def test_reachable_none_means_no_membership_restriction() -> None:
    policies = [allow({ACCOUNT + "*": "*"}, IMAGES_WRITE)]
    assert decide(policies, Area.IMAGES, Access.WRITE, ACCOUNT_2, USER_OWNER, None).allowed


def test_memberships_do_not_limit_the_owners_user_resource() -> None:
    policies = [allow({USER + U1: "*"}, USER_DETAILS_READ)]
    assert decide(policies, Area.USER_DETAILS, Access.READ, USER_1, USER_OWNER, {}).allowed


# ----------------------------------------------------------------------- value objects


def test_owner_must_be_exactly_one_user_or_account() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Owner(user_id=U1, account_id=A1)
    with pytest.raises(ValueError, match="exactly one"):
        Owner(user_id=None, account_id=None)


def test_account_resource_is_its_own_account() -> None:
    assert Resource(Scope.ACCOUNT, A1).account_id == A1
    with pytest.raises(ValueError, match="account_id"):
        Resource(Scope.ACCOUNT, A1, account_id=A2)


def test_policy_is_immutable_and_checks_its_effect() -> None:
    policy = allow({ACCOUNT + A1: {ZONE + "*": "*"}}, DNS_READ)
    with pytest.raises(TypeError):
        policy.resources[ZONE + "*"] = "*"  # type: ignore[index]
    with pytest.raises(TypeError):
        policy.resources[ACCOUNT + A1][ZONE + Z2] = "*"  # type: ignore[index]
    with pytest.raises(ValueError, match="effect"):
        Policy("p", "permit", {}, ())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        (ZONE + Z1, (Scope.ZONE, Z1)),
        (ZONE + "*", (Scope.ZONE, "*")),
        (ACCOUNT + A1, (Scope.ACCOUNT, A1)),
        (ACCOUNT + "*", (Scope.ACCOUNT, "*")),
        (USER + U1, (Scope.USER, U1)),
        (USER + "*", None),
        (ACCOUNT + "zone", None),
        (ACCOUNT + A1[:-1], None),
        (ZONE + Z1.upper(), None),
        ("com.cloudflare.api.account", None),
        ("com.cloudflare.edge.r2.bucket.abc", None),
        ("", None),
    ],
)
def test_parse_resource_key(key: str, parsed: tuple[Scope, str] | None) -> None:
    result = parse_resource_key(key)
    assert (None if result is None else (result.scope, result.id)) == parsed


def test_reaches_account_through_any_key_naming_it() -> None:
    assert reaches_account([allow({ACCOUNT + A1: "*"}, IMAGES_READ)], A1)
    assert reaches_account([allow({ACCOUNT + A1: {ZONE + "*": "*"}}, DNS_READ)], A1)
    assert reaches_account([allow({ACCOUNT + "*": "*"}, IMAGES_READ)], A2)
    assert reaches_account([allow({ZONE + "*": "*"}, DNS_READ)], A2)
    assert reaches_account([allow({ZONE + Z1: "*"}, DNS_READ)], A1, ZONE_ACCOUNTS)
    assert not reaches_account([allow({ZONE + Z1: "*"}, DNS_READ)], A2, ZONE_ACCOUNTS)
    assert not reaches_account([allow({ACCOUNT + A1: "*"}, IMAGES_READ)], A2)
    assert not reaches_account([allow({USER + U1: "*"}, TOKENS_WRITE)], A1)
    assert not reaches_account([deny({ACCOUNT + A1: "*"}, IMAGES_READ)], A1)


# ------------------------------------------------------------------------ parse_policies


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "effect": "allow",
        "resources": {ZONE + Z1: "*"},
        "permission_groups": [{"id": DNS_WRITE, "name": "DNS Write"}],
    }
    body.update(overrides)
    return body


def test_parse_policies_makes_fresh_ids_and_keeps_the_rest() -> None:
    raw = [
        _body(),
        _body(
            effect="deny",
            resources={ACCOUNT + A1: {ZONE + "*": "*"}, ACCOUNT + A2: "*"},
            permission_groups=[
                {"id": IMAGES_READ, "meta": {"key": "k", "value": "v"}},
                {"id": IMAGES_READ, "name": "ignored"},
                {"id": DNS_READ, "meta": "anything"},
            ],
        ),
    ]
    policies = parse_policies(raw, on_create=True, new_id=counter())
    assert policies == [
        Policy(f"{1:032x}", "allow", {ZONE + Z1: "*"}, (DNS_WRITE,)),
        Policy(
            f"{2:032x}",
            "deny",
            {ACCOUNT + A1: {ZONE + "*": "*"}, ACCOUNT + A2: "*"},
            (IMAGES_READ, DNS_READ),
        ),
    ]


def test_policy_id_on_create_is_refused_with_cloudflares_message() -> None:
    with pytest.raises(PolicyIdOnCreate) as caught:
        parse_policies(
            [_body(id="f267e341f3dd4697bd3b9f71dd96247f")], on_create=True, new_id=counter()
        )
    error = caught.value
    assert isinstance(error, Invalid)
    assert (error.status, error.code) == (400, 1001)
    assert error.message == "Reusing existing policies is not supported by token creation"


@pytest.mark.parametrize("empty_id", [None, ""])
def test_empty_policy_id_on_create_is_not_reuse(empty_id: str | None) -> None:
    (policy,) = parse_policies([_body(id=empty_id)], on_create=True, new_id=counter())
    assert policy.id == f"{1:032x}"


def test_policy_ids_sent_on_update_are_replaced() -> None:
    (policy,) = parse_policies(
        [_body(id="f267e341f3dd4697bd3b9f71dd96247f")], on_create=False, new_id=counter()
    )
    assert policy.id == f"{1:032x}"


INVALID_POLICIES = [
    pytest.param(None, "policies: required: a list of policies", id="missing"),
    pytest.param({"effect": "allow"}, "policies: expected a list of policies", id="object"),
    pytest.param("allow", "policies: expected a list of policies", id="string"),
    pytest.param([], "policies: at least one policy is required", id="empty"),
    pytest.param(["x"], "policies[0]: expected an object", id="item-not-object"),
    pytest.param(
        [_body(effect="permit")], "policies[0].effect: must be 'allow' or 'deny'", id="effect"
    ),
    pytest.param(
        [_body(effect=None)], "policies[0].effect: must be 'allow' or 'deny'", id="no-effect"
    ),
    pytest.param(
        [_body(), _body(permission_groups=[])],
        "policies[1].permission_groups: at least one permission group is required",
        id="no-groups",
    ),
    pytest.param(
        [_body(permission_groups=DNS_WRITE)],
        "policies[0].permission_groups: at least one permission group is required",
        id="groups-not-list",
    ),
    pytest.param(
        [_body(permission_groups=[DNS_WRITE])],
        "policies[0].permission_groups[0]: expected an object with an 'id'",
        id="group-not-object",
    ),
    pytest.param(
        [_body(permission_groups=[{"name": "DNS Write"}])],
        "policies[0].permission_groups[0].id: required",
        id="group-without-id",
    ),
    pytest.param([_body(resources={})], "policies[0].resources: expected a non-empty", id="no-res"),
    pytest.param(
        [_body(resources=[ZONE + Z1])], "policies[0].resources: expected a non-empty", id="res-list"
    ),
    pytest.param(
        [_body(resources={ZONE + "xyz": "*"})],
        f"policies[0].resources: unrecognised resource key '{ZONE}xyz'",
        id="bad-zone-id",
    ),
    pytest.param(
        [_body(resources={ZONE + Z1.upper(): "*"})],
        "policies[0].resources: unrecognised resource key",
        id="uppercase-id",
    ),
    pytest.param(
        [_body(resources={USER + "*": "*"})],
        "policies[0].resources: unrecognised resource key",
        id="all-users",
    ),
    pytest.param(
        [_body(resources={"zone." + Z1: "*"})],
        "policies[0].resources: unrecognised resource key",
        id="short-key",
    ),
    pytest.param(
        [_body(resources={ZONE + Z1: "read"})],
        f"policies[0].resources.{ZONE}{Z1}: value must be '*' or an object of zone keys, "
        "not 'read'",
        id="value-not-star",
    ),
    pytest.param(
        [_body(resources={ZONE + Z1: None})],
        f"policies[0].resources.{ZONE}{Z1}: value must be '*'",
        id="value-null",
    ),
    pytest.param(
        [_body(resources={ZONE + "*": {ZONE + Z1: "*"}})],
        f"policies[0].resources.{ZONE}*: only an account key may hold nested zone keys",
        id="nested-under-zone",
    ),
    pytest.param(
        [_body(resources={USER + U1: {ZONE + "*": "*"}})],
        f"policies[0].resources.{USER}{U1}: only an account key may hold nested zone keys",
        id="nested-under-user",
    ),
    pytest.param(
        [_body(resources={ACCOUNT + A1: {ACCOUNT + A2: "*"}})],
        f"policies[0].resources.{ACCOUNT}{A1}: '{ACCOUNT}{A2}' is not a zone key",
        id="nested-account-key",
    ),
    pytest.param(
        [_body(resources={ACCOUNT + A1: {ZONE + "*": "yes"}})],
        f"policies[0].resources.{ACCOUNT}{A1}.{ZONE}*: value must be '*', not 'yes'",
        id="nested-value-not-star",
    ),
    pytest.param(
        [_body(resources={ACCOUNT + A1: {}})],
        f"policies[0].resources.{ACCOUNT}{A1}: expected at least one zone key",
        id="nested-empty",
    ),
]


@pytest.mark.parametrize(("raw", "detail"), INVALID_POLICIES)
def test_invalid_policies_name_the_field(raw: object, detail: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policies(raw, on_create=False, new_id=counter())
    error = caught.value
    assert error.message.startswith(detail), error.message
    assert (error.status, error.code) == (400, 1001)


def test_unknown_permission_group_is_named() -> None:
    groups = [{"id": DNS_READ}, {"id": "0" * 32}]
    with pytest.raises(UnknownPermissionGroup) as caught:
        parse_policies([_body(permission_groups=groups)], on_create=True, new_id=counter())
    assert caught.value.message == (
        f"policies[0].permission_groups[1].id: unknown permission group '{'0' * 32}'"
    )
    assert caught.value.status == 400


def test_group_whose_scope_fits_no_key_is_accepted_but_matches_nothing() -> None:
    raw = [_body(resources={ACCOUNT + A1: "*"}, permission_groups=[{"id": TOKENS_WRITE}])]
    policies = parse_policies(raw, on_create=True, new_id=counter())
    assert not decide(policies, Area.API_TOKENS, Access.WRITE, USER_1, USER_OWNER).allowed


def test_policy_as_api_has_the_wire_shape() -> None:
    policy = Policy("p1", "allow", {ACCOUNT + A1: {ZONE + "*": "*"}}, (DNS_READ, ZONE_READ))
    assert policy_as_api(policy) == {
        "id": "p1",
        "effect": "allow",
        "resources": {ACCOUNT + A1: {ZONE + "*": "*"}},
        "permission_groups": [
            {"id": DNS_READ, "name": "DNS Read"},
            {"id": ZONE_READ, "name": "Zone Read"},
        ],
    }
    assert type(policy_as_api(policy)["resources"][ACCOUNT + A1]) is dict


def test_stored_policies_round_trip_with_their_ids() -> None:
    raw = [_body(), _body(effect="deny", resources={ACCOUNT + "*": {ZONE + Z2: "*"}})]
    policies = parse_policies(raw, on_create=True, new_id=counter())
    stored = [policy_as_api(p) for p in policies]
    assert policies_from_stored(stored) == policies


def test_stored_policy_with_a_retired_group_keeps_working_for_the_rest() -> None:
    stored = [
        {
            "id": "p1",
            "effect": "allow",
            "resources": {ZONE + Z1: "*"},
            "permission_groups": [{"id": "f" * 32, "name": "Gone"}, {"id": DNS_READ}],
        }
    ]
    policies = policies_from_stored(stored)
    assert policy_as_api(policies[0])["permission_groups"][0] == {"id": "f" * 32}
    assert decide(policies, Area.DNS, Access.READ, ZONE_1, USER_OWNER).allowed


def test_policies_from_stored_refuses_broken_rows() -> None:
    assert policies_from_stored(None) == []
    with pytest.raises(ValueError, match="list"):
        policies_from_stored({"id": "p"})
    with pytest.raises(ValueError, match="resources"):
        policies_from_stored([{"id": "p", "effect": "allow"}])


# ----------------------------------------------------------------------- no escalation

ADMIN_OF_A1 = Grantable(user_id=U1, accounts={A1: Access.WRITE}, zone_accounts=ZONE_ACCOUNTS)
READER_OF_A1 = Grantable(user_id=U1, accounts={A1: Access.READ}, zone_accounts=ZONE_ACCOUNTS)
ACCOUNT_A1 = Grantable(user_id=None, accounts={A1: Access.WRITE}, zone_accounts=ZONE_ACCOUNTS)

GRANTABLE_CASES = [
    pytest.param(ADMIN_OF_A1, {ACCOUNT + A1: "*"}, IMAGES_WRITE, id="admin-writes-images"),
    pytest.param(READER_OF_A1, {ACCOUNT + A1: "*"}, IMAGES_READ, id="reader-reads-images"),
    pytest.param(ADMIN_OF_A1, {ZONE + Z1: "*"}, DNS_WRITE, id="admin-zone-dns-write"),
    pytest.param(READER_OF_A1, {ZONE + Z1: "*"}, DNS_READ, id="reader-zone-dns-read"),
    pytest.param(ADMIN_OF_A1, {ACCOUNT + A1: {ZONE + "*": "*"}}, DNS_WRITE, id="admin-nested"),
    pytest.param(ADMIN_OF_A1, {ACCOUNT + A1: {ZONE + Z2: "*"}}, DNS_WRITE, id="nested-inert-zone"),
    pytest.param(ADMIN_OF_A1, {ACCOUNT + "*": "*"}, IMAGES_WRITE, id="wildcard-with-a-write"),
    pytest.param(READER_OF_A1, {ZONE + "*": "*"}, DNS_READ, id="reader-wildcard-read"),
    pytest.param(ADMIN_OF_A1, {USER + U1: "*"}, TOKENS_WRITE, id="own-user"),
    pytest.param(READER_OF_A1, {USER + U1: "*"}, TOKENS_WRITE, id="own-user-any-role"),
    pytest.param(ACCOUNT_A1, {ACCOUNT + A1: "*"}, IMAGES_WRITE, id="account-token-own-account"),
    pytest.param(ACCOUNT_A1, {ZONE + Z1: "*"}, DNS_WRITE, id="account-token-own-zone"),
    # User groups on account keys grant nothing, so there is nothing to refuse.
    pytest.param(
        Grantable(user_id=U1, accounts={}), {ACCOUNT + "*": "*"}, TOKENS_WRITE, id="inert-wildcard"
    ),
]


@pytest.mark.parametrize(("grantable", "resources", "group"), GRANTABLE_CASES)
def test_owner_may_grant_what_they_hold(
    grantable: Grantable, resources: Mapping[str, Any], group: str
) -> None:
    check_grantable([allow(resources, group)], grantable)


REFUSED_CASES = [
    pytest.param(
        READER_OF_A1,
        {ACCOUNT + A1: "*"},
        IMAGES_WRITE,
        f"policies[0]: cannot grant Images Write on account {A1}: "
        f"the owner has read-only access to account {A1}",
        id="read-only-member-writes",
    ),
    pytest.param(
        ADMIN_OF_A1,
        {ACCOUNT + A2: "*"},
        IMAGES_READ,
        f"policies[0]: cannot grant Images Read on account {A2}: "
        f"the owner is not a member of account {A2}",
        id="foreign-account",
    ),
    pytest.param(
        ADMIN_OF_A1,
        {ZONE + Z2: "*"},
        DNS_READ,
        f"policies[0]: cannot grant DNS Read on zone {Z2}: "
        f"the owner is not a member of account {A2}",
        id="zone-of-foreign-account",
    ),
    pytest.param(
        READER_OF_A1,
        {ZONE + Z1: "*"},
        DNS_WRITE,
        f"policies[0]: cannot grant DNS Write on zone {Z1}: "
        f"the owner has read-only access to account {A1}",
        id="read-only-zone-write",
    ),
    pytest.param(
        ADMIN_OF_A1,
        {ZONE + "0" * 32: "*"},
        DNS_READ,
        f"policies[0]: cannot grant DNS Read on zone {'0' * 32}: "
        "the owner holds no zone with that id",
        id="unknown-zone",
    ),
    pytest.param(
        READER_OF_A1,
        {ACCOUNT + A1: {ZONE + "*": "*"}},
        DNS_WRITE,
        f"policies[0]: cannot grant DNS Write on account {A1}: "
        f"the owner has read-only access to account {A1}",
        id="read-only-nested-write",
    ),
    pytest.param(
        ADMIN_OF_A1,
        {ACCOUNT + A2: {ZONE + "*": "*"}},
        DNS_READ,
        f"policies[0]: cannot grant DNS Read on account {A2}: "
        f"the owner is not a member of account {A2}",
        id="nested-foreign-account",
    ),
    pytest.param(
        READER_OF_A1,
        {ACCOUNT + "*": "*"},
        IMAGES_WRITE,
        f"policies[0]: cannot grant Images Write on {ACCOUNT}*: "
        "the owner has write access to no account",
        id="wildcard-write-without-any-write",
    ),
    pytest.param(
        Grantable(user_id=U1, accounts={}),
        {ZONE + "*": "*"},
        DNS_READ,
        f"policies[0]: cannot grant DNS Read on {ZONE}*: the owner is not a member of any account",
        id="wildcard-without-memberships",
    ),
    pytest.param(
        ADMIN_OF_A1,
        {USER + U2: "*"},
        TOKENS_WRITE,
        f"policies[0]: cannot grant access on user {U2}: "
        "a token may only name its owner's own user",
        id="other-user",
    ),
    pytest.param(
        ACCOUNT_A1,
        {USER + U1: "*"},
        TOKENS_WRITE,
        f"policies[0]: cannot grant access on user {U1}: "
        "an account-owned token cannot hold user resources",
        id="account-token-user-key",
    ),
    pytest.param(
        ACCOUNT_A1,
        {ACCOUNT + A2: "*"},
        IMAGES_READ,
        f"policies[0]: cannot grant Images Read on account {A2}: "
        f"the owner is not a member of account {A2}",
        id="account-token-other-account",
    ),
]


@pytest.mark.parametrize(("grantable", "resources", "group", "detail"), REFUSED_CASES)
def test_owner_may_not_grant_beyond_their_access(
    grantable: Grantable, resources: Mapping[str, Any], group: str, detail: str
) -> None:
    with pytest.raises(EscalationRefused) as caught:
        check_grantable([allow(resources, group)], grantable)
    assert caught.value.message == detail
    assert isinstance(caught.value, Forbidden)
    assert caught.value.status == 403


def test_deny_policies_are_not_checked_for_escalation() -> None:
    check_grantable([deny({ACCOUNT + A2: "*"}, IMAGES_WRITE)], READER_OF_A1)


def test_escalation_names_the_offending_policy() -> None:
    policies = [allow({ACCOUNT + A1: "*"}, IMAGES_READ), allow({ACCOUNT + A1: "*"}, IMAGES_WRITE)]
    with pytest.raises(EscalationRefused) as caught:
        check_grantable(policies, READER_OF_A1)
    assert caught.value.message.startswith("policies[1]: cannot grant Images Write")


# ------------------------------------------------------------------------ properties

_ACCOUNT_KEYS = [ACCOUNT + A1, ACCOUNT + A2, ACCOUNT + "*"]
_ZONE_KEYS = [ZONE + Z1, ZONE + Z2, ZONE + "*"]
_USER_KEYS = [USER + U1, USER + U2]
_GROUP_IDS = [g.id for g in PERMISSION_GROUPS] + ["0" * 32]

_values = st.one_of(
    st.just("*"),
    st.just("read"),
    st.dictionaries(st.sampled_from(_ZONE_KEYS), st.sampled_from(["*", "x"]), min_size=1),
)
_resources = st.dictionaries(
    st.sampled_from(_ACCOUNT_KEYS + _ZONE_KEYS + _USER_KEYS), _values, min_size=1, max_size=4
)


def _policies(effect: st.SearchStrategy[str]) -> st.SearchStrategy[Policy]:
    return st.builds(
        Policy,
        id=st.text("0123456789abcdef", min_size=1, max_size=4),
        effect=effect,
        resources=_resources,
        permission_group_ids=st.lists(st.sampled_from(_GROUP_IDS), min_size=1, max_size=4).map(
            tuple
        ),
    )


_any_policy = _policies(st.sampled_from(["allow", "deny"]))
_deny_policy = _policies(st.just("deny"))
_resource = st.sampled_from([ZONE_1, ZONE_2, ACCOUNT_1, ACCOUNT_2, USER_1, USER_2])
_owner = st.sampled_from([USER_OWNER, ACCOUNT_OWNER])
_reachable = st.one_of(
    st.none(), st.dictionaries(st.sampled_from([A1, A2]), st.sampled_from(list(Access)))
)
_request = st.tuples(st.sampled_from(list(Area)), st.sampled_from(list(Access)), _resource, _owner)


@given(st.lists(_any_policy, max_size=5), _deny_policy, st.integers(0, 5), _request, _reachable)
def test_adding_a_deny_policy_never_widens_access(
    policies: list[Policy],
    extra: Policy,
    where: int,
    request: tuple[Area, Access, Resource, Owner],
    reachable: dict[str, Access] | None,
) -> None:
    with_deny = [*policies[:where], extra, *policies[where:]]
    if decide(with_deny, *request, reachable).allowed:
        assert decide(policies, *request, reachable).allowed


@given(st.lists(_any_policy, max_size=5), _request, _reachable, st.randoms())
def test_decide_is_deterministic_and_order_free(
    policies: list[Policy],
    request: tuple[Area, Access, Resource, Owner],
    reachable: dict[str, Access] | None,
    random: Any,
) -> None:
    first = decide(policies, *request, reachable)
    assert decide(policies, *request, reachable) == first
    shuffled = list(policies)
    random.shuffle(shuffled)
    assert decide(shuffled, *request, reachable).allowed is first.allowed


@given(st.lists(_deny_policy, max_size=6), _request, _reachable)
def test_without_allow_policies_everything_is_denied(
    policies: list[Policy],
    request: tuple[Area, Access, Resource, Owner],
    reachable: dict[str, Access] | None,
) -> None:
    assert not decide(policies, *request, reachable).allowed


@given(st.lists(_any_policy, max_size=5), _request, _reachable)
def test_membership_limits_never_widen_access(
    policies: list[Policy],
    request: tuple[Area, Access, Resource, Owner],
    reachable: dict[str, Access] | None,
) -> None:
    if decide(policies, *request, reachable).allowed:
        assert decide(policies, *request, None).allowed


@given(st.lists(_any_policy, max_size=5), _request)
def test_an_allow_decision_names_an_allow_policy_that_grants_the_request(
    policies: list[Policy], request: tuple[Area, Access, Resource, Owner]
) -> None:
    area, access, _, _ = request
    decision = decide(policies, *request)
    if decision.allowed:
        deciding = [p for p in policies if p.id == decision.policy_id and p.effect == "allow"]
        assert any(
            GROUPS_BY_ID[g].grants(area, access)
            for p in deciding
            for g in p.permission_group_ids
            if g in GROUPS_BY_ID
        )
