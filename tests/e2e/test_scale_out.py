"""Scale-out: two `flarelite serve` nodes sharing one PostgreSQL, one S3 bucket and one Redis.

Everything is real and on loopback: a moto S3 server, a fresh PostgreSQL database, and a
Redis started for this module only (never the machine's shared one: a test stops it).
Node A is initialised; node B starts on the same database and secret key.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import redis
from tests.backends import free_port, postgres_database
from tests.e2e.delivery_support import delivery_base, upload
from tests.factories import create_token, make_policy, make_tenant, user_key
from tests.image_corpus import jpeg
from tests.servers import Server, create_bucket, moto_s3_server, running_server, sdk

pytestmark = pytest.mark.e2e

LIMIT = 40  # per token and per user, per five-minute window, counted across both nodes
WINDOW = 300
SECRET_KEY = "scale-out-test-secret-key-0123456789abcdef"
BUCKET = "flarelite-scale"
REDIS_SERVER = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


@dataclass
class RedisProcess:
    url: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*REDIS_SERVER, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped by id below
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("test redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass
class Cluster:
    a: Server
    b: Server
    redis: RedisProcess

    @property
    def nodes(self) -> tuple[Server, Server]:
        return (self.a, self.b)


@contextmanager
def dedicated_redis() -> Iterator[RedisProcess]:
    port = free_port()
    server = RedisProcess(f"redis://127.0.0.1:{port}/0", port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("scale-out")
    with dedicated_redis() as shared_redis, moto_s3_server() as s3, postgres_database() as database:
        create_bucket(s3, BUCKET)
        env = {
            **s3.env(),
            "FLARELITE_SECRET_KEY": SECRET_KEY,
            "FLARELITE_STORAGE_URL": f"s3://{BUCKET}/images",
            "FLARELITE_REDIS_URL": shared_redis.url,
            "FLARELITE_RATE_LIMIT": str(LIMIT),
        }
        with (
            running_server(tmp, env=env, database_url=database) as a,
            running_server(tmp, env=env, database_url=database, init=False) as b,
        ):
            b.admin.update(a.admin)  # same database: A's admin and token work on B
            yield Cluster(a, b, shared_redis)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def verify(server: Server, token: str) -> int:
    return httpx.get(f"{server.api}/user/tokens/verify", headers=auth(token)).status_code


def refused_within(server: Server, token: str, seconds: float) -> float:
    """Poll until ``token`` is refused by ``server``; the seconds it took (fails past the limit)."""
    started = time.monotonic()
    while True:
        status = verify(server, token)
        elapsed = time.monotonic() - started
        if status in (401, 403):
            return elapsed
        assert status == 200, status
        assert elapsed < seconds, f"still accepted {elapsed:.2f}s after deletion"
        time.sleep(0.05)


def on_node(server: Server, url: str) -> str:
    """The same delivery URL, served by ``server`` (image URLs name the node that made them)."""
    path = url.split("/cdn-cgi/", 1)[1]
    return f"{server.base_url}/cdn-cgi/{path}"


def builds(cluster: Cluster) -> int:
    return sum(node.log_text().count('"variant_built"') for node in cluster.nodes)


def clear_of_window_edge(needed: float = 3.0) -> None:
    """Wait (at most ``needed`` seconds) until the current rate-limit window has room left."""
    deadline = time.monotonic() + needed + 1
    while WINDOW - time.time() % WINDOW < needed and time.monotonic() < deadline:
        time.sleep(0.05)


def test_both_nodes_are_ready_with_every_backend(cluster: Cluster) -> None:
    for node in cluster.nodes:
        ready = httpx.get(f"{node.base_url}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"ok": True, "database": "ok", "redis": "ok", "storage": "ok"}


def test_token_made_on_a_works_on_b_and_its_deletion_reaches_b_within_a_second(
    cluster: Cluster,
) -> None:
    policy = make_policy("User Details Read", resources={user_key(cluster.a.user_id): "*"})
    token_id, value = create_token(sdk(cluster.a), [policy])
    assert sdk(cluster.b, value).user.tokens.verify().status == "active"  # type: ignore[union-attr]
    sdk(cluster.a).user.tokens.delete(token_id)
    refused_within(cluster.b, value, 1.0)


def test_image_uploaded_through_a_is_listed_fetched_and_delivered_by_b(cluster: Cluster) -> None:
    a, b = cluster.nodes
    original = jpeg(320, 240)
    image = upload(a, original, "shared.jpg", "image/jpeg")
    cf = sdk(b)
    listed = cf.images.v2.list(account_id=b.account_id, per_page=100)
    assert image["id"] in [found.id for found in listed.images or []]
    assert cf.images.v1.get(image["id"], account_id=b.account_id).filename == "shared.jpg"
    assert cf.images.v1.blobs.get(image["id"], account_id=b.account_id).read() == original
    delivered = httpx.get(on_node(b, delivery_base(image)) + "/public")
    assert delivered.status_code == 200, delivered.text
    assert delivered.headers["content-type"].startswith("image/")


def test_fifty_concurrent_requests_across_both_nodes_build_a_variant_once(
    cluster: Cluster,
) -> None:
    image = upload(cluster.a, jpeg(800, 600), "burst.jpg", "image/jpeg")
    base = delivery_base(image)
    urls = [on_node(cluster.nodes[i % 2], base) + "/public" for i in range(50)]
    before = builds(cluster)

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            return await asyncio.gather(*(client.get(url) for url in urls))

    answers = asyncio.run(burst())
    assert [answer.status_code for answer in answers] == [200] * 50
    assert len({answer.headers["etag"] for answer in answers}) == 1
    assert builds(cluster) - before == 1


def test_rate_limit_counts_requests_to_both_nodes_together(cluster: Cluster) -> None:
    tenant = make_tenant(cluster.a)  # made in-process: setting up spends none of its budget
    clear_of_window_edge()
    for spent in range(LIMIT):
        assert verify(cluster.nodes[spent % 2], tenant.token) == 200
    assert verify(cluster.a, tenant.token) == 429
    assert verify(cluster.b, tenant.token) == 429


def test_nodes_keep_serving_while_redis_is_down(cluster: Cluster) -> None:
    a, b = cluster.nodes
    image = upload(a, jpeg(200, 100), "outage.jpg", "image/jpeg")
    cached = on_node(b, delivery_base(image)) + "/public"
    assert httpx.get(cached).status_code == 200
    policy = make_policy("User Details Read", resources={user_key(a.user_id): "*"})
    token_id, value = create_token(sdk(a), [policy])
    assert verify(b, value) == 200
    cluster.redis.stop()
    try:
        for node in cluster.nodes:
            assert verify(node, value) == 200
            ready = httpx.get(f"{node.base_url}/readyz")
            assert ready.status_code == 200
            assert ready.json()["redis"].startswith("unreachable")
        delivered = httpx.get(cached)
        assert delivered.status_code == 200
        sdk(a).user.tokens.delete(token_id)
        refused_within(b, value, 5.0)  # the fallback: cached authorisations live one second
        for node in cluster.nodes:
            assert "change_feed_lost" in node.log_text()
        # Redis back on the same port: the nodes resubscribe by themselves (two topics each),
        # and revocation is pushed again.
        cluster.redis.start()
        deadline = time.monotonic() + 10
        while not all(resubscribed(node) for node in cluster.nodes):
            assert time.monotonic() < deadline, "nodes did not resubscribe to Redis"
            time.sleep(0.1)
        token_id, value = create_token(sdk(a), [policy])
        assert verify(b, value) == 200
        sdk(a).user.tokens.delete(token_id)
        refused_within(b, value, 1.0)
    finally:
        if cluster.redis.process is None:
            cluster.redis.start()  # later tests (in any order) get their Redis back


def resubscribed(node: Server) -> bool:
    return node.log_text().count('"change_feed_subscribed"') >= 4
