"""SIPRI Arms Transfers Database: the trade register, one row per deal and delivery year.

`sipri-arms-register`: SIPRI's CSV export of the trade register (../shared/data/arms_transfers_sipri/
PROVENANCE.md): 11 lines of query description and conventions, then the header `SIPRI AT Database
ID,Supplier,Recipient,Designation,Description,Armament category,Order date,Order date is estimate,
Numbers delivered,Numbers delivered is estimate,Delivery year,Delivery year is estimate,Status,SIPRI
estimate,TIV deal unit,TIV delivery values,Local production`. In this export a deal with deliveries
in several years has one row per delivery year, and `TIV delivery values` is that year's deliveries
-> arms_transfer(supplier, recipient, year = delivery year, deal_id, tiv, ...).

* `tiv` is SIPRI trend-indicator value in **millions of TIV** (not US$; SIPRI's volume measure), as
  published; "0" means between 0 and 0.5 million TIV (SIPRI's rounding convention) and is kept.
* SIPRI's own flags are kept: `units_estimate`, `year_estimate`, `order_year_estimate` (the
  "... is estimate" Yes/No columns). `tiv_per_unit` is the TIV per unit used for the deal ("TIV deal
  unit", lower for second-hand weapons) and `tiv_per_new_unit` SIPRI's estimate for a new unit.
* Suppliers and recipients are SIPRI names, resolved. Non-state actors (SIPRI marks them with `*`,
  e.g. "Hezbollah (Lebanon)*"), international organisations (`**`, e.g. "NATO**") and "unknown
  supplier(s)/recipient(s)" are not states: their rows are skipped and counted (the resolver would
  otherwise read "Hezbollah (Lebanon)*" as Lebanon).

Source id `sipri:arms-register`.
"""

from __future__ import annotations

from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.ingest.base import CodeColumn, Format, ImportPlan, csv_source, first_line
from sco_observatory.store.db import SourceMeta

PREAMBLE_LINES = 11
TITLE_START = "Transfers of major conventional arms"
COLUMNS = ("SIPRI AT Database ID", "Supplier", "Recipient", "Designation", "Description", "Armament category",
           "Order date", "Order date is estimate", "Numbers delivered", "Numbers delivered is estimate", "Delivery year",
           "Delivery year is estimate", "Status", "SIPRI estimate", "TIV deal unit", "TIV delivery values", "Local production")
STATUSES = ("New", "Second hand", "Second hand but modernized")
URL = "https://www.sipri.org/databases/armstransfers"
HINT = "check the file against docs/formats.md (SIPRI arms transfers register), or pass the right --format"


def _header(path: Path) -> list[str]:
    import csv

    try:
        with open(path, encoding="utf-8-sig") as fh:
            for _ in range(PREAMBLE_LINES):
                fh.readline()
            return next(csv.reader([fh.readline().strip()]))
    except (UnicodeDecodeError, OSError, StopIteration):
        return []


def looks_like_register(path: Path) -> bool:
    return first_line(path).startswith(TITLE_START) and _header(path) == list(COLUMNS)


def _flag(column: str) -> str:
    return f"CASE trim(\"{column}\") WHEN 'Yes' THEN TRUE WHEN 'No' THEN FALSE END"


def plan_register(path: Path) -> ImportPlan:
    if _header(path) != list(COLUMNS):
        raise ImportFormatError(
            f"{path.name}:{PREAMBLE_LINES + 1}: not a SIPRI trade register export: expected the header "
            f"'{COLUMNS[0]},{COLUMNS[1]},...' after {PREAMBLE_LINES} lines of description", HINT)
    flags = ("Order date is estimate", "Numbers delivered is estimate", "Delivery year is estimate", "Local production")
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    not_state = ("(trim({c}) LIKE '%*' OR lower(trim({c})) LIKE 'unknown %')")
    bad_flag = " OR ".join(f"coalesce(trim(\"{f}\"), '') NOT IN ('', 'Yes', 'No')" for f in flags)
    select = f"""
        WITH src AS (SELECT *, row_number() OVER () + {PREAMBLE_LINES + 1} AS _line
                     FROM {csv_source(path, list(COLUMNS), skip=PREAMBLE_LINES)})
        SELECT trim("Supplier") AS supplier, trim("Recipient") AS recipient,
               TRY_CAST("Delivery year" AS INTEGER) AS year, TRY_CAST("SIPRI AT Database ID" AS BIGINT) AS deal_id,
               TRY_CAST("TIV delivery values" AS DOUBLE) AS tiv, TRY_CAST("Numbers delivered" AS DOUBLE) AS units,
               {_flag("Numbers delivered is estimate")} AS units_estimate, {_flag("Delivery year is estimate")} AS year_estimate,
               "Designation" AS designation, "Description" AS description, "Armament category" AS category,
               TRY_CAST("Order date" AS INTEGER) AS order_year, {_flag("Order date is estimate")} AS order_year_estimate,
               trim("Status") AS status, TRY_CAST("TIV deal unit" AS DOUBLE) AS tiv_per_unit,
               TRY_CAST("SIPRI estimate" AS DOUBLE) AS tiv_per_new_unit, {_flag("Local production")} AS local_production,
               {not_state.format(c='"Supplier"')} OR {not_state.format(c='"Recipient"')} AS _not_state,
               "SIPRI AT Database ID" AS _id, "Delivery year" AS _year, trim(coalesce("TIV delivery values", '')) AS _tiv,
               trim(coalesce("Numbers delivered", '')) AS _units, trim(coalesce("Order date", '')) AS _order,
               ({bad_flag}) AS _bad_flag,
               _line
        FROM src"""
    meta = SourceMeta(
        source_id="sipri:arms-register", title="SIPRI Arms Transfers Database: trade register, deliveries 2000-2023",
        publisher="Stockholm International Peace Research Institute", url=URL,
        licence="© SIPRI; free use with citation (SIPRI terms of use)",
        citation="SIPRI Arms Transfers Database, trade register (data generated 3 January 2025)", year=2025,
        format="sipri-arms-register", table_name="arms_transfer",
    )
    return ImportPlan(
        path, meta, select,
        code_columns=[CodeColumn("supplier"), CodeColumn("recipient")],
        checks=[
            ("deal_id IS NULL", "SIPRI AT Database ID is not a whole number"),
            ("_year IS NOT NULL AND year IS NULL", "Delivery year is not a whole number"),
            ("_tiv <> '' AND tiv IS NULL", "TIV delivery values is not a number"),
            ("tiv < 0", "negative TIV"),
            ("_units <> '' AND units IS NULL", "Numbers delivered is not a number"),
            ("_order <> '' AND order_year IS NULL", "Order date is not a year"),
            ("_bad_flag", "an '... is estimate' or 'Local production' column is not Yes/No"),
            (f"status NOT IN ({statuses})", f"Status must be one of {', '.join(STATUSES)}"),
        ],
        drop_where=[("_not_state", "rows with a non-state actor, international organisation or unknown party (SIPRI * / ** / unknown)")],
        hint=HINT,
    )


FORMATS = [
    Format("sipri-arms-register", "SIPRI Arms Transfers Database trade register CSV export (11 description lines, then SIPRI AT Database ID,Supplier,Recipient,...)",
           looks_like_register, plan_register),
]
