"""UN DESA International Migrant Stock, bilateral (destination x origin), wide matrix.

`undesa-stock`: columns `Year,Dest,<one column per country of origin>` (UN names), one row per
destination and year, cells = migrant stock (persons, both sexes, mid-year). This is the layout of
../shared/data/migration/UN_MigrantStockByOriginAndDestination_2019_clean.csv. It is unpivoted to
migration(origin, destination, year, stock).

* `..` (not available) is missing: skipped and counted, never zero.
* `-` is the UN's "nil or negligible": stored as 0, as published, and counted in the summary.
* Published zeros are kept (the matrix writes many absent links as 0).
* Region rows left in the matrix (Caribbean, Melanesia, Micronesia, Polynesia, South America) are
  aggregates: dropped and counted. The UN writes the region "Micronesia" next to the country
  "Micronesia (Fed. States of)"; in this table the bare name is the region (see UN_REGION_NAMES).

The source id is `undesa:ims-<edition>` (`undesa:ims-2019` for the file above; the edition is the
year in the file name, or pass `edition=`).
"""

from __future__ import annotations

import re
from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import options
from sco_observatory.ingest.base import MAX_YEAR, Format, CodeColumn, ImportPlan, csv_source, header_columns, sql_string
from sco_observatory.store.db import SourceMeta

# Exact names that are UN M49 regions in this table although a resolver would read them as a country.
UN_REGION_NAMES = {"Micronesia": "Micronesia (region)"}
MIN_ORIGIN_COLUMNS = 20
URL = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
HINT = "check the file against docs/formats.md (UN DESA migrant stock), or pass the right --format"


def looks_like_undesa(path: Path) -> bool:
    cols = header_columns(path)
    return cols[:2] == ["Year", "Dest"] and len(cols) >= 2 + MIN_ORIGIN_COLUMNS


def _edition(path: Path, edition: str | int | None) -> str:
    if edition is not None:
        return str(options.whole("edition", edition, low=1990, high=MAX_YEAR, hint="the edition's year, e.g. edition=2020"))
    found = re.findall(r"(?:19|20)\d{2}", path.stem)
    if not found:
        raise ImportFormatError(
            f"{path.name}: cannot tell the UN DESA edition from the file name",
            "pass edition=2019 (or name the file after the edition, e.g. ..._2019.csv)",
        )
    return found[-1]


def _renamed(column: str) -> str:
    cases = " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in UN_REGION_NAMES.items())
    return f"CASE {column} {cases} ELSE {column} END"


def plan_undesa(path: Path, edition: str | int | None = None) -> ImportPlan:
    cols = header_columns(path)
    if cols[:2] != ["Year", "Dest"]:
        raise ImportFormatError(f"{path.name}:1: not a UN DESA bilateral stock matrix: the first columns must be Year,Dest",
                                HINT)
    edition = _edition(path, edition)
    select = f"""
        WITH numbered AS (SELECT *, row_number() OVER () + 1 AS _line
                          FROM {csv_source(path)}),
             long AS (UNPIVOT numbered ON COLUMNS(* EXCLUDE ("Year", "Dest", _line))
                      INTO NAME origin VALUE cell)
        SELECT {_renamed('origin')} AS origin, {_renamed('"Dest"')} AS destination,
               TRY_CAST("Year" AS INTEGER) AS year,
               CASE WHEN trim(cell) = '-' THEN 0 ELSE TRY_CAST(replace(trim(cell), ',', '') AS DOUBLE) END AS stock,
               trim(cell) AS _raw, "Year" AS _year, _line
        FROM long"""
    meta = SourceMeta(
        source_id=f"undesa:ims-{edition}", title=f"UN DESA International Migrant Stock {edition}: by destination and origin",
        publisher="United Nations, Department of Economic and Social Affairs, Population Division", url=URL,
        licence="United Nations terms of use (free reuse with attribution)", format="undesa-stock",
        table_name="migration", year=int(edition) if edition.isdigit() else None,
        citation=f"United Nations, DESA, Population Division ({edition}). International Migrant Stock {edition}",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("destination"), CodeColumn("origin")],
        checks=[
            ("_year IS NOT NULL AND year IS NULL", "Year is not a whole number"),
            ("_raw NOT IN ('', '..') AND stock IS NULL", "a cell holds a value that is not a number"),
        ],
        drop_where=[("_raw IN ('', '..')", "cells marked '..' or empty (not available)")],
        hint=HINT,
    )


FORMATS = [
    Format("undesa-stock", "UN DESA bilateral migrant stock matrix: Year,Dest,<origin columns>",
                      looks_like_undesa, plan_undesa),
]
