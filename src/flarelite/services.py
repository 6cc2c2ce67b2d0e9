"""Services: the typed bundle built once per process from Settings (db, caches, domain services).

The only place (with the CLI) that picks concrete backends, by URL scheme, from a closed set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flarelite.config import Settings
from flarelite.core.clock import Clock, SystemClock
from flarelite.identity.service import IdentityService
from flarelite.storage.changes import ChangeFeed, FileChangeFeed
from flarelite.storage.db import make_async_engine, make_session_factory
from flarelite.storage.limits import MemoryRateLimiter, NoLimit, RateLimiter
from flarelite.tokens.authn import Authenticator
from flarelite.tokens.service import TokenService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cpu: anyio.CapacityLimiter
    changes: ChangeFeed
    limiter: RateLimiter
    identity: IdentityService
    tokens: TokenService
    authn: Authenticator

    async def close(self) -> None:
        await self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Wire every backend and domain service; nothing here does I/O until first used."""
    settings = settings.with_secret_key()
    clock = clock or SystemClock()
    engine = make_async_engine(settings.database_url)
    sessions = make_session_factory(engine)
    # CPU work (argon2, image transforms) never runs on anyio's shared default pool.
    cpu = anyio.CapacityLimiter(os.cpu_count() or 1)
    changes = FileChangeFeed(settings.data_dir / "run" / "token-changes")
    limiter: RateLimiter = (
        MemoryRateLimiter(settings.rate_limit) if settings.rate_limit else NoLimit()
    )
    identity = IdentityService(sessions, clock, cpu, on_change=changes.bump)
    tokens = TokenService(sessions, clock, settings.secret_key, identity, changes)
    authn = Authenticator(sessions, settings.secret_key, identity, changes)
    return Services(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        cpu=cpu,
        changes=changes,
        limiter=limiter,
        identity=identity,
        tokens=tokens,
        authn=authn,
    )
