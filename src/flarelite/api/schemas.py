"""Request bodies as pydantic models: they document the API (OpenAPI) and bound the input.

They are deliberately loose where Cloudflare is (``meta`` is any object, resources are
flat or nested maps); the domain services do the real validation and name the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class PermissionGroupRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    meta: dict[str, Any] | None = None


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, max_length=64)
    effect: Literal["allow", "deny"]
    resources: dict[str, str | dict[str, str]]
    permission_groups: list[PermissionGroupRef] = Field(max_length=200)


class IpList(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    in_: list[str] | None = Field(default=None, alias="in", max_length=1000)
    not_in: list[str] | None = Field(default=None, max_length=1000)


class Condition(BaseModel):
    """Both spellings of the IP key are accepted (reference tokens.md §9.1)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    request_ip: IpList | None = None
    request_dot_ip: IpList | None = Field(default=None, alias="request.ip")


# Examples in the OpenAPI document: schemathesis starts its stateful runs from them.
_TOKEN_EXAMPLE = {
    "name": "readonly zones",
    "policies": [
        {
            "effect": "allow",
            "resources": {"com.cloudflare.api.account.zone.*": "*"},
            "permission_groups": [{"id": "c8fed203ed3043cba015a93ad1616f1f"}],  # Zone Read
        }
    ],
}


class TokenCreateBody(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_TOKEN_EXAMPLE]})

    name: str = Field(max_length=1000)
    policies: list[PolicyIn] = Field(max_length=200)
    not_before: str | None = None
    expires_on: str | None = None
    condition: Condition | None = None


class TokenUpdateBody(TokenCreateBody):
    """PUT replaces the token; read-only fields sent back (id, issued_on, …) are ignored."""

    status: Literal["active", "disabled", "expired"] | None = None


class AccountRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=64)


class ZoneCreateBody(BaseModel):
    """octodns sends ``jump_start`` and may omit ``account`` (reference zones-dns.md §2.3)."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"examples": [{"name": "example.com"}]}
    )

    name: str = Field(max_length=300)
    account: AccountRef | None = None
    type: Literal["full", "partial", "secondary", "internal"] | None = None


class ZoneEditBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    paused: StrictBool | None = None  # a JSON boolean, not "yes" or 1
    type: Literal["full", "partial", "secondary", "internal"] | None = None
    plan: dict[str, Any] | None = None  # octodns still sends it; the only plan here is Free
