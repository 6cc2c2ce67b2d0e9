"""A rolled or deleted token is refused by the very next request, whichever worker takes it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from tests.servers import Server, running_server

pytestmark = pytest.mark.e2e

ROUNDS = 30
CONNECTIONS = 8


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("revocation"), workers=2) as server:
        yield server


def worker_of(server: Server, client: httpx.Client) -> str:
    """The pid of the worker holding ``client``'s connection (its request's access-log line)."""

    def health_lines() -> list[str]:
        return [line for line in server.log_text().splitlines() if '"path":"/healthz"' in line]

    before = len(health_lines())
    assert client.get(f"{server.base_url}/healthz").status_code == 200
    for _ in range(200):  # the line may land just after the answer
        lines = health_lines()
        if len(lines) > before:
            return lines[before].split('"pid":')[1].split("}")[0].split(",")[0].strip()
        time.sleep(0.01)
    raise AssertionError("no access-log line for /healthz")


def connections_on_both_workers(server: Server, count: int) -> list[httpx.Client]:
    """``count`` kept-alive connections, at least one on each worker (the kernel picks)."""
    clients: list[httpx.Client] = []
    pids: list[str] = []
    for _ in range(200):
        client = httpx.Client(base_url=server.api, timeout=10)
        clients.append(client)
        pids.append(worker_of(server, client))
        if len(clients) > count:  # let go of one whose worker already has another
            extra = next(i for i, pid in enumerate(pids) if pids.count(pid) > 1)
            clients.pop(extra).close()
            pids.pop(extra)
        if len(clients) == count and len(set(pids)) == 2:
            return clients
    raise AssertionError("the kernel never gave a connection to the second worker")


def verify(client: httpx.Client, token: str) -> int:
    answer = client.get("/user/tokens/verify", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


def refused_by_all(checkers: list[httpx.Client], token: str) -> bool:
    """At once, with or without Redis: the workers of one node share a mapped page."""
    return [verify(c, token) for c in checkers] == [401] * len(checkers)


def create(admin: httpx.Client, server: Server) -> tuple[str, str]:
    body = {
        "name": "churn",
        "policies": [
            {
                "effect": "allow",
                "resources": {f"com.cloudflare.api.user.{server.user_id}": "*"},
                "permission_groups": [{"id": "0cc3a61731504c89b99ec1be78b77aa0"}],
            }
        ],
    }
    made = admin.post("/user/tokens", json=body).json()["result"]
    return made["id"], made["value"]


def test_old_values_are_refused_at_once_by_every_worker(two_workers: Server) -> None:
    server = two_workers
    # Kept-alive connections on both workers; each check below runs within milliseconds of
    # the change, on whichever worker holds that connection.
    checkers = connections_on_both_workers(server, CONNECTIONS)
    admin = httpx.Client(
        base_url=server.api, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
    )
    try:
        for _ in range(ROUNDS):
            token_id, first = create(admin, server)
            assert [verify(c, first) for c in checkers] == [200] * CONNECTIONS  # now cached
            second = admin.put(f"/user/tokens/{token_id}/value", json={}).json()["result"]
            assert refused_by_all(checkers, first)
            assert [verify(c, second) for c in checkers] == [200] * CONNECTIONS
            assert admin.delete(f"/user/tokens/{token_id}").status_code == 200
            assert refused_by_all(checkers, second)
    finally:
        for client in [*checkers, admin]:
            client.close()


def test_both_workers_answered(two_workers: Server) -> None:
    """The checks above mean something only if both workers took requests."""
    pids = {line.split('"pid":')[1].split(",")[0] for line in two_workers.log_text().splitlines()
            if '/user/tokens/verify"' in line}  # fmt: skip
    assert len(pids) >= 2, "expected verify requests answered by two worker processes"
