"""Data-quality flags on bilateral trade: where the data disagree with themselves (docs/metrics.md).

Why: a trade answer depends on whose statistics are read. In IMF DOTS 2020 China reports US$ 2,876 mn
of exports to Kyrgyzstan while Kyrgyzstan records US$ 737 mn of imports from China (a factor 3.9);
Uzbekistan's reported exports to China go from US$ 11.8 mn (1999, an IMF estimate) to US$ 1,190 mn
(2000). Neither is an error of this code, but an answer built on such a flow must say so.

The two rules (mirror: a flow's FOB and CIF figures differ by more than a factor; jump: one series
changes by more than a factor from one year to the next) and their constants live in
`metrics.flag_rules`, which the trade answers read too; this module lists the flags of a group
(`discrepancies`, `sco trade discrepancies`) and writes the reader's note (`quality_note`).
The flags are descriptive: the flows stay in every answer, and each answer counts its flagged flows.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import polars as pl

from sco_observatory.engine import Builder, run
from sco_observatory.metrics import trade
from sco_observatory.metrics.flag_rules import (  # noqa: F401  (the rules, read from here by callers)
    DEFAULT_FACTOR, DEFAULT_MIN_VALUE, IMF_CIF_FOB_FACTOR, BadFactorError, check_factor, flagged_flows, jump_flags,
    mirror_flags)

_SIDES_SQL = """
    SELECT coalesce(r.exporter, m.exporter) AS exporter, coalesce(r.importer, m.importer) AS importer,
           CAST(coalesce(r.year, m.year) AS BIGINT) AS year,
           r.value AS reported, r.source AS reported_source, m.value AS mirror, m.source AS mirror_source
    FROM rt AS r FULL OUTER JOIN mt AS m
         ON r.exporter = m.exporter AND r.importer = m.importer AND r.year = m.year"""
_SELECT_SQL = """
    SELECT * FROM s
    WHERE ((exporter IN ($group) AND importer IN ($partners)) OR (importer IN ($group) AND exporter IN ($partners)))
          AND exporter <> importer"""
_SELECT_ANY_SQL = """
    SELECT * FROM s
    WHERE (exporter IN ($group) OR importer IN ($group)) AND exporter <> importer
          AND exporter NOT IN ($aggregates) AND importer NOT IN ($aggregates)
          AND regexp_matches(exporter, '^[A-Z]{3}$') AND regexp_matches(importer, '^[A-Z]{3}$')"""


def flow_sides(store, group: Sequence[str], years: Iterable[int], partners: Sequence[str] | None = None, *,
               source: str | None = None) -> pl.DataFrame:
    """Both published figures of every flow between `group` and `partners` (default: every partner
    economy), total goods: exporter, importer, year, reported (exporter's FOB exports), reported_source,
    mirror (importer's CIF imports), mirror_source. A side the data lack is null.

    `trade.flow_sides` (one scan of the rows filtered to the codes), equal to `_flow_sides_sql`."""
    return trade.flow_sides(store, group, years, partners or None, source=source)


def _flow_sides_sql(store, group: Sequence[str], years: Iterable[int], partners: Sequence[str] | None = None, *,
                    source: str | None = None) -> pl.DataFrame:
    """`flow_sides` as one SQL query: a FULL OUTER JOIN of the reported and mirror totals (the
    definition `trade.flow_sides` equals, kept for the tests and the benchmark)."""
    ys = sorted({int(y) for y in years})
    span = (ys[0], ys[-1])
    ds = trade._dataset_filter(store, span, source)
    b = Builder()
    rows = trade._rows_cte(b, ds, span)
    rt = trade.totals_cte(b, b.cte("reported", trade._REPORTED_SQL, rows=rows))
    mt = trade.totals_cte(b, b.cte("mirror", trade._MIRROR_SQL, rows=rows))
    sides = b.cte("sides", _SIDES_SQL, rt=rt, mt=mt)
    if partners:
        frame = run(store, b.build(_SELECT_SQL, s=sides, group=list(group), partners=list(partners)))
    else:
        frame = run(store, b.build(_SELECT_ANY_SQL, s=sides, group=list(group),
                                   aggregates=sorted(trade._aggregate_codes())))
    return frame.filter(pl.col("year").is_in(ys)).sort(["year", "exporter", "importer"])


def discrepancies(store, group: Sequence[str], years: Iterable[int], partners: Sequence[str] | None = None, *,
                  factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE,
                  source: str | None = None) -> pl.DataFrame:
    """Flows between `group` and `partners` (default: every partner economy) in `years` flagged by the
    mirror rule or the jump rule (metrics/flag_rules.py), worst first within each kind.

    Columns: kind, exporter, importer, year, figure_a, value_a, source_a, figure_b, value_b, source_b,
    ratio, rule. Jumps compare a selected year with the year before (read even if not selected).
    """
    factor = check_factor(factor)
    ys = sorted({int(y) for y in years})
    sides = flow_sides(store, group, sorted(set(ys) | {y - 1 for y in ys}), partners, source=source)
    jumps = jump_flags(sides, factor, min_value).filter(pl.col("year").is_in(ys))
    flags = pl.concat([mirror_flags(sides.filter(pl.col("year").is_in(ys)), factor, min_value), jumps])
    rule = pl.when(pl.col("kind") == "mirror").then(pl.lit(f"max/min of reported and mirror > {factor:g}, larger >= US$ {min_value:,.0f}")) \
             .otherwise(pl.lit(f"year-on-year ratio > {factor:g}, larger year >= US$ {min_value:,.0f}"))
    return flags.with_columns(rule.alias("rule")).sort(["kind", "ratio"], descending=[False, True])


def quality_note(flags: pl.DataFrame, worst: int = 3) -> str:
    """A short reader's note: how many flows are flagged and the worst cases — the `worst` largest
    reported-vs-mirror gaps (US$ between the two figures), then the `worst` largest jumps — each with
    both figures and their sources."""
    if flags.height == 0:
        return "data quality: no flow flagged (reported and mirror figures within the factor, no jumps)"
    mirror, jump = flags.filter(pl.col("kind") == "mirror"), flags.filter(pl.col("kind") == "jump")
    lines = [f"data quality: {mirror.height} flows where reported and mirror figures disagree, "
             f"{jump.height} year-on-year jumps; worst:"]
    gap = (pl.col("value_a") - pl.col("value_b")).abs()
    for part in (mirror, jump):
        for r in part.sort(gap, descending=True).head(worst).iter_rows(named=True):
            lines.append(f"  {r['year']}: {r['figure_a']} US$ {r['value_a'] / 1e6:,.1f} mn ({r['source_a']}) vs "
                         f"{r['figure_b']} US$ {r['value_b'] / 1e6:,.1f} mn ({r['source_b']}) — ×{r['ratio']:.1f}")
    return "\n".join(lines)


def flagged_line(frame: pl.DataFrame, listing: str) -> str | None:
    """One line for a trade answer: how many of its rows read a flow whose reported and mirror figures
    disagree by more than the factor (its `flows_flagged` column), and the command that lists them
    (`listing`); None without the column. A frame with one row per year and measure counts years."""
    if "flows_flagged" not in frame.columns or frame.height == 0:
        return None
    rows = frame.unique("year") if "measure" in frame.columns else frame
    what = "years" if "measure" in frame.columns else "rows"
    n = rows.filter(pl.col("flows_flagged") > 0).height
    return (f"data quality: {n} of {rows.height} {what} read a flow whose reported and mirror figures differ by more "
            f"than ×{DEFAULT_FACTOR:g} (flows_flagged column; `{listing}` lists both figures)")
