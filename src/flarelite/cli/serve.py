"""Run the server: one uvicorn (uvloop + httptools) per worker, each on its own SO_REUSEPORT socket.

uvicorn's own ``--workers`` shares one listening socket, and on this kind of machine one
process often accepts every keep-alive connection while the other idles (performance.md,
"traps"). With a socket per worker the kernel spreads connections across workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
from types import FrameType

UVICORN_OPTIONS = {
    "factory": True,
    # uvloop sets TCP_NODELAY; the plain asyncio loop leaves Nagle on (performance.md traps).
    "loop": "uvloop",
    "http": "httptools",
    "access_log": False,
    "proxy_headers": False,  # api/clientip.py applies FLARELITE_TRUSTED_PROXIES instead
    "log_level": "warning",
    "env_file": None,
    "timeout_graceful_shutdown": 10,
}
APP = "flarelite.app:create_app"


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_worker(host: str, port: int, reuse_port: bool) -> None:
    """One server process: its own socket, its own event loop and app."""
    import uvicorn

    sock = listening_socket(host, port, reuse_port=reuse_port)
    config = uvicorn.Config(APP, **UVICORN_OPTIONS)  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int) -> None:
    """Serve until SIGINT/SIGTERM; with several workers, supervise them and stop them all."""
    if workers == 1:
        run_worker(host, port, reuse_port=False)
        return
    context = multiprocessing.get_context("spawn")  # workers import the app fresh
    processes = [
        context.Process(target=run_worker, args=(host, port, True), name=f"flarelite-worker-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes in-flight requests

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.join()
    failed = [p.name for p in processes if p.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        print(f"flarelite: workers exited with errors: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)
