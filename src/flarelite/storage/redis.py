"""The Redis client as flarelite uses it: short timeouts and no retries, so a Redis outage
costs a request at most one short timeout before the caller degrades (limits, change feed)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


def make_redis(url: str, *, timeout_seconds: float = 0.5) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
