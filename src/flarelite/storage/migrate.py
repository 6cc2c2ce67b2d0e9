"""Run Alembic migrations to head, safely from several nodes at once.

On PostgreSQL an advisory lock serialises concurrent starters; SQLite serialises by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from flarelite.storage.db import make_sync_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same on every node ("flarelite" in ASCII).
ADVISORY_LOCK_ID = 0x666C6172656C6974
FIRST_START_LOCK_ID = ADVISORY_LOCK_ID + 1


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision``; idempotent."""
    if database_url.startswith("sqlite"):
        _sqlite_file(database_url).parent.mkdir(parents=True, exist_ok=True)
    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@contextmanager
def first_start_lock(database_url: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while the block runs, so one node makes the first user.

    On SQLite only one node exists and ``serve`` prepares once, so nothing is needed.
    """
    if not database_url.startswith("postgresql"):
        yield
        return
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": FIRST_START_LOCK_ID})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": FIRST_START_LOCK_ID}
                )
                connection.commit()
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _sqlite_file(database_url: str) -> Path:
    return Path(database_url.split(":///", 1)[1])
