"""Migrate a single-file DuckDB store (schema v1/v2, `observatory.duckdb`) into the current store.

Run once, on first open, under the writer lock and inside one store transaction: every source row
(title, publisher, URL, licence, retrieval time, sha256, file name, rows) is copied as it was and
every data row goes to its table's Delta files, so the new store holds exactly what the old file
held. The old file is then renamed (`<name>.v<version>-migrated`), never deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from sco_observatory.errors import StoreError
from sco_observatory.store.provenance import SourceMeta
from sco_observatory.store.results import arrow_batches, release
from sco_observatory.store.schema import COLUMNS

if TYPE_CHECKING:  # the store calls in here; importing its engine back would be a cycle
    from sco_observatory.store.db import LakeStore

LEGACY_MAX_VERSION = 2  # the last schema of the single-file store


def migrate_legacy(store: LakeStore, legacy: Path) -> int:
    """Copy every source and its rows from `legacy` into `store`; returns the number of sources moved."""
    try:
        old = duckdb.connect(str(legacy), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"cannot read the old store {legacy}: {str(exc).splitlines()[0]}",
                         "close other sco processes of the old release, or move the file away") from None
    try:
        version = int(old.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
        if version > LEGACY_MAX_VERSION:
            raise StoreError(f"the old store {legacy} has schema version {version}, unknown to the migrator",
                             "open it with the release that wrote it")
        sources = old.execute(
            """SELECT source_id, title, publisher, year, url, licence, citation, retrieved, sha256, file_name,
                      format, table_name FROM source ORDER BY source_id""").fetchall()
        tables = {r[0] for r in old.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        moved = 0
        with store.transaction() as con:
            for (source_id, title, publisher, year, url, licence, citation, retrieved, sha256, file_name, fmt,
                 table) in sources:
                if table not in COLUMNS or table not in tables:
                    raise StoreError(f"the old store {legacy} has source {source_id} in unknown table {table!r}",
                                     "open it with the release that wrote it")
                cols = [c for c in COLUMNS[table] if c != "source_id"]
                batches = arrow_batches(old, f"SELECT {', '.join(cols)} FROM {table} WHERE source_id = ?", [source_id])
                staging = store.staging_name()
                release(con)  # replace_source's last count may be an open result on DuckDB 2.x
                con.register(f"{staging}_arrow", batches)
                con.execute(f"CREATE TEMP TABLE {staging} AS SELECT * FROM {staging}_arrow")
                con.unregister(f"{staging}_arrow")
                meta = SourceMeta(source_id=source_id, title=title, publisher=publisher, format=fmt, table_name=table,
                                  year=year, url=url, licence=licence, citation=citation, sha256=sha256,
                                  file_name=file_name, retrieved=retrieved)
                store.replace_source(meta, staging)
                con.execute(f"DROP TABLE {staging}")
                moved += 1
    finally:
        old.close()
    for suffix in ("", ".wal"):
        path = Path(str(legacy) + suffix)
        if path.exists():
            path.rename(Path(f"{legacy}.v{version}-migrated{suffix}"))
    return moved
