"""Several nodes starting at once on one empty PostgreSQL database: one first user, no failure."""

from __future__ import annotations

import subprocess
import sys

from tests.backends import postgres_database
from tests.servers import base_env

PREPARE = "from flarelite.cli.serve import prepare; prepare()"


def test_nodes_starting_together_make_exactly_one_first_user(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with postgres_database() as database_url:
        nodes = []
        for n in range(3):
            env = base_env(tmp_path / f"node{n}", {"FLARELITE_DATABASE_URL": database_url})
            env["FLARELITE_SECRET_KEY"] = "first-start-test-key-0123456789abcdef"
            nodes.append(
                subprocess.Popen(
                    [sys.executable, "-c", PREPARE],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = [node.communicate(timeout=120) for node in nodes]
        assert [node.returncode for node in nodes] == [0, 0, 0], outputs
        announced = [out for out, _ in outputs if "first start, created a user" in out]
        assert len(announced) == 1, outputs
