"""Open the store, pin a consistent snapshot for reading, and replace a source's rows atomically.

The store (`<home>/store/`) is a SQLite catalog (`catalog.sqlite`) plus one Delta Lake table per
data table (`tables/<table>/`), see docs/architecture.md. Readers pin the catalog's newest commit
and read each table at the Delta version that commit records, through an in-memory DuckDB
connection where `indicator`, `trade`, `migration`, ... are views over that snapshot's parquet
files and `source` is a table of the snapshot's provenance rows — so every query written for the
old single-file store runs unchanged on `store.con`. Any number of readers run beside one writer.

All writes go through `Store.replace_source` inside `Store.transaction()`: the new rows are staged by
the caller, written as new parquet files, and become visible to others only when the transaction
ends with one Delta commit per changed table followed by one SQLite commit. A failure anywhere
(or kill -9) leaves the catalog where it was; re-importing the same file (same sha256) changes
nothing. `open_memory_store()` is the same interface over plain in-memory DuckDB tables (tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from sco_observatory import config
from sco_observatory.errors import StoreError
from sco_observatory.store import lake
from sco_observatory.store import snapshot_refs
from sco_observatory.store.catalog import SOURCE_COLUMNS, Catalog, Snapshot, sources_arrow
from sco_observatory.store.lock import WriterLock
from sco_observatory.store.provenance import SourceMeta
from sco_observatory.store.json_rows import insert_rows
from sco_observatory.store.results import arrow, first, frame, release, sql_string
from sco_observatory.store.results import rows as result_rows
from sco_observatory.store.schema import COLUMNS, MIGRATIONS, SCHEMA_VERSION

CATALOG_FILE = "catalog.sqlite"
LOCK_FILE = "writer.lock"
TABLES_DIR = "tables"
TMP_DIR = "tmp"
DDL_SCHEMA = "ddl"  # where each connection keeps the empty typed tables of schema.MIGRATIONS
PINNED_SCHEMA = "pinned"  # in-memory copies of a pinned snapshot's small sources
# A reader copies a source's files into memory when they are small: a query over a view of many
# small parquet files pays ~0.1-0.2 ms per file opened (DOTS is 2 sources x 31 years = 62 files),
# which made cheap dashboard queries 2-3x slower than DuckDB tables (benchmarks/README.md). Files
# never change, so the copy is exact; big sources (a BACI year) stay parquet scans with pruning.
CACHE_SOURCE_BYTES = 16 * 2**20  # parquet bytes of one source
CACHE_TABLE_BYTES = 48 * 2**20  # parquet bytes copied per table and connection


@dataclass
class ImportResult:
    """What an import did, for the one-line summary the CLI prints."""

    source_id: str
    table: str
    status: str  # imported | replaced | unchanged
    rows: int
    previous_rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step of the import (benchmarks)

    def summary(self) -> str:
        text = {
            "imported": f"imported {self.rows:,} rows into {self.table} as source {self.source_id}",
            "replaced": f"replaced {self.previous_rows:,} rows of source {self.source_id} with {self.rows:,} rows (new version of the file)",
            "unchanged": f"source {self.source_id} already holds this exact file ({self.rows:,} rows); nothing changed",
        }[self.status]
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n:,} {why}" for why, n in sorted(self.skipped.items()))
        return text


def data_tables() -> tuple[str, ...]:
    """The data tables: every table of `schema.COLUMNS` (the one definition)."""
    return tuple(COLUMNS)


def _data_table(name: str) -> str:
    """`name` if it is a data table (a validated identifier for SQL), else a StoreError."""
    if name not in COLUMNS:
        raise StoreError(f"no data table {name!r}", f"use one of {', '.join(COLUMNS)}")
    return name


def _connect(tmp: Path | None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB bounded to $SCO_MEMORY_LIMIT (validated; passed as config, never as SQL text)."""
    settings = {"memory_limit": config.memory_limit()}
    if tmp is not None:
        settings["temp_directory"] = str(tmp)
    return duckdb.connect(":memory:", config=settings)


def _source_row(meta: SourceMeta, table: str, rows: int) -> tuple:
    return (meta.source_id, meta.title, meta.publisher, meta.year, meta.url, meta.licence, meta.citation,
            meta.retrieved, meta.sha256, meta.file_name, meta.format, table, rows)


