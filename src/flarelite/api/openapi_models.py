"""What each /client/v4 route answers, for the OpenAPI document (schemathesis checks it).

Handlers return finished msgspec envelopes, so FastAPI cannot see their shapes: this module
declares them once, as pydantic models used only for the document. ``responses_for`` gives a
route its success envelope plus every error status it can answer; ``request_body_for`` the
multipart bodies that handlers parse by hand. Models allow extra fields (Cloudflare adds some
over time); a field that is sometimes left out is optional here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

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


class Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- the envelope -------------------------------------------------------------------------


class Message(Wire):
    code: int
    message: str
    type: str | None = None


class ErrorChainItem(Wire):
    code: int
    message: str


class ErrorSource(Wire):
    pointer: str


class ErrorItem(Wire):
    code: int
    message: str
    error_chain: list[ErrorChainItem] | None = None
    source: ErrorSource | None = None


class ResultInfo(Wire):
    page: int
    per_page: int
    count: int
    total_count: int
    total_pages: int


class Failure(Wire):
    """Every error answer under /client/v4 (api/errors.py)."""

    success: Literal[False]
    errors: list[ErrorItem] = Field(min_length=1)
    messages: list[Message]
    result: None


def _envelope(name: str, result: Any, *, paged: bool = False) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "success": (Literal[True], ...),
        "errors": (list[ErrorItem], ...),
        "messages": (list[Message], ...),
        "result": (result, ...),
    }
    if paged:
        fields["result_info"] = (ResultInfo, ...)
    return create_model(name, __base__=Wire, **fields)


# --- results: users, accounts, tokens -----------------------------------------------------


class User(Wire):
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    username: str
    created_on: str
    modified_on: str


class AccountSettings(Wire):
    enforce_twofactor: bool
    api_access_enabled: bool | None
    abuse_contact_email: str | None


class Account(Wire):
    id: str
    name: str
    type: str
    created_on: str
    settings: AccountSettings


class Membership(Wire):
    id: str
    account: Account
    api_access_enabled: bool
    permissions: dict[str, dict[str, bool]]
    roles: list[str]
    status: str


class VerifiedToken(Wire):
    id: str
    status: Literal["active"]
    not_before: str | None = None
    expires_on: str | None = None


class PermissionGroup(Wire):
    id: str
    name: str
    description: str
    scopes: list[str]
    category: str | None = None
    is_selectable: bool | None = None


class PermissionGroupRef(Wire):
    id: str
    name: str | None = None
    meta: dict[str, Any] | None = None


class Policy(Wire):
    id: str
    effect: Literal["allow", "deny"]
    resources: dict[str, Any]
    permission_groups: list[PermissionGroupRef]


class Token(Wire):
    id: str
    name: str
    status: Literal["active", "disabled", "expired"]
    issued_on: str
    modified_on: str
    policies: list[Policy]
    last_used_on: str | None = None
    not_before: str | None = None
    expires_on: str | None = None
    condition: dict[str, Any] | None = None
    creator_email_at_creation: str | None = None


class CreatedToken(Token):
    value: str = Field(description="The secret: shown in this answer only")


class Deleted(Wire):
    id: str


class Empty(Wire):
    pass


class AuditLog(Wire):
    id: str
    action: dict[str, Any]
    actor: dict[str, Any]
    interface: str | None = None
    metadata: dict[str, Any]
    owner: dict[str, Any]
    resource: dict[str, Any]
    when: str


# --- results: zones and DNS ---------------------------------------------------------------


class ZoneAccount(Wire):
    id: str
    name: str


class Zone(Wire):
    id: str
    name: str
    status: str
    paused: bool
    type: str
    development_mode: int
    name_servers: list[str]
    original_name_servers: list[str] | None
    modified_on: str
    created_on: str
    activated_on: str | None
    meta: dict[str, Any]
    owner: dict[str, Any]
    account: ZoneAccount
    permissions: list[str]
    plan: dict[str, Any]


class DnsRecord(Wire):
    id: str
    zone_id: str
    zone_name: str
    name: str
    type: str
    content: str
    proxiable: bool
    proxied: bool
    ttl: int
    settings: dict[str, Any]
    meta: dict[str, Any]
    comment: str | None
    tags: list[str]
    created_on: str
    modified_on: str
    priority: int | None = None
    data: dict[str, Any] | None = None
    comment_modified_on: str | None = None
    tags_modified_on: str | None = None


class DnsBatchResult(Wire):
    deletes: list[DnsRecord] | None = None
    patches: list[DnsRecord] | None = None
    puts: list[DnsRecord] | None = None
    posts: list[DnsRecord] | None = None


class DnsImportResult(Wire):
    recs_added: int
    total_records_parsed: int


# --- results: images ----------------------------------------------------------------------


class Image(Wire):
    id: str
    filename: str | None = None
    creator: str | None = None
    meta: dict[str, Any] | None = None
    uploaded: str
    requireSignedURLs: bool
    variants: list[str]
    draft: bool | None = None


class ImageList(Wire):
    images: list[Image]


class ImageListV2(Wire):
    images: list[Image]
    continuation_token: str | None


class ImageCount(Wire):
    allowed: int
    current: int


class ImageStats(Wire):
    count: ImageCount


class BatchToken(Wire):
    token: str
    expiresAt: str


class ImagesConfig(Wire):
    flexible_variants: bool
    browser_ttl: int
    preserve_content_credentials: bool


class Variant(Wire):
    id: str
    options: dict[str, Any]
    neverRequireSignedURLs: bool


class VariantResult(Wire):
    variant: Variant


class VariantList(Wire):
    variants: dict[str, Variant]


class SigningKey(Wire):
    name: str
    value: str


class SigningKeys(Wire):
    keys: list[SigningKey]


class DirectUpload(Wire):
    id: str
    uploadURL: str


# --- which handler answers what -----------------------------------------------------------

Handler = Callable[..., Any]
PAGED: frozenset[Handler] = frozenset(
    {
        accounts.list_accounts,
        audit_logs.list_audit_logs,
        memberships.list_memberships,
        tokens.list_tokens,
        zones.list_zones,
        dns_records.list_records,
    }
)
RESULTS: dict[Handler, Any] = {
    user.get_user: User,
    memberships.list_memberships: list[Membership],
    accounts.list_accounts: list[Account],
    accounts.get_account: Account,
    audit_logs.list_audit_logs: list[AuditLog],
    tokens.verify_token: VerifiedToken,
    tokens.list_permission_groups: list[PermissionGroup],
    tokens.list_tokens: list[Token],
    tokens.create_token: CreatedToken,
    tokens.get_token: Token,
    tokens.update_token: Token,
    tokens.delete_token: Deleted,
    tokens.roll_token: str,
    zones.list_zones: list[Zone],
    zones.create_zone: Zone,
    zones.get_zone: Zone,
    zones.edit_zone: Zone,
    zones.delete_zone: Deleted,
    zones.check_activation: Deleted,
    dns_records.list_records: list[DnsRecord],
    dns_records.create_record: DnsRecord,
    dns_records.import_records: DnsImportResult,
    dns_records.batch_records: DnsBatchResult,
    dns_records.get_record: DnsRecord,
    dns_records.update_record: DnsRecord,
    dns_records.edit_record: DnsRecord,
    dns_records.delete_record: Deleted,
    images.get_stats: ImageStats,
    images.get_batch_token: BatchToken,
    images.list_images: ImageList,
    images.list_images_v2: ImageListV2,
    images.create_image: Image,
    images.get_image: Image,
    images.edit_image: Image,
    images.delete_image: Empty,
    images_config.get_config: ImagesConfig,
    images_config.edit_config: ImagesConfig,
    images_variants.list_variants: VariantList,
    images_variants.create_variant: VariantResult,
    images_variants.get_variant: VariantResult,
    images_variants.edit_variant: VariantResult,
    images_variants.delete_variant: Empty,
    images_keys.list_keys: SigningKeys,
    images_keys.update_key: SigningKeys,
    images_keys.delete_key: SigningKeys,
    direct_uploads.create_direct_upload: DirectUpload,
}
# Answers that are not JSON envelopes: the content type and its schema.
RAW_RESULTS: dict[Handler, dict[str, Any]] = {
    dns_records.export_records: {"text/plain": {"schema": {"type": "string"}}},
    images.get_image_blob: {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
    }
    | {"image/svg+xml": {"schema": {"type": "string"}}},
}

# --- error statuses -----------------------------------------------------------------------

ERROR_STATUSES: dict[int, str] = {
    400: "Bad request: malformed or invalid input",
    401: "Missing, malformed or unknown credentials",
    403: "The token may not do this",
    404: "No such resource or route",
    405: "Method not allowed",
    409: "Conflicts with the current state",
    413: "Body too large",
    415: "Unsupported media type or image format",
    429: "Rate limited (Retry-After)",
}
ALWAYS = (400, 401, 403, 404, 405, 429)
WRITES = (409, 413, 415)  # any route that takes or changes something


def responses_for(method: str, handler: Handler) -> dict[int | str, dict[str, Any]]:
    """The route's documented answers: its success envelope and every error status."""
    name = _model_name(handler)
    if handler in RAW_RESULTS:
        success: dict[str, Any] = {"description": "Success", "content": RAW_RESULTS[handler]}
    else:
        result = RESULTS.get(handler, Any)  # an undeclared route still gets the envelope
        model = _envelope(name, result, paged=handler in PAGED)
        success = {"description": "Success", "model": model}
    statuses = ALWAYS + (WRITES if method != "GET" else ())
    responses: dict[int | str, dict[str, Any]] = {200: success}
    for status in sorted(statuses):
        responses[status] = {"description": ERROR_STATUSES[status], "model": Failure}
    return responses


