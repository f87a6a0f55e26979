"""Data-quality flags on bilateral trade: where the data disagree with themselves (docs/metrics.md).

Why: a trade answer depends on whose statistics are read. In IMF DOTS 2020 China reports US$ 2,876 mn
of exports to Kyrgyzstan while Kyrgyzstan records US$ 737 mn of imports from China (a factor 3.9);
Uzbekistan's reported exports to China go from US$ 11.8 mn (1999, an IMF estimate) to US$ 1,190 mn
(2000). Neither is an error of this code, but an answer built on such a flow must say so.

Two rules, each flag naming both figures and where they come from:

- **mirror** — one flow `i → j` is published twice: `i`'s exports to `j` (FOB) and `j`'s imports from
  `i` (CIF). With `r` the larger of the two over the smaller (both > 0), the pair is flagged when
  `r > factor` (default 2) and the larger figure is at least `min_value` (default US$ 1 mn). CIF includes freight and insurance, so the importer's figure is expected
  to be a few per cent *above* the exporter's: IMF DOTS derives a missing side with a uniform CIF/FOB
  factor of 1.06 (imports CIF = exports FOB × 1.06; IMF, *Direction of Trade Statistics Yearbook 2017*,
  introduction) — see docs/metrics.md for the band and its evidence tags.
  A factor of 2 is far outside that band: it marks recording differences (re-exports, shuttle trade,
  unrecorded trade, partner attribution, estimates), not the valuation.
- **jump** — one published series (one reporter, one side) changes by more than `factor` from one year
  to the next (`v_t / v_{t−1} > factor` or `< 1/factor`), both years present and the larger of the two
  at least `min_value` US$ (small flows move by large factors for no reason worth a flag).

The flags are descriptive: the flows stay in every answer, and each answer counts its flagged flows.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import polars as pl

from sco_observatory.engine import Builder, run
from sco_observatory.errors import ObservatoryError

DEFAULT_FACTOR = 2.0
"""Reported vs mirror (or year-on-year) ratio above which a flow is flagged."""
DEFAULT_MIN_VALUE = 1e6
"""US$; a jump is flagged only where the larger of the two years is at least this much."""
IMF_CIF_FOB_FACTOR = 1.06
"""IMF DOTS's uniform CIF/FOB factor (DOTS Yearbook 2017): the expected CIF/FOB gap, for the docs' band."""


class BadFactorError(ObservatoryError):
    """A --factor that is not a ratio above 1."""


def check_factor(factor: float) -> float:
    f = float(factor)
    if not f > 1 or f != f or f == float("inf"):
        raise BadFactorError(f"--factor {factor} is not a ratio above 1", "use e.g. --factor 2 (a two-fold difference)")
    return f


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
    mirror (importer's CIF imports), mirror_source. A side the data lack is null."""
    from sco_observatory.metrics import trade

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


def mirror_flags(sides: pl.DataFrame, factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE) -> pl.DataFrame:
    """The flows of `sides` whose reported and mirror figures differ by more than `factor` (the larger
    of the two at least `min_value` US$)."""
    factor = check_factor(factor)
    both = sides.filter((pl.col("reported") > 0) & (pl.col("mirror") > 0)
                        & (pl.max_horizontal("reported", "mirror") >= min_value))
    ratio = pl.max_horizontal("reported", "mirror") / pl.min_horizontal("reported", "mirror")
    return (both.with_columns(ratio.alias("ratio")).filter(pl.col("ratio") > factor)
            .select(pl.lit("mirror").alias("kind"), "exporter", "importer", "year",
                    pl.format("{} exports to {} (FOB, reported)", "exporter", "importer").alias("figure_a"),
                    pl.col("reported").alias("value_a"), pl.col("reported_source").alias("source_a"),
                    pl.format("{} imports from {} (CIF, mirror)", "importer", "exporter").alias("figure_b"),
                    pl.col("mirror").alias("value_b"), pl.col("mirror_source").alias("source_b"),
                    "ratio"))


def jump_flags(sides: pl.DataFrame, factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE) -> pl.DataFrame:
    """Year-on-year changes by more than `factor` within one published series (consecutive years)."""
    factor = check_factor(factor)
    out = []
    for side, label in (("reported", "{} exports to {} (FOB, reported)"), ("mirror", "{} imports from {} (CIF, mirror)")):
        s = (sides.filter(pl.col(side) > 0)
             .select("exporter", "importer", "year", pl.col(side).alias("v"), pl.col(f"{side}_source").alias("src"))
             .sort(["exporter", "importer", "year"])
             .with_columns(pl.col("v").shift(1).over(["exporter", "importer"]).alias("v0"),
                           pl.col("year").shift(1).over(["exporter", "importer"]).alias("y0"),
                           pl.col("src").shift(1).over(["exporter", "importer"]).alias("src0"))
             .filter((pl.col("y0") == pl.col("year") - 1) & (pl.max_horizontal("v", "v0") >= min_value))
             .with_columns((pl.max_horizontal("v", "v0") / pl.min_horizontal("v", "v0")).alias("ratio"))
             .filter(pl.col("ratio") > factor))
        a, b = (("exporter", "importer") if side == "reported" else ("importer", "exporter"))
        out.append(s.select(
            pl.lit("jump").alias("kind"), "exporter", "importer", "year",
            (pl.format(label, a, b) + pl.format(", {}", "y0")).alias("figure_a"), pl.col("v0").alias("value_a"),
            pl.col("src0").alias("source_a"),
            (pl.format(label, a, b) + pl.format(", {}", "year")).alias("figure_b"), pl.col("v").alias("value_b"),
            pl.col("src").alias("source_b"), "ratio"))
    return pl.concat(out)


def discrepancies(store, group: Sequence[str], years: Iterable[int], partners: Sequence[str] | None = None, *,
                  factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE,
                  source: str | None = None) -> pl.DataFrame:
    """Flows between `group` and `partners` (default: every partner economy) in `years` flagged by the
    mirror rule or the jump rule (module docstring), worst first within each kind.

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


def flagged_flows(sides: pl.DataFrame, factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE) -> pl.DataFrame:
    """(exporter, importer, year) of the flows in `sides` flagged by the mirror rule — for answers that
    count their flagged flows."""
    return mirror_flags(sides, factor, min_value).select("exporter", "importer", "year").unique()


def quality_note(flags: pl.DataFrame, worst: int = 3) -> str:
    """A short reader's note: how many flows are flagged and the worst cases (largest gap in US$
    between the two figures), with both figures and their sources."""
    if flags.height == 0:
        return "data quality: no flow flagged (reported and mirror figures within the factor, no jumps)"
    lines = [f"data quality: {flags.filter(pl.col('kind') == 'mirror').height} flows where reported and mirror "
             f"figures disagree, {flags.filter(pl.col('kind') == 'jump').height} year-on-year jumps; worst:"]
    gap = (pl.col("value_a") - pl.col("value_b")).abs()
    for r in flags.sort(gap, descending=True).head(worst).iter_rows(named=True):
        lines.append(f"  {r['year']}: {r['figure_a']} US$ {r['value_a'] / 1e6:,.1f} mn ({r['source_a']}) vs "
                     f"{r['figure_b']} US$ {r['value_b'] / 1e6:,.1f} mn ({r['source_b']}) — ×{r['ratio']:.1f}")
    return "\n".join(lines)
