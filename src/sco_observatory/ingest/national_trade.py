"""Bilateral goods trade by partner as the national statistics offices of KGZ, KAZ and UZB publish it.

`national-trade-ca`: the long CSV `reporter_iso3,agency,flow,year,partner_en,partner_ru,
partner_code_iso_num,value_thousand_usd,note,source_file,sheet,row` extracted from the offices'
workbooks (../shared/data/trade_national_kaz_kgz_uzb/PROVENANCE.md) -> trade. One source per office:

    national:KGZ-nsc    National Statistical Committee of the Kyrgyz Republic, 1994-2023
    national:KAZ-bns    Bureau of National Statistics of Kazakhstan, 2018-2023
    national:UZB-stat   Statistics Agency of Uzbekistan, 2010-2023

Without options all three are imported, each all or nothing (every office's table is staged and
validated first, then each lands in its own transaction); `reporter=KGZ` imports one office only.

* Partners: the numeric ISO 3166 code where the office gives one (UZB); else the English name (KGZ);
  else the Russian name (KAZ). A Russian name is first looked up among the file's own rows that give
  it with a numeric code (UZB) or an English name (KGZ) — a mapping derived from the publishers
  themselves, so BNS's "Кыргызстан" maps to 417 through stat.uz's row — and otherwise resolved by the
  resolver (CLDR Russian names plus the publisher spellings in data/country_aliases.csv).
* Aggregates are recognised and never counted as countries: the totals (Total / Всего) are kept as
  partner WLD; CIS, EAEU, SCO, EU, continents, "countries outside the EAEU", "other countries",
  "undefined country" are dropped and counted.
* Kazakhstan publishes each year twice (in its own year's file and, revised, in the next year's):
  the value from the latest edition (the year in the file name) is kept, deliberately, as the
  office's revision; the earlier edition's rows are skipped and counted.
* `turnover` rows (exports + imports) are not a flow: skipped and counted. KGZ's 2023 imports
  marked "preliminary" set the estimate flag.
* Values are thousand US$ (x 1e3), as published, zeros included. Valuation as the offices'
  methodology (IMTS) gives it — exports FOB, imports CIF; the files themselves do not state it.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

COLUMNS = ("reporter_iso3", "agency", "flow", "year", "partner_en", "partner_ru", "partner_code_iso_num",
           "value_thousand_usd", "note", "source_file", "sheet", "row")
# reporter -> (source id, publisher, URL, licence)
OFFICES = {
    "KGZ": ("national:KGZ-nsc", "National Statistical Committee of the Kyrgyz Republic", "https://stat.gov.kg",
            "NSC open data (CC BY, as listed by the copying repository); cite the NSC"),
    "KAZ": ("national:KAZ-bns", "Bureau of National Statistics of Kazakhstan", "https://stat.gov.kz",
            "official statistics, no licence stated; cite the Bureau of National Statistics"),
    "UZB": ("national:UZB-stat", "Statistics Agency under the President of the Republic of Uzbekistan", "https://stat.uz",
            "official statistics, no licence stated; cite the Statistics Agency"),
}
TOTAL_LABELS = ("Total", "Всего", "Всего в том числе")
NO_COUNTRY_CODE = "0"  # stat.uz's code for "Other countries"
HINT = "check the file against docs/formats.md (national trade by partner), or pass the right --format"


def looks_like_national(path: Path) -> bool:
    return header_columns(path) == list(COLUMNS)


def _clean(column: str) -> str:
    return f"regexp_replace(trim(coalesce({column}, '')), '\\s+', ' ', 'g')"


def plan_one(path: Path, reporter: str) -> ImportPlan:
    require_columns(path, COLUMNS, "national trade-by-partner CSV")
    reporter = reporter.strip().upper()
    if reporter not in OFFICES:
        raise ImportFormatError(f"{path.name}: no office table for reporter '{reporter}'",
                                f"use reporter= one of {', '.join(OFFICES)}")
    source_id, publisher, url, licence = OFFICES[reporter]
    totals = ", ".join(f"'{t}'" for t in TOTAL_LABELS)
    ru, en, code = _clean("partner_ru"), _clean("partner_en"), _clean("partner_code_iso_num")
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line, {ru} AS _ru, {en} AS _en, {code} AS _code,
                            TRY_CAST(regexp_extract(source_file, '((?:19|20)[0-9]{{2}})\\.[a-z]+$', 1) AS INTEGER) AS _edition
                     FROM {csv_source(path)}),
             -- Russian name -> numeric code / English name, as the file's other offices write them
             by_code AS (SELECT lower(_ru) AS _key, min(_code) AS _via FROM src
                         WHERE _code NOT IN ('', '{NO_COUNTRY_CODE}') AND _ru <> '' GROUP BY 1 HAVING count(DISTINCT _code) = 1),
             by_en AS (SELECT lower(_ru) AS _key, min(_en) AS _via FROM src
                       WHERE _code = '' AND _en <> '' AND _ru <> '' GROUP BY 1 HAVING count(DISTINCT _en) = 1),
             mine AS (SELECT s.*, max(_edition) OVER (PARTITION BY flow, year) AS _latest
                      FROM src s WHERE trim(reporter_iso3) = '{reporter}')
        SELECT '{reporter}' AS reporter,
               CASE WHEN _en IN ({totals}) OR _ru IN ({totals}) THEN 'World'
                    WHEN _code = '{NO_COUNTRY_CODE}' THEN coalesce(nullif(_en, ''), _ru)
                    WHEN _code <> '' THEN _code
                    WHEN _en <> '' THEN _en
                    ELSE coalesce(c._via, e._via, _ru) END AS partner,
               TRY_CAST(year AS INTEGER) AS year,
               CASE flow WHEN 'exports' THEN 'X' WHEN 'imports' THEN 'M' END AS flow, 'TOTAL' AS product,
               TRY_CAST(value_thousand_usd AS DOUBLE) * 1e3 AS value_usd,
               CASE flow WHEN 'exports' THEN 'FOB' WHEN 'imports' THEN 'CIF' END AS valuation,
               coalesce(trim(note) = 'preliminary', FALSE) AS estimate,
               flow AS _flow, trim(coalesce(value_thousand_usd, '')) AS _raw, year AS _year,
               trim(coalesce(note, '')) AS _note, _edition, _latest, _line
        FROM mine m LEFT JOIN by_code c ON lower(m._ru) = c._key LEFT JOIN by_en e ON lower(m._ru) = e._key"""
    meta = SourceMeta(
        source_id=source_id, title=f"{publisher}: foreign trade in goods by partner country (thousand US$)",
        publisher=publisher, url=url, licence=licence, format="national-trade-ca", table_name="trade",
        citation=f"{publisher}, foreign trade by country (as copied in mary-lev/eu-export-sanctions, commit 4b6a5dfc)",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter"), CodeColumn("partner", keep_world=True)],
        checks=[
            ("_flow NOT IN ('exports', 'imports', 'turnover')", "flow must be exports, imports or turnover"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_raw <> '' AND value_usd IS NULL", "value_thousand_usd is not a number"),
            ("_note NOT IN ('', 'preliminary')", "note must be empty or 'preliminary'"),
        ],
        drop_where=[
            ("_flow = 'turnover'", "turnover rows (exports + imports, not a flow)"),
            ("_edition IS DISTINCT FROM _latest", "values superseded by a later edition of the office's table"),
            ("_raw = ''", "rows without a value"),
        ],
        hint=HINT,
    )


def plan_national(path: Path, reporter: str | None = None) -> ImportPlan | list[ImportPlan]:
    """One office's plan with `reporter=`, else the three offices' plans (each its own source)."""
    if reporter is not None:
        return plan_one(path, reporter)
    return [plan_one(path, r) for r in OFFICES]


FORMATS = [
    Format("national-trade-ca", "National statistics offices of KGZ, KAZ, UZB: trade by partner (thousand US$); option reporter=KGZ|KAZ|UZB",
           looks_like_national, plan_national),
]