class Store:
    """The store interface over plain DuckDB tables (the in-memory store used by tests and benchmarks)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
        self.con = con
        self.path = path
        self._exports: dict[str, Path] = {}
        self._export_dir: tempfile.TemporaryDirectory | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()
        if self._export_dir is not None:
            self._export_dir.cleanup()
            self._export_dir = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def schema_version(self) -> int:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.CatalogException:
            return 0
        return int(row[0]) if row else 0

    def migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.path} has schema version {current}, newer than this sco-observatory ({SCHEMA_VERSION})",
                "upgrade sco-observatory, or point --home at another directory",
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for statement in MIGRATIONS[version]:
                    self.con.execute(statement)
                self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def cursor(self) -> "Store":
        """A store over a new cursor of the same database (one per thread/request)."""
        return Store(self.con.cursor(), self.path)

    def changed(self) -> bool:
        """Whether another process committed since this store was pinned (never, for an in-memory store)."""
        return False

    def reopened(self) -> "Store":
        return self

    # -- writes ----------------------------------------------------------------------------
    def staging_name(self) -> str:
        return f"_staging_{uuid.uuid4().hex[:12]}"

    def _previous(self, source_id: str):
        return first(self.con, "SELECT sha256, rows FROM source WHERE source_id = ?", [source_id])

    TYPED_SCHEMA = "main"  # where this store's connection holds the typed tables of schema.MIGRATIONS

    def constraint_tests(self, table: str) -> list[tuple[str, str]]:
        """(SQL true for a row that violates it, message) for each NOT NULL / CHECK constraint of `table`
        except `source_id`'s (bound by the store): read from DuckDB's catalog of the typed table, so
        the DDL stays their one definition. A CHECK fails on FALSE only (NULL passes, as in SQL)."""
        found = result_rows(
            self.con,
            "SELECT constraint_type, expression, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = ? AND table_name = ? AND constraint_type IN ('CHECK', 'NOT NULL') ORDER BY constraint_index",
            [self.TYPED_SCHEMA, _data_table(table)])
        tests = []
        for kind, expression, columns in found:
            if kind == "NOT NULL" and columns != ["source_id"]:
                tests.append((f"{columns[0]} IS NULL", f"NOT NULL constraint failed: {table}.{columns[0]}"))
            elif kind == "CHECK":
                tests.append((f"({expression}) IS FALSE", f"CHECK constraint failed on table {table} with expression {expression}"))
        return tests

    def replace_source(self, meta: SourceMeta, staging: str, *, rows: int | None = None,
                       checked: bool = False) -> ImportResult:
        """Swap a source's rows for the staged ones, atomically; call inside `transaction()`.

        `staging` is a table or view with the data table's columns except `source_id`; `rows`, when
        the caller has counted them, saves a scan; `checked`: the caller has already run exactly
        `constraint_tests` over these rows (the import's validation scan), which saves another.
        Returns what happened: imported (new source), replaced (new version), or unchanged (same sha256).
        """
        table, col_list, rows, previous, previous_rows, unchanged = self._replacement(meta, staging, rows)
        if unchanged is not None:
            return unchanged
        if previous:
            result_rows(self.con, f"DELETE FROM {table} WHERE source_id = ?", [meta.source_id])
        result_rows(self.con, f"INSERT INTO {table} ({col_list}, source_id) SELECT {col_list}, ? FROM {staging}",
                [meta.source_id])
        self._put_source(_source_row(meta, table, rows))
        return ImportResult(meta.source_id, table, "replaced" if previous else "imported", rows, previous_rows)

    def _replacement(self, meta: SourceMeta, staging: str, rows: int | None = None):
        """What both stores' `replace_source` start from: (table, column list without source_id, staged
        rows, the stored source row or None, the stored row count, and an "unchanged" ImportResult when
        the store already holds this exact file (same sha256), else None)."""
        table = _data_table(meta.table_name)
        col_list = ", ".join(c for c in COLUMNS[table] if c != "source_id")
        if rows is None:
            rows = self.con.execute(f"SELECT count(*) FROM {staging}").fetchone()[0]
        previous = self._previous(meta.source_id)
        if previous and meta.sha256 and previous[0] == meta.sha256:
            return table, col_list, rows, previous, 0, ImportResult(meta.source_id, table, "unchanged", previous[1])
        previous_rows = first(
            self.con, f"SELECT count(*) FROM main.{table} WHERE source_id = ?", [meta.source_id])[0] if previous else 0
        return table, col_list, rows, previous, previous_rows, None

    def column_types(self, table: str) -> dict[str, str]:
        """Column -> DuckDB type of the typed table `table` (the one definition, `schema.MIGRATIONS`)."""
        return dict(result_rows(
            self.con, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [self.TYPED_SCHEMA, _data_table(table)]))

    def scratch_dir(self) -> Path:
        """A new, empty directory for one import's files before they are adopted (`adopt_source_files`).

        For the file store it lies inside the store (so adopting a file is a rename on one file
        system) under this process's tmp directory, which `recover` deletes once the process is gone."""
        if self._export_dir is None:
            self._export_dir = tempfile.TemporaryDirectory(prefix="sco-export-")
        path = Path(self._export_dir.name) / f"import-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def adopt_source_files(self, meta: SourceMeta, base: Path, written: list[tuple[Path, int, int]],
                           rows_sql: str, *, rows: int) -> ImportResult:
        """Make the checked rows of an import the source's rows; call inside `transaction()`.

        `written` are the parquet files (path, rows, bytes) an import wrote under `base`, partitioned
        as `lake.partition_columns` says below the source; `rows_sql` reads the same rows. This store
        holds plain tables, so the rows are inserted from `rows_sql`; `LakeStore` moves the files."""
        return self.replace_source(meta, rows_sql, rows=rows, checked=True)

    def _put_source(self, row: tuple) -> None:
        # through a JSON-lines file: binding the row's values would make DuckDB import pandas (store/json_rows.py)
        insert_rows(self.con, "source", _SOURCE_TYPES, [_source_json_row(row)], replace=True)

    # -- reads -----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.con.execute("SELECT count(*) FROM source").fetchone()[0] == 0

    def sources(self):
        return frame(self.con, "SELECT * FROM source ORDER BY source_id")

    # -- the interface other engines read the store through ---------------------------------
    def table_root(self, table: str) -> Path:
        """The directory holding the table's parquet files (Hive-style `source_id=`/`year=` dirs)."""
        table = _data_table(table)
        if table not in self._exports:
            self.table_files(table)
        return self._exports[table]

    def table_files(self, table: str) -> list[str]:
        """Absolute paths of the table's parquet files; here exported from the in-memory tables on each call."""
        table = _data_table(table)
        if self._export_dir is None:
            self._export_dir = tempfile.TemporaryDirectory(prefix="sco-export-")
        root = Path(self._export_dir.name) / table / uuid.uuid4().hex[:8]
        root.mkdir(parents=True)
        cols = [c for c in COLUMNS[table] if c not in lake.partition_columns(table)]
        parts = ", ".join(lake.partition_columns(table))
        written = self.con.execute(
            f"COPY (SELECT {', '.join(cols)}, {parts} FROM {table}) TO {sql_string(root)} "
            f"(FORMAT parquet, PARTITION_BY ({parts}), RETURN_STATS true)").fetchall()
        self._exports[table] = root
        return sorted(str(Path(name).resolve()) for name, *_ in written)

    def catalog_arrow(self, name: str) -> pa.Table:
        """A catalog table (`source`, `meta`) as Arrow."""
        if name == "source":
            return arrow(
                self.con, f"SELECT {', '.join(n for n, _ in SOURCE_COLUMNS)} FROM source ORDER BY source_id"
            ).cast(pa.schema(SOURCE_COLUMNS))
        if name == "meta":
            return pa.table({"key": ["schema_version"], "value": [str(self.schema_version())]})
        raise StoreError(f"no catalog table {name!r}", "use 'source' or 'meta'")


