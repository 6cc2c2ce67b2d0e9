"""Services: the typed bundle built once per process from Settings (db, caches, domain services).

The only place (with the CLI) that picks concrete backends, by URL scheme, from a closed set.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flarelite.audit.service import AuditLog
from flarelite.config import Settings
from flarelite.core.clock import Clock, SystemClock
from flarelite.dns.service import RecordService
from flarelite.dns.zones import ZoneService
from flarelite.identity.service import IdentityService
from flarelite.images.account_config import AccountConfigService
from flarelite.images.delivery import DeliveryService
from flarelite.images.delivery_lookup import DeliveryCatalogue
from flarelite.images.direct_upload import DirectUploadService
from flarelite.images.service import ImagesService
from flarelite.images.signing import SigningKeyService
from flarelite.images.transform_pool import TransformPool
from flarelite.images.variant_cache import VariantCache
from flarelite.images.variants import VariantService
from flarelite.storage.blobs import BlobStore
from flarelite.storage.blobs.local import local_blobs
from flarelite.storage.changes import (
    IMAGES_TOPIC,
    TOKENS_TOPIC,
    ChangeFeed,
    FileChangeFeed,
    NodeAndClusterFeed,
)
from flarelite.storage.db import make_async_engine, make_session_factory
from flarelite.storage.limits import MemoryRateLimiter, NoLimit, RateLimiter
from flarelite.storage.locks import BuildLocks, LocalLocks
from flarelite.storage.shared_clock import FileClock
from flarelite.tokens.authn import Authenticator
from flarelite.tokens.leaks import LeakIntake
from flarelite.tokens.secrets import keyed_hash
from flarelite.tokens.service import TokenService

# Failed dashboard logins allowed per email and per client IP in each five-minute window.
LOGIN_FAILURES = 10

if TYPE_CHECKING:  # the client library is imported only when Redis is configured
    from redis.asyncio import Redis


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cpu: anyio.CapacityLimiter
    changes: ChangeFeed  # tokens and memberships
    image_changes: ChangeFeed  # images, variants, keys, config
    limiter: RateLimiter
    login_limiter: RateLimiter  # dashboard login failures, per email and per client IP
    identity: IdentityService
    tokens: TokenService
    authn: Authenticator
    blobs: BlobStore
    images: ImagesService
    image_variants: VariantService
    image_keys: SigningKeyService
    image_config: AccountConfigService
    direct_uploads: DirectUploadService
    zones: ZoneService
    records: RecordService
    delivery: DeliveryService
    audit: AuditLog
    leaks: LeakIntake
    redis: Redis | None = None

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        """Long-running loops the server's lifespan must run (the change feeds' listeners)."""
        return [self.changes.run, self.image_changes.run]

    async def close(self) -> None:
        await self.changes.flush()
        await self.image_changes.flush()
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


def build(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Wire every backend and domain service; nothing here does I/O until first used."""
    settings = settings.with_secret_key()
    clock = clock or (control_clock(settings) if settings.test_control else SystemClock())
    engine = make_async_engine(settings.database_url)
    sessions = make_session_factory(engine)
    # CPU work (argon2, image transforms) never runs on anyio's shared default pool.
    cpu = anyio.CapacityLimiter(os.cpu_count() or 1)
    # With Redis, changes and limits are shared by every node; without it, by this node's workers.
    redis = _connect_redis(settings)
    changes = change_feed(settings, redis, TOKENS_TOPIC)
    image_changes = change_feed(settings, redis, IMAGES_TOPIC)
    limiter: RateLimiter = NoLimit()
    if settings.rate_limit:
        limiter = (
            _redis_limiter(settings, redis, settings.rate_limit)
            if redis
            else MemoryRateLimiter(settings.rate_limit)
        )
    identity = IdentityService(sessions, clock, cpu, on_change=changes.bump)
    audit = AuditLog(sessions, clock)  # one log; token, image and variant changes write to it
    zones = ZoneService(
        sessions, clock, name_servers=settings.nameservers, initial_status=settings.zone_status
    )
    records = RecordService(sessions, clock)
    tokens = TokenService(
        sessions,
        clock,
        settings.secret_key,
        identity,
        changes,
        zone_accounts=zones.zone_accounts,
        audit=audit,
    )
    authn = Authenticator(sessions, settings.secret_key, identity, changes)
    blobs = open_blob_store(settings.storage_url, settings.storage_options)
    # Upload inspection runs libvips: on threads of its own, as transforms do (transform_pool).
    inspect_threads = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="inspect")
    images = ImagesService(
        sessions, clock, inspect_threads, blobs, identity, settings.images, audit=audit
    )
    variants = VariantService(sessions, clock, audit)
    keys = SigningKeyService(sessions, clock)
    config = AccountConfigService(sessions, clock)
    return Services(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        cpu=cpu,
        changes=changes,
        image_changes=image_changes,
        limiter=limiter,
        # Login throttling stays on even when FLARELITE_RATE_LIMIT=0 turns API limits off.
        login_limiter=(
            _redis_limiter(settings, redis, LOGIN_FAILURES)
            if redis
            else MemoryRateLimiter(LOGIN_FAILURES)
        ),
        identity=identity,
        tokens=tokens,
        authn=authn,
        blobs=blobs,
        images=images,
        image_variants=variants,
        image_keys=keys,
        image_config=config,
        direct_uploads=DirectUploadService(
            sessions, clock, images, settings.secret_key, settings.public_url
        ),
        zones=zones,
        records=records,
        delivery=DeliveryService(
            DeliveryCatalogue(sessions, clock, identity, variants, keys, config, image_changes),
            blobs,
            # Transforms get their own bounded pool, separate from argon2 and ingest (design §3).
            TransformPool(settings.delivery.transform_workers, settings.delivery.transform_queue),
            build_locks(settings, redis),
            VariantCache(settings.delivery.variant_cache_bytes),
        ),
        audit=audit,
        leaks=LeakIntake(tokens, settings.secret_key, settings.leak_keys),
        redis=redis,
    )


