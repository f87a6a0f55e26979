"""The single-writer lock: an OS advisory lock (fcntl.flock) on `<store>/writer.lock`.

The kernel releases the lock when the holding process dies (even on kill -9), so a crashed import
never leaves the store locked. A second writer polls for a bounded time ($SCO_WRITER_WAIT, default
60 s) and then fails with one line; readers never take this lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from sco_observatory.errors import StoreError

POLL_SECONDS = 0.1


class WriterLock:
    """An exclusive lock held for the duration of one write transaction (or one recovery)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self, wait: float) -> None:
        """Take the lock, waiting up to `wait` seconds for another writer to finish."""
        deadline = time.monotonic() + wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"another sco process is writing to the store at {self.path.parent} (waited {wait:g} s)",
                    "wait for the other import/fetch to finish and retry, or raise SCO_WRITER_WAIT",
                )
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