@dataclass
class _Pending:
    """A write transaction in progress: the snapshot it started from, each touched table's file set."""

    base: Snapshot
    files: dict[str, dict[str, lake.DataFile]] = field(default_factory=dict)
    sources: dict[str, tuple] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)


def _source_json_row(row: tuple) -> list:
    """A `source` row (`SOURCE_COLUMNS`' order) as JSON values (the retrieval time as ISO text)."""
    return [v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in row]


_SOURCE_TYPES = [(name, {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
                         pa.timestamp("us"): "TIMESTAMP"}[kind]) for name, kind in SOURCE_COLUMNS]
"""`SOURCE_COLUMNS` as (name, DuckDB type), for the JSON-lines inserts of `source` rows."""


def _insert_sources(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """INSERT the `source` rows (`SOURCE_COLUMNS`' order) into `main.source`, through a JSON-lines file
    that DuckDB reads with the columns' types (store/json_rows.py).

    Why not an Arrow table registered on the connection (as before): DuckDB's Python client imports
    pandas (~0.3 s) the first time it is handed any Python object, and every open pins; the rows are
    text the store keeps (titles, file names), so they go through a file, never into the SQL."""
    if rows:
        insert_rows(con, "source", _SOURCE_TYPES, (_source_json_row(row) for row in rows))


class LakeStore(Store):
    """The file store: SQLite catalog + Delta tables, read through a pinned snapshot."""

    TYPED_SCHEMA = DDL_SCHEMA

    def __init__(self, root: Path, catalog: Catalog, lock: WriterLock, *, read_only: bool = False,
                 pin: bool = True) -> None:
        """`pin=False`: no views yet (open_store recovers first, then pins once: `_prepare`)."""
        self.root = root
        self.catalog = catalog
        self.lock = lock
        self.read_only = read_only
        self.tmp = root / TMP_DIR / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._pending: _Pending | None = None
        self._schemas: dict[str, pa.Schema] = {}
        self.snapshot: Snapshot | None = None
        self._is_cursor = False
        self._owns_catalog = True
        self.snapshot_ids: set[str] = set()
        self._hive: dict[str, dict[str, str]] | None = None
        super().__init__(_connect(self.tmp), root)
        _create_ddl(self.con)
        if pin:
            self.pin(self.catalog.snapshot())

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()
        if not self._is_cursor:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self._owns_catalog:
                self.catalog.close()

    def cursor(self) -> "LakeStore":
        """A store over a new cursor of this connection, sharing its pinned snapshot (per request)."""
        other = object.__new__(LakeStore)
        other.__dict__.update(self.__dict__)
        other.con = self.con.cursor()
        other._is_cursor = True
        other.read_only = True
        return other

    def schema_version(self) -> int:
        return self.snapshot.schema_version if self.snapshot else 0

    def migrate(self) -> None:  # the catalog's schema version is handled by open_store
        return None

    # -- snapshots -------------------------------------------------------------------------
    def changed(self) -> bool:
        """Whether the catalog has a newer commit than the pinned one (one indexed SQLite read)."""
        return self.snapshot is None or self.catalog.head() != self.snapshot.commit_id

    def refresh(self) -> bool:
        """Pin the newest commit if it is newer; returns whether the views changed."""
        if not self.changed():
            return False
        self.pin(self.catalog.snapshot())
        return True

    def reopened(self) -> "LakeStore":
        """A new connection pinned to the newest commit (the server swaps to it; old requests finish on the old one)."""
        return LakeStore(self.root, Catalog(self.catalog.path), self.lock, read_only=True)

    def pin(self, snapshot: Snapshot) -> None:
        """Point `source` and the data views at one catalog commit."""
        held = {row[0] for row in snapshot.sources}
        extra = snapshot_refs.source_rows(held)
        self.snapshot_ids = {row[0] for row in extra}
        release(self.con)  # a count the caller fetched with fetchone() may still be open (DuckDB 2.x)
        self.con.execute("DELETE FROM source")
        _insert_sources(self.con, list(snapshot.sources) + extra)
        for table in data_tables():
            files = lake.files_at(self.table_root(table), snapshot.versions.get(table))
            self._make_view(table, snapshot_refs.with_snapshot(table, files, held), cache=True)
        self.snapshot = snapshot

    def _scan(self, table: str, files) -> str:
        root = self.table_root(table)
        paths = ", ".join(sql_string(root / rel) for rel in sorted(files))
        return (f"SELECT {', '.join(COLUMNS[table])} FROM read_parquet([{paths}], hive_partitioning = true, "
                f"hive_types = {{{self._hive_types(table)}}})")

    def _make_view(self, table: str, files: dict[str, lake.DataFile], *, cache: bool = False) -> None:
        """`main.<table>` over these files: small sources copied into memory (if `cache`), the rest scanned."""
        cols = ", ".join(COLUMNS[table])
        if not files:
            self.con.execute(f"CREATE OR REPLACE VIEW main.{table} AS SELECT {cols} FROM {DDL_SCHEMA}.{table}")
            return
        small: list[str] = []
        if cache:
            by_source: dict[str, list[lake.DataFile]] = {}
            for f in files.values():
                if not os.path.isabs(f.rel):  # the snapshot's files are scanned in place: opening stays fast
                    by_source.setdefault(f.source_id, []).append(f)
            budget = CACHE_TABLE_BYTES
            for source in sorted(by_source, key=lambda s: sum(f.size for f in by_source[s])):
                size = sum(f.size for f in by_source[source])
                if size > CACHE_SOURCE_BYTES or size > budget:
                    break
                budget -= size
                small += [f.rel for f in by_source[source]]
        large = [rel for rel in files if rel not in set(small)]
        parts = []
        if small:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {PINNED_SCHEMA}")
            self.con.execute(f"CREATE OR REPLACE TABLE {PINNED_SCHEMA}.{table} AS {self._scan(table, small)}")
            parts.append(f"SELECT {cols} FROM {PINNED_SCHEMA}.{table}")
        if large:
            parts.append(self._scan(table, large))
        self.con.execute(f"CREATE OR REPLACE VIEW main.{table} AS {' UNION ALL '.join(parts)}")

    def _hive_types(self, table: str) -> str:
        """`'col': TYPE, …` of the table's partition columns, from the schema's typed tables (read once per
        connection, in one query for every table: the schema does not change while a store is open)."""
        if self._hive is None:
            kinds: dict[str, dict[str, str]] = {}
            for name, column, kind in frame(  # through store.results: the schema name is inlined, not bound (no pandas)
                    self.con, "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?",
                    [DDL_SCHEMA]).rows():
                kinds.setdefault(name, {})[column] = kind
            self._hive = kinds
        return ", ".join(f"'{c}': {self._hive[table][c]}" for c in lake.partition_columns(table))

    def _schema(self, table: str) -> pa.Schema:
        if table not in self._schemas:
            self._schemas[table] = arrow(self.con, f"SELECT * FROM {DDL_SCHEMA}.{table} LIMIT 0").schema
        return self._schemas[table]

    def _column_types(self, table: str) -> dict[str, str]:
        return self.column_types(table)

    def scratch_dir(self) -> Path:
        path = self.tmp / f"import-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def _check_constraints(self, table: str, staging: str, source_id: str | None) -> None:
        """The schema's NOT NULL and CHECK constraints (`constraint_tests`) over the staged rows, in one
        aggregate scan; a violation raises `duckdb.ConstraintException`, as an INSERT into the typed table would."""
        if not source_id:
            raise duckdb.ConstraintException(f"NOT NULL constraint failed: {table}.source_id")
        tests = self.constraint_tests(table)
        if not tests:
            return
        counts = self.con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {test})" for test, _ in tests) + f" FROM {staging}").fetchone()
        for (_, message), n in zip(tests, counts):
            if n:
                raise duckdb.ConstraintException(f"{message} ({n:,} rows)")

    def is_empty(self) -> bool:
        """Whether the store's own catalog holds no source (the snapshot's referenced sources do not count)."""
        return not self.snapshot.sources if self.snapshot else True

    # -- the interface other engines read the store through ---------------------------------
    def table_root(self, table: str) -> Path:
        return self.root / TABLES_DIR / _data_table(table)

    def table_files(self, table: str) -> list[str]:
        """Absolute paths of the pinned snapshot's parquet files of `table` (Hive-style partition dirs)."""
        root = self.table_root(table)
        files = (self._pending.files.get(table) if self._pending else None)
        if files is None:
            files = lake.files_at(root, self.snapshot.versions.get(table))
        return sorted(str(root / rel) for rel in snapshot_refs.with_snapshot(table, files, self._held()))

    def _held(self) -> set[str]:
        """Source ids the store's own catalog holds (pinned, plus those written in the open transaction)."""
        held = {row[0] for row in self.snapshot.sources}
        if self._pending is not None:
            held |= set(self._pending.sources)
        return held

    def catalog_arrow(self, name: str) -> pa.Table:
        if name == "source":
            return sources_arrow(self.snapshot.sources)
        if name == "meta":
            return pa.table({"key": ["schema_version", "commit_id"],
                             "value": [str(self.snapshot.schema_version), str(self.snapshot.commit_id)]})
        if name == "table_version":
            items = sorted(self.snapshot.versions.items())
            return pa.table({"table_name": [t for t, _ in items], "delta_version": [v for _, v in items]})
        raise StoreError(f"no catalog table {name!r}", "use 'source', 'meta' or 'table_version'")

    # -- writes ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write: take the writer lock, recover, pin the newest commit, and commit all-or-nothing."""
        if self.read_only:
            raise StoreError("this store was opened read-only", "open it without read_only to import")
        if self._pending is not None:
            raise RuntimeError("store transactions do not nest")
        owns_lock = not self.lock.held
        if owns_lock:
            self.lock.acquire(config.writer_wait())
        try:
            recover(self)
            self.refresh()
            self._pending = _Pending(self.snapshot)
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
                self._commit_pending()
            except BaseException:
                self.con.execute("ROLLBACK")
                self._abort_pending()
                raise
            else:
                self.con.execute("COMMIT")
        finally:
            self._pending = None
            if owns_lock:
                self.lock.release()
        self.pin(self.catalog.snapshot())

    def _previous(self, source_id: str):
        return first(self.con, "SELECT sha256, rows FROM main.source WHERE source_id = ?", [source_id])

    def replace_source(self, meta: SourceMeta, staging: str, *, rows: int | None = None,
                       checked: bool = False) -> ImportResult:
        """Write the staged rows as the source's new files; visible to others when the transaction commits.

        One scan checks the schema's NOT NULL and CHECK constraints (`_check_constraints`), and one
        streams the rows, cast to the schema's column types, into parquet (`COPY ... TO`): the rows
        are never copied into another table first.
        """
        pending = self._pending
        if pending is None:
            raise RuntimeError("replace_source must run inside Store.transaction()")
        table, col_list, rows, previous, previous_rows, unchanged = self._replacement(meta, staging, rows)
        if unchanged is not None:
            return unchanged
        if not checked:
            self._check_constraints(table, staging, meta.source_id)
        root = self.table_root(table)
        partitions = lake.partition_columns(table)
        file_cols = [c for c in COLUMNS[table] if c not in partitions or c == "year"]
        file_cols = [c for c in file_cols if c != "source_id"]
        kinds = self._column_types(table)
        typed = ", ".join(f"CAST({c} AS {kinds[c]}) AS {c}" for c in file_cols)
        written = lake.write_source_files(self.con, root, f"SELECT {typed} FROM {staging}", meta.source_id, partitions)
        return self._register_files(meta, table, written, rows, previous, previous_rows)

    def adopt_source_files(self, meta: SourceMeta, base: Path, written: list[tuple[Path, int, int]],
                           rows_sql: str, *, rows: int) -> ImportResult:
        """Move an import's checked parquet files (written under `base`, see `Store.adopt_source_files`)
        into the source's partition: a rename each, no row read or written again. Uncommitted until
        the transaction ends; a crash leaves them untracked and `recover` deletes them."""
        pending = self._pending
        if pending is None:
            raise RuntimeError("adopt_source_files must run inside Store.transaction()")
        table, _, rows, previous, previous_rows, unchanged = self._replacement(meta, rows_sql, rows)
        if unchanged is not None:
            return unchanged
        moved = lake.adopt_files(self.table_root(table), meta.source_id, base, written)
        return self._register_files(meta, table, moved, rows, previous, previous_rows)

    def _register_files(self, meta: SourceMeta, table: str, written: dict[str, lake.DataFile], rows: int,
                        previous, previous_rows: int) -> ImportResult:
        """The source's new files stand for its rows in the open transaction (views, provenance row)."""
        pending = self._pending
        root = self.table_root(table)
        pending.written += [root / rel for rel in written]
        files = pending.files.get(table)
        if files is None:
            files = lake.files_at(root, pending.base.versions.get(table))
        files = {rel: f for rel, f in files.items() if f.source_id != meta.source_id}
        files.update(written)
        pending.files[table] = files
        row = _source_row(meta, table, rows)
        pending.sources[meta.source_id] = row
        self._put_source(row)
        self._make_view(table, snapshot_refs.with_snapshot(table, files, self._held()))
        return ImportResult(meta.source_id, table, "replaced" if previous else "imported", rows, previous_rows)

    def _commit_pending(self) -> None:
        pending = self._pending
        versions: dict[str, int] = {}
        for table, files in pending.files.items():
            root = self.table_root(table)
            base = lake.files_at(root, pending.base.versions.get(table))
            adds = [f for rel, f in files.items() if rel not in base]
            removes = [f for rel, f in base.items() if rel not in files]
            if adds or removes:
                versions[table] = lake.commit(root, self._schema(table), lake.partition_columns(table), adds, removes)
        if versions or pending.sources:
            names = ", ".join(sorted(pending.sources))
            self.catalog.commit(pending.base, versions, pending.sources, f"replace {names}"[:500])

    def _abort_pending(self) -> None:
        """Undo an uncommitted write: Delta versions the catalog does not reference, files nobody committed."""
        try:
            recover(self, pending=self._pending)
        except Exception:  # the next write or open recovers; the catalog was never moved
            pass


