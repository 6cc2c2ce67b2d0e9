"""Two nodes on PostgreSQL + S3 (moto) + Redis next to one node on SQLite, in one run (issue 9).

Both deployments serve the same two loads with the same 16 connections in total:
- cached variant: a fixed 400 px variant of a 2 MP JPEG, built once, then served;
- authenticated JSON: ``GET /client/v4/user/tokens/verify`` with a user token.

Single node: ``flarelite serve --workers 2`` on the embedded default, wrk -t2 -c16.
Scale-out: nodes A and B (``--workers 1`` each, the same CPU budget on this 2-core machine),
one PostgreSQL database, one moto S3 bucket, one Redis, and a wrk -t1 -c8 per node run at the
same time; their rates are summed. Everything binds to 127.0.0.1 and is stopped by process group.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict
from pathlib import Path

import httpx
import psycopg
from harness import BenchServer, WrkResult, flarelite_server, free_port, save, wrk

DATA = Path(__file__).resolve().parent / "data"
PG_ADMIN = os.environ.get("FLARELITE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_ALLOW_HTTP": "true",
}


@contextmanager
def process_group(command: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def wait_for(check: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with suppress(Exception):  # not up yet
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"flarelite_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def s3_bucket() -> Iterator[dict[str, str]]:
    """A moto S3 server of our own with one bucket; yields the storage settings."""
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with process_group([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]):
        wait_for(lambda: httpx.get(endpoint, timeout=1), "moto")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - moto's throwaway credentials
            region_name="us-east-1",
        )
        client.create_bucket(Bucket="flarelite-bench")
        yield {"FLARELITE_STORAGE_URL": "s3://flarelite-bench/images", "AWS_ENDPOINT": endpoint}


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis of our own on a free port (never the machine's shared one)."""
    import redis

    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    with process_group([*command, "--appendonly", "no"]):
        wait_for(lambda: redis.Redis(port=port, socket_connect_timeout=0.5).ping(), "redis")
        yield f"redis://127.0.0.1:{port}/0"


def cached_variant_url(server: BenchServer) -> str:
    """Upload the 2 MP photo through ``server`` and build its fixed 400 px variant once."""
    api = f"{server.base_url}/client/v4/accounts/{server.account_id}/images/v1"
    headers = {"Authorization": f"Bearer {server.token}"}
    photo = DATA / "photo_2mp.jpg"
    made = httpx.post(api, headers=headers, files={"file": (photo.name, photo.read_bytes())})
    made.raise_for_status()
    httpx.patch(
        f"{api}/config", headers=headers, json={"flexible_variants": True}
    ).raise_for_status()
    variant = str(made.json()["result"]["variants"][0])
    path = "/cdn-cgi/" + variant.split("/cdn-cgi/", 1)[1].rsplit("/", 1)[0] + "/w=400,q=85,f=jpeg"
    httpx.get(server.base_url + path, timeout=60).raise_for_status()
    return path


def together(loads: list[tuple[str, dict[str, str]]], duration: int) -> WrkResult:
    """One wrk -t1 -c8 per URL, all at once; rates and errors summed, latencies the worst."""
    results: list[WrkResult] = []

    def run(url: str, headers: dict[str, str]) -> None:
        results.append(wrk(url, connections=8, duration=duration, headers=headers, threads=1))

    threads = [threading.Thread(target=run, args=load) for load in loads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return WrkResult(
        requests_per_second=sum(r.requests_per_second for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        non_2xx=sum(r.non_2xx for r in results),
        errors=sum(r.errors for r in results),
    )


def single_node(duration: int) -> dict[str, WrkResult]:
    with flarelite_server(2) as node:
        auth = {"Authorization": f"Bearer {node.token}"}
        variant = node.base_url + cached_variant_url(node)
        verify = f"{node.base_url}/client/v4/user/tokens/verify"
        wrk(variant, connections=16, duration=2)  # warm both workers' caches
        wrk(verify, connections=16, duration=2, headers=auth)
        return {
            "cached_variant": wrk(variant, connections=16, duration=duration),
            "authenticated_json": wrk(verify, connections=16, duration=duration, headers=auth),
        }


def two_nodes(duration: int) -> dict[str, WrkResult]:
    with ExitStack() as stack:
        env = {
            "FLARELITE_DATABASE_URL": stack.enter_context(postgres_database()),
            "FLARELITE_REDIS_URL": stack.enter_context(redis_server()),
            "FLARELITE_SECRET_KEY": secrets.token_hex(32),  # shared: token hashes depend on it
            **AWS,
            **stack.enter_context(s3_bucket()),
        }
        node_a = stack.enter_context(flarelite_server(1, env))
        node_b = stack.enter_context(flarelite_server(1, env, init=False))
        auth = {"Authorization": f"Bearer {node_a.token}"}
        path = cached_variant_url(node_a)
        variants = [(node.base_url + path, {}) for node in (node_a, node_b)]
        verify = "/client/v4/user/tokens/verify"
        verifies = [(node.base_url + verify, auth) for node in (node_a, node_b)]
        together(variants, 2)  # warm: node B reads the variant from S3 once
        together(verifies, 2)
        return {
            "cached_variant": together(variants, duration),
            "authenticated_json": together(verifies, duration),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    single = single_node(args.duration)
    scaled = two_nodes(args.duration)
    lines = []
    for case in ("cached_variant", "authenticated_json"):
        one, two = single[case].requests_per_second, scaled[case].requests_per_second
        lines.append(
            f"{case:19} 1 node SQLite {one:9.0f} req/s   2 nodes PG+S3+Redis {two:9.0f} req/s"
            f"   ratio {two / one:.2f}x   errors {scaled[case].errors + scaled[case].non_2xx}"
        )
    print("\n".join(lines))
    payload = {
        "single_node_sqlite": {k: asdict(v) for k, v in single.items()},
        "two_nodes_postgresql_s3_redis": {k: asdict(v) for k, v in scaled.items()},
        "summary": lines,
    }
    print(save("scale_out", payload))


if __name__ == "__main__":
    main()
