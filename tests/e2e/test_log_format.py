"""Logs: JSON lines with the request id when piped, human-readable on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import httpx
from tests.servers import Server


def log_lines(server: Server) -> list[dict[str, object]]:
    lines = []
    for line in server.log_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_an_error_envelope_request_is_logged_with_its_request_id(server: Server) -> None:
    answer = httpx.get(
        f"{server.api}/user/tokens/verify", headers={"Authorization": "Bearer not-a-token"}
    )
    assert answer.status_code == 400
    assert answer.json()["success"] is False
    request_id = answer.headers["x-request-id"]
    mine = [line for line in log_lines(server) if line.get("request_id") == request_id]
    assert mine, "no log line carries the request id the client got"
    access = next(line for line in mine if line["event"] == "request")
    assert access["status"] == 400
    assert access["path"] == "/client/v4/user/tokens/verify"
    assert access["level"] == "info"
    assert "timestamp" in access
    assert "not-a-token" not in server.log_text()


def test_logs_are_readable_text_on_a_terminal() -> None:
    program = (
        "import structlog\n"
        "from flarelite.observability.logging import configure_logging\n"
        "configure_logging()\n"
        "structlog.get_logger('demo').info('something_happened', answer=42)\n"
    )
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", program], stderr=terminal, stdout=subprocess.DEVNULL
        )
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closes when the child exits
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=30) == 0
    finally:
        os.close(controller)
    text = output.decode(errors="replace")
    assert "something_happened" in text
    assert "answer" in text
    assert not text.lstrip().startswith("{")  # not a JSON line
