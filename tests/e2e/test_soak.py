"""Short soak in CI (bench/soak.py is the long one): a mixed load on a 2-worker server.

Zero errors; descriptors do not grow beyond a small slack; RSS stays within a generous bound.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from bench.soak import Target, soak
from tests.servers import running_server

DURATION = 30.0
WARMUP = 8.0
FD_SLACK = 8  # per process: a lazily opened file or a pooled connection more is fine
RSS_GROWTH = 1.5  # end may be 50 % above start (allocator caches), plus a fixed margin
RSS_MARGIN_MB = 64.0


@pytest.mark.timeout(240)
def test_mixed_load_has_no_errors_and_no_leaks(tmp_path: Path) -> None:
    env = {"FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path, env=env, workers=2) as server:
        target = Target(
            server.base_url, server.token, server.account_id, os.getpgid(server.process.pid)
        )
        result = asyncio.run(soak(target, duration=DURATION, warmup=WARMUP, concurrency=6))
    print(result.as_json())  # the figures (pytest -s)
    assert result.errors == 0, result.error_samples
    assert all(result.operations[op] > 0 for op in ("deliver", "verify", "upload", "token_churn"))
    # The same processes throughout: no worker died and was replaced.
    assert [s.pid for s in result.start] == [s.pid for s in result.end]
    # The supervisor and the two workers, nothing else left running beside them.
    assert len(result.start) == 3
    for before, after in zip(result.start, result.end, strict=True):
        assert after.fds <= before.fds + FD_SLACK, (before, after)
        assert after.rss_mb <= before.rss_mb * RSS_GROWTH + RSS_MARGIN_MB, (before, after)