def recover(store: LakeStore, pending: _Pending | None = None) -> dict[str, int]:
    """Under the writer lock: undo Delta versions the catalog does not reference, delete untracked files
    and the DuckDB spill directories of processes that are gone."""
    snapshot = store.catalog.snapshot()
    totals = {"restored": 0, "deleted_files": 0}
    tables_dir = store.root / TABLES_DIR
    names = set(data_tables()) | ({p.name for p in tables_dir.iterdir()} if tables_dir.is_dir() else set())
    for table in sorted(names):
        done = lake.recover(tables_dir / table, snapshot.versions.get(table))
        for key in totals:
            totals[key] += done[key]
    tmp = store.root / TMP_DIR
    if tmp.is_dir():
        for entry in tmp.iterdir():
            pid = entry.name.split("-", 1)[0]
            if entry != store.tmp and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)
    return totals


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _create_ddl(con: duckdb.DuckDBPyConnection) -> None:
    """The schema's typed (empty) tables in schema `ddl`, and `main.source` for the pinned provenance rows."""
    con.execute(f"CREATE SCHEMA {DDL_SCHEMA}")
    con.execute(f"SET schema = '{DDL_SCHEMA}'")
    for version in sorted(MIGRATIONS):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
    con.execute("SET schema = 'main'")
    con.execute(f"CREATE TABLE main.source AS SELECT * FROM {DDL_SCHEMA}.source LIMIT 0")
    con.execute("ALTER TABLE main.source ADD PRIMARY KEY (source_id)")


