"""A disk that can be filled and freed under a running hub database.

Where the tests may mount (root with CAP_SYS_ADMIN, as in CI's container), it is
a real 2 MiB tmpfs: the filler file takes the last free block and SQLite's own
writes get ENOSPC, exactly what a full disk does. Elsewhere the database is
capped with `PRAGMA max_page_count` at its current size, which makes SQLite
answer SQLITE_FULL from the same code path without touching the machine
(RLIMIT_FSIZE would be the other way, but it applies to every file the test
process writes, pytest's own included).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hub.storage import Database

TMPFS_SIZE = "2m"


class SmallDisk:
    """`directory` lives on it; `fill` leaves no room for the database, `free` gives it back."""

    def __init__(self, directory: Path, *, tmpfs: bool) -> None:
        self.directory = directory
        self.tmpfs = tmpfs
        self._filler = directory / "filler"

    async def fill(self, db: Database) -> None:
        if self.tmpfs:
            with self._filler.open("wb", buffering=0) as out:
                block = b"\0" * 4096
                try:
                    while True:
                        out.write(block)
                except OSError as err:
                    if err.errno != errno.ENOSPC:
                        raise
            return
        await db.run(
            lambda conn: conn.execute(
                "PRAGMA max_page_count = " + str(conn.execute("PRAGMA page_count").fetchone()[0])
            )
        )

    async def free(self, db: Database) -> None:
        if self.tmpfs:
            self._filler.unlink()
            return
        await db.run(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))


def _mount_tmpfs(directory: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@contextlib.contextmanager
def small_disk(directory: Path) -> Iterator[SmallDisk]:
    """A `SmallDisk` at `directory` (created), unmounted again afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    mounted = _mount_tmpfs(directory)
    try:
        yield SmallDisk(directory, tmpfs=mounted)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=False)
