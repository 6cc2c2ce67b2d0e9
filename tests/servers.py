"""Start and stop real `flarelite` server processes for end-to-end tests.

Each server gets its own data dir, a free loopback port and (when selected) its own
PostgreSQL database. It runs in its own process group and is stopped by that group's id.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cloudflare
import httpx

from tests.backends import free_port, postgres_database, selected_backend

FLARELITE = [sys.executable, "-m", "flarelite"]


@dataclass
class Server:
    base_url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    admin: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.base_url}/client/v4"

    @property
    def token(self) -> str:
        return self.admin["token"]

    @property
    def account_id(self) -> str:
        return self.admin["account_id"]

    @property
    def user_id(self) -> str:
        return self.admin["user_id"]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, *args, check=check)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def run_cli(
    env: Mapping[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLARELITE, *args], env=dict(env), capture_output=True, text=True, check=check, timeout=120
    )


def base_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLARELITE_")}
    env["FLARELITE_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


@contextmanager
def running_server(
    tmp: Path,
    *,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    init: bool = True,
    database_url: str | None = None,
) -> Iterator[Server]:
    """Init a data dir, start `flarelite serve` on a free port, yield it, stop it by group."""
    with ExitStack() as stack:
        extra = dict(env or {})
        if database_url is None and selected_backend() == "postgresql":
            database_url = stack.enter_context(postgres_database())
        if database_url is not None:
            extra["FLARELITE_DATABASE_URL"] = database_url
        port = free_port()
        extra.setdefault("FLARELITE_PUBLIC_URL", f"http://127.0.0.1:{port}")
        data_dir = tmp / f"data-{port}"
        server_env = base_env(data_dir, extra)
        admin: dict[str, str] = {}
        if init:
            done = run_cli(
                server_env,
                "init",
                "--email",
                "admin@example.com",
                "--password",
                "correct-horse-1",
                "--json",
            )
            admin = json.loads(done.stdout)
        log_path = tmp / f"server-{port}.log"
        log = stack.enter_context(log_path.open("wb"))
        process = subprocess.Popen(
            [
                *FLARELITE,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped by id below
        )
        stack.callback(stop_group, process)
        server = Server(f"http://127.0.0.1:{port}", data_dir, server_env, process, log_path, admin)
        wait_ready(server)
        yield server


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log_text()}")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def sdk(server: Server, token: str | None = None, **options: object) -> cloudflare.Cloudflare:
    """The official SDK pointed at a flarelite server: only the base URL changes."""
    return cloudflare.Cloudflare(
        api_token=token or server.token,
        base_url=server.api,
        max_retries=0,
        **options,  # type: ignore[arg-type]
    )
