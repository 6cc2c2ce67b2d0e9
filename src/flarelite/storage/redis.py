"""The Redis backends of the storage protocols: change feeds, rate limits, build leases.

Imported only when FLARELITE_REDIS_URL is set (the client library alone costs ~15 MB per
process). Clients have short timeouts and no retries, so an outage never stalls a request:
every backend degrades to its per-node behaviour and says so loudly in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from flarelite.storage.limits import WINDOW_SECONDS, MemoryRateLimiter, Verdict
from flarelite.storage.locks import LocalLocks

log = structlog.get_logger(__name__)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


def make_redis(url: str, *, timeout_seconds: float = 0.5) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


# Every key and channel starts with the deployment's namespace (services.py derives it from
# the secret key): deployments that share one Redis never see each other's counters or changes.
DEFAULT_NAMESPACE = "flarelite"


class RedisChangeFeed:
    """Nodes share Redis: a bump is published, and every node's subscriber counts messages.

    While the subscription is down, ``version()`` also changes every ``fallback_seconds``,
    so cached authorisations expire that quickly and revocation falls back to the database.
    """

    def __init__(
        self,
        client: Redis,
        topic: str,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        fallback_seconds: float = 1.0,
    ) -> None:
        self._client = client
        self._channel = f"{namespace}:changes:{topic}"
        self._fallback = fallback_seconds
        self._local = 0
        self._remote = 0
        self._connected = False
        self._pending: set[asyncio.Task[None]] = set()

    def version(self) -> object:
        if self._connected:
            return (self._local, self._remote)
        return (self._local, self._remote, int(time.monotonic() / self._fallback))

    def bump(self) -> None:
        self._local += 1
        task = asyncio.get_running_loop().create_task(self._publish())
        self._pending.add(task)  # keep a reference until done (asyncio holds only weak ones)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        """Wait for bumps still being published (a CLI command exits right after its change)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def run(self) -> None:
        """Subscribe until cancelled, reconnecting after failures (call from the lifespan)."""
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._connected = True
                    self._remote += 1  # anything may have changed while we were away
                    log.info("change_feed_subscribed")
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._remote += 1
            except (RedisError, OSError) as exc:
                if self._connected:
                    log.error("change_feed_lost", error=str(exc), fallback_seconds=self._fallback)
                self._connected = False
                await asyncio.sleep(self._fallback)

    async def _publish(self) -> None:
        # A pooled connection may predate a Redis restart ("Connection closed by server").
        # The failed connection leaves the pool, so one more try gets a fresh one: a lost
        # message would leave other nodes' caches stale while their subscriptions are up.
        for attempt in (1, 2):
            try:
                await self._client.publish(self._channel, "changed")
                return
            except RedisConnectionError as exc:
                if attempt == 2:
                    log.error("change_feed_publish_failed", error=str(exc))
            except (RedisError, OSError) as exc:
                log.error("change_feed_publish_failed", error=str(exc))
                return


# One round trip per request: every key is incremented and given its expiry atomically.
_HIT_SCRIPT = """
local highest = 0
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > highest then highest = count end
end
return highest
"""


class RedisRateLimiter:
    """Counters shared by every node. If Redis fails, counting degrades to this node alone,
    and Redis is tried again only every ``retry_seconds`` so requests never wait on it."""

    def __init__(
        self,
        client: Redis,
        limit: int,
        window: int = WINDOW_SECONDS,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        retry_seconds: float = 5.0,
    ) -> None:
        self._client = client
        self._prefix = f"{namespace}:rl"
        self._limit = limit
        self._window = window
        self._retry_seconds = retry_seconds
        self._script = client.register_script(_HIT_SCRIPT)
        self._fallback = MemoryRateLimiter(limit, window)
        self._degraded_until = 0.0

    async def hit(self, keys: tuple[str, ...], now: float) -> Verdict:
        if time.monotonic() < self._degraded_until:
            return await self._fallback.hit(keys, now)
        window = int(now // self._window)
        redis_keys = [f"{self._prefix}:{window}:{key}" for key in keys]
        try:
            highest = int(await self._script(keys=redis_keys, args=[self._window + 5]))
        except (RedisError, OSError) as exc:
            if not self._degraded_until:
                log.error("rate_limiter_degraded_to_per_node", error=str(exc))
            self._degraded_until = time.monotonic() + self._retry_seconds
            return await self._fallback.hit(keys, now)
        if self._degraded_until:
            log.warning("rate_limiter_shared_again")
            self._degraded_until = 0.0
        reset_at = (window + 1) * self._window
        return Verdict(highest <= self._limit, self._limit, max(0, self._limit - highest), reset_at)

    async def count(self, keys: tuple[str, ...], now: float) -> int:
        if time.monotonic() < self._degraded_until:
            return await self._fallback.count(keys, now)
        window = int(now // self._window)
        try:
            values = await self._client.mget([f"{self._prefix}:{window}:{key}" for key in keys])
        except (RedisError, OSError):
            return await self._fallback.count(keys, now)
        return max((int(v) for v in values if v is not None), default=0)


class RedisLocks:
    """The local lock first (one waiter per process polls Redis), then a Redis lease."""

    def __init__(
        self,
        client: Redis,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        ttl_ms: int = 30_000,
        poll_seconds: float = 0.02,
    ) -> None:
        self._prefix = f"{namespace}:build"
        self._client = client
        self._ttl_ms = ttl_ms
        self._poll = poll_seconds
        self._local = LocalLocks()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self._local.hold(key):
            name = f"{self._prefix}:{key}"
            token = secrets.token_hex(8)
            acquired = await self._acquire(name, token)
            try:
                yield
            finally:
                if acquired:
                    await self._release(name, token)

    async def _acquire(self, name: str, token: str) -> bool:
        """True once the lease is ours; False when Redis fails or the wait passes the TTL.

        Either way the caller goes on: a lost lock costs a duplicate build, never an error.
        """
        deadline = time.monotonic() + self._ttl_ms / 1000
        while time.monotonic() < deadline:
            try:
                if await self._client.set(name, token, nx=True, px=self._ttl_ms):
                    return True
            except (RedisError, OSError) as exc:
                log.warning("build_lock_unavailable", error=str(exc))
                return False
            await asyncio.sleep(self._poll)
        return False

    async def _release(self, name: str, token: str) -> None:
        try:
            await self._client.eval(_RELEASE, 1, name, token)  # type: ignore[misc]
        except (RedisError, OSError) as exc:
            log.warning("build_lock_release_failed", error=str(exc))
