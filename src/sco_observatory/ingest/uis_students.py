"""Internationally mobile tertiary students by origin and destination (UNESCO UIS, as lumped by 360info).

Two files (../shared/data/student_mobility_uis/PROVENANCE.md), each -> student_mobility(origin,
destination, year, students, qualifier):

* `uis-students-by-origin`: `year,origin_country_name,dest_country_lumped,value_lumped,cond_all` —
  each origin's top-10 destinations, the rest lumped as "Other countries". Source id
  `uis:students-destinations-by-origin`.
* `uis-students-by-destination`: `year,dest_country_name,origin_country_lumped,value_lumped,cond_all`
  — each destination's top-10 origins, the rest lumped. Source id `uis:students-origins-by-destination`.

Only the top 10 partners are named, so a pair that is absent is *unknown*, never zero. "Other
countries" and UIS's "<continent>: unknown countries" are not partners: they are dropped as bilateral
rows and counted, but the total they imply is kept: for each country and year the sum of all its rows
(top 10 + Other + unknown) is stored with partner WLD and qualifier `SUM` (total outbound students
counted by the reporting destinations, resp. total inbound students). Destination coverage varies by
year (21 reporting destinations in 1998, ~100 in 2015-2019, 49 in 2020), so the outbound totals are
not comparable across years.

`cond_all` ("a b c d", one letter or "-" each) is stored as UIS's qualifiers: a INCLUDES, b INCLUDED,
c NAT_EST (national estimate), d UIS_EST (UIS estimate), joined by ";" (empty when none).
"Sudan (pre-secession)" (Sudan with South Sudan, kept apart from "Sudan" by UIS in 2010-2012) has no
ISO code of its own: its rows are skipped and counted.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

BY_ORIGIN = ("year", "origin_country_name", "dest_country_lumped", "value_lumped", "cond_all")
BY_DESTINATION = ("year", "dest_country_name", "origin_country_lumped", "value_lumped", "cond_all")
QUALIFIERS = ("INCLUDES", "INCLUDED", "NAT_EST", "UIS_EST")
TOTAL_QUALIFIER = "SUM"
NO_ISO = ("Sudan (pre-secession)",)
URL = "http://data.uis.unesco.org"
HINT = "check the file against docs/formats.md (UIS student mobility), or pass the right --format"


def looks_like_by_origin(path: Path) -> bool:
    return header_columns(path) == list(BY_ORIGIN)


def looks_like_by_destination(path: Path) -> bool:
    return header_columns(path) == list(BY_DESTINATION)


def _qualifier_sql() -> str:
    parts = ", ".join(f"CASE WHEN split_part(trim(cond_all), ' ', {i + 1}) NOT IN ('-', '') THEN '{q}' END"
                      for i, q in enumerate(QUALIFIERS))
    return f"nullif(concat_ws(';', {parts}), '')"


def _plan(path: Path, columns: tuple[str, ...], named: str, partner: str, named_is_origin: bool,
          fmt: str, source_id: str, title: str) -> ImportPlan:
    require_columns(path, columns, f"UIS student mobility CSV ({fmt})")
    no_iso = ", ".join(f"'{n}'" for n in NO_ISO)
    origin, destination = ("_named", "_partner") if named_is_origin else ("_partner", "_named")
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line FROM {csv_source(path)}),
             rows AS (SELECT trim({named}) AS _named, trim({partner}) AS _partner, year,
                             TRY_CAST(value_lumped AS DOUBLE) AS students, {_qualifier_sql()} AS qualifier,
                             trim(coalesce(value_lumped, '')) AS _raw, trim(coalesce(cond_all, '')) AS _cond,
                             FALSE AS _total, _line
                      FROM src),
             totals AS (SELECT _named, 'World' AS _partner, year, sum(students) AS students,
                               '{TOTAL_QUALIFIER}' AS qualifier, 'sum' AS _raw, '- - - -' AS _cond, TRUE AS _total,
                               min(_line) AS _line
                        FROM rows WHERE _named NOT IN ({no_iso}) GROUP BY _named, year)
        SELECT {origin} AS origin, {destination} AS destination, TRY_CAST(year AS INTEGER) AS year,
               students, qualifier, _raw, _cond, _total, year AS _year, _named, _partner, _line
        FROM (SELECT * FROM rows UNION ALL SELECT * FROM totals)"""
    meta = SourceMeta(
        source_id=source_id, title=title, publisher="UNESCO Institute for Statistics (lumped by 360info)", url=URL,
        licence="360info files CC BY 4.0; UIS terms of use apply to the underlying data",
        citation="UNESCO Institute for Statistics, inbound internationally mobile students by country of origin (OPRI); "
                 "360info, report-global-education (J. Goldie, 2022)",
        format=fmt, table_name="student_mobility",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("origin", keep_world=True), CodeColumn("destination", keep_world=True)],
        checks=[
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_raw <> '' AND students IS NULL", "value_lumped is not a number"),
            ("students < 0", "negative number of students"),
            ("NOT regexp_full_match(_cond, '[a-][ ][b-][ ][c-][ ][d-]')", "cond_all must look like 'a b c d' with '-' for an absent flag"),
        ],
        drop_where=[
            ("_raw = ''", "rows without a value"),
            (f"_named IN ({no_iso}) OR _partner IN ({no_iso})",
             "rows for Sudan before South Sudan's secession (UIS keeps it apart; no ISO code of its own)"),
        ],
        hint=HINT,
    )


def plan_by_origin(path: Path) -> ImportPlan:
    return _plan(path, BY_ORIGIN, "origin_country_name", "dest_country_lumped", True, "uis-students-by-origin",
                 "uis:students-destinations-by-origin",
                 "UIS internationally mobile students: top-10 destinations of each origin (360info lumping)")


def plan_by_destination(path: Path) -> ImportPlan:
    return _plan(path, BY_DESTINATION, "dest_country_name", "origin_country_lumped", False, "uis-students-by-destination",
                 "uis:students-origins-by-destination",
                 "UIS internationally mobile students: top-10 origins in each destination (360info lumping)")


FORMATS = [
    Format("uis-students-by-origin", "UIS mobile students, top-10 destinations per origin: year,origin_country_name,dest_country_lumped,value_lumped,cond_all",
           looks_like_by_origin, plan_by_origin),
    Format("uis-students-by-destination", "UIS mobile students, top-10 origins per destination: year,dest_country_name,origin_country_lumped,value_lumped,cond_all",
           looks_like_by_destination, plan_by_destination),
]
