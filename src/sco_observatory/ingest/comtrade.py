"""UN Comtrade CSV (the v1 API / Comtrade+ bulk columns), comma- or tab-separated, optionally gzipped.

`comtrade`: the header names at least `refYear, reporterCode, flowCode, partnerCode, cmdCode,
primaryValue`; the full v1 layout is `typeCode,freqCode,refPeriodId,refYear,refMonth,period,
reporterCode,reporterISO,reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,
partner2Code,partner2ISO,partner2Desc,classificationCode,classificationSearchCode,
isOriginalClassification,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,customsDesc,mosCode,motCode,
motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,altQtyUnitCode,altQtyUnitAbbr,altQty,
isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,isGrossWgtEstimated,cifvalue,fobvalue,
primaryValue,legacyEstimationFlag,isReported,isAggregate`.

* Only the totals over breakdowns are kept: customsCode C00, motCode 0, partner2Code 0 (where those
  columns exist); other rows are dropped and counted.
* flowCode X -> flow X valued FOB, M -> flow M valued CIF (primaryValue, US$); re-exports,
  re-imports and other flows are dropped and counted.
* cmdCode TOTAL -> product TOTAL; an HS code is kept as written.
* Annual data only (freqCode A): a monthly file is an error (months would collide on the year).
* Reporter and partner are Comtrade numeric codes. Those that differ from ISO 3166 numeric (842 USA,
  757 CHE, 251 FRA, 699 IND, 579 NOR, 490 'Other Asia, nes' = Taiwan, 0 World -> WLD, 'nes' areas
  -> dropped) come from `sco_observatory/data/comtrade_codes.csv`; the rest go through the resolver
  as ISO numeric codes. An unknown code is an error naming the line.

Source id `comtrade:<file stem>`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sco_observatory.ingest.base import Format, CodeColumn, ImportPlan, csv_source, first_line, package_data, sql_string
from sco_observatory.errors import ImportFormatError
from sco_observatory.store.db import SourceMeta

REQUIRED = ("refYear", "reporterCode", "flowCode", "partnerCode", "cmdCode", "primaryValue")
OPTIONAL_TOTAL = {"customsCode": "C00", "motCode": "0", "partner2Code": "0"}
URL = "https://comtradeplus.un.org/"
LICENCE = "UN Comtrade terms of use"
HINT = "check the file against docs/formats.md (UN Comtrade), or pass the right --format"


def _delimiter(path: Path) -> str:
    line = first_line(path)
    return "\t" if line.count("\t") > line.count(",") else ","


def _header(path: Path) -> list[str]:
    line = first_line(path)
    if not line:
        return []
    return [c.strip() for c in next(csv.reader([line], delimiter=_delimiter(path)))]


def looks_like_comtrade(path: Path) -> bool:
    return all(c in _header(path) for c in REQUIRED)


def plan_comtrade(path: Path) -> ImportPlan:
    header = _header(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFormatError(f"{path.name}:1: not a UN Comtrade CSV: missing column(s) {', '.join(missing)}", HINT)
    codes = sql_string(package_data("comtrade_codes.csv"))
    drops = []
    for column, total in OPTIONAL_TOTAL.items():
        if column in header:
            drops.append((f'coalesce(trim("{column}"), \'\') <> \'{total}\'',
                          f"rows broken down by {column} (only the total {total} is kept)"))
    freq = "coalesce(trim(s.\"freqCode\"), '')" if "freqCode" in header else "'A'"
    totals = "".join(f', s."{c}"' for c in OPTIONAL_TOTAL if c in header)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line
                     FROM {csv_source(path, header, delim=_delimiter(path))}),
             ov AS (SELECT code, nullif(iso3, '') AS iso3, kind = 'aggregate' AS agg
                    FROM read_csv({codes}, header = true, all_varchar = true))
        SELECT CASE WHEN r.code IS NOT NULL THEN r.iso3 ELSE trim(s."reporterCode") END AS reporter,
               CASE WHEN p.code IS NOT NULL THEN p.iso3 ELSE trim(s."partnerCode") END AS partner,
               TRY_CAST(s."refYear" AS INTEGER) AS year,
               CASE trim(s."flowCode") WHEN 'X' THEN 'X' WHEN 'M' THEN 'M' END AS flow,
               CASE WHEN upper(trim(s."cmdCode")) = 'TOTAL' THEN 'TOTAL' ELSE trim(s."cmdCode") END AS product,
               TRY_CAST(s."primaryValue" AS DOUBLE) AS value_usd,
               CASE trim(s."flowCode") WHEN 'X' THEN 'FOB' WHEN 'M' THEN 'CIF' END AS valuation,
               FALSE AS estimate,
               coalesce(r.agg, FALSE) OR coalesce(p.agg, FALSE) AS _agg,
               trim(s."flowCode") AS _flow, s."primaryValue" AS _raw, s."refYear" AS _year,
               {freq} AS _freq, s._line{totals}
        FROM src s
        LEFT JOIN ov r ON r.code = trim(s."reporterCode")
        LEFT JOIN ov p ON p.code = trim(s."partnerCode")"""
    meta = SourceMeta(
        source_id=f"comtrade:{path.stem}", title=f"UN Comtrade: {path.stem}", publisher="United Nations Statistics Division",
        url=URL, licence=LICENCE, citation="United Nations, UN Comtrade Database", format="comtrade", table_name="trade",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter", keep_world=True), CodeColumn("partner", keep_world=True)],
        checks=[
            ("_freq <> 'A'", "not annual data (freqCode must be A; download annual data)"),
            ("_year IS NOT NULL AND year IS NULL", "refYear is not a whole number"),
            ("_raw IS NOT NULL AND trim(_raw) <> '' AND value_usd IS NULL", "primaryValue is not a number"),
            ("product IS NULL OR product = ''", "missing cmdCode"),
        ],
        drop_where=[
            ("_flow NOT IN ('X', 'M') OR _flow IS NULL", "rows of other flows (re-exports, re-imports, ...)"),
            *drops,
            ("_agg", "rows with a Comtrade 'nes' area or group as reporter or partner"),
            ("_raw IS NULL OR trim(_raw) = ''", "rows without a value"),
        ],
        hint=HINT,
    )


FORMATS = [
    Format("comtrade", "UN Comtrade CSV (v1 API / bulk columns: refYear,reporterCode,flowCode,partnerCode,cmdCode,primaryValue,...)",
                      looks_like_comtrade, plan_comtrade),
]