def _model_name(handler: Handler) -> str:
    words = handler.__name__.split("_")
    return "".join(w.capitalize() for w in words) + "Response"


# --- request bodies the handlers parse by hand --------------------------------------------


def _form(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


_TEXT = {"type": "string"}
_FLAG = {"type": "string", "enum": ["true", "false"]}
_IMAGE_FIELDS = {
    "id": {**_TEXT, "description": "Custom image id"},
    "metadata": {**_TEXT, "description": "JSON object, at most 1024 bytes"},
    "requireSignedURLs": _FLAG,
    "creator": _TEXT,
}
REQUEST_BODIES: dict[Handler, dict[str, Any]] = {
    images.create_image: {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": _form(
                    {
                        "file": {"type": "string", "format": "binary"},
                        "url": {**_TEXT, "format": "uri"},
                        **_IMAGE_FIELDS,
                    }
                )
            }
        },
    },
    direct_uploads.create_direct_upload: {
        "required": False,
        "content": {
            "multipart/form-data": {
                "schema": _form({**_IMAGE_FIELDS, "expiry": {**_TEXT, "format": "date-time"}})
            },
            "application/json": {
                "schema": _form(
                    {
                        "id": _TEXT,
                        "metadata": {"type": "object"},
                        "requireSignedURLs": {"type": "boolean"},
                        "creator": _TEXT,
                        "expiry": {**_TEXT, "format": "date-time"},
                    }
                )
            },
        },
    },
    dns_records.import_records: {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": _form(
                    {"file": {**_TEXT, "description": "BIND zone file"}, "proxied": _FLAG},
                    ["file"],
                )
            }
        },
    },
}


