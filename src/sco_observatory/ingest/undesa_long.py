"""UN DESA International Migrant Stock 2020, bilateral, as a long CSV (origin x destination x year).

`undesa-ims-long`: columns `year,origin,origin_iso3,origin_is_region,destination,destination_iso3,
destination_is_region,stock` — the reshape of the 2020 edition's origin-destination matrix in
../shared/data/migration_ims2020/ (PROVENANCE.md there: 1990-2020 five-yearly, both sexes, non-zero
cells only) -> migration(origin, destination, year, stock).

* Names are the visualisation site's short names ("Russia", "Iran"), mapped through the one
  resolver. The file's own iso3 columns are not used: its name -> ISO3 metadata has errors
  (Chile written CHI, Sudan SUD, Channel Islands JEY), and 14 territories have none.
* Rows where either side is one of the 11 regional aggregates (`*_is_region` = 1) are dropped and
  counted; stock between regions is not a bilateral country flow.
* The file is the reshape of a complete matrix (every name x every name x every year) that drops its
  zero cells (`stock_json_to_long.py`: "absent pair = 0 in the matrix"). The zeros are put back: for
  every year of the file and every pair of distinct country names in it (as origin or destination),
  a pair the file does not list is stored with stock 0, as the matrix publishes it — the way the 2019
  edition's wide table writes its absent links as 0 (ingest/undesa.py keeps those). Without them a
  pair with no migrants read as unknown, so a group's 2020 total was "not evaluable" while 2019's
  was computed. A name's own cell (origin = destination) is not a migrant stock and is not added.

The source id is `undesa:ims-<edition>` (`undesa:ims-2020`; the edition is the year in the file
name, or pass `edition=`), so the 2019 matrix (undesa-stock) and this edition sit side by side.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.ingest.undesa import URL, _edition
from sco_observatory.store.db import SourceMeta

COLUMNS = ("year", "origin", "origin_iso3", "origin_is_region", "destination", "destination_iso3",
           "destination_is_region", "stock")
HINT = "check the file against docs/formats.md (UN DESA migrant stock, long), or pass the right --format"


def looks_like_long(path: Path) -> bool:
    return header_columns(path) == list(COLUMNS)


def plan_long(path: Path, edition: str | int | None = None) -> ImportPlan:
    require_columns(path, COLUMNS, "UN DESA migrant stock long CSV")
    edition = _edition(path, edition)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line FROM {csv_source(path)}),
        names AS (SELECT origin AS name FROM src WHERE trim(origin_is_region) = '0'
                  UNION SELECT destination FROM src WHERE trim(destination_is_region) = '0'),
        zeros AS (  -- the matrix's zero cells the reshape left out (module docstring)
            SELECT y.year, o.name AS origin, '0' AS origin_is_region, d.name AS destination,
                   '0' AS destination_is_region, '0' AS stock, NULL::BIGINT AS _line
            FROM (SELECT DISTINCT year FROM src WHERE TRY_CAST(year AS INTEGER) IS NOT NULL) y, names o, names d
            WHERE o.name <> d.name
              AND NOT EXISTS (SELECT 1 FROM src s WHERE s.year = y.year AND s.origin = o.name AND s.destination = d.name)),
        cells AS (SELECT year, origin, origin_is_region, destination, destination_is_region, stock, _line FROM src
                  UNION ALL SELECT * FROM zeros)
        SELECT origin, destination, TRY_CAST(year AS INTEGER) AS year,
               TRY_CAST(trim(stock) AS DOUBLE) AS stock,
               trim(coalesce(stock, '')) AS _raw, year AS _year,
               trim(origin_is_region) AS _oreg, trim(destination_is_region) AS _dreg, _line
        FROM cells"""
    meta = SourceMeta(
        source_id=f"undesa:ims-{edition}", title=f"UN DESA International Migrant Stock {edition}: by origin and destination",
        publisher="United Nations, Department of Economic and Social Affairs, Population Division", url=URL,
        licence="United Nations terms of use (free reuse with attribution)", format="undesa-ims-long",
        table_name="migration", year=int(edition) if edition.isdigit() else None,
        citation=f"United Nations, DESA, Population Division ({edition}). International Migrant Stock {edition}",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("origin"), CodeColumn("destination")],
        checks=[
            ("_oreg NOT IN ('0', '1') OR _dreg NOT IN ('0', '1')", "origin_is_region and destination_is_region must be 0 or 1"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_raw <> '' AND stock IS NULL", "stock is not a number"),
        ],
        drop_where=[
            ("_oreg = '1' OR _dreg = '1'", "rows with a regional aggregate as origin or destination"),
            ("_raw = ''", "rows without a stock"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("undesa-ims-long", "UN DESA migrant stock, long: year,origin,origin_iso3,origin_is_region,destination,...,stock",
           looks_like_long, plan_long),
]
