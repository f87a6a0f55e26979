"""UNODC/NSIA Afghanistan Opium Survey 2020: indicative opium poppy cultivation (hectares), 2010–2020.

`unodc-opium`: the OCR transcription in ../shared/data/opium_afghanistan/ (seven part files, columns
`Province,District,[blank,]2010,…,2020`; PROVENANCE.md there). Only the `<Province> Total` rows are
imported, one indicator per province: `UNODC.POPPY.HA.<PROVINCE>` (e.g. `UNODC.POPPY.HA.HILMAND`),
country AFG, unit hectares. The seven files hold all 34 provinces (the missing "part 3" was a
2008–2018 copy of part 2's provinces), so the national area is the sum of the 34 province totals —
`signposts` computes it and refuses any year with fewer than 34 provinces in the store (a partial sum
is never shown as the national figure).

Cell conventions of the UNODC tables:
* `p-f` / `P-f` (province poppy-free) is 0 ha, as published;
* `-` (not estimated) and empty cells are missing: skipped and counted, never zero;
* thousands separators (`"2,046"`) are removed.

Skipped and counted, not imported:
* district rows (their OCR names are unreliable and the province totals carry the same information);
* the national `Total` and `Rounded Total` rows of part 8: in this transcription 2016 and 2017 repeat
  the 2015 figure (182,566 ha) while the province totals sum to 201,312 and 328,304 ha — the sum
  of the province totals is used instead. It equals the `Total` row in 2010 and 2018–2020 and is within
  0.1 % of it in 2011–2015 (-212 ha in 2014, the largest gap: rounding in the survey's tables).

Source id `unodc:afg-opium-2020-<part>` (one per file, so importing one part never replaces another).
"""

from __future__ import annotations

import re
from pathlib import Path

from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, header_columns
from sco_observatory.store.db import SourceMeta

URL = "https://www.unodc.org/unodc/en/crop-monitoring/index.html"
HINT = "check the file against ../shared/data/opium_afghanistan/PROVENANCE.md, or pass the right --format"
YEARS = [str(y) for y in range(2010, 2021)]
CODE_PREFIX = "UNODC.POPPY.HA."


def looks_like_unodc_opium(path: Path) -> bool:
    cols = header_columns(path)
    return cols[:2] == ["Province", "District"] and all(y in cols for y in YEARS)


def _part(path: Path) -> str:
    found = re.findall(r"part\d+", path.stem.lower())
    return found[-1] if found else re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")


def plan_unodc_opium(path: Path) -> ImportPlan:
    from sco_observatory.errors import ImportFormatError

    if not looks_like_unodc_opium(path):
        raise ImportFormatError(f"{path.name}:1: not a UNODC opium table: expected Province,District and the years 2010-2020", HINT)
    year_cols = ", ".join(f'"{y}"' for y in YEARS)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line FROM {csv_source(path)}),
             long AS (UNPIVOT (SELECT "Province", _line, {year_cols} FROM src) ON {year_cols} INTO NAME yr VALUE cell)
        SELECT 'AFG' AS iso3, TRY_CAST(yr AS INTEGER) AS year,
               '{CODE_PREFIX}' || trim(regexp_replace(upper(regexp_replace(trim("Province"), '\\s+Total$', '')),
                                                       '[^A-Z]+', '_', 'g'), '_') AS code,
               CASE WHEN lower(trim(cell)) = 'p-f' THEN 0
                    ELSE TRY_CAST(replace(trim(cell), ',', '') AS DOUBLE) END AS value,
               'hectares' AS unit, FALSE AS estimate,
               trim("Province") AS _province, coalesce(trim(cell), '') AS _raw, _line
        FROM long"""
    meta = SourceMeta(
        source_id=f"unodc:afg-opium-2020-{_part(path)}",
        title="UNODC/NSIA Afghanistan Opium Survey 2020: indicative opium poppy cultivation by province (ha), 2010-2020",
        publisher="United Nations Office on Drugs and Crime; National Statistics and Information Authority of Afghanistan",
        url=URL, licence="UNODC publication data; cite UNODC/NSIA Afghanistan Opium Survey 2020",
        citation="UNODC & NSIA (2020). Afghanistan Opium Survey 2020 (OCR transcription, mchatter/ML-Climate-Final-Project-Template)",
        format="unodc-opium", table_name="indicator", year=2020,
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3")],
        checks=[("_raw NOT IN ('', '-') AND value IS NULL", "a province total is neither a number, '-' nor 'p-f'")],
        drop_where=[
            ("_province IN ('Total', 'Rounded Total')",
             "national Total rows (2016-2017 repeat 2015 in this transcription; the province totals are used)"),
            ("NOT ends_with(_province, ' Total')", "district rows (province totals are imported)"),
            ("_raw IN ('', '-')", "cells '-' (not estimated) or empty"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("unodc-opium", "UNODC Afghanistan opium survey table: Province,District,2010..2020 (province totals)",
                      looks_like_unodc_opium, plan_unodc_opium),
]
