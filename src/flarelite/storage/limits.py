"""Rate limiting: fixed five-minute windows per key (Cloudflare: 1200 requests / 5 minutes).

The in-memory limiter counts per process; the Redis limiter (scale-out) shares counters
across nodes with one atomic round trip per request. Both answer the same ``Verdict``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the window ends


class RateLimiter(Protocol):
    async def hit(self, keys: tuple[str, ...], now: float) -> Verdict:
        """Count one request against every key; refused when any key is over its limit."""
        ...


class NoLimit:
    async def hit(self, keys: tuple[str, ...], now: float) -> Verdict:
        return Verdict(True, 0, 0, 0)


class MemoryRateLimiter:
    def __init__(self, limit: int, window: int = WINDOW_SECONDS) -> None:
        self._limit = limit
        self._window = window
        self._counts: dict[str, int] = {}
        self._current_window = -1

    async def hit(self, keys: tuple[str, ...], now: float) -> Verdict:
        window = int(now // self._window)
        if window != self._current_window:  # a new window: forget the old counts
            self._counts.clear()
            self._current_window = window
        highest = 0
        for key in keys:
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            highest = max(highest, count)
        reset_at = (window + 1) * self._window
        return Verdict(highest <= self._limit, self._limit, max(0, self._limit - highest), reset_at)


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
        self, client: Redis, limit: int, window: int = WINDOW_SECONDS, *, retry_seconds: float = 5.0
    ) -> None:
        self._client = client
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
        redis_keys = [f"flarelite:rl:{window}:{key}" for key in keys]
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
