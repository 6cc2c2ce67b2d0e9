"""One server worker process: ``python -m flarelite.cli.worker HOST PORT REUSE_PORT``.

Started by ``flarelite serve`` as a plain subprocess, so a worker never loads the CLI (typer,
rich) it does not need: every megabyte here is paid once per worker.
"""

from __future__ import annotations

import socket
import sys

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
# structlog imports rich (and, through it, pygments) whenever it is installed, and typer
# installs it for the CLI: about 6 MB per worker for pretty tracebacks a worker never prints.
# A None entry in sys.modules makes those imports fail, so structlog takes its plain path.
CLI_ONLY_MODULES = ("rich", "pygments")


def skip_cli_only_modules() -> None:
    """Make ``import rich`` (and pygments) fail in this process unless already imported."""
    for name in CLI_ONLY_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[assignment]


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_worker(host: str, port: int, reuse_port: bool) -> None:
    """One server: its own socket, event loop and app."""
    skip_cli_only_modules()
    import uvicorn

    sock = listening_socket(host, port, reuse_port=reuse_port)
    config = uvicorn.Config(APP, **UVICORN_OPTIONS)  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    run_worker(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1")
