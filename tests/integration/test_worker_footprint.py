"""What a server worker loads on the embedded default: nothing it does not use.

Every module a worker imports is paid once per worker (issue 7's memory budget). Two were
loaded for nothing: rich (with pygments), which structlog imports whenever typer has
installed it, and obstore with its tokio runtime, which only an S3 store needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.servers import base_env, run_cli

WORKER_LIKE = """
import asyncio, json, sys
from flarelite.cli.worker import skip_cli_only_modules
skip_cli_only_modules()
from flarelite.app import create_app
app = create_app()

async def start_and_stop() -> None:
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start_and_stop())
print(json.dumps(sorted(m for m in ("rich", "pygments", "obstore") if sys.modules.get(m))))
"""


def loaded_by_a_worker(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", WORKER_LIKE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_an_embedded_worker_loads_neither_rich_nor_obstore(tmp_path: Path) -> None:
    env = base_env(tmp_path / "data", {"FLARELITE_STORAGE_URL": f"file://{tmp_path}/blobs"})
    env["FLARELITE_DATABASE_URL"] = f"sqlite:///{tmp_path}/flarelite.db"
    run_cli(env, "migrate")
    assert loaded_by_a_worker(env) == []


def test_an_s3_worker_loads_obstore(tmp_path: Path) -> None:
    # The other side of the lazy import: S3 settings still reach obstore.
    env = base_env(tmp_path / "data", {"FLARELITE_STORAGE_URL": "s3://bucket/prefix"})
    env["FLARELITE_DATABASE_URL"] = f"sqlite:///{tmp_path}/flarelite.db"
    env |= {"AWS_ENDPOINT": "http://127.0.0.1:9", "AWS_ALLOW_HTTP": "true"}
    env |= {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}
    run_cli(env, "migrate")
    assert loaded_by_a_worker(env) == ["obstore"]
