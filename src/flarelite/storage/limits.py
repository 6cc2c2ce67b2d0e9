"""Rate limiting: fixed five-minute windows per key (Cloudflare: 1200 requests / 5 minutes).

The in-memory limiter counts per process; the Redis limiter (scale-out) shares counters
across nodes with one atomic round trip per request. Both answer the same ``Verdict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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

    async def count(self, keys: tuple[str, ...], now: float) -> int:
        """The highest count among ``keys`` in the current window, without counting."""
        ...


class NoLimit:
    async def hit(self, keys: tuple[str, ...], now: float) -> Verdict:
        return Verdict(True, 0, 0, 0)

    async def count(self, keys: tuple[str, ...], now: float) -> int:
        return 0


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

    async def count(self, keys: tuple[str, ...], now: float) -> int:
        if int(now // self._window) != self._current_window:
            return 0
        return max((self._counts.get(key, 0) for key in keys), default=0)
