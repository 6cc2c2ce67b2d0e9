"""Soak: a bounded, loopback-only mix of uploads, deliveries, token checks and token churn.

Against a real `flarelite serve --workers 2`, for a set duration (it stops by itself):
every answer must be the expected one (error rate 0); RSS and open file descriptors of
every server process are taken after a warm-up and at the end. `tests/e2e/test_soak.py`
runs a short version in CI; `python bench/soak.py --duration 300` is the long one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

import httpx
import psutil
import pyvips

# Operation weights: mostly reads, as a real deployment sees.
MIX = {"deliver": 5, "verify": 5, "upload": 2, "token_churn": 1}
KEEP_PER_CLIENT = 12  # each client deletes its oldest upload past this many
API_TOKENS_READ = "0cc3a61731504c89b99ec1be78b77aa0"  # permission group of churned tokens
# Workers learn of a roll or delete through a shared mapped page (storage/changes.py), so the
# very next request to any worker must refuse the old value: no grace. (With the earlier
# 50 ms file recheck, 3 of 1,179 churn cycles saw the other worker accept it once more.)


@dataclass(frozen=True)
class Target:
    base_url: str
    token: str
    account_id: str
    process_group: int


@dataclass(frozen=True)
class Identity:
    """What the clients learn from the API before the run: the user and the delivery hash."""

    user_id: str
    account_hash: str


@dataclass(frozen=True)
class ProcessSample:
    pid: int
    rss_mb: float
    fds: int


@dataclass
class SoakResult:
    seconds: float = 0.0
    operations: Counter[str] = field(default_factory=Counter)
    http_requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    start: list[ProcessSample] = field(default_factory=list)
    end: list[ProcessSample] = field(default_factory=list)

    @property
    def total_operations(self) -> int:
        return sum(self.operations.values())

    def rss_mb(self, when: list[ProcessSample]) -> float:
        return round(sum(s.rss_mb for s in when), 1)

    def fds(self, when: list[ProcessSample]) -> int:
        return sum(s.fds for s in when)

    def as_json(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 1),
            "operations": dict(self.operations),
            "total_operations": self.total_operations,
            "http_requests": self.http_requests,
            "requests_per_second": round(self.http_requests / max(self.seconds, 1e-9), 1),
            "errors": self.errors,
            "error_samples": self.error_samples,
            "rss_mb": {"start": self.rss_mb(self.start), "end": self.rss_mb(self.end)},
            "fds": {"start": self.fds(self.start), "end": self.fds(self.end)},
            "processes": {
                "start": [asdict(s) for s in self.start],
                "end": [asdict(s) for s in self.end],
            },
        }


def sample_processes(process_group: int) -> list[ProcessSample]:
    """RSS and open descriptors of every process in the server's group (supervisor, workers)."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) != process_group:
                continue
            found.append(ProcessSample(proc.pid, proc.memory_info().rss / 2**20, proc.num_fds()))
        except (psutil.Error, ProcessLookupError):
            continue
    return sorted(found, key=lambda s: s.pid)


def make_pictures(count: int = 4) -> list[bytes]:
    """Small noisy JPEGs (about 40 KB): every upload is a real decode and a real transform."""
    pictures = []
    for n in range(count):
        noise = pyvips.Image.gaussnoise(320 + 16 * n, 240, sigma=30, mean=90 + 10 * n)
        image = noise.bandjoin([noise, noise]).cast("uchar").copy(interpretation="srgb")
        pictures.append(bytes(image.jpegsave_buffer(Q=85)))
    return pictures


class Unexpected(Exception):
    """An answer other than the one the operation expects."""


def expect(answer: httpx.Response, status: int = 200) -> httpx.Response:
    if answer.status_code != status:
        raise Unexpected(f"{answer.request.method} {answer.request.url.path}: "
                         f"{answer.status_code} {answer.text[:200]}")  # fmt: skip
    return answer


