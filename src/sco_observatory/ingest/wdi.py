"""World Bank WDI files: the tidy long CSV and the bulk `API_<code>_DS2_*.csv` wide download.

Tidy long: columns `Country Name,Country Code,Year,Value`, one indicator per file, the file named
after the indicator code (e.g. ny.gdp.mktp.cd.csv). Bulk wide: four preamble lines ("Data Source",
"Last Updated Date"), then `Country Name,Country Code,Indicator Name,Indicator Code,1960,...`.
Aggregates (World, income groups) are kept only for WLD; the rest are skipped and counted.
"""

from __future__ import annotations

import re
from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest import options
from sco_observatory.labels import UNIT_PATTERN, indicator_labels
from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, first_line, require_columns, sql_string
from sco_observatory.store.db import SourceMeta

WDI_URL = "https://data.worldbank.org/indicator/{code}"
LICENCE = "CC BY 4.0"
LONG_COLUMNS = ("Country Name", "Country Code", "Year", "Value")
CODE_RE = re.compile(r"^[A-Za-z]{2,4}(\.[A-Za-z0-9]{1,8}){1,6}$")


def looks_like_long(path: Path) -> bool:
    return first_line(path).replace('"', "") == ",".join(LONG_COLUMNS)


def looks_like_bulk(path: Path) -> bool:
    return path.name.startswith("API_") and first_line(path).replace('"', "").startswith("Data Source")


def indicator_code_from_name(path: Path) -> str:
    code = path.stem.upper()
    if not CODE_RE.match(code):
        raise ImportFormatError(
            f"{path.name}: cannot tell the WDI indicator code from the file name",
            "name the file after the indicator, e.g. NY.GDP.MKTP.CD.csv, or pass --code",
        )
    return code


def unit_of(code: str) -> str | None:
    """The unit of a WDI code, read from its published name in data/indicator_names.csv (the World Bank's
    datapackage titles): "current US$" for NY.GDP.MKTP.CD; None for a name without one ("Population, total")
    or a code not in the list.

    Why from the name: the tidy long files carry `Country Name,Country Code,Year,Value` only — the WDI
    writes an indicator's unit inside its name, nowhere else — so before this the `unit` column of every
    WDI row was NULL (the CLI's `unit` column, and whatever compares units across sources)."""
    found = indicator_labels().get(code.upper())
    return (found[1] or None) if found else None


def plan_long(path: Path, code: str | None = None) -> ImportPlan:
    require_columns(path, LONG_COLUMNS, "WDI long CSV")
    if code is not None:
        code = options.text("code", code, pattern=CODE_RE, max_len=60,
                            hint="give a WDI indicator code, e.g. code=NY.GDP.MKTP.CD")
    code = (code or indicator_code_from_name(path)).upper()
    unit = unit_of(code)
    unit_sql = sql_string(unit) if unit else "NULL::VARCHAR"
    select = f"""
        SELECT "Country Code" AS iso3, TRY_CAST("Year" AS INTEGER) AS year, {sql_string(code)} AS code,
               TRY_CAST("Value" AS DOUBLE) AS value, {unit_sql} AS unit, FALSE AS estimate,
               "Value" AS _raw, row_number() OVER () + 1 AS _line
        FROM {csv_source(path)}"""
    meta = SourceMeta(
        source_id=f"wdi:{code}", title=f"World Development Indicators: {code}", publisher="World Bank",
        url=WDI_URL.format(code=code), licence=LICENCE, format="wdi-long", table_name="indicator",
        citation="World Bank, World Development Indicators",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3", keep_world=True)],
        checks=[("_raw IS NOT NULL AND _raw <> '' AND value IS NULL", "Value is not a number"),
                ("year IS NULL", "Year is not a whole number")],
        drop_where=[("(_raw IS NULL OR _raw = '') AND year IS NOT NULL", "rows without a value")],
    )


def plan_bulk(path: Path) -> ImportPlan:
    """The wide bulk file: unpivot the year columns. The unit is the trailing parenthesis of the row's own
    `Indicator Name` (`UNIT_PATTERN`: "Military expenditure (current USD)" -> "current USD"), NULL where the
    name has none."""
    select = f"""
        WITH wide AS (SELECT * FROM read_csv({sql_string(path)}, skip = 4, header = true, all_varchar = true,
                                             null_padding = true)),
             numbered AS (SELECT row_number() OVER () + 5 AS _line, * FROM wide),
             long AS (UNPIVOT numbered ON COLUMNS('^[12][0-9]{{3}}$') INTO NAME year_text VALUE value_text)
        SELECT "Country Code" AS iso3, TRY_CAST(year_text AS INTEGER) AS year, upper("Indicator Code") AS code,
               TRY_CAST(value_text AS DOUBLE) AS value,
               nullif(regexp_extract(trim("Indicator Name"), {sql_string(UNIT_PATTERN)}, 1), '') AS unit, FALSE AS estimate,
               value_text AS _raw, _line
        FROM long"""
    stem = path.name.split("_DS2")[0].removeprefix("API_")
    meta = SourceMeta(
        source_id=f"wdi:{stem.upper()}", title=f"World Development Indicators bulk download: {stem}",
        publisher="World Bank", url=WDI_URL.format(code=stem), licence=LICENCE, format="worldbank-bulk",
        table_name="indicator", citation="World Bank, World Development Indicators",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("iso3", keep_world=True)],
        checks=[("_raw IS NOT NULL AND _raw <> '' AND value IS NULL", "a year column holds a value that is not a number"),
                ("code IS NULL OR code = ''", "missing Indicator Code")],
        drop_where=[("_raw IS NULL OR _raw = ''", "empty cells")],
    )


FORMATS = [
    Format("wdi-long", "World Bank WDI tidy CSV: Country Name,Country Code,Year,Value (file named after the code)",
           looks_like_long, plan_long),
    Format("worldbank-bulk", "World Bank bulk download API_<code>_DS2_en_csv_v2_*.csv (wide, with preamble)",
           looks_like_bulk, plan_bulk),
]
