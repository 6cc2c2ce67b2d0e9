"""Authorization header → Principal, with no database round trip when nothing changed.

Checks run cheapest first: header syntax and CRC (no I/O), then the keyed-hash lookup through
a per-process cache that the change feed empties whenever any token or membership changes.
Usability (status, dates, client IP) is checked on every request against the cached facts.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.identity.service import IdentityService
from flarelite.storage.changes import ChangeFeed
from flarelite.tokens import repo
from flarelite.tokens.catalog import Access
from flarelite.tokens.conditions import (
    Condition,
    Failure,
    check_ip,
    check_time,
    normalise_condition,
)
from flarelite.tokens.errors import TokenUnusable, UnknownToken
from flarelite.tokens.models import ApiToken
from flarelite.tokens.policy import Owner, Policy
from flarelite.tokens.policy_input import policies_from_stored
from flarelite.tokens.secrets import TokenKind, keyed_hash, parse_bearer
from flarelite.tokens.service import ROLE_ACCESS

LAST_USED_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated token and everything needed to authorise its requests."""

    token_id: str
    kind: TokenKind
    user_id: str | None
    account_id: str | None
    status: str  # stored status: active | disabled
    policies: tuple[Policy, ...]
    condition: Condition
    not_before: datetime | None
    expires_on: datetime | None
    # For user tokens: account id → the most the user may do there (memberships and roles).
    reachable: Mapping[str, Access] | None

    @property
    def owner(self) -> Owner:
        return Owner(user_id=self.user_id, account_id=self.account_id)


class Authenticator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secret_key: bytes,
        identity: IdentityService,
        changes: ChangeFeed,
        *,
        ttl_seconds: float = 30.0,
        max_entries: int = 10_000,
    ) -> None:
        self._sessions = sessions
        self._key = secret_key
        self._identity = identity
        self._changes = changes
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._version: object = changes.version()
        self._last_used: dict[str, datetime] = {}
        self._pending_used: dict[str, datetime] = {}

    async def authenticate(self, header: str | None) -> Principal:
        """The token behind a Bearer header. Raises MalformedAuthorization or UnknownToken."""
        bearer = parse_bearer(header)
        secret_hash = keyed_hash(self._key, bearer.value)
        principal = self._cached(secret_hash)
        if principal is None:
            principal = await self._load(secret_hash)
            self._remember(secret_hash, principal)
        return principal

    def check_usable(self, principal: Principal, client_ip: str, now: datetime) -> None:
        """Raise TokenUnusable (with the reason) when the token may not be used right now."""
        if principal.status != "active":
            raise TokenUnusable("token disabled", reason="disabled")
        timing = check_time(principal.not_before, principal.expires_on, now)
        if isinstance(timing, Failure):
            raise TokenUnusable(timing.reason, reason="expired")
        location = check_ip(principal.condition, client_ip)
        if isinstance(location, Failure):
            raise TokenUnusable(location.reason, reason="ip", client_ip=client_ip)

    def note_used(self, token_id: str, now: datetime) -> None:
        """Remember a use; written to the database at most once a minute per token."""
        previous = self._last_used.get(token_id)
        if previous is None or now - previous >= LAST_USED_INTERVAL:
            self._last_used[token_id] = now
            self._pending_used[token_id] = now

    def take_pending_uses(self) -> dict[str, datetime]:
        pending, self._pending_used = self._pending_used, {}
        return pending

    def _cached(self, secret_hash: str) -> Principal | None:
        version = self._changes.version()
        if version != self._version:  # some process changed a token: trust nothing cached
            self._cache.clear()
            self._version = version
            return None
        entry = self._cache.get(secret_hash)
        if entry is None or time.monotonic() - entry[1] > self._ttl:
            return None
        return entry[0]

    def _remember(self, secret_hash: str, principal: Principal) -> None:
        self._cache[secret_hash] = (principal, time.monotonic())
        self._cache.move_to_end(secret_hash)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)

    async def principal_by_id(self, token_id: str) -> Principal | None:
        """The principal of a token named by id (``tokens explain``), built as for a request."""
        async with self._sessions() as session:
            token = await repo.by_id(session, token_id)
        return None if token is None else await self._principal(token)

    async def _load(self, secret_hash: str) -> Principal:
        async with self._sessions() as session:
            token = await repo.by_hash(session, secret_hash)
        if token is None:
            raise UnknownToken("no token with that hash")
        return await self._principal(token)

    async def _principal(self, token: ApiToken) -> Principal:
        reachable = None
        if token.kind == TokenKind.USER and token.user_id is not None:
            roles = await self._identity.roles(token.user_id)
            reachable = {account: ROLE_ACCESS[role] for account, role in roles.items()}
        return Principal(
            token_id=token.id,
            kind=TokenKind(token.kind),
            user_id=token.user_id,
            account_id=token.account_id,
            status=token.status,
            policies=tuple(policies_from_stored(token.policies)),
            condition=normalise_condition(token.condition),
            not_before=token.not_before,
            expires_on=token.expires_on,
            reachable=reachable,
        )
