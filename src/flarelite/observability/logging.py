"""Structured logs: JSON lines in production, console when attached to a terminal.

A redaction processor drops anything that looks like a secret before it is rendered.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import msgspec
import structlog

_SECRET_KEYS = {"authorization", "token", "value", "secret", "password", "cookie", "set-cookie"}
_TOKEN_PATTERN = re.compile(r"cf[ua]t_[A-Za-z0-9]{40}[0-9a-f]{8}")
REDACTED = "[redacted]"
_json = msgspec.json.Encoder()


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        value = event[key]
        if key.lower() in _SECRET_KEYS:
            event[key] = REDACTED
        elif isinstance(value, str) and _TOKEN_PATTERN.search(value):
            event[key] = _TOKEN_PATTERN.sub(REDACTED, value)
    return event


def _encode_line(event: MutableMapping[str, Any], **_: Any) -> bytes:
    # msgspec is several times faster than json.dumps on the per-request access line.
    return _json.encode(event)


def _worker_pid(pid: int) -> Any:
    def add_pid(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        event["pid"] = pid
        return event

    return add_pid


def configure_logging(*, json: bool | None = None, level: int = logging.INFO) -> None:
    """JSON lines on stderr (console rendering when stderr is a terminal)."""
    json = not sys.stderr.isatty() if json is None else json
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _worker_pid(os.getpid()),  # which worker process wrote the line
        structlog.processors.format_exc_info,
        redact,
    ]
    if json:
        processors.append(structlog.processors.JSONRenderer(serializer=_encode_line))
        factory: Any = structlog.BytesLoggerFactory(file=sys.stderr.buffer)
    else:
        processors.append(structlog.dev.ConsoleRenderer())
        factory = structlog.PrintLoggerFactory(file=sys.stderr)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