def control_clock(settings: Settings) -> FileClock:
    """The test-control plane's clock: shared by every worker (and CLI) through the data dir."""
    return FileClock(settings.data_dir / "run" / "clock")


def _connect_redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    from flarelite.storage.redis import make_redis

    return make_redis(settings.redis_url)


def redis_namespace(settings: Settings) -> str:
    """The prefix of this deployment's Redis keys and channels: nodes share the secret key,
    so they share it; another deployment on the same Redis gets its own."""
    return "flarelite:" + keyed_hash(settings.secret_key, "redis-namespace")[:12]


def _redis_limiter(settings: Settings, redis: Redis, limit: int) -> RateLimiter:
    from flarelite.storage.redis import RedisRateLimiter

    return RedisRateLimiter(redis, limit, namespace=redis_namespace(settings))


def change_feed(settings: Settings, redis: Redis | None, topic: str) -> ChangeFeed:
    """One feed per topic, so an image upload never empties the token caches.

    With Redis, a change reaches this node's workers through the shared file at once and
    other nodes through Redis."""
    node = FileChangeFeed(settings.data_dir / "run" / f"{topic}-changes")
    if redis is None:
        return node
    from flarelite.storage.redis import RedisChangeFeed

    return NodeAndClusterFeed(
        node, RedisChangeFeed(redis, topic, namespace=redis_namespace(settings))
    )


def build_locks(settings: Settings, redis: Redis | None) -> BuildLocks:
    """Single-flight across every node with Redis; within this process without it."""
    if redis is None:
        return LocalLocks()
    from flarelite.storage.redis import RedisLocks

    return RedisLocks(redis, namespace=redis_namespace(settings))


def open_blob_store(url: str, options: Mapping[str, str] | None = None) -> BlobStore:
    """The blob store named by FLARELITE_STORAGE_URL: ``file://`` folder or ``s3://`` bucket.

    ``options`` are the AWS_* settings (endpoint, region, credentials) for ``s3://``.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        return local_blobs(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        # obstore (and its tokio runtime) loads only for S3: a local folder never needs it.
        from flarelite.storage.blobs.s3 import s3_blobs, s3_settings

        config, allow_http = s3_settings(options or {})
        return s3_blobs(url, config, allow_http=allow_http)
    raise ValueError(f"unsupported storage URL scheme {parts.scheme!r} (use file:// or s3://)")
