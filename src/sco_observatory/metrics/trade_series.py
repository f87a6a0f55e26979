"""Bilateral trade over time as each reporter states it, IMF DOTS by default, optionally extended
after DOTS ends with the reporter's national statistics — every spliced row says so.

Why: the IMF DOTS copy ends in 2020; the national offices publish to 2023 (KGZ, KAZ, UZB; Russia's
customs service, via Rosstat, to 2021). A series to 2023 has to cross from one publisher to
another, and the two differ in coverage, revision and timing, so a break is data, not noise.

Rule (no modelling, values as published):

* `extend_with=None` (default): one source family per call, IMF DOTS reporter rows only, as every
  other trade measure does.
* `extend_with="national"`: for each reporter, DOTS for the years DOTS holds for that reporter
  (up to its last DOTS year `T_r`), then the reporter's national statistics for the years after
  `T_r` only. Never both in one year, never a national value before `T_r` (no back-filling, no
  averaging, no level adjustment). Every row of a reporter whose series crosses carries
  `source_break` = "IMF DOTS to T_r, <national source> from T_r+1" — on every row, not only at the
  join — and `after_break` marks the rows from the second source.

Rows: reporter, partner, year, flow (X exports / M imports, as the reporter records them),
value_usd, valuation (FOB/CIF), estimate (the publisher's own flag: IMF estimate, KGZ
"preliminary"), source, after_break, source_break. A year neither source holds is absent (missing),
never zero. Evidence: arithmetic on published figures (no formula).
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.engine import query, run
from sco_observatory.dates import years_text
from sco_observatory.errors import DataMissingError, ObservatoryError
from sco_observatory.snapshot_datasets import short_name

DOTS_PREFIX = "imf-dots:"
NATIONAL_PREFIXES = ("national:", "rosstat:")
EXTENSIONS = ("national",)

_SQL = """
    SELECT reporter, partner, CAST(year AS BIGINT) AS year, flow, value_usd, valuation, estimate, source_id AS source,
           starts_with(source_id, $dots) AS is_dots
    FROM trade
    WHERE product = 'TOTAL' AND reporter IN ($reporters) AND partner IN ($partners) AND year BETWEEN $y0 AND $y1
      AND (starts_with(source_id, $dots)
           OR ($extend AND (starts_with(source_id, $nat1) OR starts_with(source_id, $nat2))))"""


def bilateral_series(store, reporters: Sequence[str], partners: Sequence[str], years: tuple[int, int],
                     extend_with: str | None = None) -> pl.DataFrame:
    """The series described in the module docstring."""
    if extend_with is not None and extend_with not in EXTENSIONS:
        raise ObservatoryError(f"unknown extension '{extend_with}'", "use --extend-with national (or leave it out: IMF DOTS only)")
    extend = extend_with == "national"
    rows = run(store, query(_SQL, dots=DOTS_PREFIX, nat1=NATIONAL_PREFIXES[0], nat2=NATIONAL_PREFIXES[1], extend=extend,
                            reporters=list(reporters), partners=list(partners), y0=int(years[0]), y1=int(years[1])))
    if rows.height == 0:
        raise DataMissingError(
            f"no bilateral trade reported by {', '.join(reporters)} with {', '.join(partners)} in {years_text(years)}",
            "IMF DOTS ships with the package to 2020; for later years pass --extend-with national after "
            "`sco import national_trade_by_partner_kgz_kaz_uzb.csv` (KAZ, UZB) or russia_fcs_trade_by_partner.csv (RUS)")
    # the last DOTS year of each reporter (over all its partners in the call): the splice point
    last_dots = (rows.filter(pl.col("is_dots")).group_by("reporter").agg(pl.col("year").max().alias("t_r")))
    rows = rows.join(last_dots, on="reporter", how="left")
    keep = pl.col("is_dots") | (pl.col("t_r").is_null() | (pl.col("year") > pl.col("t_r")))
    if not extend:
        keep = pl.col("is_dots")
    rows = rows.filter(keep)
    # one national source per reporter-year (an office's own rows): the first by id where two are held
    rows = rows.sort(["reporter", "partner", "year", "flow", "is_dots", "source"], descending=[False, False, False, False, True, False])
    rows = rows.unique(["reporter", "partner", "year", "flow"], keep="first", maintain_order=True)
    after = rows.filter(~pl.col("is_dots")).group_by("reporter").agg(pl.col("source").unique().sort().alias("nat"))
    labels = {}
    for r in after.iter_rows(named=True):  # one label per reporter (a handful), not per row
        t_r = last_dots.filter(pl.col("reporter") == r["reporter"])["t_r"]
        names = " + ".join(dict.fromkeys(f"{short_name(s)} ({s})" for s in r["nat"]))
        labels[r["reporter"]] = (f"IMF DOTS to {t_r[0]}, {names} from {t_r[0] + 1}" if t_r.len() and t_r[0] is not None
                                 else f"{names} only (no IMF DOTS rows for this reporter)")
    return (rows.with_columns(
        (~pl.col("is_dots") & pl.col("t_r").is_not_null()).alias("after_break"),
        pl.col("reporter").replace_strict(labels, default="", return_dtype=pl.String).alias("source_break"))
        .select("reporter", "partner", "year", "flow", "value_usd", "valuation", "estimate", "source",
                "after_break", "source_break")
        .sort(["reporter", "partner", "flow", "year"]))