def locate(path: str | Path | None) -> tuple[Path, Path | None]:
    """(store directory, legacy single-file store to migrate from, if any) for an `open_store` argument.

    None: the home's `store/` (legacy `observatory.duckdb` beside it). A path ending in `.duckdb` (how
    older callers named the store): `store/` beside it if it is `observatory.duckdb`, else `<stem>.store`.
    Any other path is the store directory itself.
    """
    if path is None:
        return config.store_path(), config.legacy_store_path()
    target = Path(path).expanduser()
    if target.suffix == ".duckdb":
        directory = target.parent / config.STORE_DIR if target.name == config.STORE_FILE else target.with_suffix(".store")
        return directory, target
    if target.name == config.STORE_DIR:
        return target, target.parent / config.STORE_FILE
    return target, None


_open_lock = threading.Lock()


def open_store(path: str | Path | None = None, *, read_only: bool = False, seed: bool = True) -> LakeStore:
    """Open (creating, migrating an old single-file store, and seeding the embedded default if needed) the store."""
    root, legacy = locate(path)
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / TMP_DIR).mkdir(exist_ok=True)
        catalog = Catalog(root / CATALOG_FILE)
    except OSError as exc:
        raise StoreError(f"cannot create the store at {root}: {exc.strerror}",
                         "set --home or SCO_OBSERVATORY_HOME to a writable directory") from None
    except Exception as exc:  # sqlite3.DatabaseError: not a catalog
        raise StoreError(f"cannot open the store at {root}: {str(exc).splitlines()[0]}",
                         "point --home / SCO_OBSERVATORY_HOME at another directory") from None
    lock = WriterLock(root / LOCK_FILE)
    try:
        with _open_lock:
            prepared = _prepare(root, catalog, lock, legacy, read_only=read_only, seed=seed)
        if prepared is not None:  # the store that recovered (and seeded) is the one returned: pinned once
            prepared._owns_catalog = True
            return prepared
        return LakeStore(root, catalog, lock, read_only=read_only)
    except BaseException:
        catalog.close()
        raise


