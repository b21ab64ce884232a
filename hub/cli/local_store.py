"""Direct access to a hub's database from the CLI (for commands that need no running hub)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from hub.runtime import DATABASE_FILE
from hub.storage import Database, HubStore


@contextlib.asynccontextmanager
async def open_store(data_dir: Path) -> AsyncIterator[HubStore]:
    db = Database(data_dir / DATABASE_FILE)
    await db.open()
    try:
        yield HubStore(db)
    finally:
        await db.close()


def hub_is_running(data_dir: Path) -> bool:
    """Whether a hub holds the lock on this data directory."""
    lock = data_dir / "hub.lock"
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
