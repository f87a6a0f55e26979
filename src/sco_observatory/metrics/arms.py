"""Arms-transfer dependence: each recipient's share of its arms imports by supplier (SIPRI TIV).

Why: the 2014 report argues from Russia's role as Central Asia's arms supplier; SIPRI's register
lets the claim be followed year by year, and shows China's entry. Formula (arithmetic on SIPRI's
published delivery values, no modelling):

    share_{r,s,P} = Σ_{t∈P} TIV_{s→r,t} / Σ_{t∈P} Σ_{all suppliers s'} TIV_{s'→r,t}

for recipient r, supplier class s ∈ {each named supplier, "Others"} and period P (one year, or
blocks of `period` years from the first year). Evidence: [V] — SIPRI's trend-indicator value (TIV)
is SIPRI's own volume measure (millions of TIV, not US$; SIPRI, "Sources and methods"), shares of it
are SIPRI's usual way of stating supplier dependence. SIPRI advises comparing multi-year totals
rather than single years, because deliveries are lumpy: `period=5` gives SIPRI-style five-year blocks.

* Missing vs zero: the register lists every identified delivery of major conventional arms, so a
  supplier absent from a recipient's deliveries in a period supplied 0 TIV. A recipient with no
  identified deliveries in a period has no share (null), never 0 %, and its `note` says so.
* SIPRI's uncertainty flags travel with the numbers: `estimated_tiv` is the TIV of deliveries whose
  number or delivery year SIPRI marks as uncertain ('?' in its export; `units_estimate`,
  `year_estimate` in the store), `flags` says how many deliveries carry a flag.
* Non-state recipients and unknown suppliers are not in the store (ingest/sipri_arms.py), so
  "Others" means other states.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.errors import DataMissingError, ObservatoryError

SOURCE = "sipri:arms-register"
DEFAULT_SUPPLIERS = ("RUS", "CHN")
OTHERS = "Others"
UNIT = "SIPRI TIV, millions"
FORMULA = "share = Σ TIV(supplier→recipient) / Σ TIV(all suppliers→recipient) over the period (SIPRI TIV) [V]"


def missing_message() -> tuple[str, str]:
    """What to say where the register is absent: why it is not shipped and which file to import."""
    from sco_observatory.snapshot_datasets import by_key

    ds = by_key("sipri-arms")
    why = ("it is not shipped with the package: SIPRI's terms allow free use with citation but exclude "
           "commercial use and re-hosting of copies, and this MIT-licensed package may be used commercially")
    return (f"SIPRI's Arms Transfers Database (trade register) has not been imported: {why}",
            f"download the trade register as CSV (all suppliers and recipients, deliveries from 2000) from "
            f"{ds.url if ds else 'https://www.sipri.org/databases/armstransfers'} and run `sco import FILE.csv`")


_DELIVERIES_SQL = """
    SELECT recipient, supplier, CAST(year AS BIGINT) AS year, sum(tiv) AS tiv, CAST(count(*) AS BIGINT) AS deliveries,
           sum(CASE WHEN coalesce(units_estimate, FALSE) OR coalesce(year_estimate, FALSE) THEN tiv ELSE 0 END) AS estimated_tiv,
           CAST(sum(CASE WHEN coalesce(units_estimate, FALSE) OR coalesce(year_estimate, FALSE) THEN 1 ELSE 0 END) AS BIGINT) AS estimated
    FROM arms_transfer
    WHERE source_id = $source AND recipient IN ($recipients) AND year BETWEEN $y0 AND $y1
    GROUP BY recipient, supplier, year"""


def _check_years(years: tuple[int, int], period: int) -> None:
    if period < 1:
        raise ObservatoryError(f"--period {period} is not a number of years", "pass 1 (each year) or e.g. 5 (five-year blocks)")
    if years[0] > years[1]:
        raise ObservatoryError(f"years {years[0]}-{years[1]} run backwards", f"write {years[1]}-{years[0]}")


def held_years(store) -> tuple[int, int] | None:
    """First and last delivery year of the register in the store, or None where it is absent."""
    row = run(store, query("SELECT min(year) AS y0, max(year) AS y1 FROM arms_transfer WHERE source_id = $source",
                           source=SOURCE)).row(0)
    return None if row[0] is None else (int(row[0]), int(row[1]))


def dependence(store, recipients: Sequence[str], years: tuple[int, int], suppliers: Sequence[str] = DEFAULT_SUPPLIERS,
               period: int = 1) -> pl.DataFrame:
    """Share of each recipient's arms imports by supplier class, per period (see the module docstring).

    Columns: recipient, period, first_year, last_year, supplier (ISO3 or "Others"), tiv, total_tiv,
    share (0–1, null where the recipient received nothing), deliveries, estimated_tiv, flags, note,
    unit, formula, evidence, source.
    """
    _check_years(years, period)
    held = held_years(store)
    if held is None:
        raise DataMissingError(*missing_message())
    named = list(dict.fromkeys(s.upper() for s in suppliers))
    rec = list(dict.fromkeys(recipients))
    d = run(store, query(_DELIVERIES_SQL, source=SOURCE, recipients=rec, y0=int(years[0]), y1=int(years[1])))
    y0, y1 = int(years[0]), int(years[1])
    starts = list(range(y0, y1 + 1, period))
    periods = pl.DataFrame({"first_year": starts, "last_year": [min(s + period - 1, y1) for s in starts]},
                           schema={"first_year": pl.Int64, "last_year": pl.Int64})
    classes = pl.DataFrame({"supplier": named + [OTHERS]})
    grid = pl.DataFrame({"recipient": rec}).join(periods, how="cross").join(classes, how="cross")
    d = d.with_columns(
        (pl.lit(y0) + ((pl.col("year") - y0) // period) * period).cast(pl.Int64).alias("first_year"),
        pl.when(pl.col("supplier").is_in(named)).then(pl.col("supplier")).otherwise(pl.lit(OTHERS)).alias("supplier"))
    by_class = d.group_by("recipient", "first_year", "supplier").agg(
        pl.col("tiv").sum(), pl.col("deliveries").sum(), pl.col("estimated_tiv").sum(), pl.col("estimated").sum())
    totals = d.group_by("recipient", "first_year").agg(pl.col("tiv").sum().alias("total_tiv"))
    out = (grid.join(by_class, on=["recipient", "first_year", "supplier"], how="left")
           .join(totals, on=["recipient", "first_year"], how="left")
           .with_columns(pl.col("tiv").fill_null(0.0), pl.col("deliveries").fill_null(0),
                         pl.col("estimated_tiv").fill_null(0.0), pl.col("estimated").fill_null(0),
                         pl.col("total_tiv").fill_null(0.0)))
    outside = (pl.col("first_year") < held[0]) | (pl.col("last_year") > held[1])
    received = pl.col("total_tiv") > 0
    label = pl.when(pl.col("first_year") == pl.col("last_year")).then(pl.col("first_year").cast(pl.String)).otherwise(
        pl.col("first_year").cast(pl.String) + "-" + pl.col("last_year").cast(pl.String))
    return (out.with_columns(
        label.alias("period"),
        pl.when(received & ~outside).then(pl.col("tiv") / pl.col("total_tiv")).alias("share"),
        pl.when(pl.col("estimated") > 0)
          .then(pl.lit("SIPRI estimate: ") + pl.col("estimated").cast(pl.String) + " of "
                + pl.col("deliveries").cast(pl.String) + " deliveries (number or year uncertain)")
          .otherwise(pl.lit("")).alias("flags"),
        pl.when(outside).then(pl.lit(f"outside the register's years {held[0]}-{held[1]}: not known"))
          .when(~received).then(pl.lit("no deliveries identified by SIPRI in the period"))
          .otherwise(pl.lit("")).alias("note"))
        .with_columns(pl.when(outside).then(None).otherwise(pl.col("tiv")).alias("tiv"),
                      pl.when(outside).then(None).otherwise(pl.col("total_tiv")).alias("total_tiv"),
                      pl.lit(UNIT).alias("unit"), pl.lit(FORMULA).alias("formula"),
                      pl.lit("[V] SIPRI TIV as published; shares are arithmetic").alias("evidence"),
                      pl.lit(SOURCE).alias("source"))
        .select("recipient", "period", "first_year", "last_year", "supplier", "tiv", "total_tiv", "share",
                "deliveries", "estimated_tiv", "flags", "note", "unit", "formula", "evidence", "source")
        .with_columns(pl.col("supplier").replace_strict({c: i for i, c in enumerate(named + [OTHERS])},
                                                        return_dtype=pl.Int64).alias("_order"))
        .sort(["recipient", "first_year", "_order"]).drop("_order"))
