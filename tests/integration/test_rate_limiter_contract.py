"""One rate-limiter suite, run against every backend: in-process memory and real Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from tests.backends import redis_client

from flarelite.storage.limits import MemoryRateLimiter, RateLimiter
from flarelite.storage.redis import RedisRateLimiter, make_redis

LIMIT = 5
NOW = 1_000_000.0


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter(LIMIT)
        return
    client = redis_client()
    yield RedisRateLimiter(client, LIMIT)
    await client.aclose()


def _key() -> str:
    return f"token:{secrets.token_hex(8)}"


async def test_requests_up_to_the_limit_pass_and_the_next_is_refused(limiter: RateLimiter) -> None:
    key = _key()
    verdicts = [await limiter.hit((key,), NOW) for _ in range(LIMIT + 1)]
    assert [v.allowed for v in verdicts] == [True] * LIMIT + [False]
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0, 0]
    assert verdicts[-1].reset_at == (int(NOW // 300) + 1) * 300


async def test_a_shared_key_counts_requests_of_every_token(limiter: RateLimiter) -> None:
    user = f"user:{secrets.token_hex(8)}"
    for _ in range(LIMIT):
        await limiter.hit((_key(), user), NOW)
    refused = await limiter.hit((_key(), user), NOW)
    assert not refused.allowed


async def test_a_new_window_starts_counting_again(limiter: RateLimiter) -> None:
    key = _key()
    for _ in range(LIMIT + 1):
        await limiter.hit((key,), NOW)
    assert (await limiter.hit((key,), NOW + 300)).allowed


async def test_count_reads_the_highest_count_without_counting(limiter: RateLimiter) -> None:
    email, ip = _key(), _key()
    assert await limiter.count((email, ip), NOW) == 0
    for _ in range(3):
        await limiter.hit((email, ip), NOW)
    await limiter.hit((ip,), NOW)
    assert await limiter.count((email, ip), NOW) == 4
    assert await limiter.count((email, ip), NOW) == 4  # reading did not count
    assert await limiter.count((email, ip), NOW + 300) == 0  # a new window


async def test_redis_limiter_shares_counts_across_instances() -> None:
    first, second = redis_client(), redis_client()
    key = _key()
    try:
        a, b = RedisRateLimiter(first, LIMIT), RedisRateLimiter(second, LIMIT)
        for index in range(LIMIT):
            await (a if index % 2 else b).hit((key,), NOW)
        assert not (await a.hit((key,), NOW)).allowed
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_limiter_degrades_to_per_node_when_redis_is_unreachable() -> None:
    unreachable = make_redis("redis://127.0.0.1:1/0", timeout_seconds=0.2)
    limiter = RedisRateLimiter(unreachable, LIMIT)
    key = _key()
    verdicts = [await limiter.hit((key,), NOW) for _ in range(LIMIT + 1)]
    assert [v.allowed for v in verdicts] == [True] * LIMIT + [False]
    await unreachable.aclose()
