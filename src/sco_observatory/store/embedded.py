"""Seed a fresh store with the report's tables (package data), so every command works offline.

The store calls :func:`seed_embedded` when it creates an empty store; this module imports only the
provenance record and the JSON-lines insert, never the store's engine (no import cycle).

The tables are Koldunova & Das Kundu (2014), converted to canonical units by
scripts/build_embedded.py; each row keeps the report's own source (IISS Military Balance 2013,
World Bank 2014, or the report's text).
"""

from __future__ import annotations

import csv
import hashlib
from importlib import resources
from typing import TYPE_CHECKING

from sco_observatory.store.json_rows import insert_rows
from sco_observatory.store.provenance import SourceMeta

if TYPE_CHECKING:  # the store calls in here; importing its engine back would be a cycle
    from sco_observatory.store.db import Store

PACKAGE = "sco_observatory.data.report_2014"
_STAGING_COLUMNS = [("iso3", "VARCHAR"), ("year", "INTEGER"), ("code", "VARCHAR"), ("value", "DOUBLE"),
                    ("unit", "VARCHAR"), ("estimate", "BOOLEAN")]
"""The staging table of one embedded source: the indicator rows as the report's CSV holds them."""


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files(PACKAGE).joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _package_digest() -> str:
    """sha256 over the embedded files: a changed package version re-seeds, an unchanged one is a no-op."""
    digest = hashlib.sha256()
    for name in ("sources.csv", "indicators.csv"):
        digest.update(resources.files(PACKAGE).joinpath(name).read_bytes())
    return digest.hexdigest()


def embedded_sources() -> dict[str, dict[str, str]]:
    return {r["source_key"]: r for r in _rows("sources.csv")}


def seed_embedded(store: Store) -> None:
    """Load every embedded source in one store transaction (one commit; idempotent by sha256)."""
    indicators = _rows("indicators.csv")
    digest = _package_digest()
    with store.transaction() as con:
        for key, src in embedded_sources().items():
            rows = [r for r in indicators if r["source_key"] == key]
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
            columns = ", ".join(f"{n} {t}" for n, t in _STAGING_COLUMNS)  # a module constant: names and types
            con.execute(f"CREATE TEMP TABLE {staging} ({columns})")
            # through a JSON-lines file, not executemany: DuckDB imports pandas (~0.3 s) for Python values
            insert_rows(con, staging, _STAGING_COLUMNS,
                        ((r["iso3"], int(r["year"]), r["code"], float(r["value"]), r["unit"], False) for r in rows))
            store.replace_source(meta, staging)
            con.execute(f"DROP TABLE {staging}")
