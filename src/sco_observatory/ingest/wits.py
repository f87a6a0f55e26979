"""World Bank WITS "Partner Timeseries" downloads: one reporter's trade by partner, all products.

`wits-partner-timeseries`: `Reporter Name,Partner Name,Trade Flow,Product Group,Indicator,<year
columns>` (UTF-8 with BOM), one row per partner, cells in US$ thousand, as exported by
wits.worldbank.org (../shared/data/trade_wits_imports_central_asia/PROVENANCE.md) -> trade.

* Indicator `Import (US$ Thousand)` -> flow M valued CIF; `Export (US$ Thousand)` -> flow X valued
  FOB (WITS republishes the reporter's UN Comtrade declarations, imports CIF and exports FOB);
  values x 1e3 to US$. Any other indicator or a product group other than "All Products" is an error.
* Reporter and partner names are resolved; WITS aggregates ("Other Asia, nes", "Unspecified") are
  dropped and counted, "World" is kept as WLD. Empty cells are missing, never zero: skipped and counted.

Source id `wits:<reporter ISO3>-<flow>` (e.g. `wits:KAZ-imports`), one per file, so each
reporter's download replaces only its own rows and sits beside DOTS and the national offices.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.countries import lookup
from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, header_columns, require_columns
from sco_observatory.store.db import SourceMeta

COLUMNS = ("Reporter Name", "Partner Name", "Trade Flow", "Product Group", "Indicator")
INDICATORS = {"Import (US$ Thousand)": ("M", "CIF", "imports"), "Export (US$ Thousand)": ("X", "FOB", "exports")}
URL = "https://wits.worldbank.org/CountryProfile/en/Country/ALL/Year/LTST/TradeFlow/Import/Partner/by-country"
HINT = "check the file against docs/formats.md (WITS partner timeseries), or pass the right --format"


def looks_like_wits(path: Path) -> bool:
    return header_columns(path)[: len(COLUMNS)] == list(COLUMNS)


def _first_row(path: Path) -> dict[str, str]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh), None)
    if row is None:
        raise ImportFormatError(f"{path.name}: no data rows", HINT)
    return row


def plan_wits(path: Path) -> ImportPlan:
    require_columns(path, COLUMNS, "WITS partner timeseries CSV")
    cols = header_columns(path)
    years = [c for c in cols if len(c) == 4 and c.isdigit()]
    if not years:
        raise ImportFormatError(f"{path.name}:1: no year columns after Indicator", HINT)
    first = _first_row(path)
    reporter = lookup(first["Reporter Name"])
    indicator = INDICATORS.get(first["Indicator"].strip())
    if reporter is None or reporter.kind != "country" or indicator is None:
        raise ImportFormatError(
            f"{path.name}:2: reporter '{first['Reporter Name']}' or indicator '{first['Indicator']}' not recognised",
            f"the indicator must be one of {', '.join(INDICATORS)}; " + HINT)
    year_cols = ", ".join(f'"{y}"' for y in years)
    flow_sql = " ".join(f"WHEN '{k}' THEN '{v[0]}'" for k, v in INDICATORS.items())
    valuation_sql = " ".join(f"WHEN '{k}' THEN '{v[1]}'" for k, v in INDICATORS.items())
    # The columns are named from the header read without its BOM (DuckDB would keep it in the first name).
    source = csv_source(path, cols)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + 1 AS _line FROM {source}),
             picked AS (SELECT "Reporter Name" AS reporter, "Partner Name" AS partner,
                               trim("Indicator") AS _indicator, trim("Product Group") AS _product,
                               _line, {year_cols} FROM src),
             long AS (SELECT * FROM picked UNPIVOT INCLUDE NULLS (_raw FOR _year IN ({year_cols})))
        SELECT reporter, partner, TRY_CAST(_year AS INTEGER) AS year,
               CASE _indicator {flow_sql} END AS flow, 'TOTAL' AS product,
               TRY_CAST(trim(_raw) AS DOUBLE) * 1e3 AS value_usd,
               CASE _indicator {valuation_sql} END AS valuation, FALSE AS estimate,
               _indicator, _product, trim(coalesce(_raw, '')) AS _raw, _line
        FROM long"""
    flow_name = indicator[2]
    meta = SourceMeta(
        source_id=f"wits:{reporter.iso3}-{flow_name}",
        title=f"World Bank WITS partner timeseries: {reporter.name} {flow_name} by partner, all products",
        publisher="World Bank, World Integrated Trade Solution (based on UN Comtrade)", url=URL,
        licence="World Bank / UN Comtrade terms of use (cite: World Bank WITS, based on UN Comtrade)",
        citation="World Bank, World Integrated Trade Solution (WITS), Trade Statistics by Country / Partner timeseries",
        format="wits-partner-timeseries", table_name="trade",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("reporter"), CodeColumn("partner", keep_world=True)],
        checks=[
            ("flow IS NULL", f"Indicator must be one of {', '.join(INDICATORS)}"),
            ("_product <> 'All Products'", "Product Group must be All Products (product detail is not read)"),
            ("_raw <> '' AND value_usd IS NULL", "a year column holds a value that is not a number"),
        ],
        drop_where=[("_raw = ''", "empty cells (not reported)")],
        hint=HINT,
    )


FORMATS = [
    Format("wits-partner-timeseries", "World Bank WITS partner timeseries: Reporter Name,Partner Name,Trade Flow,Product Group,Indicator,<years> (US$ thousand)",
           looks_like_wits, plan_wits),
]
