"""Migrations run from empty to head on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from flarelite.migrations.schema import metadata
from flarelite.storage.db import make_sync_engine
from flarelite.storage.migrate import alembic_config, current_revision, head_revision, migrate


def test_history_has_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_upgrade_from_empty_reaches_head(database_url: str) -> None:
    migrate(database_url)
    assert current_revision(database_url) == head_revision()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    assert current_revision(database_url) == head_revision()


def test_models_and_migrations_agree(database_url: str) -> None:
    migrate(database_url)
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []
