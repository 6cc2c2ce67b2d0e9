"""Identity rules: create users, accounts and memberships; look them up; check passwords.

Never sees a request. Password hashing runs in the CPU pool it is given.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flarelite.core.clock import Clock
from flarelite.core.ids import new_account_hash, new_tag
from flarelite.identity import repo
from flarelite.identity.errors import (
    AccountNotFound,
    InvalidEmail,
    UserExists,
    UserNotFound,
    WeakPassword,
)
from flarelite.identity.models import Account, Membership, Role, User
from flarelite.identity.passwords import hash_password, verify_password

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD_LENGTH = 8


class IdentityService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        cpu: anyio.CapacityLimiter,
        on_change: Callable[[], Any] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._cpu = cpu
        # Membership changes alter what tokens may reach: cached authorisations must go.
        self._on_change = on_change

    async def create_user(
        self,
        email: str,
        password: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> User:
        email = normalise_email(email)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(pointer="password")
        password_hash = await anyio.to_thread.run_sync(hash_password, password, limiter=self._cpu)
        now = self._clock.now()
        user = User(
            id=new_tag(),
            email=email,
            password_hash=password_hash,
            first_name=first_name,
            last_name=last_name,
            created_on=now,
            modified_on=now,
        )
        async with self._sessions.begin() as session:
            if await repo.user_by_email(session, email):
                raise UserExists(f"email {email} taken", pointer="email")
            session.add(user)
            try:
                await session.flush()
            except IntegrityError as exc:  # a concurrent create won the race
                raise UserExists(f"email {email} taken", pointer="email") from exc
        return user

    async def create_account(self, name: str, *, owner_id: str | None = None) -> Account:
        """Create an account; with ``owner_id`` the user becomes its Administrator."""
        account = Account(
            id=new_tag(),
            name=name.strip()[:100] or "My account",
            account_hash=new_account_hash(),
            type="standard",
            created_on=self._clock.now(),
        )
        async with self._sessions.begin() as session:
            session.add(account)
            if owner_id is not None:
                session.add(self._membership(owner_id, account.id, Role.ADMIN))
        self._changed()
        return account

    async def add_member(self, user_id: str, account_id: str, role: Role) -> Membership:
        membership = self._membership(user_id, account_id, role)
        async with self._sessions.begin() as session:
            session.add(membership)
        self._changed()
        return membership

    async def get_user(self, user_id: str) -> User:
        async with self._sessions() as session:
            user = await repo.user_by_id(session, user_id)
        if user is None:
            raise UserNotFound(user_id)
        return user

    async def find_user_by_email(self, email: str) -> User | None:
        async with self._sessions() as session:
            return await repo.user_by_email(session, email.strip().lower())

    async def get_account(self, account_id: str) -> Account:
        async with self._sessions() as session:
            account = await repo.account_by_id(session, account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return account

    async def find_account_by_hash(self, account_hash: str) -> Account | None:
        async with self._sessions() as session:
            return await repo.account_by_hash(session, account_hash)

    async def memberships(self, user_id: str) -> Sequence[tuple[Membership, Account]]:
        async with self._sessions() as session:
            return await repo.memberships_of(session, user_id)

    async def roles(self, user_id: str) -> dict[str, Role]:
        """account id → the user's role there: what the user's tokens may ever reach."""
        return {m.account_id: Role(m.role) for m, _ in await self.memberships(user_id)}

    async def member_ids(self, account_id: str) -> Sequence[str]:
        """The ids of every user who is a member of the account (any role)."""
        async with self._sessions() as session:
            return await repo.member_ids(session, account_id)

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user when the password matches, else None (same cost either way)."""
        user = await self.find_user_by_email(email)
        stored = user.password_hash if user else _dummy_hash()
        ok = await anyio.to_thread.run_sync(verify_password, stored, password, limiter=self._cpu)
        return user if ok and user else None

    async def change_password(self, user_id: str, current: str, new: str) -> bool:
        """Set a new password when ``current`` matches; False (and no change) when it does not.

        Raises ``WeakPassword`` for a too-short new password. Ending the user's other dashboard
        sessions is the caller's job (it knows which session to keep).
        """
        user = await self.get_user(user_id)
        ok = await anyio.to_thread.run_sync(
            verify_password, user.password_hash, current, limiter=self._cpu
        )
        if not ok:
            return False
        if len(new) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(pointer="new_password")
        new_hash = await anyio.to_thread.run_sync(hash_password, new, limiter=self._cpu)
        async with self._sessions.begin() as session:
            row = await repo.user_by_id(session, user_id)
            if row is None:
                raise UserNotFound(user_id)
            row.password_hash = new_hash
            row.modified_on = self._clock.now()
        return True

    async def has_users(self) -> bool:
        async with self._sessions() as session:
            return await repo.count_users(session) > 0

    def _membership(self, user_id: str, account_id: str, role: Role) -> Membership:
        return Membership(
            id=new_tag(),
            user_id=user_id,
            account_id=account_id,
            role=role.value,
            status="accepted",
            created_on=self._clock.now(),
        )

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        raise InvalidEmail(pointer="email")
    return email


@functools.cache
def _dummy_hash() -> str:
    """Verifying against a fixed hash when the email is unknown keeps login timing uniform.

    Made on first use, not at import: argon2 costs ~100 ms and 64 MiB in every worker.
    """
    return hash_password("flarelite-timing-equaliser")
