"""The folder where every server worker keeps its metric values (prometheus multiprocess mode).

Called by ``flarelite serve`` before any worker imports prometheus_client: the variable must be
set by then, and files left by an earlier run must go, or their counts would be added to ours.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(data_dir: Path) -> Path:
    """Empty ``<data dir>/run/metrics`` and point ``PROMETHEUS_MULTIPROC_DIR`` at it."""
    folder = data_dir / "run" / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder
