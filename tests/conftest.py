"""Shared fixtures: database URLs on both backends, and real servers for e2e tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cloudflare
import pytest

from tests.backends import postgres_database
from tests.servers import Server, running_server, sdk


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated-from-empty database URL on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'flarelite.db'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One shared server for tests that do not change global state (limits, clocks)."""
    with running_server(tmp_path_factory.mktemp("server")) as started:
        yield started


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own, for tests that need a clean slate."""
    with running_server(tmp_path) as started:
        yield started


@pytest.fixture
def cf(server: Server) -> cloudflare.Cloudflare:
    return sdk(server)
