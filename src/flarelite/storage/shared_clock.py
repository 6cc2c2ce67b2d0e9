"""A clock every worker of a node shares through a file in the data dir: the test-control clock.

Only built when FLARELITE_TEST_CONTROL=1. Without the file it is the system clock; the file can
freeze time at an instant or shift it by an offset. Every ``now()`` stats the file (about a
microsecond), so a change made through one worker holds for the very next request on any other.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ClockState:
    """Frozen at ``frozen_at`` when set; otherwise the system time plus ``offset``."""

    frozen_at: datetime | None = None
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return datetime.now(UTC) + self.offset

    def as_json(self) -> dict[str, object]:
        return {
            "now": self.now().isoformat().replace("+00:00", "Z"),
            "frozen": self.frozen_at is not None,
            "offset_seconds": self.offset.total_seconds(),
        }


class FileClock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: object = None
        self._state = ClockState()

    def now(self) -> datetime:
        return self.state().now()

    def state(self) -> ClockState:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._seen, self._state = None, ClockState()
            return self._state
        version = (stat.st_ino, stat.st_mtime_ns)
        if version != self._seen:
            self._seen, self._state = version, _read(self._path)
        return self._state

    def freeze(self, when: datetime) -> ClockState:
        """Stop time at ``when`` (timezone-aware) until told otherwise."""
        return self._write(ClockState(frozen_at=when.astimezone(UTC)))

    def advance(self, delta: timedelta) -> ClockState:
        """Move time forward (or back): a frozen clock stays frozen, a running one keeps running."""
        state = self.state()
        if state.frozen_at is not None:
            return self._write(ClockState(frozen_at=state.frozen_at + delta))
        return self._write(ClockState(offset=state.offset + delta))

    def reset(self) -> ClockState:
        """Back to the system clock."""
        self._path.unlink(missing_ok=True)
        return self.state()

    def _write(self, state: ClockState) -> ClockState:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "frozen_at": state.frozen_at.isoformat() if state.frozen_at else None,
            "offset_seconds": state.offset.total_seconds(),
        }
        # A new file renamed over the old: readers see the old state or the new, never half.
        temporary = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}")
        temporary.write_text(json.dumps(body))
        os.replace(temporary, self._path)
        return self.state()


def _read(path: Path) -> ClockState:
    try:
        body = json.loads(path.read_text())
        frozen = body.get("frozen_at")
        return ClockState(
            frozen_at=datetime.fromisoformat(frozen) if frozen else None,
            offset=timedelta(seconds=float(body.get("offset_seconds", 0))),
        )
    except (OSError, ValueError, AttributeError):
        return ClockState()  # vanished or unreadable between stat and read: the system clock
