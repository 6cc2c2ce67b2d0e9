"""Shared bench plumbing: start a flarelite server, run wrk against a URL, parse its summary."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int


@dataclass(frozen=True)
class BenchServer:
    base_url: str
    token: str
    account_id: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def flarelite_server(
    workers: int, extra_env: dict[str, str] | None = None, *, init: bool = True
) -> Iterator[BenchServer]:
    """``flarelite serve`` on a free port; ``init=False`` joins a deployment already set up."""
    with tempfile.TemporaryDirectory(prefix="flarelite-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLARELITE_")}
        env |= {"FLARELITE_DATA_DIR": tmp, "FLARELITE_RATE_LIMIT": "0", **(extra_env or {})}
        cli = [sys.executable, "-m", "flarelite"]
        admin = {"token": "", "account_id": ""}
        if init:
            done = subprocess.run(
                [*cli, "init", "--email", "bench@example.com", "--password", "bench-pw-1",
                 "--json"],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            admin = json.loads(done.stdout)
        port = free_port()
        process = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base)
            yield BenchServer(base, admin["token"], admin["account_id"], process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


def _wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def wrk(url: str, *, connections: int, duration: int, headers: dict[str, str] | None = None,
        threads: int = 2, script: Path | None = None) -> WrkResult:  # fmt: skip
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> WrkResult:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(
        r"Socket errors:.*?connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return WrkResult(
        requests_per_second=rate,
        p50_ms=_ms(latency.get("50", "0ms")),
        p99_ms=_ms(latency.get("99", "0ms")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def save(name: str, payload: dict[str, object]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path
