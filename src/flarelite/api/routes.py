"""THE route table: every /client/v4 route, its handler and the permission it needs.

A reader sees each route's requirement next to the route. ``install_routes`` turns the table
into FastAPI routes, each behind the guard in ``api/auth.py``; a test fails when a route is
served without being declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request

from flarelite.api.auth import Need, On, authorise
from flarelite.api.handlers import (
    accounts,
    audit_logs,
    direct_uploads,
    dns_records,
    images,
    images_config,
    images_keys,
    images_variants,
    memberships,
    tokens,
    user,
    zones,
)
from flarelite.api.openapi_models import request_body_for, responses_for
from flarelite.tokens.catalog import Access, Area
from flarelite.tokens.secrets import TokenKind

PREFIX = "/client/v4"
R, W = Access.READ, Access.WRITE

LIST_ACCOUNTS_USER_ONLY = "List accounts endpoint does not support account owned tokens."
USER_ONLY = "User endpoints do not support account owned tokens."


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    need: Need
    summary: str
    tag: str


ROUTES: tuple[Route, ...] = (
    # --- user -------------------------------------------------------------------------------
    Route("GET", "/user", user.get_user,
          Need(Area.USER_DETAILS, R, On.USER, user_tokens_only=USER_ONLY),
          "User details", "user"),
    Route("GET", "/memberships", memberships.list_memberships,
          Need(Area.MEMBERSHIPS, R, On.USER, user_tokens_only=USER_ONLY),
          "List memberships", "memberships"),
    # --- accounts ---------------------------------------------------------------------------
    # Any token may list; the handler shows only accounts the token reaches at all.
    Route("GET", "/accounts", accounts.list_accounts,
          Need(None, user_tokens_only=LIST_ACCOUNTS_USER_ONLY),
          "List accounts", "accounts"),
    Route("GET", "/accounts/{account_id}", accounts.get_account,
          Need(Area.ACCOUNT_SETTINGS, R, On.ACCOUNT),
          "Account details", "accounts"),
    # Cloudflare has no audit-log group in this catalogue's set; Account Settings Read is the
    # closest (the log is an account-level view), so reading it needs that group.
    Route("GET", "/accounts/{account_id}/audit_logs", audit_logs.list_audit_logs,
          Need(Area.ACCOUNT_SETTINGS, R, On.ACCOUNT),
          "List account audit logs", "audit logs"),
    # --- user-owned API tokens (reference tokens.md §2, U1–U8) ------------------------------
    Route("GET", "/user/tokens/verify", tokens.verify_token,
          Need(None, verify=TokenKind.USER),
          "Verify token", "user tokens"),
    Route("GET", "/user/tokens/permission_groups", tokens.list_permission_groups,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "List permission groups", "user tokens"),
    Route("GET", "/user/tokens", tokens.list_tokens,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "List tokens", "user tokens"),
    Route("POST", "/user/tokens", tokens.create_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Create token", "user tokens"),
    Route("GET", "/user/tokens/{token_id}", tokens.get_token,
          Need(Area.API_TOKENS, R, On.USER, user_tokens_only=USER_ONLY),
          "Token details", "user tokens"),
    Route("PUT", "/user/tokens/{token_id}", tokens.update_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Update token", "user tokens"),
    Route("DELETE", "/user/tokens/{token_id}", tokens.delete_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Delete token", "user tokens"),
    Route("PUT", "/user/tokens/{token_id}/value", tokens.roll_token,
          Need(Area.API_TOKENS, W, On.USER, user_tokens_only=USER_ONLY),
          "Roll token", "user tokens"),
    # --- account-owned API tokens (A1–A8) ---------------------------------------------------
    Route("GET", "/accounts/{account_id}/tokens/verify", tokens.verify_token,
          Need(None, verify=TokenKind.ACCOUNT),
          "Verify account token", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens/permission_groups", tokens.list_permission_groups,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "List account permission groups", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens", tokens.list_tokens,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "List account tokens", "account tokens"),
    Route("POST", "/accounts/{account_id}/tokens", tokens.create_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Create account token", "account tokens"),
    Route("GET", "/accounts/{account_id}/tokens/{token_id}", tokens.get_token,
          Need(Area.ACCOUNT_API_TOKENS, R, On.ACCOUNT),
          "Account token details", "account tokens"),
    Route("PUT", "/accounts/{account_id}/tokens/{token_id}", tokens.update_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Update account token", "account tokens"),
    Route("DELETE", "/accounts/{account_id}/tokens/{token_id}", tokens.delete_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Delete account token", "account tokens"),
    Route("PUT", "/accounts/{account_id}/tokens/{token_id}/value", tokens.roll_token,
          Need(Area.ACCOUNT_API_TOKENS, W, On.ACCOUNT),
          "Roll account token", "account tokens"),
    # --- zones (reference zones-dns.md §2, §8) -----------------------------------------------
    # Any token may list; the handler shows only zones the token can touch at all.
    Route("GET", "/zones", zones.list_zones, Need(None), "List zones", "zones"),
    Route("POST", "/zones", zones.create_zone,
          Need(Area.ZONE, W, On.NEW_ZONE),
          "Create zone", "zones"),
    Route("GET", "/zones/{zone_id}", zones.get_zone,
          Need(Area.ZONE, R, On.ZONE),
          "Zone details", "zones"),
    Route("PATCH", "/zones/{zone_id}", zones.edit_zone,
          Need(Area.ZONE, W, On.ZONE),
          "Edit zone", "zones"),
    Route("DELETE", "/zones/{zone_id}", zones.delete_zone,
          Need(Area.ZONE, W, On.ZONE),
          "Delete zone", "zones"),
    Route("PUT", "/zones/{zone_id}/activation_check", zones.check_activation,
          Need(Area.ZONE, W, On.ZONE),
          "Rerun the activation check", "zones"),
    # --- DNS records --------------------------------------------------------------------------
    Route("GET", "/zones/{zone_id}/dns_records", dns_records.list_records,
          Need(Area.DNS, R, On.ZONE),
          "List DNS records", "dns records"),
    Route("POST", "/zones/{zone_id}/dns_records", dns_records.create_record,
          Need(Area.DNS, W, On.ZONE),
          "Create DNS record", "dns records"),
    Route("GET", "/zones/{zone_id}/dns_records/export", dns_records.export_records,
          Need(Area.DNS, R, On.ZONE),
          "Export DNS records (BIND)", "dns records"),
    Route("POST", "/zones/{zone_id}/dns_records/import", dns_records.import_records,
          Need(Area.DNS, W, On.ZONE),
          "Import DNS records (BIND)", "dns records"),
    Route("POST", "/zones/{zone_id}/dns_records/batch", dns_records.batch_records,
          Need(Area.DNS, W, On.ZONE),
          "Batch DNS record changes", "dns records"),
    Route("GET", "/zones/{zone_id}/dns_records/{dns_record_id}", dns_records.get_record,
          Need(Area.DNS, R, On.ZONE),
          "DNS record details", "dns records"),
    Route("PUT", "/zones/{zone_id}/dns_records/{dns_record_id}", dns_records.update_record,
          Need(Area.DNS, W, On.ZONE),
          "Overwrite DNS record", "dns records"),
    Route("PATCH", "/zones/{zone_id}/dns_records/{dns_record_id}", dns_records.edit_record,
          Need(Area.DNS, W, On.ZONE),
          "Update DNS record", "dns records"),
    Route("DELETE", "/zones/{zone_id}/dns_records/{dns_record_id}", dns_records.delete_record,
          Need(Area.DNS, W, On.ZONE),
          "Delete DNS record", "dns records"),
    # --- images (reference images.md §2) ------------------------------------------------------
    # Fixed paths first: `/images/v1/stats` must not be read as an image id.
    Route("GET", "/accounts/{account_id}/images/v1/stats", images.get_stats,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "Images usage statistics", "images"),
    Route("GET", "/accounts/{account_id}/images/v1/batch_token", images.get_batch_token,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Images batch token", "images"),
    Route("GET", "/accounts/{account_id}/images/v1/config", images_config.get_config,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "Images account config", "images"),
    Route("PATCH", "/accounts/{account_id}/images/v1/config", images_config.edit_config,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Edit Images account config", "images"),
    Route("GET", "/accounts/{account_id}/images/v1/variants", images_variants.list_variants,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "List variants", "images variants"),
    Route("POST", "/accounts/{account_id}/images/v1/variants", images_variants.create_variant,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Create variant", "images variants"),
    Route("GET", "/accounts/{account_id}/images/v1/variants/{variant_id}",
          images_variants.get_variant,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "Variant details", "images variants"),
    Route("PATCH", "/accounts/{account_id}/images/v1/variants/{variant_id}",
          images_variants.edit_variant,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Edit variant", "images variants"),
    Route("DELETE", "/accounts/{account_id}/images/v1/variants/{variant_id}",
          images_variants.delete_variant,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Delete variant", "images variants"),
    Route("GET", "/accounts/{account_id}/images/v1/keys", images_keys.list_keys,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "List signing keys", "images keys"),
    Route("PUT", "/accounts/{account_id}/images/v1/keys/{signing_key_name}",
          images_keys.update_key,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Create or rotate a signing key", "images keys"),
    Route("DELETE", "/accounts/{account_id}/images/v1/keys/{signing_key_name}",
          images_keys.delete_key,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Delete a signing key", "images keys"),
    Route("POST", "/accounts/{account_id}/images/v2/direct_upload",
          direct_uploads.create_direct_upload,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Create a direct creator upload URL", "images direct uploads"),
    Route("GET", "/accounts/{account_id}/images/v2", images.list_images_v2,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "List images (v2, continuation tokens)", "images"),
    Route("POST", "/accounts/{account_id}/images/v1", images.create_image,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Upload an image", "images"),
    Route("GET", "/accounts/{account_id}/images/v1", images.list_images,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "List images (v1, pages)", "images"),
    # Image ids may hold `/` as %2F (custom ids, §3.2): the `segment` convertor keeps it.
    Route("GET", "/accounts/{account_id}/images/v1/{image_id:segment}/blob",
          images.get_image_blob,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "Original image bytes", "images"),
    Route("GET", "/accounts/{account_id}/images/v1/{image_id:segment}", images.get_image,
          Need(Area.IMAGES, R, On.ACCOUNT),
          "Image details", "images"),
    Route("PATCH", "/accounts/{account_id}/images/v1/{image_id:segment}", images.edit_image,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Update image", "images"),
    Route("DELETE", "/accounts/{account_id}/images/v1/{image_id:segment}", images.delete_image,
          Need(Area.IMAGES, W, On.ACCOUNT),
          "Delete image", "images"),
)  # fmt: skip

SECURITY_SCHEMES = {
    "api_token": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `Authorization: Bearer <token>`",
    }
}


def _guard(need: Need) -> Callable[..., Any]:
    # A plain dependency (not fastapi.security.HTTPBearer): no credentials model per request.
    async def guard(request: Request) -> None:
        await authorise(request, need)

    return guard


def install_routes(app: FastAPI) -> None:
    """Add every route of the table to ``app``, each behind the guard for its ``Need``."""
    for route in ROUTES:
        app.add_api_route(
            PREFIX + route.path,
            route.handler,
            methods=[route.method],
            dependencies=[Depends(_guard(route.need))],
            summary=route.summary,
            tags=[route.tag],
            operation_id=_operation_id(route),
            # Handlers return finished envelopes: their shapes are declared in openapi_models.
            responses=responses_for(route.method, route.handler),
            openapi_extra={"security": [{"api_token": []}], **request_body_for(route.handler)},
        )


def _operation_id(route: Route) -> str:
    return f"{route.tag.replace(' ', '_')}_{route.handler.__name__}_{route.method.lower()}"
