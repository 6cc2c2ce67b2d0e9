"""Token lifecycle: create, list, get, update, roll, delete; quotas and the no-escalation rule.

Never sees a request. Every change that affects authorisation bumps the change feed, so
cached principals in every worker are dropped before the next request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.audit.events import Action, Actor, Entry, ResourceType
from flarelite.audit.service import AuditLog
from flarelite.core.clock import Clock, rfc3339
from flarelite.core.errors import Invalid
from flarelite.core.ids import new_tag
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.identity.models import Role
from flarelite.identity.service import IdentityService
from flarelite.storage.changes import ChangeFeed
from flarelite.tokens import repo
from flarelite.tokens.catalog import Access
from flarelite.tokens.conditions import normalise_condition
from flarelite.tokens.errors import TokenNotFound, TokenQuotaReached
from flarelite.tokens.grants import Grantable, check_grantable
from flarelite.tokens.models import ApiToken
from flarelite.tokens.policy import Owner, Policy
from flarelite.tokens.policy_input import parse_policies, policy_as_api
from flarelite.tokens.secrets import TokenKind, keyed_hash, new_secret

MAX_NAME_LENGTH = 120
# Cloudflare's quotas (reference tokens.md §8).
QUOTA = {TokenKind.USER: 50, TokenKind.ACCOUNT: 500}
ROLE_ACCESS = {Role.ADMIN: Access.WRITE, Role.READ_ONLY: Access.READ}

ZoneLookup = Callable[[Iterable[str]], Awaitable[Mapping[str, str]]]


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """Who owns a token: a user (``/user/tokens``) or an account (``/accounts/{id}/tokens``)."""

    kind: TokenKind
    owner_id: str

    @property
    def as_policy_owner(self) -> Owner:
        if self.kind is TokenKind.USER:
            return Owner(user_id=self.owner_id, account_id=None)
        return Owner(user_id=None, account_id=self.owner_id)


class TokenService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        secret_key: bytes,
        identity: IdentityService,
        changes: ChangeFeed,
        zone_accounts: ZoneLookup | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self._sessions = sessions
        # Every change is audited in its own transaction; there is no way to switch it off.
        self._audit = audit or AuditLog(sessions, clock)
        self._clock = clock
        self._key = secret_key
        self._identity = identity
        self._changes = changes
        self._zone_accounts = zone_accounts

    async def create(
        self,
        owner: TokenOwner,
        payload: Mapping[str, Any],
        *,
        creator_email: str | None = None,
        actor: Actor | None = None,
        known_secret: str | None = None,
    ) -> tuple[ApiToken, str]:
        """Create a token from an API payload; returns the row and the secret (shown once).

        ``actor`` (who asked, from where) goes to the audit log; None records the system.
        ``known_secret`` (test-control seeds only) replaces the random value; the caller
        has checked its format."""
        fields = self._validated(payload, on_create=True)
        await self._check_grantable(owner, fields["policies"])
        secret = known_secret or new_secret(owner.kind)
        now = self._clock.now()
        token = ApiToken(
            id=new_tag(),
            kind=owner.kind.value,
            user_id=owner.owner_id if owner.kind is TokenKind.USER else None,
            account_id=owner.owner_id if owner.kind is TokenKind.ACCOUNT else None,
            secret_hash=keyed_hash(self._key, secret),
            last_four=secret[-4:],
            status="active",
            issued_on=now,
            modified_on=now,
            creator_email=creator_email if owner.kind is TokenKind.ACCOUNT else None,
            **_stored(fields),
        )
        async with self._sessions.begin() as session:
            if (
                await repo.count_owned(session, owner.kind.value, owner.owner_id)
                >= QUOTA[owner.kind]
            ):
                raise TokenQuotaReached(detail=_quota_message(owner.kind))
            session.add(token)
            entry = _audit_entry(Action.CREATE, token, new=_snapshot(token))
            await self._audit.record(entry, actor, session=session)
        return token, secret

    async def list(
        self, owner: TokenOwner, page: PageRequest, *, descending: bool = False
    ) -> tuple[Sequence[ApiToken], PageInfo]:
        async with self._sessions() as session:
            total = await repo.count_owned(session, owner.kind.value, owner.owner_id)
            rows = await repo.page_owned(
                session,
                owner.kind.value,
                owner.owner_id,
                offset=page.offset,
                limit=page.per_page,
                descending=descending,
            )
        return rows, PageInfo(page.page, page.per_page, len(rows), total)

    async def get(self, owner: TokenOwner, token_id: str) -> ApiToken:
        async with self._sessions() as session:
            return await self._owned(session, owner, token_id)

    async def update(
        self,
        owner: TokenOwner,
        token_id: str,
        payload: Mapping[str, Any],
        *,
        actor: Actor | None = None,
    ) -> ApiToken:
        """PUT semantics: the payload replaces name, policies, condition and dates."""
        fields = self._validated(payload, on_create=False)
        await self._check_grantable(owner, fields["policies"])
        status = payload.get("status")
        if status is not None and status not in {"active", "disabled", "expired"}:
            raise Invalid(detail="status: must be 'active' or 'disabled'", pointer="status")
        async with self._sessions.begin() as session:
            token = await self._owned(session, owner, token_id)
            before = _snapshot(token)
            for name, value in _stored(fields).items():
                setattr(token, name, value)
            if status in {"active", "disabled"}:  # "expired" is computed, never stored
                token.status = status
            token.modified_on = self._clock.now()
            entry = _audit_entry(Action.UPDATE, token, old=before, new=_snapshot(token))
            await self._audit.record(entry, actor, session=session)
        self._changes.bump()
        return token

    async def roll(self, owner: TokenOwner, token_id: str, *, actor: Actor | None = None) -> str:
        """Give the token a new secret; the old one stops working at once."""
        secret = new_secret(owner.kind)
        async with self._sessions.begin() as session:
            token = await self._owned(session, owner, token_id)
            token.secret_hash = keyed_hash(self._key, secret)
            token.last_four = secret[-4:]
            token.modified_on = self._clock.now()
            await self._audit.record(_audit_entry(Action.ROLL, token), actor, session=session)
        self._changes.bump()
        return secret

    async def delete(self, owner: TokenOwner, token_id: str, *, actor: Actor | None = None) -> None:
        async with self._sessions.begin() as session:
            token = await self._owned(session, owner, token_id)
            await session.delete(token)
            entry = _audit_entry(Action.DELETE, token, old=_snapshot(token))
            await self._audit.record(entry, actor, session=session)
        self._changes.bump()

    async def disable_leaked(
        self, secret_hashes: Iterable[str], *, report: Mapping[str, Any]
    ) -> dict[str, ApiToken]:
        """Disable every token whose keyed hash is given (a leak report); secret hash → token.

        Already-disabled tokens are matched too (the report is still true). The change feed
        drops cached principals on every node, so the tokens stop working at once.
        """
        found: dict[str, ApiToken] = {}
        async with self._sessions.begin() as session:
            for secret_hash in dict.fromkeys(secret_hashes):
                token = await repo.by_hash(session, secret_hash)
                if token is None:
                    continue
                found[secret_hash] = token
                before = _snapshot(token)
                if token.status != "disabled":
                    token.status = "disabled"
                    token.modified_on = self._clock.now()
                entry = _audit_entry(
                    Action.DISABLE, token, old=before, new=_snapshot(token), metadata=report
                )
                await self._audit.record(entry, Actor.system("API"), session=session)
        if found:
            self._changes.bump()
        return found

    async def find(self, token_id: str) -> tuple[TokenOwner, ApiToken]:
        """Any token by id, with its owner (operators' CLI); raises TokenNotFound."""
        async with self._sessions() as session:
            token = await repo.by_id(session, token_id)
        if token is None:
            raise TokenNotFound(token_id)
        return owner_of(token), token

    async def every(
        self, *, user_id: str | None = None, account_id: str | None = None
    ) -> Sequence[ApiToken]:
        """Every token, optionally of one user or one account (operators' CLI)."""
        async with self._sessions() as session:
            return await repo.every_token(session, user_id=user_id, account_id=account_id)

    async def record_last_used(self, last_used: Mapping[str, datetime]) -> None:
        if last_used:
            async with self._sessions.begin() as session:
                await repo.mark_used(session, last_used)

    async def _owned(self, session: AsyncSession, owner: TokenOwner, token_id: str) -> ApiToken:
        token = await repo.owned_token(session, owner.kind.value, owner.owner_id, token_id)
        if token is None:
            raise TokenNotFound(token_id)
        return token

    def _validated(self, payload: Mapping[str, Any], *, on_create: bool) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise Invalid(detail="request body must be a JSON object")
        name = payload.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Invalid(detail="name: required, a non-empty string", pointer="name")
        if len(name) > MAX_NAME_LENGTH:
            raise Invalid(
                detail=f"name: at most {MAX_NAME_LENGTH} characters (got {len(name)})",
                pointer="name",
            )
        not_before = _timestamp(payload.get("not_before"), "not_before")
        expires_on = _timestamp(payload.get("expires_on"), "expires_on")
        if not_before and expires_on and expires_on <= not_before:
            raise Invalid(detail="expires_on: must be after not_before", pointer="expires_on")
        return {
            "name": name,
            "policies": parse_policies(
                payload.get("policies"), on_create=on_create, new_id=new_tag
            ),
            "condition": normalise_condition(payload.get("condition")),
            "not_before": not_before,
            "expires_on": expires_on,
        }

    async def _check_grantable(self, owner: TokenOwner, policies: Sequence[Policy]) -> None:
        if owner.kind is TokenKind.USER:
            roles = await self._identity.roles(owner.owner_id)
            accounts = {account: ROLE_ACCESS[role] for account, role in roles.items()}
            user_id: str | None = owner.owner_id
        else:
            accounts, user_id = {owner.owner_id: Access.WRITE}, None
        zone_ids = _zone_ids(policies)
        zones = await self._zone_accounts(zone_ids) if self._zone_accounts and zone_ids else {}
        check_grantable(
            policies, Grantable(user_id=user_id, accounts=accounts, zone_accounts=zones)
        )


def owner_of(token: ApiToken) -> TokenOwner:
    if token.kind == TokenKind.USER.value:
        return TokenOwner(TokenKind.USER, str(token.user_id))
    return TokenOwner(TokenKind.ACCOUNT, str(token.account_id))


def token_status(token: ApiToken, now: datetime) -> str:
    """active | disabled | expired: expiry is computed from ``expires_on``, never stored."""
    if token.status == "disabled":
        return "disabled"
    if token.expires_on is not None and now >= token.expires_on:
        return "expired"
    return "active"


def _audit_entry(
    action: Action,
    token: ApiToken,
    *,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Entry:
    """A token event: user tokens are user-level events, account tokens the account's."""
    kind = ResourceType.USER_TOKEN if token.kind == TokenKind.USER else ResourceType.ACCOUNT_TOKEN
    return Entry(
        action,
        kind,
        token.id,
        account_id=token.account_id,
        user_id=token.user_id,
        metadata={"token_name": token.name, **(metadata or {})},
        old=old,
        new=new,
    )


def _snapshot(token: ApiToken) -> dict[str, Any]:
    """What the audit log keeps of a token's state: never its secret or hash."""
    return {
        "name": token.name,
        "status": token.status,
        "policies": token.policies,
        "condition": token.condition or {},
        "not_before": rfc3339(token.not_before) if token.not_before else None,
        "expires_on": rfc3339(token.expires_on) if token.expires_on else None,
    }


def _stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": fields["name"],
        "policies": [policy_as_api(p) for p in fields["policies"]],
        "condition": fields["condition"].as_api(),
        "not_before": fields["not_before"],
        "expires_on": fields["expires_on"],
    }


def _timestamp(raw: object, field: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Invalid(detail=f"{field}: expected an RFC 3339 timestamp", pointer=field)
    try:
        when = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise Invalid(
            detail=f"{field}: {raw!r} is not an RFC 3339 timestamp", pointer=field
        ) from None
    if when.tzinfo is None:
        raise Invalid(detail=f"{field}: the timestamp needs a time zone, e.g. 'Z'", pointer=field)
    return when.replace(microsecond=0)


def _zone_ids(policies: Sequence[Policy]) -> set[str]:
    prefix = "com.cloudflare.api.account.zone."
    found: set[str] = set()
    for policy in policies:
        for key, value in policy.resources.items():
            keys = [key, *value.keys()] if isinstance(value, Mapping) else [key]
            found.update(
                k[len(prefix) :] for k in keys if k.startswith(prefix) and k != prefix + "*"
            )
    return found


def _quota_message(kind: TokenKind) -> str:
    who = "a user" if kind is TokenKind.USER else "an account"
    return f"Token quota reached: {who} may hold at most {QUOTA[kind]} API tokens"