def _prepare(root: Path, catalog: Catalog, lock: WriterLock, legacy: Path | None, *, read_only: bool,
             seed: bool) -> LakeStore | None:
    """Create/upgrade/seed the store if it needs it (under the writer lock), else recover if nobody writes.

    Returns the writable store it worked on, pinned to the newest commit after the work, for
    open_store to hand out (or None: read-only, or another process is writing — open_store then
    pins a new one). Why: each pin builds every view and copies the small sources into memory, and
    a fresh home used to pin three times (the recovering store, the seed's commit, the returned
    store); now the views are built after recovery and once per commit.
    """
    version = catalog.schema_version() if catalog.is_initialised() else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the store at {root} has schema version {version}, newer than this sco-observatory ({SCHEMA_VERSION})",
            "upgrade sco-observatory, or point --home at another directory",
        )
    initialised = catalog.is_initialised()
    empty = initialised and catalog.head() == 0 and not catalog.snapshot().sources
    has_legacy = legacy is not None and legacy.exists()
    if initialised and version == SCHEMA_VERSION and not (empty and (seed or has_legacy)):
        if not read_only and lock.try_acquire():
            try:
                store = LakeStore(root, catalog, lock, pin=False)
                store._owns_catalog = False
                try:
                    recover(store)
                    snapshot_refs.record_version(catalog)
                    store.pin(catalog.snapshot())
                except BaseException:
                    store.close()
                    raise
            finally:
                lock.release()
            return store
        return None
    if not initialised:
        lock.acquire(config.writer_wait())  # nothing to read before the catalog exists
    elif not lock.try_acquire():
        return None  # a writer is at work (seeding, migrating or importing); read what the catalog holds
    try:
        catalog.initialise(SCHEMA_VERSION)
        if catalog.schema_version() < SCHEMA_VERSION:
            # New tables of a newer schema need no data move: a table with no Delta version reads as empty.
            catalog.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        store = LakeStore(root, catalog, lock, pin=False)
        store._owns_catalog = False
        try:
            recover(store)
            if not catalog.snapshot().sources:  # is_empty() of the catalog (the store is not pinned yet)
                if legacy is not None and legacy.exists():
                    from sco_observatory.store.legacy import migrate_legacy

                    migrate_legacy(store, legacy)
                elif seed:
                    from sco_observatory.store.embedded import seed_embedded

                    seed_embedded(store)
            snapshot_refs.record_version(catalog)
            if store.changed():  # not pinned, or pinned before a commit the work made
                store.pin(catalog.snapshot())
        except BaseException:
            store.close()
            raise
    finally:
        lock.release()
    if read_only:
        store.close()
        return None
    return store


def open_memory_store(*, seed: bool = True, snapshot: bool = False) -> Store:
    """An in-memory store (tests, benchmarks, one-off computations): plain DuckDB tables, same interface.

    `seed`: the report's embedded tables. `snapshot`: also the open-data snapshot's rows, copied in
    (a file store references them instead). Off by default, so a test's store holds only what it put there.
    """
    store = Store(_connect(None), None)
    store.migrate()
    if seed:
        from sco_observatory.store.embedded import seed_embedded

        seed_embedded(store)
    if snapshot:
        snapshot_refs.copy_into(store)
    return store
