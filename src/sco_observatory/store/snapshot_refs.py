"""How a store references the embedded open-data snapshot instead of copying its rows.

The snapshot's parquet files live in the installed package (`sco_observatory/snapshot.py` reads
its manifest). A store's `source` table and data views are the store's own catalog and Delta files
*plus* every snapshot source whose id the catalog does not hold: a user import (or `sco data
update`) of the same source id overrides the snapshot's rows, and removing nothing from the
package is ever needed. Opening a fresh store therefore copies no rows (it stays fast), and a new
package version's snapshot is in force from the first open after the upgrade — all of it at once,
since one pin reads one manifest — with the user's imports untouched. The catalog's `meta` records
the snapshot version the store last opened with (`snapshot_version`), for `sco data list` and so
an upgrade is visible.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sco_observatory import snapshot
from sco_observatory.store import lake

META_KEY = "snapshot_version"


def _retrieved(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def source_rows(held: set[str]) -> list[tuple]:
    """The `source` rows (catalog column order) of the snapshot's sources not in `held`."""
    rows = []
    for src in snapshot.sources():
        if src["source_id"] in held:
            continue
        rows.append((src["source_id"], src["title"], src["publisher"], src["year"], src["url"], src["licence"],
                     src["citation"], _retrieved(src["retrieved"]), src.get("sha256"), src["file_name"],
                     src["format"], src["table"], int(src["rows"])))
    return rows


def with_snapshot(table: str, files: dict[str, lake.DataFile], held: set[str]) -> dict[str, lake.DataFile]:
    """The store's files of `table` plus the snapshot's files of sources the store does not hold.

    Snapshot entries are keyed by absolute path (the store's own are relative to the table root;
    `root / absolute` is the absolute path, so both kinds scan alike).
    """
    directory = snapshot.snapshot_dir()
    if directory is None:
        return files
    out = dict(files)
    for src in snapshot.sources(directory):
        if src["table"] != table or src["source_id"] in held:
            continue
        for f in src["files"]:
            path = str(directory / f["path"])
            parts = [("source_id", src["source_id"])] + [
                tuple(piece.split("=", 1)) for piece in Path(f["path"]).parts[2:-1]]
            out[path] = lake.DataFile(path, int(f["bytes"]), 0, tuple(parts))
    return out


def copy_into(store) -> None:
    """Copy the snapshot's rows into an in-memory store (plain DuckDB tables), in one transaction."""
    from sco_observatory.store.schema import COLUMNS

    directory = snapshot.snapshot_dir()
    if directory is None:
        return
    with store.transaction() as con:
        for src in snapshot.sources(directory):
            table = src["table"]
            cols = ", ".join(COLUMNS[table])
            paths = [str(directory / f["path"]) for f in src["files"]]
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_parquet(?, hive_partitioning = true)",
                        [paths])
        for row in source_rows(set()):
            store._put_source(row)


def record_version(catalog) -> None:
    """Write the snapshot version in force into the catalog's meta if it differs (call under the writer lock)."""
    current = snapshot.version()
    row = catalog.db.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    recorded = row[0] if row else None
    if current != recorded:
        if current is None:
            catalog.db.execute("DELETE FROM meta WHERE key = ?", [META_KEY])
        else:
            catalog.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_KEY, current])


def recorded_version(catalog) -> str | None:
    row = catalog.db.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    return row[0] if row else None
