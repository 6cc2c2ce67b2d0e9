"""Reset: every row of every table and every blob gone, the clock real, no faults left.

Workers drop what they cached through the change feeds; the schema (and its version) stays.
"""

from __future__ import annotations

import anyio
from sqlalchemy import delete

from flarelite.control.faults import FaultBook
from flarelite.services import Services
from flarelite.storage.db import Base
from flarelite.storage.shared_clock import FileClock

# Other workers look at the change feed files at most this often (storage/changes.py):
# answering only after it means the next request, on any worker, sees the reset.
FEED_RECHECK_SECONDS = 0.06


async def reset_everything(services: Services, faults: FaultBook) -> dict[str, int]:
    async with services.engine.begin() as connection:
        # Children before parents, so foreign keys never object.
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
    blobs = await services.blobs.delete_prefix("")
    faults.clear()
    if isinstance(services.clock, FileClock):
        services.clock.reset()
    services.changes.bump()
    services.image_changes.bump()
    await anyio.sleep(FEED_RECHECK_SECONDS)
    return {"tables": len(Base.metadata.sorted_tables), "blobs": blobs}
