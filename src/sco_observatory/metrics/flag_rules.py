"""The two data-quality rules on bilateral trade flows, and their constants (docs/metrics.md, "Data quality").

Why a module of its own: the rules are read by `metrics.quality` (which lists the flags, `sco trade
discrepancies`) and by every trade answer in `metrics.trade` and `metrics.siei` (which count their
flagged flows). Held here, on a frame of both published figures of each flow, they import nothing of
either, so neither of those modules imports the other for them.

A *sides* frame holds one row per flow `i → j` and year: `exporter`, `importer`, `year`, `reported`
(i's exports to j, FOB in IMF DOTS), `reported_source`, `mirror` (j's imports from i, CIF),
`mirror_source`; a side the data lack is null (`trade.flow_sides` builds it).

- **mirror** — with `r = max(reported, mirror) / min(reported, mirror)` (both > 0), a flow is flagged
  where `r > factor` (default 2) and the larger figure is at least `min_value` (default US$ 1 mn).
  The CIF figure is expected a few per cent *above* the FOB one: IMF DOTS fills a missing side with a
  uniform factor of 1.06 (imports CIF = exports FOB × 1.06; IMF, *Direction of Trade Statistics
  Yearbook 2017*, introduction). A factor of 2 is far outside that band: it marks recording
  differences (re-exports, shuttle trade, unrecorded trade, partner attribution, estimates).
- **jump** — one published series (one reporter, one side) changes by more than `factor` from one
  year to the next (`v_t / v_{t−1} > factor` or `< 1/factor`), both years present and the larger at
  least `min_value`.

Answers count only the mirror rule's flows (`flagged_flows`): it is a property of the flow in the year
the answer reads; a jump is a property of two years of one series and is listed by `discrepancies`.
"""

from __future__ import annotations

import polars as pl

from sco_observatory.errors import ObservatoryError

DEFAULT_FACTOR = 2.0
"""Reported vs mirror (or year-on-year) ratio above which a flow is flagged."""
DEFAULT_MIN_VALUE = 1e6
"""US$; a flow is flagged only where the larger of its two figures is at least this much."""
IMF_CIF_FOB_FACTOR = 1.06
"""IMF DOTS's uniform CIF/FOB factor (DOTS Yearbook 2017): the expected CIF/FOB gap, for the docs' band."""


class BadFactorError(ObservatoryError):
    """A --factor that is not a ratio above 1."""


def check_factor(factor: float) -> float:
    """The factor as a float; a `BadFactorError` unless it is a finite ratio above 1."""
    f = float(factor)
    if not f > 1 or f != f or f == float("inf"):
        raise BadFactorError(f"--factor {factor} is not a ratio above 1", "use e.g. --factor 2 (a two-fold difference)")
    return f


def mirror_flags(sides: pl.DataFrame, factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE) -> pl.DataFrame:
    """The flows of `sides` whose reported and mirror figures differ by more than `factor` (the larger
    of the two at least `min_value` US$), each naming both figures and their sources."""
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


def flagged_flows(sides: pl.DataFrame, factor: float = DEFAULT_FACTOR, min_value: float = DEFAULT_MIN_VALUE) -> pl.DataFrame:
    """(exporter, importer, year) of the flows in `sides` flagged by the mirror rule — the set an answer
    joins once to count its flagged flows (`year` as Int64)."""
    return (mirror_flags(sides, factor, min_value).select("exporter", "importer", pl.col("year").cast(pl.Int64))
            .unique())


def count_pair_flags(frame: pl.DataFrame, flagged: pl.DataFrame, a: str = "iso3_a", b: str = "iso3_b", *,
                     directions: int = 2, name: str = "flows_flagged") -> pl.DataFrame:
    """`frame` (rows keyed by `a`, `b`, year) with `name`: how many of the flows a→b (and, with
    `directions=2`, b→a) of the row's year are in `flagged`. The flagged set is small (thousands of
    flows against up to millions of rows): it is first counted per (a, b, year) over both directions,
    then joined to `frame` once — one hash join of the big frame, not one per direction."""
    keys = [flagged.select(pl.col("exporter").alias(a), pl.col("importer").alias(b), "year")]
    if directions == 2:
        keys.append(flagged.select(pl.col("importer").alias(a), pl.col("exporter").alias(b), "year"))
    per = (pl.concat(keys).with_columns(pl.col("year").cast(pl.Int64))
           .group_by(a, b, "year").agg(pl.len().cast(pl.UInt32).alias(name)))
    out = frame.with_columns(pl.col("year").cast(pl.Int64)).join(per, on=[a, b, "year"], how="left", maintain_order="left")
    return out.with_columns(pl.col(name).fill_null(0))
