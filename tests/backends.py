"""Real backends for tests: a fresh PostgreSQL database on the machine's server, free ports.

PostgreSQL being down is a failure with a clear message, never a skip.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

PG_ADMIN_URL = os.environ.get("FLARELITE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}). Start it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            pytrace=False,
        )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new empty database for the duration of the block; its URL is yielded."""
    name = f"flarelite_t_{secrets.token_hex(6)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REDIS_URL = os.environ.get("FLARELITE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_client():  # type: ignore[no-untyped-def]
    """An asyncio client for the machine's Redis; down is a failure with the start command."""
    from flarelite.storage.redis import make_redis

    require_redis()
    return make_redis(REDIS_URL, timeout_seconds=2.0)


def require_redis() -> None:
    """Fail (never skip) with the command to start it when the machine's Redis is down."""
    import redis

    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}). Start it with: redis-server "
            '--daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
            pytrace=False,
        )
