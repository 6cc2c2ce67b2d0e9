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

from tests.backends import free_port
from tests.stack import stack_env

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
    done = subprocess.run(
        [*FLARELITE, *args], env=dict(env), capture_output=True, text=True, timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"flarelite {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


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
        # The selected stack's backends, unless the test chose its own database or storage.
        chosen = dict(env or {})
        if database_url is not None:
            chosen["FLARELITE_DATABASE_URL"] = database_url
        own = {"FLARELITE_DATABASE_URL", "FLARELITE_STORAGE_URL"} & chosen.keys()
        extra = {} if own else stack.enter_context(stack_env())
        extra.update(chosen)
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


# --- images: an HTTP origin for upload-by-URL, and S3 on a moto server ------------------------


@dataclass
class OriginServer:
    """A loopback HTTP origin, the allowed fake for upload-by-URL: path → status, headers, body."""

    base_url: str
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        self.routes[path] = (status, headers, body)
        return self.base_url + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.serve(path, b"", status, Location=location)


@contextmanager
def origin_server() -> Iterator[OriginServer]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    origin = OriginServer("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = origin.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    config: dict[str, str]  # obstore S3 config for this server (with allow_http=True)

    def env(self) -> dict[str, str]:
        """The AWS_* variables a flarelite server reads for an s3:// storage URL."""
        return {
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        }


@contextmanager
def moto_s3_server() -> Iterator[S3Server]:
    """A moto S3 server on a free loopback port, stopped by its process group id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        server = S3Server(endpoint, {})
        config = {k.lower(): v for k, v in server.env().items() if k != "AWS_ALLOW_HTTP"}
        yield S3Server(endpoint, config)
    finally:
        stop_group(process)


def create_bucket(server: S3Server, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
