"""Seed a fresh store with the report's tables (package data), so every command works offline.

The store calls :func:`seed_embedded` when it creates an empty store; this module imports only the
provenance record, never the store's engine (no import cycle).

The tables are Koldunova & Das Kundu (2014), converted to canonical units by
scripts/build_embedded.py; each row keeps the report's own source (IISS Military Balance 2013,
World Bank 2014, or the report's text).
"""

from __future__ import annotations

import csv
import hashlib
from importlib import resources
from typing import TYPE_CHECKING

from sco_observatory.store.provenance import SourceMeta

if TYPE_CHECKING:  # the store calls in here; importing its engine back would be a cycle
    from sco_observatory.store.db import Store

PACKAGE = "sco_observatory.data.report_2014"


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files(PACKAGE).joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _package_digest() -> str:
    """sha256 over the embedded files: a changed package version re-seeds, an unchanged one is a no-op."""
    digest = hashlib.sha256()
    for name in ("sources.csv", "indicators.csv"):
        digest.update(resources.files(PACKAGE).joinpath(name).read_bytes())
    return digest.hexdigest()


def _read_indicators(con, table: str, path) -> None:
    """indicators.csv as a temp table `table` in one statement of DuckDB's CSV reader (values typed as
    the indicator table's columns, an empty field read as '' as the csv module reads it).

    Why not an `executemany` of the rows: DuckDB ran it as one statement per row and, handed Python
    values, imported pandas — together about 1 s of every fresh home's first command, on a 2-core
    machine under load 3-4 s (benchmarks/README.md, "Import, session 6"). The path is written into the
    statement by `results.rows` (an inert value inlined, not bound), for the same reason."""
    from sco_observatory.store.results import rows as rows_of

    text = ", ".join(f"'{c}': 'VARCHAR'" for c in INDICATOR_FILE_COLUMNS)
    rows_of(con, f"CREATE TEMP TABLE {table} AS SELECT coalesce(iso3, '') AS iso3, CAST(year AS INTEGER) AS year, "
                 "coalesce(code, '') AS code, CAST(value AS DOUBLE) AS value, coalesce(unit, '') AS unit, "
                 "source_key FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '\"', "
                 f"escape = '\"', strict_mode = true, columns = {{{text}}})",  # sql-hygiene: column names of the package file (a constant)
            [str(path)])


INDICATOR_FILE_COLUMNS = ("iso3", "year", "code", "value", "unit", "source_key", "note")
"""The header of report_2014/indicators.csv (scripts/build_embedded.py writes it)."""


def embedded_sources() -> dict[str, dict[str, str]]:
    return {r["source_key"]: r for r in _rows("sources.csv")}


def seed_embedded(store: Store) -> None:
    """Load every embedded source in one store transaction (one commit; idempotent by sha256)."""
    from sco_observatory.store.results import rows as rows_of

    digest = _package_digest()
    with store.transaction() as con, resources.as_file(resources.files(PACKAGE).joinpath("indicators.csv")) as path:
        table = store.staging_name()
        _read_indicators(con, table, path)
        for key, src in embedded_sources().items():
            meta = SourceMeta(
                source_id=f"embedded:{key}",
                title=src["title"],
                publisher=src["publisher"],
                year=int(src["year"]) if src["year"] else None,
                url=src["url"] or None,
                licence=src["licence"] or None,
                citation=src["citation"],
                format="embedded report table",
                table_name="indicator",
                sha256=digest,
                file_name="sco_observatory/data/report_2014/indicators.csv",
            )
            staging = store.staging_name()
            # the source key is package data, inlined as a literal (results.rows): no value is bound
            rows_of(con, f"CREATE TEMP TABLE {staging} AS SELECT iso3, year, code, value, unit, FALSE AS estimate "
                         f"FROM {table} WHERE source_key = ?", [key])
            store.replace_source(meta, staging)
            con.execute(f"DROP TABLE {staging}")
        con.execute(f"DROP TABLE {table}")