def request_body_for(handler: Handler) -> dict[str, Any]:
    """``openapi_extra`` for a handler that reads its body itself (nothing for the others)."""
    body = REQUEST_BODIES.get(handler)
    return {"requestBody": body} if body is not None else {}


def finish_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete what FastAPI cannot see: path parameters a handler reads from the request,
    links from each create to the routes of what it created, and no 422 (errors are 400)."""
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    for path, operations in paths.items():
        for operation in operations.values():
            _declare_path_parameters(path, operation)
            responses = operation.get("responses", {})
            responses.pop("422", None)
            # A raw answer (BIND text, image bytes) is not also an empty-schema JSON one.
            content = responses.get("200", {}).get("content", {})
            if len(content) > 1 and content.get("application/json") == {"schema": {}}:
                del content["application/json"]
    _link_creates(paths)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


_PATH_PARAMETER = re.compile(r"{([^}:]+)}")


def _declare_path_parameters(path: str, operation: dict[str, Any]) -> None:
    # Shared handlers (user and account tokens) read ``account_id`` from the request.
    declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
    for name in _PATH_PARAMETER.findall(path):
        if name not in declared:
            operation.setdefault("parameters", []).append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )


# Where a create's answer keeps the new id (most say ``result.id``).
_CREATED_ID = {"/variants": "/result/variant/id"}


def _link_creates(paths: dict[str, dict[str, Any]]) -> None:
    """POST <collection> links to every operation on <collection>/{id}…, the new id filled in
    from the answer and the other path parameters from the request (stateful fuzzing)."""
    for collection, operations in paths.items():
        create = operations.get("post")
        if create is None:
            continue
        pointer = next(
            (p for suffix, p in _CREATED_ID.items() if collection.endswith(suffix)), "/result/id"
        )
        links: dict[str, Any] = {}
        for path, targets in paths.items():
            match = re.fullmatch(re.escape(collection) + r"/{([^}:]+)}(/.*)?", path)
            if match is None:
                continue
            parameters = {
                name: f"$request.path.{name}" for name in _PATH_PARAMETER.findall(collection)
            }
            parameters[match.group(1)] = f"$response.body#{pointer}"
            if set(_PATH_PARAMETER.findall(path)) - set(parameters):
                continue  # e.g. a zone's records by id: the zone's create cannot name one
            for method, target in targets.items():
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": parameters,
                    "description": f"{method.upper()} what the create made",
                }
        if links:
            create["responses"]["200"]["links"] = links
