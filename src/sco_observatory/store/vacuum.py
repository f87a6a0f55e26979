"""Vacuum: delete the parquet files of replaced data that no reader can still be reading.

A replacement import (a new version of a file, same source id) removes the source's old files
from the Delta table but leaves them on disk, because a reader pinned to an older store commit may
still be scanning them. Without a vacuum they stay forever: every new BACI year version keeps the
old one's ~100 MB.

Which files are kept: a reader pins the newest catalog commit when it opens (and `sco serve`
re-pins on the next request after a commit), so a reader can only be pinned to a commit that was
the newest at some moment. A commit is *protected* when

- it is among the newest `keep_commits` store commits (default `KEEP_COMMITS`), or
- it was the newest commit at some moment within the last `retention` (default `RETENTION`):
  its successor committed less than `retention` ago, or it is the newest.

For each table the Delta versions that protected commits record are passed to delta-rs's `vacuum`
as `keep_versions` (its own time threshold set to zero), so a file is deleted only when no protected
commit's version holds it. A reader that stayed pinned longer than the retention to a commit
outside the newest `keep_commits` may find its files gone; it then fails with an I/O error and
succeeds when reopened. Vacuum runs under the writer lock, after recovery, so no write is in
flight. delta-rs writes a vacuum as two Delta commits that change no file, so the vacuum ends with a
store commit naming the tables' new versions (same rows, same sources; readers re-pin as after any
commit). `sco data vacuum` runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sco_observatory import config
from sco_observatory.errors import StoreError
from sco_observatory.store import lake

KEEP_COMMITS = 2
RETENTION = dt.timedelta(hours=1)


@dataclass
class VacuumResult:
    """What a vacuum deleted (or would delete, for a dry run), per table."""

    files: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    protected: list[int] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        n, size = sum(self.files.values()), sum(self.bytes.values())
        verb = "would delete" if self.dry_run else "deleted"
        tables = ", ".join(f"{t} {k}" for t, k in sorted(self.files.items()) if k) or "no table"
        kept = (f"commits {self.protected[0]}-{self.protected[-1]}" if len(self.protected) > 1
                else f"commit {self.protected[0]}") if self.protected else "no commit"
        return (f"vacuum {verb} {n:,} file(s), {size / 2**20:,.1f} MiB of replaced data ({tables}); "
                f"kept every file of {kept}")


VACUUM_NOTE = "vacuum"


def protected_commits(history: list[tuple[int, dt.datetime, dict[str, int], str]], keep_commits: int,
                      retention: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Commit ids a reader may be pinned to: the newest `keep_commits`, and each that was newest within `retention`.

    A vacuum's own commit changes no file, so it does not count towards `keep_commits` (two vacuums
    in a row keep what one keeps).
    """
    if keep_commits < 1:
        raise StoreError(f"--keep-commits {keep_commits}: at least the newest commit must be kept",
                         "pass --keep-commits 1 or more")
    if retention < dt.timedelta(0):
        raise StoreError("a negative retention", "pass --retention-hours 0 or more")
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    counted = [c for c, _, _, note in history if note != VACUUM_NOTE][-keep_commits:]
    oldest = counted[0] if counted else history[-1][0]
    keep = {c for c, _, _, _ in history if c >= oldest}
    for (commit_id, _, _, _), (_, successor_time, _, _) in zip(history, history[1:]):
        if successor_time > now - retention:
            keep.add(commit_id)
    return sorted(keep)


def vacuum(store, *, keep_commits: int = KEEP_COMMITS, retention: dt.timedelta = RETENTION,
           dry_run: bool = False) -> VacuumResult:
    """Delete the files no protected commit holds (see the module docstring); returns what went."""
    from sco_observatory.store.db import TABLES_DIR, recover

    if getattr(store, "catalog", None) is None:
        return VacuumResult(dry_run=dry_run)  # an in-memory store keeps no files
    if store.read_only:
        raise StoreError("this store was opened read-only", "open it without read_only to vacuum")
    owns_lock = not store.lock.held
    if owns_lock:
        store.lock.acquire(config.writer_wait())
    try:
        recover(store)
        base = store.catalog.snapshot()
        versions_moved: dict[str, int] = {}
        history = store.catalog.history()
        keep = protected_commits(history, keep_commits, retention)
        result = VacuumResult(protected=keep, dry_run=dry_run)
        by_id = {c: versions for c, _, versions, _ in history}
        tables_dir = store.root / TABLES_DIR
        for root in sorted(p for p in tables_dir.iterdir() if lake.exists(p)) if tables_dir.is_dir() else []:
            versions = [by_id[c][root.name] for c in keep if root.name in by_id[c]]
            if not versions:
                continue  # no protected commit knows the table: recovery owns it, vacuum leaves it
            gone, moved = lake.vacuum(root, versions, dry_run=dry_run)
            if gone:
                result.files[root.name] = len(gone)
                result.bytes[root.name] = sum(f.size for f in gone)
            if moved is not None:
                versions_moved[root.name] = moved
        if versions_moved:  # same files, newer Delta versions: the catalog must name them or recovery would undo them
            store.catalog.commit(base, versions_moved, {}, VACUUM_NOTE)
    finally:
        if owns_lock:
            store.lock.release()
    store.refresh()
    return result
