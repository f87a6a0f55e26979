"""Open the DuckDB store, migrate it, and replace a source's rows in one transaction.

All writes go through `Store.replace_source`: the new rows are staged in a table, validated by the
caller, then swapped in with the `source` row inside a single transaction. A failure anywhere rolls
back, so the store is exactly as it was; re-importing the same file (same sha256) changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from sco_observatory.config import store_path
from sco_observatory.errors import StoreError
from sco_observatory.store.schema import COLUMNS, MIGRATIONS, SCHEMA_VERSION


@dataclass
class SourceMeta:
    """Provenance of one imported file, API response set or embedded table."""

    source_id: str
    title: str
    publisher: str
    format: str
    table_name: str
    year: int | None = None
    url: str | None = None
    licence: str | None = None
    citation: str | None = None
    sha256: str | None = None
    file_name: str | None = None
    retrieved: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


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

    def summary(self) -> str:
        text = {
            "imported": f"imported {self.rows:,} rows into {self.table} as source {self.source_id}",
            "replaced": f"replaced {self.previous_rows:,} rows of source {self.source_id} with {self.rows:,} rows (new version of the file)",
            "unchanged": f"source {self.source_id} already holds this exact file ({self.rows:,} rows); nothing changed",
        }[self.status]
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n:,} {why}" for why, n in sorted(self.skipped.items()))
        return text


class Store:
    """A DuckDB file holding the tidy tables; seeded with the embedded default on first use."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
        self.con = con
        self.path = path

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

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
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
                )

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

    # -- writes ----------------------------------------------------------------------------
    def staging_name(self) -> str:
        return f"_staging_{uuid.uuid4().hex[:12]}"

    def replace_source(self, meta: SourceMeta, staging: str) -> ImportResult:
        """Swap a source's rows for the staged ones, atomically; call inside `transaction()`.

        `staging` is a table with the data table's columns except `source_id`. Returns what
        happened: imported (new source), replaced (new version), or unchanged (same sha256).
        """
        table = meta.table_name
        cols = [c for c in COLUMNS[table] if c != "source_id"]
        rows = self.con.execute(f"SELECT count(*) FROM {staging}").fetchone()[0]
        previous = self.con.execute(
            "SELECT sha256, rows FROM source WHERE source_id = ?", [meta.source_id]
        ).fetchone()
        if previous and meta.sha256 and previous[0] == meta.sha256:
            return ImportResult(meta.source_id, table, "unchanged", previous[1])
        previous_rows = 0
        if previous:
            previous_rows = self.con.execute(
                f"SELECT count(*) FROM {table} WHERE source_id = ?", [meta.source_id]
            ).fetchone()[0]
            self.con.execute(f"DELETE FROM {table} WHERE source_id = ?", [meta.source_id])
        col_list = ", ".join(cols)
        self.con.execute(
            f"INSERT INTO {table} ({col_list}, source_id) SELECT {col_list}, ? FROM {staging}",
            [meta.source_id],
        )
        self.con.execute(
            """INSERT OR REPLACE INTO source (source_id, title, publisher, year, url, licence, citation,
                   retrieved, sha256, file_name, format, table_name, rows)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [meta.source_id, meta.title, meta.publisher, meta.year, meta.url, meta.licence, meta.citation,
             meta.retrieved, meta.sha256, meta.file_name, meta.format, table, rows],
        )
        return ImportResult(meta.source_id, table, "replaced" if previous else "imported", rows, previous_rows)

    # -- reads -----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.con.execute("SELECT count(*) FROM source").fetchone()[0] == 0

    def sources(self):
        return self.con.sql("SELECT * FROM source ORDER BY source_id").pl()


def open_store(path: str | Path | None = None, *, read_only: bool = False, seed: bool = True) -> Store:
    """Open (creating and migrating if needed) the store; seed the embedded default on first use."""
    target = Path(path) if path is not None else store_path()
    if read_only and not target.exists():
        # A read-only caller on a fresh machine still deserves the embedded default.
        open_store(target, seed=seed).close()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        raise StoreError(
            f"cannot open the store at {target}: {first}",
            "close other sco processes using it, or set --home / SCO_OBSERVATORY_HOME to another directory",
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the store at {target}: {exc.strerror}",
                         "set --home or SCO_OBSERVATORY_HOME to a writable directory") from None
    store = Store(con, target)
    _configure(con, target.parent)
    if not read_only:
        store.migrate()
        if seed and store.is_empty():
            from sco_observatory.ingest.embedded import seed_embedded

            seed_embedded(store)
    elif store.schema_version() < SCHEMA_VERSION:
        # An older store opened read-only (e.g. by `sco serve`): migrate it once, then reopen read-only.
        store.close()
        open_store(target, seed=seed).close()
        return open_store(target, read_only=True, seed=seed)
    elif store.schema_version() > SCHEMA_VERSION:
        version = store.schema_version()
        store.close()
        raise StoreError(
            f"the store at {target} has schema version {version}, newer than this sco-observatory ({SCHEMA_VERSION})",
            "upgrade sco-observatory, or point --home at another directory",
        )
    return store


def _configure(con: duckdb.DuckDBPyConnection, home: Path | None) -> None:
    """Bound DuckDB's memory (it spills to disk beyond it); $SCO_MEMORY_LIMIT overrides the default."""
    import os

    limit = os.environ.get("SCO_MEMORY_LIMIT", "1GB")
    try:
        con.execute(f"SET memory_limit = '{limit}'")
    except duckdb.Error:
        raise StoreError(f"bad SCO_MEMORY_LIMIT '{limit}'", "write a size such as 2GB or 800MB") from None
    if home is not None:
        con.execute(f"SET temp_directory = '{str(home / 'tmp').replace(chr(39), chr(39) * 2)}'")


def open_memory_store(*, seed: bool = True) -> Store:
    """An in-memory store (tests, benchmarks, one-off computations)."""
    store = Store(duckdb.connect(":memory:"), None)
    _configure(store.con, None)
    store.migrate()
    if seed:
        from sco_observatory.ingest.embedded import seed_embedded

        seed_embedded(store)
    return store
