"""The token wizard's form model: fields → rows → the API payload, and back for "Edit"."""

from __future__ import annotations

from flarelite.tokens.catalog import TEMPLATES_BY_KEY, Access, Area, find_group
from flarelite.web.forms import PermissionRow, ResourceRow, TokenForm

ACCOUNT = "a" * 32
ZONE = "b" * 32
USER = "c" * 32


def fields(**values: object):
    def get(name: str) -> str:
        value = values.get(name, "")
        return value if isinstance(value, str) else ""

    def get_list(name: str) -> list[str]:
        value = values.get(name, [])
        return [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]

    return get, get_list


def test_custom_token_defaults_cover_the_account_and_its_zones() -> None:
    form = TokenForm.blank(ACCOUNT)
    form.name = "images"
    form.permissions = [PermissionRow("account", "images", "edit")]
    payload = form.to_payload(user_id=USER)
    assert payload == {
        "name": "images",
        "policies": [
            {
                "effect": "allow",
                "resources": {f"com.cloudflare.api.account.{ACCOUNT}": "*"},
                "permission_groups": [{"id": find_group(Area.IMAGES, Access.WRITE).id}],
            }
        ],
    }


def test_zone_permissions_use_zone_rows_and_excludes_become_deny() -> None:
    get, get_list = fields(
        name="dns", perm_scope="zone", perm_group="dns", perm_access="read",
        res_effect=["include", "exclude"], res_kind=["account_zones", "zone"],
        res_zone=["", ZONE], res_account=[ACCOUNT, ""],
    )  # fmt: skip
    payload = TokenForm.from_fields(get, get_list).to_payload(user_id=USER)
    assert payload is not None
    allow, deny = payload["policies"]
    assert allow["resources"] == {
        f"com.cloudflare.api.account.{ACCOUNT}": {"com.cloudflare.api.account.zone.*": "*"}
    }
    assert deny == {
        "effect": "deny",
        "resources": {f"com.cloudflare.api.account.zone.{ZONE}": "*"},
        "permission_groups": [{"id": find_group(Area.DNS, Access.READ).id}],
    }


def test_user_permissions_name_the_owner_and_are_refused_for_account_tokens() -> None:
    form = TokenForm(name="t", permissions=[PermissionRow("user", "api_tokens", "edit")])
    payload = form.to_payload(user_id=USER)
    assert payload is not None
    assert payload["policies"][0]["resources"] == {f"com.cloudflare.api.user.{USER}": "*"}
    assert form.to_payload(user_id=None) is None
    assert "cannot hold User permissions" in form.errors["perm_0"]


def test_problems_are_kept_per_field() -> None:
    form = TokenForm(
        name="",
        permissions=[PermissionRow("zone", "images", "read"), PermissionRow("account", "", "read")],
        resources=[ResourceRow("include", "zone", zone="")],
        start="2030-02-01",
        end="2030-01-01",
    )
    form.ips = [*form.ips]
    assert form.to_payload(user_id=USER) is None
    assert set(form.errors) >= {"name", "perm_0", "perm_1", "res_0", "ttl"}


def test_ip_filter_and_ttl_become_condition_and_dates() -> None:
    get, get_list = fields(
        name="t", perm_scope="account", perm_group="images", perm_access="read",
        res_effect="include", res_kind="account", res_zone="", res_account=ACCOUNT,
        ip_operator=["in", "not_in"], ip_address=["192.0.2.7", "2001:db8::/32"],
        ttl_start="2030-01-01", ttl_end="2030-12-31",
    )  # fmt: skip
    payload = TokenForm.from_fields(get, get_list).to_payload(user_id=USER)
    assert payload is not None
    assert payload["condition"] == {
        "request_ip": {"in": ["192.0.2.7/32"], "not_in": ["2001:db8::/32"]}
    }
    assert payload["not_before"] == "2030-01-01T00:00:00Z"
    assert payload["expires_on"] == "2030-12-31T00:00:00Z"


def test_bad_ip_is_explained() -> None:
    form = TokenForm(name="t", permissions=[PermissionRow("account", "images", "read")],
                     resources=[ResourceRow("include", "all_accounts")])  # fmt: skip
    from flarelite.web.forms import IpRow

    form.ips = [IpRow("in", "300.1.1.1")]
    assert form.to_payload(user_id=USER) is None
    assert "not an IP address" in form.errors["ip_0"]


def test_stored_token_reads_back_into_the_same_rows() -> None:
    get, get_list = fields(
        name="round trip", perm_scope=["zone", "account"], perm_group=["dns", "images"],
        perm_access=["edit", "read"], res_effect=["include", "include", "exclude"],
        res_kind=["zone", "account", "all_zones"], res_zone=[ZONE, "", ""],
        res_account=["", ACCOUNT, ""], ip_operator="in", ip_address="10.0.0.0/8",
    )  # fmt: skip
    original = TokenForm.from_fields(get, get_list)
    payload = original.to_payload(user_id=USER)
    assert payload is not None
    again = TokenForm.from_token(
        payload["name"], payload["policies"], payload.get("condition"), None, None
    )
    assert again.to_payload(user_id=USER) == payload
    assert sorted(again.permission_lines()) == sorted(original.permission_lines())


def test_templates_prefill_name_and_permissions() -> None:
    form = TokenForm.from_template(TEMPLATES_BY_KEY["edit_zone_dns"], ACCOUNT)
    assert form.name == "Edit zone DNS"
    assert form.permissions == [PermissionRow("zone", "dns", "edit")]
    assert form.resources == [ResourceRow("include", "account_zones", account=ACCOUNT)]
    assert form.to_payload(user_id=USER) is not None
