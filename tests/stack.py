"""Which backends the test servers run on: the whole suite runs once per stack in CI.

``FLARELITE_TEST_STACK`` selects it:

- ``embedded`` (default): SQLite and a folder under the data dir, as ``flarelite serve`` starts;
- ``postgresql``: a fresh PostgreSQL database per server, blobs still local;
- ``scaleout``: a fresh PostgreSQL database, a fresh bucket on a moto S3 server and the
  machine's Redis for every server: the production scale-out path.

The moto server is shared by every server a test process starts; it is started on first use
and stopped by its process group when the process exits.
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tests.backends import REDIS_URL, postgres_database, require_redis

STACKS = ("embedded", "postgresql", "scaleout")

_process_wide = ExitStack()
atexit.register(_process_wide.close)
_s3 = None


def selected_stack() -> str:
    # FLARELITE_TEST_DATABASE is the older spelling of the postgresql stack.
    stack = os.environ.get("FLARELITE_TEST_STACK") or {"postgresql": "postgresql"}.get(
        os.environ.get("FLARELITE_TEST_DATABASE", ""), "embedded"
    )
    if stack not in STACKS:
        raise ValueError(f"FLARELITE_TEST_STACK must be one of {', '.join(STACKS)}, not {stack!r}")
    return stack


def shared_s3_server():  # type: ignore[no-untyped-def]
    """This process's moto S3 server, started on first use."""
    global _s3
    if _s3 is None:
        from tests.servers import moto_s3_server

        _s3 = _process_wide.enter_context(moto_s3_server())
    return _s3


@contextmanager
def stack_env(stack: str | None = None) -> Iterator[dict[str, str]]:
    """Settings for one new server on ``stack``: its own database and bucket for the block."""
    stack = stack or selected_stack()
    if stack == "embedded":
        yield {}
        return
    with postgres_database() as database_url:
        env = {"FLARELITE_DATABASE_URL": database_url}
        if stack == "scaleout":
            from tests.servers import create_bucket

            s3 = shared_s3_server()
            bucket = f"flarelite-{secrets.token_hex(6)}"
            create_bucket(s3, bucket)
            require_redis()
            env |= {"FLARELITE_STORAGE_URL": f"s3://{bucket}/node", **s3.env()}
            env["FLARELITE_REDIS_URL"] = REDIS_URL
        yield env
