"""The audit log on real SQLite and PostgreSQL: recorded with the change or not at all, and read
back per account with Cloudflare's filters."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.factories import account_key, make_policy, user_key

from flarelite.audit.events import Action, Actor, Entry, ResourceType
from flarelite.audit.filters import AuditFilter
from flarelite.config import Settings
from flarelite.core.clock import FixedClock
from flarelite.core.paging import PageRequest
from flarelite.services import Services, build
from flarelite.storage.migrate import migrate
from flarelite.tokens.errors import TokenNotFound
from flarelite.tokens.secrets import TokenKind, keyed_hash
from flarelite.tokens.service import TokenOwner

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL = PageRequest(1, 100)


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    migrate(database_url)
    settings = Settings.from_env(
        {"FLARELITE_DATA_DIR": str(tmp_path), "FLARELITE_DATABASE_URL": database_url}
    )
    built = build(settings, clock=FixedClock(START))
    yield built
    await built.close()


def _clock(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


async def _account(services: Services) -> tuple[str, str]:
    user = await services.identity.create_user("audit@example.com", "long-enough-pw")
    account = await services.identity.create_account("Audited", owner_id=user.id)
    return user.id, account.id


def _entry(account_id: str, action: Action = Action.CREATE, **kwargs: object) -> Entry:
    return Entry(action, ResourceType.IMAGE, "img-1", account_id=account_id, **kwargs)  # type: ignore[arg-type]


async def test_token_lifecycle_is_recorded_with_the_actor(services: Services) -> None:
    user_id, account_id = await _account(services)
    actor = Actor.user(user_id, "audit@example.com", "198.51.100.7", token_id="t" * 32)
    owner = TokenOwner(TokenKind.ACCOUNT, account_id)
    policies = [make_policy("Account Settings Read", resources={account_key(account_id): "*"})]
    payload = {"name": "ci", "policies": policies}
    token, _ = await services.tokens.create(owner, payload, actor=actor)
    await services.tokens.update(owner, token.id, {**payload, "name": "ci-2"}, actor=actor)
    await services.tokens.roll(owner, token.id, actor=actor)
    await services.tokens.delete(owner, token.id, actor=actor)
    flt = AuditFilter(descending=False)
    rows, info = await services.audit.list(account_id, flt, ALL)
    assert [r.action for r in rows] == ["create", "update", "roll", "delete"]
    assert info.total_count == 4
    assert {(r.resource_type, r.resource_id) for r in rows} == {("account_token", token.id)}
    assert {(r.actor_id, r.actor_email, r.actor_ip, r.token_id) for r in rows} == {
        (user_id, "audit@example.com", "198.51.100.7", "t" * 32)
    }
    update = rows[1].details
    assert update is not None
    assert update["old"]["name"] == "ci"
    assert update["new"]["name"] == "ci-2"


async def test_no_event_is_kept_when_the_change_fails(services: Services) -> None:
    _, account_id = await _account(services)
    with pytest.raises(TokenNotFound):
        await services.tokens.delete(TokenOwner(TokenKind.ACCOUNT, account_id), "0" * 32)
    rows, _ = await services.audit.list(account_id, AuditFilter(), ALL)
    assert rows == []


async def test_secret_material_never_enters_an_event(services: Services) -> None:
    _, account_id = await _account(services)
    owner = TokenOwner(TokenKind.ACCOUNT, account_id)
    policies = [make_policy("Account Settings Read", resources={account_key(account_id): "*"})]
    token, secret = await services.tokens.create(owner, {"name": "x", "policies": policies})
    secret = await services.tokens.roll(owner, token.id)
    rows, _ = await services.audit.list(account_id, AuditFilter(), ALL)
    stored = repr([(r.details, r.resource_id, r.token_id) for r in rows])
    assert secret not in stored
    assert secret[5:45] not in stored
    assert keyed_hash(services.settings.secret_key, secret) not in stored
    with pytest.raises(ValueError, match="secrets"):
        await services.audit.record(_entry(account_id, metadata={"value": "x"}))


async def test_user_token_events_show_in_the_accounts_of_their_user_only(
    services: Services,
) -> None:
    user_id, account_id = await _account(services)
    stranger = await services.identity.create_user("other@example.com", "long-enough-pw")
    other_account = await services.identity.create_account("Other", owner_id=stranger.id)
    policies = [make_policy("User Details Read", resources={user_key(user_id): "*"})]
    await services.tokens.create(
        TokenOwner(TokenKind.USER, user_id), {"name": "u", "policies": policies}
    )
    members = await services.identity.member_ids(account_id)
    rows, _ = await services.audit.list(account_id, AuditFilter(), ALL, member_ids=members)
    assert [(r.resource_type, r.user_id, r.account_id) for r in rows] == [
        ("user_token", user_id, None)
    ]
    hidden = AuditFilter(include_user_events=False)
    assert (await services.audit.list(account_id, hidden, ALL, member_ids=members))[0] == []
    theirs = await services.identity.member_ids(other_account.id)
    assert (await services.audit.list(other_account.id, AuditFilter(), ALL, member_ids=theirs))[
        0
    ] == []


async def test_filters_by_time_ip_email_action_and_id(services: Services) -> None:
    _, account_id = await _account(services)
    first = Actor.user("u1", "Ann@Example.com", "192.0.2.10")
    second = Actor.user("u2", "bob@example.com", "2001:db8::5")
    early = await services.audit.record(_entry(account_id), first)
    _clock(services).advance(timedelta(days=2))
    late = await services.audit.record(_entry(account_id, Action.DELETE), second)

    async def ids(**kwargs: object) -> list[str]:
        rows, _ = await services.audit.list(account_id, AuditFilter(**kwargs), ALL)  # type: ignore[arg-type]
        return [r.id for r in rows]

    assert await ids() == [late.id, early.id]  # newest first
    assert await ids(descending=False) == [early.id, late.id]
    assert await ids(since=START + timedelta(days=1)) == [late.id]
    assert await ids(before=START + timedelta(days=1)) == [early.id]
    assert await ids(actor_email="ann@example.com") == [early.id]
    assert await ids(action_type="delete") == [late.id]
    assert await ids(id=early.id) == [early.id]
    assert await ids(actor_ip=ipaddress.ip_network("192.0.2.10")) == [early.id]
    assert await ids(actor_ip=ipaddress.ip_network("192.0.2.0/24")) == [early.id]
    assert await ids(actor_ip=ipaddress.ip_network("2001:db8::/32")) == [late.id]
    assert await ids(actor_ip=ipaddress.ip_network("203.0.113.0/24")) == []


async def test_pages_count_every_match(services: Services) -> None:
    _, account_id = await _account(services)
    for _ in range(5):
        await services.audit.record(_entry(account_id), Actor.user("u", None, "10.0.0.1"))
        _clock(services).advance(timedelta(seconds=1))
    for flt in (AuditFilter(), AuditFilter(actor_ip=ipaddress.ip_network("10.0.0.0/8"))):
        rows, info = await services.audit.list(account_id, flt, PageRequest(2, 2))
        assert len(rows) == 2
        assert (info.total_count, info.total_pages) == (5, 3)


async def test_a_failed_login_is_kept_and_shown_to_the_users_accounts(
    services: Services,
) -> None:
    user_id, account_id = await _account(services)
    await services.audit.record_login(
        email="audit@example.com", user_id=user_id, ip="192.0.2.1", succeeded=False
    )
    await services.audit.record_login(
        email="nobody@example.com", user_id=None, ip="192.0.2.1", succeeded=False
    )
    rows, _ = await services.audit.list(account_id, AuditFilter(), ALL, member_ids=[user_id])
    assert [(r.action, r.result, r.interface, r.actor_email) for r in rows] == [
        ("login", False, "UI", "audit@example.com")
    ]