class Client:
    """One simulated client: its own uploads (so nobody delivers what another deleted)."""

    def __init__(
        self, http: httpx.AsyncClient, target: Target, who: Identity, pictures: list[bytes]
    ) -> None:
        self.http = http
        self.target = target
        self.who = who
        self.pictures = pictures
        self.mine: list[str] = []
        self.rng = random.Random()
        self.api = f"{target.base_url}/client/v4"
        self.auth = {"Authorization": f"Bearer {target.token}"}

    async def upload(self) -> None:
        files = {"file": ("soak.jpg", self.rng.choice(self.pictures), "image/jpeg")}
        url = f"{self.api}/accounts/{self.target.account_id}/images/v1"
        answer = expect(await self.http.post(url, headers=self.auth, files=files))
        self.mine.append(answer.json()["result"]["id"])
        if len(self.mine) > KEEP_PER_CLIENT:
            gone = self.mine.pop(0)
            expect(await self.http.delete(f"{url}/{gone}", headers=self.auth))

    async def deliver(self) -> None:
        if not self.mine:
            return await self.upload()
        image_id = self.rng.choice(self.mine)
        url = f"{self.target.base_url}/cdn-cgi/imagedelivery/{self.who.account_hash}"
        answer = expect(await self.http.get(f"{url}/{image_id}/public", headers={"Accept": "*/*"}))
        if not answer.headers.get("content-type", "").startswith("image/"):
            raise Unexpected(f"delivery answered {answer.headers.get('content-type')}")
        return None

    async def verify(self, token: str | None = None, status: int = 200) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else self.auth
        expect(await self.http.get(f"{self.api}/user/tokens/verify", headers=headers), status)

    async def token_churn(self) -> None:
        """Create, use, roll (the old value stops at once), delete (the new one stops too)."""
        policy = {
            "effect": "allow",
            "resources": {f"com.cloudflare.api.user.{self.who.user_id}": "*"},
            "permission_groups": [{"id": API_TOKENS_READ}],
        }
        body = {"name": f"soak-{self.rng.randrange(10**9)}", "policies": [policy]}
        made = expect(await self.http.post(f"{self.api}/user/tokens", headers=self.auth, json=body))
        token_id, first = made.json()["result"]["id"], made.json()["result"]["value"]
        await self.verify(first)
        roll = f"{self.api}/user/tokens/{token_id}/value"
        rolled = expect(await self.http.put(roll, headers=self.auth, json={}))
        second = rolled.json()["result"]
        await self.refused(first)
        await self.verify(second)
        expect(await self.http.delete(f"{self.api}/user/tokens/{token_id}", headers=self.auth))
        await self.refused(second)

    async def refused(self, token: str) -> None:
        """A rolled or deleted value gets 401 from the very next request (an error otherwise)."""
        headers = {"Authorization": f"Bearer {token}"}
        expect(await self.http.get(f"{self.api}/user/tokens/verify", headers=headers), 401)


async def drive(clients: list[Client], until: float, result: SoakResult) -> None:
    """Every client runs weighted random operations until the monotonic deadline."""
    names, weights = list(MIX), list(MIX.values())

    async def run(client: Client) -> None:
        operations: dict[str, Callable[[], Awaitable[None]]] = {
            "deliver": client.deliver, "verify": client.verify,
            "upload": client.upload, "token_churn": client.token_churn,
        }  # fmt: skip
        while time.monotonic() < until:
            name = client.rng.choices(names, weights)[0]
            try:
                await operations[name]()
            except (Unexpected, httpx.HTTPError) as exc:
                result.errors += 1
                if len(result.error_samples) < 20:
                    result.error_samples.append(f"{name}: {type(exc).__name__}: {exc}")
            result.operations[name] += 1

    await asyncio.gather(*(run(client) for client in clients))


async def soak(
    target: Target, *, duration: float, warmup: float = 10.0, concurrency: int = 8
) -> SoakResult:
    """Warm up (caches, pools, first transforms), sample, run ``duration`` s, sample again."""
    result = SoakResult()
    pictures = make_pictures()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sent = Counter[str]()

    async def count(_request: httpx.Request) -> None:
        sent["requests"] += 1

    hooks = {"request": [count]}
    async with httpx.AsyncClient(limits=limits, timeout=60.0, event_hooks=hooks) as http:
        who = await identify(http, target, pictures[0])
        clients = [Client(http, target, who, pictures) for _ in range(concurrency)]
        warm = SoakResult()
        await drive(clients, time.monotonic() + warmup, warm)
        result.errors, result.error_samples = warm.errors, warm.error_samples  # they count too
        await asyncio.sleep(1.0)  # let in-flight work settle before sampling
        result.start = sample_processes(target.process_group)
        started, before = time.monotonic(), sent["requests"]
        await drive(clients, started + duration, result)
        result.seconds = time.monotonic() - started
        result.http_requests = sent["requests"] - before
        await asyncio.sleep(1.0)
        result.end = sample_processes(target.process_group)
    return result


async def identify(http: httpx.AsyncClient, target: Target, picture: bytes) -> Identity:
    """The user id (GET /user) and the account hash (from an upload's variant URL)."""
    api, auth = f"{target.base_url}/client/v4", {"Authorization": f"Bearer {target.token}"}
    user = expect(await http.get(f"{api}/user", headers=auth)).json()["result"]
    url = f"{api}/accounts/{target.account_id}/images/v1"
    files = {"file": ("probe.jpg", picture, "image/jpeg")}
    image = expect(await http.post(url, headers=auth, files=files)).json()["result"]
    expect(await http.delete(f"{url}/{image['id']}", headers=auth))
    account_hash = image["variants"][0].split("/cdn-cgi/imagedelivery/")[1].split("/")[0]
    return Identity(user["id"], account_hash)


def main() -> None:
    from harness import flarelite_server, save

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with flarelite_server(args.workers) as server:
        target = Target(server.base_url, server.token, server.account_id, os.getpgid(server.pid))
        result = asyncio.run(
            soak(target, duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
        )
    figures = result.as_json() | {"workers": args.workers, "concurrency": args.concurrency}
    path = save("soak", figures)
    print(
        f"{figures['seconds']} s, {result.total_operations} operations, "
        f"{result.http_requests} requests ({figures['requests_per_second']}/s), "
        f"errors {result.errors} (a late revocation counts as one); "
        f"RSS {figures['rss_mb']} MB; fds {figures['fds']}  -> {path}"
    )


if __name__ == "__main__":
    main()
