"""IMF Coordinated Direct Investment Survey, Table 6-o: outward direct-investment positions by counterpart.

`imf-cdis-outward`: the long CSV `year,reporter,reporter_iso3,counterpart,counterpart_iso3,
value_usd_mn,marker,source_file` reshaped from the 14 yearly workbooks (end-2009 ... end-2022; see
../shared/data/fdi_imf_cdis/PROVENANCE.md) -> direct_investment(reporter, counterpart, year,
position_usd, marker).

* `reporter` is the investing economy that reports outward positions, `counterpart` the economy
  invested in; IMF names are resolved (the partly filled iso3 columns are ignored). The table's
  "Total Investment" column (the sum over all CDIS reporters of their positions in a counterpart,
  i.e. the position of the reporting world in it) is stored as reporter WLD; counterpart "World" is
  kept as WLD. IMF groupings ("US Pacific Islands", "Not Specified (including Confidential)") are
  dropped and counted.
* Positions are end-of-year stocks in US$ millions (x 1e6). Negative positions are real in CDIS
  (reverse investment and intercompany debt exceeding equity) and are kept.
* `C` (confidential) is kept as a row with no position and marker `C`: the position exists but is
  suppressed, which is not the same as not reported (blank cells are not in the file).

Source id `imf-cdis:outward-6o`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

COLUMNS = ("year", "reporter", "reporter_iso3", "counterpart", "counterpart_iso3", "value_usd_mn", "marker", "source_file")
MARKERS = ("C",)
ALL_REPORTERS = "Total Investment"
URL = "https://data.imf.org/?sk=40313609-F037-48C1-84B1-E1F1CE54D6D5"
HINT = "check the file against docs/formats.md (IMF CDIS), or pass the right --format"


def looks_like_cdis(path: Path) -> bool:
    return header_columns(path) == list(COLUMNS)


def plan_cdis(path: Path) -> ImportPlan:
    require_columns(path, COLUMNS, "IMF CDIS Table 6-o long CSV")
    markers = ", ".join(f"'{m}'" for m in MARKERS)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line FROM {csv_source(path)})
        SELECT CASE WHEN trim(reporter) = '{ALL_REPORTERS}' THEN 'World' ELSE reporter END AS reporter,
               counterpart, TRY_CAST(year AS INTEGER) AS year,
               TRY_CAST(trim(value_usd_mn) AS DOUBLE) * 1e6 AS position_usd,
               nullif(trim(coalesce(marker, '')), '') AS marker,
               trim(coalesce(value_usd_mn, '')) AS _raw, trim(coalesce(marker, '')) AS _marker, year AS _year,
               regexp_extract(source_file, '_((?:19|20)[0-9]{{2}})\\.xlsx$', 1) AS _file_year, _line
        FROM src"""
    meta = SourceMeta(
        source_id="imf-cdis:outward-6o",
        title="IMF CDIS Table 6-o: outward direct investment positions by reporting and counterpart economy, end-2009 to end-2022",
        publisher="International Monetary Fund", url=URL,
        licence="IMF terms of use (attribution: Source: IMF, Coordinated Direct Investment Survey)",
        citation="International Monetary Fund, Coordinated Direct Investment Survey (CDIS), Table 6-o", year=2022,
        format="imf-cdis-outward", table_name="direct_investment",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter", keep_world=True), CodeColumn("counterpart", keep_world=True)],
        checks=[
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_file_year <> '' AND _file_year <> _year", "year differs from the year in source_file"),
            ("_raw <> '' AND position_usd IS NULL", "value_usd_mn is not a number"),
            ("_raw <> '' AND _marker <> ''", "a cell has both a value and a marker"),
            (f"_raw = '' AND _marker NOT IN ({markers})", "no value and no known CDIS marker (C = confidential)"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("imf-cdis-outward", "IMF CDIS Table 6-o long CSV: year,reporter,reporter_iso3,counterpart,counterpart_iso3,value_usd_mn,marker,source_file",
           looks_like_cdis, plan_cdis),
]
