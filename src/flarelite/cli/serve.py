"""Run the server: one uvicorn per worker process, each on its own SO_REUSEPORT socket.

uvicorn's own ``--workers`` shares one listening socket, and on this kind of machine one
process often accepts every keep-alive connection while the other idles (performance.md,
"traps"). With a socket per worker the kernel spreads connections across workers.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from types import FrameType

from flarelite.cli.worker import run_worker
from flarelite.config import Settings

PREPARE = "from flarelite.cli.serve import prepare; prepare()"


def prepare() -> None:
    """Migrate, and on a first start create a user and token and print them (child process)."""
    import anyio

    from flarelite.cli.settings import load_settings
    from flarelite.storage.migrate import first_start_lock, migrate

    settings = load_settings()
    migrate(settings.database_url)
    with first_start_lock(settings.database_url):  # nodes starting together make one user
        made = anyio.run(_first_run, settings)
    if made is not None:
        email, password, token = made
        print("flarelite: first start, created a user and an API token that may do everything:")
        print(f"  email:    {email}\n  password: {password}\n  token:    {token}")
        print("  (shown once; this is the only place they are printed)", flush=True)


async def _first_run(settings: Settings) -> tuple[str, str, str] | None:
    from flarelite.cli.bootstrap import bootstrap
    from flarelite.services import build

    services = build(settings)
    try:
        if await services.identity.has_users():
            return None
        password = secrets.token_urlsafe(12)
        made = await bootstrap(
            services, "admin@example.com", password, "My account", "flarelite admin"
        )
        return made.email, password, made.token
    finally:
        await services.close()


def prepare_in_child() -> None:
    """Run ``prepare`` in a fresh interpreter, so the supervisor never loads the whole app.

    A plain subprocess, not multiprocessing: its spawn leaves a resource-tracker process
    (about 12 MB) running beside the server for good.
    """
    done = subprocess.run([sys.executable, "-c", PREPARE], check=False)  # noqa: S603 (our own code)
    if done.returncode != 0:
        sys.exit(done.returncode or 1)


def serve(host: str, port: int, workers: int) -> None:
    """Serve until SIGINT/SIGTERM; with several workers, supervise them and stop them all."""
    if workers == 1:
        run_worker(host, port, reuse_port=False)
        return
    # One transform per core across the node, not per worker: the same throughput with half
    # the memory in flight (performance.md, "concurrency control is free").
    cores = os.cpu_count() or 1
    os.environ.setdefault("FLARELITE_TRANSFORM_WORKERS", str(max(1, cores // workers)))
    # One glibc arena: libvips, tokio and pool threads otherwise each grow their own heap.
    # Each worker runs one transform at a time, so the shared arena costs no speed (bench/).
    os.environ.setdefault("MALLOC_ARENA_MAX", "1")
    # A fixed mmap threshold: glibc otherwise raises it to the size of the first freed
    # multi-MB buffer, after which originals and decoded images land in the heap and
    # fragment it. Fixed, they stay in their own mappings, returned to the OS when freed.
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", "131072")
    command = [sys.executable, "-m", "flarelite.cli.worker", host, str(port), "1"]
    processes = [subprocess.Popen(command) for _ in range(workers)]  # noqa: S603 (our own module)

    def stop(signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()  # SIGTERM: uvicorn finishes in-flight requests

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.wait()
    failed = [p.pid for p in processes if p.returncode not in (0, -signal.SIGTERM)]
    if failed:
        print(f"flarelite: workers {failed} exited with errors", file=sys.stderr)
        sys.exit(1)
