"""The identity service on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flarelite.config import Settings
from flarelite.identity.errors import InvalidEmail, UserExists, WeakPassword
from flarelite.identity.models import Role
from flarelite.services import Services, build
from flarelite.storage.migrate import migrate


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    migrate(database_url)
    settings = Settings.from_env(
        {"FLARELITE_DATA_DIR": str(tmp_path), "FLARELITE_DATABASE_URL": database_url}
    )
    built = build(settings)
    yield built
    await built.close()


async def test_created_user_authenticates_with_its_password(services: Services) -> None:
    user = await services.identity.create_user("Ada@Example.com", "long-enough-pw")
    assert user.email == "ada@example.com"
    authenticated = await services.identity.authenticate("ada@example.com", "long-enough-pw")
    assert authenticated is not None
    assert authenticated.id == user.id
    assert await services.identity.authenticate("ada@example.com", "wrong-password") is None
    assert await services.identity.authenticate("nobody@example.com", "long-enough-pw") is None


async def test_duplicate_email_is_refused(services: Services) -> None:
    await services.identity.create_user("dup@example.com", "long-enough-pw")
    with pytest.raises(UserExists):
        await services.identity.create_user("DUP@example.com", "long-enough-pw")


@pytest.mark.parametrize(
    ("email", "password", "error"),
    [("not-an-email", "long-enough-pw", InvalidEmail), ("a@example.com", "short", WeakPassword)],
)
async def test_bad_user_input_is_refused(
    services: Services, email: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await services.identity.create_user(email, password)
    assert not await services.identity.has_users()


async def test_account_owner_becomes_administrator(services: Services) -> None:
    user = await services.identity.create_user("owner@example.com", "long-enough-pw")
    account = await services.identity.create_account("Acme", owner_id=user.id)
    assert await services.identity.roles(user.id) == {account.id: Role.ADMIN}
    assert len(account.id) == 32
    assert account.account_hash != account.id
    found = await services.identity.find_account_by_hash(account.account_hash)
    assert found is not None
    assert found.id == account.id
