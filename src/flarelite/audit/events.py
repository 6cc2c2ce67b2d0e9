"""What an audit event says: who acted (Actor), on what, and how it went (Entry).

Pure value objects; no I/O. The vocabulary (actions, resource types) is closed here so that
filters such as ``action.type=roll`` keep working as new call sites appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Interface = Literal["API", "UI", "CLI"]


class ActorType(StrEnum):
    """Who acted. Stored as is; the wire name comes from ``WIRE_ACTOR_TYPES``."""

    USER = "user"  # a person, through the dashboard or one of their user tokens
    TOKEN = "token"  # noqa: S105 (a label) an account-owned token, which belongs to no person
    SYSTEM = "system"  # flarelite itself: leak intake, CLI, maintenance


# Cloudflare's v1 enum is user | admin | Cloudflare; account-owned tokens have no v1 name, so
# they take v2's "account" (developers.cloudflare.com, audit logs v2, actor.type).
WIRE_ACTOR_TYPES = {
    ActorType.USER: "user",
    ActorType.TOKEN: "account",
    ActorType.SYSTEM: "Cloudflare",
}


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ROLL = "roll"
    DELETE = "delete"
    DISABLE = "disable"  # a token switched off by the leak intake
    LOGIN = "login"


class ResourceType(StrEnum):
    USER_TOKEN = "user_token"  # noqa: S105 (labels, not secrets)
    ACCOUNT_TOKEN = "account_token"  # noqa: S105
    IMAGE = "image"
    IMAGE_VARIANT = "image_variant"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, from where. Build one per request at the edge; pass it to the service."""

    type: ActorType
    id: str | None
    email: str | None = None
    ip: str | None = None
    interface: Interface = "API"
    token_id: str | None = None  # the credential used, when it was an API token

    @classmethod
    def user(
        cls,
        user_id: str,
        email: str | None,
        ip: str | None,
        *,
        interface: Interface = "API",
        token_id: str | None = None,
    ) -> Actor:
        return cls(ActorType.USER, user_id, email, ip, interface, token_id)

    @classmethod
    def account_token(cls, token_id: str, ip: str | None) -> Actor:
        return cls(ActorType.TOKEN, token_id, None, ip, "API", token_id)

    @classmethod
    def system(cls, interface: Interface = "CLI") -> Actor:
        return cls(ActorType.SYSTEM, None, None, None, interface)


# Callers that name no actor (the CLI, tests, maintenance) are recorded as the system.
SYSTEM = Actor.system()


@dataclass(frozen=True, slots=True)
class Entry:
    """What happened to which resource. ``account_id`` None marks a user-level event (a user
    token, a login): it shows in the audit log of every account ``user_id`` belongs to."""

    action: Action
    resource_type: ResourceType
    resource_id: str | None
    account_id: str | None = None
    user_id: str | None = None
    result: bool = True
    metadata: Mapping[str, Any] = field(default_factory=dict)
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None
