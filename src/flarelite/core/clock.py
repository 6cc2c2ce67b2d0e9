"""Time as a dependency: the Clock protocol, the system clock and a settable one for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, and the test-control plane)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def rfc3339(when: datetime) -> str:
    """Cloudflare's timestamp form: UTC, whole seconds, ``Z`` (reference tokens.md §1)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
