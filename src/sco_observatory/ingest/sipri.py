"""SIPRI Military Expenditure Database, as the long CSV extracted from SIPRI's workbook.

`sipri-milex`: columns `measure,unit,region,subregion,country,notes,year,value,raw_marker,sipri_flag`
(../shared/data/military_expenditure/PROVENANCE.md). Each measure becomes one indicator code, in
canonical units (US$, not millions; shares in percent as WDI writes them):

    milex_current_usd_mn          -> MS.MIL.XPND.CD              current US$          (x 1e6)
    milex_constant2023_usd_mn     -> SIPRI.MILEX.CONST2023.USD   constant 2023 US$    (x 1e6)
    milex_share_gdp               -> MS.MIL.XPND.GD.ZS           % of GDP             (x 100; stored as a fraction)
    milex_share_govt_spending     -> MS.MIL.XPND.ZS              % of government exp. (x 100; stored as a fraction)
    milex_per_capita_current_usd  -> SIPRI.MILEX.PC.USD          current US$ per person

SIPRI's markers `...` (data unavailable) and `xxx` (country did not exist) are missing: skipped and
counted, never zero. `sipri_flag` "estimate" (blue) or "uncertain" (red) sets the estimate flag.
Countries are SIPRI spellings resolved by the one resolver; "European Union" is an aggregate and is
skipped; "USSR" is SUN. Source id `sipri:milex`.

`sipri-regional`: the "Regional totals" sheet (`region,column,year,unit,value,raw_marker,font_rgb,
omitted_countries`, US$ billions). Only World is imported (as WLD): the constant-2023 series as
SIPRI.MILEX.CONST2023.USD and the "2024 (current prices)" column as MS.MIL.XPND.CD; SIPRI's
regions are not our country groups, so they are skipped and counted. Source id `sipri:milex-regional`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

COLUMNS = ("measure", "unit", "region", "subregion", "country", "notes", "year", "value", "raw_marker", "sipri_flag")
REGIONAL_COLUMNS = ("region", "column", "year", "unit", "value", "raw_marker", "font_rgb", "omitted_countries")

# measure -> (indicator code, factor to canonical units, unit as stored)
MEASURES = {
    "milex_current_usd_mn": ("MS.MIL.XPND.CD", 1e6, "current US$"),
    "milex_constant2023_usd_mn": ("SIPRI.MILEX.CONST2023.USD", 1e6, "constant 2023 US$"),
    "milex_share_gdp": ("MS.MIL.XPND.GD.ZS", 100.0, "% of GDP"),
    "milex_share_govt_spending": ("MS.MIL.XPND.ZS", 100.0, "% of general government expenditure"),
    "milex_per_capita_current_usd": ("SIPRI.MILEX.PC.USD", 1.0, "current US$ per person"),
}
MISSING_MARKERS = ("...", "xxx")
URL = "https://www.sipri.org/databases/milex"
LICENCE = "© SIPRI; free use with citation (SIPRI terms of use)"
CITATION = "SIPRI Military Expenditure Database, 2024"
HINT = "check the file against docs/formats.md (SIPRI), or pass the right --format"


def looks_like_sipri(path: Path) -> bool:
    return header_columns(path) == list(COLUMNS)


def looks_like_regional(path: Path) -> bool:
    return header_columns(path) == list(REGIONAL_COLUMNS)


def _mapping_sql() -> str:
    rows = ", ".join(f"('{m}', '{code}', {factor!r}, '{unit}')" for m, (code, factor, unit) in MEASURES.items())
    return f"(VALUES {rows}) AS m(measure, code, factor, unit_out)"


def plan_sipri(path: Path) -> ImportPlan:
    require_columns(path, COLUMNS, "SIPRI military expenditure long CSV")
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)})
        SELECT s.country AS iso3, TRY_CAST(s.year AS INTEGER) AS year, m.code,
               TRY_CAST(s.value AS DOUBLE) * m.factor AS value, m.unit_out AS unit,
               coalesce(s.sipri_flag IN ('estimate', 'uncertain'), FALSE) AS estimate,
               s.measure AS _measure, s.value AS _raw, trim(coalesce(s.raw_marker, '')) AS _marker,
               s.year AS _year, coalesce(s.sipri_flag, '') AS _flag, s._line
        FROM src s LEFT JOIN {_mapping_sql()} ON s.measure = m.measure"""
    markers = ", ".join(f"'{m}'" for m in MISSING_MARKERS)
    no_value = "(_raw IS NULL OR trim(_raw) = '')"
    meta = SourceMeta(
        source_id="sipri:milex", title="SIPRI Military Expenditure Database (1949-2024)",
        publisher="Stockholm International Peace Research Institute", url=URL, licence=LICENCE,
        citation=CITATION, format="sipri-milex", table_name="indicator", year=2024,
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3", keep_world=True)],
        checks=[
            ("code IS NULL", f"unknown measure (expected one of {', '.join(MEASURES)})"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("NOT " + no_value + " AND value IS NULL", "value is not a number"),
            (no_value + f" AND _marker NOT IN ({markers})",
             "no value and no known SIPRI marker ('...' unavailable, 'xxx' not independent)"),
            ("_flag NOT IN ('', 'estimate', 'uncertain')", "sipri_flag must be empty, 'estimate' or 'uncertain'"),
        ],
        drop_where=[
            (no_value + " AND _marker = '...'", "cells marked '...' (data unavailable)"),
            (no_value + " AND _marker = 'xxx'", "cells marked 'xxx' (country did not exist)"),
        ],
        hint=HINT,
    )


def plan_regional(path: Path) -> ImportPlan:
    require_columns(path, REGIONAL_COLUMNS, "SIPRI regional totals CSV")
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)})
        SELECT region AS iso3, TRY_CAST(year AS INTEGER) AS year,
               CASE WHEN "column" LIKE '%current prices%' THEN 'MS.MIL.XPND.CD' ELSE 'SIPRI.MILEX.CONST2023.USD' END AS code,
               TRY_CAST(value AS DOUBLE) * 1e9 AS value,
               CASE WHEN "column" LIKE '%current prices%' THEN 'current US$' ELSE 'constant 2023 US$' END AS unit,
               coalesce(font_rgb IN ('FF0000FF', 'FFFF0000'), FALSE) AS estimate,
               value AS _raw, trim(coalesce(raw_marker, '')) AS _marker, unit AS _unit, _line
        FROM src"""
    no_value = "(_raw IS NULL OR trim(_raw) = '')"
    meta = SourceMeta(
        source_id="sipri:milex-regional", title="SIPRI Military Expenditure Database: world total (regional totals sheet)",
        publisher="Stockholm International Peace Research Institute", url=URL, licence=LICENCE,
        citation=CITATION, format="sipri-regional", table_name="indicator", year=2024,
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3", keep_world=True)],
        checks=[
            ("NOT " + no_value + " AND value IS NULL", "value is not a number"),
            ("_unit NOT LIKE 'US$ b.%'", "unit is not US$ b. (billions) as in SIPRI's regional totals"),
        ],
        drop_where=[
            ("iso3 <> 'World'", "rows for SIPRI regions other than World (not country groups of ours)"),
            (no_value, "cells marked '...' or empty"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("sipri-milex", "SIPRI military expenditure long CSV: measure,unit,region,subregion,country,notes,year,value,raw_marker,sipri_flag",
           looks_like_sipri, plan_sipri),
    Format("sipri-regional", "SIPRI regional totals CSV (World only is imported, as WLD)",
           looks_like_regional, plan_regional),
]
