"""IMF Direction of Trade Statistics (DOTS): bilateral merchandise trade by partner and year.

Two layouts are read:

* `imf-dots-long` — the long extract `reporter,reporter_iso3,partner,partner_iso3,flow,year,
  value_usd_mn,imf_estimate` (see ../shared/data/trade_imf_dots/PROVENANCE.md). Reporter and partner
  are IMF names, mapped through the one resolver (the partly filled iso3 columns are ignored).
  `exports_fob` -> flow X valued FOB, `imports_cif` -> flow M valued CIF; US$ millions x 1e6;
  `imf_estimate` 1 -> estimate. Partner "World" is kept as WLD; IMF aggregates ("Advanced
  Economies", "Euro Area", "... not specified") are dropped and counted.
* `imf-dots-bulk` — the data.imf.org bulk CSV ("..._timeSeries.csv"): `"Country Name","Country Code",
  "Indicator Name","Indicator Code","Counterpart Country Name","Counterpart Country Code","Attribute",
  <period columns>`, one row per series and attribute ("Value" or "Status"), period columns `1990`,
  `1990Q1`, `1990M1`... Only the annual columns and the indicators TXG_FOB_USD (exports FOB) and
  TMG_CIF_USD (imports CIF) are read; a Status cell "e" marks an estimate. Names are resolved (IMF
  country codes are not ISO). Values are taken to be in US dollars, as the indicator names say
  ("..., US Dollars"); pass `scale=1e6` if your download is in millions.

Source ids are `imf-dots:<file stem>`, so each file (e.g. the focus-reporter extract and the mirror
extract) is its own source and a new version of a file replaces only its own rows.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import options
from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

LONG_COLUMNS = ("reporter", "reporter_iso3", "partner", "partner_iso3", "flow", "year", "value_usd_mn", "imf_estimate")
BULK_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code", "Counterpart Country Name",
                "Counterpart Country Code", "Attribute")
URL = "https://data.imf.org/?sk=9D6028D4-F14A-464C-A2F2-59B2CD424B85"
LICENCE = "IMF terms of use (reuse with attribution: Source: IMF, Direction of Trade Statistics)"
CITATION = "International Monetary Fund, Direction of Trade Statistics (DOTS)"
HINT = "check the file against docs/formats.md (IMF DOTS), or pass the right --format"
SCALE_RANGE = (1e-3, 1e12)
"""Allowed `scale=` (US$ per unit of the file's values): from thousandths to trillions."""


def looks_like_long(path: Path) -> bool:
    return header_columns(path) == list(LONG_COLUMNS)


def looks_like_bulk(path: Path) -> bool:
    return header_columns(path)[: len(BULK_COLUMNS)] == list(BULK_COLUMNS)


def _meta(path: Path, fmt: str, title: str) -> SourceMeta:
    return SourceMeta(
        source_id=f"imf-dots:{path.stem}", title=title, publisher="International Monetary Fund",
        url=URL, licence=LICENCE, citation=CITATION, format=fmt, table_name="trade",
    )


def plan_long(path: Path) -> ImportPlan:
    require_columns(path, LONG_COLUMNS, "IMF DOTS long extract")
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)})
        SELECT reporter, partner, TRY_CAST(year AS INTEGER) AS year,
               CASE flow WHEN 'exports_fob' THEN 'X' WHEN 'imports_cif' THEN 'M' END AS flow,
               'TOTAL' AS product,
               TRY_CAST(value_usd_mn AS DOUBLE) * 1e6 AS value_usd,
               CASE flow WHEN 'exports_fob' THEN 'FOB' WHEN 'imports_cif' THEN 'CIF' END AS valuation,
               coalesce(trim(imf_estimate) = '1', FALSE) AS estimate,
               flow AS _flow, value_usd_mn AS _raw, year AS _year, imf_estimate AS _est, _line
        FROM src"""
    return ImportPlan(
        path, _meta(path, "imf-dots-long", f"IMF Direction of Trade Statistics: {path.stem}"), select,
        code_columns=[CodeColumn("reporter", keep_world=True), CodeColumn("partner", keep_world=True)],
        checks=[
            ("flow IS NULL", "flow must be exports_fob or imports_cif"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_raw IS NOT NULL AND trim(_raw) <> '' AND value_usd IS NULL", "value_usd_mn is not a number"),
            ("coalesce(trim(_est), '') NOT IN ('', '0', '1')", "imf_estimate must be 0 or 1"),
            ("reporter IS NULL OR partner IS NULL", "missing reporter or partner"),
        ],
        drop_where=[("_raw IS NULL OR trim(_raw) = ''", "rows without a value")],
        hint=HINT,
    )


def _annual_columns(path: Path) -> list[str]:
    return [c for c in header_columns(path) if len(c) == 4 and c.isdigit()]


def plan_bulk(path: Path, scale: float | str = 1.0) -> ImportPlan:
    require_columns(path, BULK_COLUMNS, "IMF DOTS bulk CSV")
    factor = options.number("scale", scale, low=SCALE_RANGE[0], high=SCALE_RANGE[1],
                            hint="the unit of the values in US$, e.g. scale=1e6 for US$ millions")
    years = _annual_columns(path)
    if not years:
        raise ImportFormatError(
            f"{path.name}:1: no annual columns (1990, 1991, ...) in this DOTS download",
            "download the annual frequency (A) from data.imf.org; quarterly and monthly columns are not read",
        )
    year_cols = ", ".join(f'"{y}"' for y in years)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path)}),
             wanted AS (SELECT * FROM src WHERE "Indicator Code" IN ('TXG_FOB_USD', 'TMG_CIF_USD')),
             long AS (UNPIVOT (SELECT "Country Name" AS reporter, "Counterpart Country Name" AS partner,
                                      "Indicator Code" AS indicator, "Attribute" AS attribute, _line, {year_cols}
                               FROM wanted)
                      ON {year_cols} INTO NAME year_text VALUE cell),
             vals AS (SELECT * FROM long WHERE attribute = 'Value'),
             status AS (SELECT reporter, partner, indicator, year_text, cell AS status FROM long
                        WHERE attribute = 'Status')
        SELECT v.reporter, v.partner, TRY_CAST(v.year_text AS INTEGER) AS year,
               CASE v.indicator WHEN 'TXG_FOB_USD' THEN 'X' ELSE 'M' END AS flow,
               'TOTAL' AS product,
               TRY_CAST(replace(v.cell, ',', '') AS DOUBLE) * {factor!r} AS value_usd,
               CASE v.indicator WHEN 'TXG_FOB_USD' THEN 'FOB' ELSE 'CIF' END AS valuation,
               coalesce(lower(trim(s.status)) = 'e', FALSE) AS estimate,
               v.cell AS _raw, v._line
        FROM vals v LEFT JOIN status s USING (reporter, partner, indicator, year_text)"""
    return ImportPlan(
        path, _meta(path, "imf-dots-bulk", f"IMF Direction of Trade Statistics download: {path.stem}"), select,
        code_columns=[CodeColumn("reporter", keep_world=True), CodeColumn("partner", keep_world=True)],
        checks=[("trim(_raw) <> '' AND value_usd IS NULL", "a year column holds a value that is not a number")],
        drop_where=[("_raw IS NULL OR trim(_raw) = ''", "empty cells")],
        hint=HINT,
    )


FORMATS = [
    Format("imf-dots-long", "IMF DOTS long extract: reporter,reporter_iso3,partner,partner_iso3,flow,year,value_usd_mn,imf_estimate",
           looks_like_long, plan_long),
    Format("imf-dots-bulk", "IMF DOTS bulk CSV from data.imf.org (Country Name,...,Attribute,<years>); option scale=1e6 if in millions",
           looks_like_bulk, plan_bulk),
]
