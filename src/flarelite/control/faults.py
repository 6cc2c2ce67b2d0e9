"""Injected faults: "the next N requests matching this path answer 429 (or a 5xx)".

Kept in a JSON file in the data dir so every worker draws from the same N: a request takes a
fault under an exclusive ``flock``, so two workers never both spend the last one. When no
fault is set the file is absent and a request costs one ``stat``.
"""

from __future__ import annotations

import fcntl
import fnmatch
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flarelite.core.errors import Invalid

FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Fault:
    path: str  # a glob over the request path: "/client/v4/zones*"
    status: int = 429
    count: int = 1  # answers still to give
    method: str | None = None  # None: any method
    retry_after: int | None = 1  # seconds; sent as Retry-After
    hits: int = 0  # answers already given

    def matches(self, method: str, path: str) -> bool:
        return (
            self.count > 0
            and (self.method is None or self.method == method)
            and fnmatch.fnmatchcase(path, self.path)
        )


def parse_fault(body: object) -> Fault:
    """A fault from a control request's JSON body; raises Invalid naming the bad field."""
    if not isinstance(body, dict):
        raise Invalid(detail="body: expected a JSON object")
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise Invalid(detail="path: required, a path or glob starting with /", pointer="path")
    status = body.get("status", 429)
    if status not in FAULT_STATUSES:
        allowed = ", ".join(map(str, sorted(FAULT_STATUSES)))
        raise Invalid(detail=f"status: one of {allowed}", pointer="status")
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
        raise Invalid(detail="count: a whole number from 1 to 10000", pointer="count")
    method = body.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise Invalid(detail="method: an HTTP method such as GET", pointer="method")
    retry_after = body.get("retry_after", 1)
    if retry_after is not None and (
        not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0
    ):
        raise Invalid(detail="retry_after: whole seconds, 0 or more", pointer="retry_after")
    return Fault(path, status, count, method.upper() if method else None, retry_after)


class FaultBook:
    def __init__(self, path: Path) -> None:
        self._path = path

    def add(self, fault: Fault) -> list[Fault]:
        with self._locked() as faults:
            faults.append(fault)
            return list(faults)

    def clear(self) -> None:
        self._path.unlink(missing_ok=True)

    def list(self) -> list[Fault]:
        with self._locked() as faults:
            return list(faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, spending one of its answers; else None."""
        if not self._path.exists():  # the common case: no fault set, one stat
            return None
        with self._locked() as faults:
            for index, fault in enumerate(faults):
                if fault.matches(method, path):
                    spent = Fault(
                        **{**asdict(fault), "count": fault.count - 1, "hits": fault.hits + 1}
                    )
                    faults[index] = spent
                    return spent
        return None

    def _locked(self) -> _LockedFaults:
        return _LockedFaults(self._path)


class _LockedFaults:
    """The fault list under an exclusive lock; written back when the block ends."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._faults: list[Fault] = []

    def __enter__(self) -> list[Fault]:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        raw = b""
        while chunk := os.read(self._fd, 65536):
            raw += chunk
        items: list[dict[str, Any]] = json.loads(raw) if raw.strip() else []
        self._faults = [Fault(**item) for item in items]
        self._before = list(self._faults)
        return self._faults

    def __exit__(self, *_: object) -> None:
        try:
            if self._faults != self._before:
                data = json.dumps([asdict(fault) for fault in self._faults]).encode()
                os.lseek(self._fd, 0, os.SEEK_SET)
                os.ftruncate(self._fd, 0)
                os.write(self._fd, data)
        finally:
            os.close(self._fd)  # closing releases the lock
