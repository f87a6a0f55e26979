"""Russia's goods trade by partner, Federal Customs Service data as republished by Rosstat.

`rosstat-fcs`: the long CSV `source_file,sheet,flow,year,month,partner_ru,value_usd_mn` extracted
from Rosstat's two workbooks (../shared/data/trade_russia_fcs/PROVENANCE.md) -> trade, reporter RUS.

* `94itog.xlsx` rows (month empty) are annual totals per year 1994-2021: the world total
  ("Всего (total)", stored as partner WLD), CIS / far-abroad subtotals (aggregates: dropped and
  counted) and each CIS partner.
* `96stran.xlsx` rows are monthly values for 29 main partners, 2006-2021. They are summed to a year
  only where all 12 months are present (a year with a missing month is skipped and counted, never
  completed with zeros). Where 94itog gives the same partner-year (Kazakhstan, Belarus, Uzbekistan),
  its annual figure is kept and the monthly sum is skipped and counted: the annual table is the
  publisher's own annual total, and it is what the PROVENANCE checks compare with DOTS.
* Partner names are Russian as published; Latin look-alike letters ("Китaй") and doubled spaces
  are folded by the resolver, which reads Russian through CLDR (countries.py) plus the Rosstat
  spellings in data/country_aliases.csv.
* Values are US$ millions (x 1e6). Valuation as Russian customs statistics publish it: exports FOB,
  imports CIF.

Source id `rosstat:fcs-trade-by-partner`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

COLUMNS = ("source_file", "sheet", "flow", "year", "month", "partner_ru", "value_usd_mn")
WORLD_LABEL = "Всего (total)"
MONTHS = 12
URL = "https://rosstat.gov.ru/statistics/vneshnyaya_torgovlya"
HINT = "check the file against docs/formats.md (Rosstat / FCS trade by partner), or pass the right --format"
# Latin letters typed for Cyrillic look-alikes, folded before partner names are compared across sheets.
_LATIN, _CYRILLIC = "aeopcxyAEOPCXTHMKB", "аеорсхуАЕОРСХТНМКВ"


def looks_like_fcs(path: Path) -> bool:
    return header_columns(path) == list(COLUMNS)


def plan_fcs(path: Path) -> ImportPlan:
    require_columns(path, COLUMNS, "Rosstat/FCS trade-by-partner CSV")
    folded = f"regexp_replace(translate(trim(partner_ru), '{_LATIN}', '{_CYRILLIC}'), '\\s+', ' ', 'g')"
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line,
                            CASE WHEN trim(partner_ru) = '{WORLD_LABEL}' THEN 'World' ELSE {folded} END AS _name
                     FROM {csv_source(path)}),
             annual AS (SELECT _name, flow, year, TRY_CAST(value_usd_mn AS DOUBLE) AS value_mn,
                               trim(coalesce(value_usd_mn, '')) AS _raw, 12 AS _months, _line
                        FROM src WHERE trim(coalesce(month, '')) = ''),
             monthly AS (SELECT _name, flow, year, sum(TRY_CAST(value_usd_mn AS DOUBLE)) AS value_mn,
                                CASE WHEN bool_and(TRY_CAST(value_usd_mn AS DOUBLE) IS NOT NULL) THEN 'ok' ELSE '' END AS _raw,
                                count(DISTINCT TRY_CAST(month AS INTEGER)) FILTER (WHERE TRY_CAST(month AS INTEGER) BETWEEN 1 AND 12) AS _months,
                                min(_line) AS _line
                         FROM src WHERE trim(coalesce(month, '')) <> '' GROUP BY _name, flow, year),
             both_kinds AS (SELECT *, 'annual' AS _kind, FALSE AS _in_annual FROM annual
                            UNION ALL
                            SELECT m.*, 'monthly' AS _kind,
                                   EXISTS (SELECT 1 FROM annual a WHERE a._name = m._name AND a.flow = m.flow AND a.year = m.year) AS _in_annual
                            FROM monthly m)
        SELECT 'RUS' AS reporter, _name AS partner,
               TRY_CAST(year AS INTEGER) AS year,
               CASE flow WHEN 'exports' THEN 'X' WHEN 'imports' THEN 'M' END AS flow, 'TOTAL' AS product,
               value_mn * 1e6 AS value_usd,
               CASE flow WHEN 'exports' THEN 'FOB' WHEN 'imports' THEN 'CIF' END AS valuation, FALSE AS estimate,
               _raw, _kind, _months, _in_annual, year AS _year, _line
        FROM both_kinds"""
    meta = SourceMeta(
        source_id="rosstat:fcs-trade-by-partner",
        title="Russia's foreign trade by partner (FCS of Russia data, Rosstat tables 94itog and 96stran), 1994-2021",
        publisher="Federal State Statistics Service (Rosstat), from Federal Customs Service of Russia data", url=URL,
        licence="official statistics, no licence stated (cite Rosstat / FCS of Russia)",
        citation="Rosstat, Foreign trade of the Russian Federation (according to FCS of Russia data), tables 94itog and 96stran",
        format="rosstat-fcs", table_name="trade", year=2021,
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter"), CodeColumn("partner", keep_world=True)],
        checks=[
            ("flow IS NULL", "flow must be exports or imports"),
            ("_year IS NOT NULL AND year IS NULL", "year is not a whole number"),
            ("_kind = 'annual' AND _raw <> '' AND value_usd IS NULL", "value_usd_mn is not a number"),
            ("_kind = 'monthly' AND _raw = ''", "a monthly value_usd_mn is missing or not a number"),
        ],
        drop_where=[
            ("_kind = 'annual' AND _raw = ''", "annual rows without a value"),
            ("_kind = 'monthly' AND _in_annual", "monthly sums for partner-years that 94itog gives as an annual total"),
            (f"_kind = 'monthly' AND _months < {MONTHS}", "partner-years with fewer than 12 months in 96stran"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("rosstat-fcs", "Rosstat/FCS Russia trade by partner: source_file,sheet,flow,year,month,partner_ru,value_usd_mn (US$ mn)",
           looks_like_fcs, plan_fcs),
]
