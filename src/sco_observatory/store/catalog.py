"""The store's catalog: a small SQLite database (WAL mode) that says what the store holds.

It keeps `meta` (schema version), `source` (provenance: title, publisher, URL, licence, retrieval
time, sha256 of the file, rows) and, per store commit, the Delta Lake version of each data table.
A store commit is one SQLite transaction: the Delta commits it refers to are written first, so a
reader that reads the newest commit finds every file it names. WAL lets any number of readers read
while the single writer commits, without either waiting on the other.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

SOURCE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("source_id", pa.string()), ("title", pa.string()), ("publisher", pa.string()), ("year", pa.int32()),
    ("url", pa.string()), ("licence", pa.string()), ("citation", pa.string()), ("retrieved", pa.timestamp("us")),
    ("sha256", pa.string()), ("file_name", pa.string()), ("format", pa.string()), ("table_name", pa.string()),
    ("rows", pa.int64()),
)
SOURCE_SCHEMA = pa.schema(SOURCE_COLUMNS)

DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS source (source_id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT NOT NULL,
        year INTEGER, url TEXT, licence TEXT, citation TEXT, retrieved TEXT NOT NULL, sha256 TEXT, file_name TEXT,
        format TEXT NOT NULL, table_name TEXT NOT NULL, rows INTEGER NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS store_commit (commit_id INTEGER PRIMARY KEY, committed TEXT NOT NULL, note TEXT)",
    """CREATE TABLE IF NOT EXISTS table_version (commit_id INTEGER NOT NULL, table_name TEXT NOT NULL,
        delta_version INTEGER NOT NULL, PRIMARY KEY (commit_id, table_name))""",
)


@dataclass(frozen=True)
class Snapshot:
    """One store commit as a reader pins it: its id, each data table's Delta version, the sources."""

    commit_id: int
    versions: dict[str, int]
    sources: list[tuple]
    schema_version: int


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class Catalog:
    """A connection to `catalog.sqlite`; one per Store (sqlite3 connections are not shared across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.mutex = threading.RLock()  # one statement sequence at a time (the server shares this connection)

    def close(self) -> None:
        self.db.close()

    def initialise(self, schema_version: int) -> None:
        """Create the tables and commit 0 (no data); call under the writer lock."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for statement in DDL:
                self.db.execute(statement)
            if self.db.execute("SELECT count(*) FROM store_commit").fetchone()[0] == 0:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(schema_version)])
                self.db.execute("INSERT INTO store_commit VALUES (0, ?, 'created')", [_now()])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def is_initialised(self) -> bool:
        try:
            return self.db.execute("SELECT count(*) FROM store_commit").fetchone()[0] > 0
        except sqlite3.OperationalError:
            return False

    def head(self) -> int:
        """The newest commit id: the cheap per-request check of whether the store changed."""
        with self.mutex:
            return self.db.execute("SELECT max(commit_id) FROM store_commit").fetchone()[0]

    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def set_schema_version(self, version: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])

    def snapshot(self) -> Snapshot:
        """The newest commit, read in one SQLite read transaction (so versions and sources agree)."""
        with self.mutex:
            return self._snapshot()

    def _snapshot(self) -> Snapshot:
        self.db.execute("BEGIN")
        try:
            head = self.head()
            versions = dict(self.db.execute(
                "SELECT table_name, delta_version FROM table_version WHERE commit_id = ?", [head]).fetchall())
            sources = self.db.execute(
                f"SELECT {', '.join(name for name, _ in SOURCE_COLUMNS)} FROM source ORDER BY source_id").fetchall()
            schema = self.schema_version()
        finally:
            self.db.execute("COMMIT")
        return Snapshot(head, versions, [_source_row(r) for r in sources], schema)

    def history(self) -> list[tuple[int, dt.datetime, dict[str, int], str]]:
        """Every store commit, oldest first: (commit id, commit time in UTC, Delta version of each table, note).

        What vacuuming needs to know which files a reader may still be pinned to (`store/vacuum.py`).
        """
        with self.mutex:
            self.db.execute("BEGIN")
            try:
                commits = self.db.execute(
                    "SELECT commit_id, committed, coalesce(note, '') FROM store_commit ORDER BY commit_id").fetchall()
                versions: dict[int, dict[str, int]] = {}
                for commit_id, table, version in self.db.execute(
                        "SELECT commit_id, table_name, delta_version FROM table_version"):
                    versions.setdefault(commit_id, {})[table] = version
            finally:
                self.db.execute("COMMIT")
        return [(c, _timestamp(t), versions.get(c, {}), note) for c, t, note in commits]

    def commit(self, base: Snapshot, versions: dict[str, int], sources: dict[str, tuple], note: str) -> int:
        """Record a new store commit: the changed tables' Delta versions and the new/replaced source rows.

        `base` is the snapshot the writer started from; under the writer lock nobody else commits, so
        the new commit is base + 1 and every unchanged table keeps its version.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            head = self.head()
            if head != base.commit_id:
                raise RuntimeError(f"catalog moved from commit {base.commit_id} to {head} under the writer lock")
            new = head + 1
            self.db.execute("INSERT INTO store_commit VALUES (?, ?, ?)", [new, _now(), note])
            merged = {**base.versions, **versions}
            self.db.executemany("INSERT INTO table_version VALUES (?, ?, ?)",
                                [(new, table, version) for table, version in sorted(merged.items())])
            names = ", ".join(name for name, _ in SOURCE_COLUMNS)
            marks = ", ".join("?" for _ in SOURCE_COLUMNS)
            self.db.executemany(f"INSERT OR REPLACE INTO source ({names}) VALUES ({marks})",
                                [_sqlite_row(row) for row in sources.values()])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return new


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def _source_row(row: tuple) -> tuple:
    values = list(row)
    values[7] = _timestamp(values[7])
    return tuple(values)


def _sqlite_row(row: tuple) -> tuple:
    values = list(row)
    stamp = values[7]
    values[7] = stamp.isoformat(sep=" ") if isinstance(stamp, dt.datetime) else str(stamp)
    return tuple(values)


def sources_arrow(rows: list[tuple]) -> pa.Table:
    """The `source` rows as an Arrow table with the store's column types.

    Timestamps go in as microseconds since the epoch (naive UTC), which keeps pandas out of the
    conversion (importing it costs a second on a cold start).
    """
    columns = list(zip(*rows)) if rows else [() for _ in SOURCE_COLUMNS]
    arrays = []
    for (name, kind), col in zip(SOURCE_COLUMNS, columns):
        if pa.types.is_timestamp(kind):
            micros = [None if v is None else (v - _EPOCH) // dt.timedelta(microseconds=1) for v in col]
            arrays.append(pa.array(micros, type=pa.int64()).cast(kind))
        else:
            arrays.append(pa.array(list(col), type=kind))
    return pa.Table.from_arrays(arrays, schema=SOURCE_SCHEMA)


_EPOCH = dt.datetime(1970, 1, 1)
