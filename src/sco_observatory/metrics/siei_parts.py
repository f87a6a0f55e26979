"""The pieces every SIEI-style dimension shares: the pair frame, its levels and the label.

In a module of their own so that `siei.py` (the dispatcher and the trade, agriculture and migration
dimensions), `siei_education.py` and `siei_investment.py` all import them and none imports another
(they used to import each other through `siei.py`).

Pair index (METHODS §1.4 [H]): `100·(f_ab + f_ba)/(y_a + y_b)`, `f` the bilateral quantity of the
dimension, `y` its scale (GDP or population); country level Σ_j of the pair index; group level
`100·Σ_{i≠j∈R} f_ij / Σ_{i∈R} y_i`, missing where a flow or a scale is missing.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import polars as pl

from sco_observatory.errors import ObservatoryError

Level = Literal["pair", "country", "group"]
LABEL = "SIEI-style (proxy; not the EDB formula)"


def _scale_frame(store, code: str, countries: Sequence[str], years: tuple[int, int], source: str | None) -> pl.DataFrame:
    """Scale variable (GDP or population) per country-year from one source: iso3, year, y, y_source."""
    from sco_observatory.metrics import series

    s = series(store, code, countries, years, source=source)
    return s.select("iso3", "year", pl.col("value").alias("y"), pl.col("source").alias("y_source"))


def _pairs_from_flows(flows: pl.DataFrame, scale: pl.DataFrame, countries: Sequence[str],
                      flagged: pl.DataFrame | None = None, *, by_index: bool = False) -> pl.DataFrame:
    """Unordered pairs a<b × the scale's years with flows f_ab, f_ba and scales y_a, y_b, y_source
    (a's), ordered by year, a, b; with `flagged` (exporter, importer, year: `flag_rules.flagged_flows`)
    also `flows_flagged`, how many of a→b and b→a are in it (scattered into the same grid, so the
    count is one gather, not a join of the pair frame — `flag_rules.count_pair_flags` is its definition).

    Dense: the flows are scattered once into a year × country × country array and the scales into a
    year × country one, and every column is one gather at the pairs' flat positions (DOTS, 215
    reporters × 31 years: 713k pair-years; four hash joins of that grid were most of the SIEI index's
    time). `_pairs_by_join` is the definition this equals; it answers where the dense form would
    not mean the same — a flow or scale key held twice (a join repeats the pair) or a NaN value.

    `by_index`: rows ordered as the pair level shows them — by year, then the pair index
    `100·(f_ab + f_ba)/(y_a + y_b)` descending, missing last (`_by_year_then_value`; ties keep the
    year, a, b order). Dense route: the order is taken from the gathered arrays and every column is
    built once in it — sorting the finished frame gathered its 8+ columns (three of strings) a second
    time, ~25 % of the SIEI index's call (cProfile, benchmarks/README.md "metrics, session 6").
    """
    isos = sorted(set(countries))
    years = scale["year"].unique().sort()
    if (flows.height and flows["value"].cast(pl.Float64).is_nan().any()) or (
            scale.height and scale["y"].cast(pl.Float64).is_nan().any()):
        return _joined_route(flows, scale, countries, flagged, by_index)
    n, ny = len(isos), years.len()
    index = {"c": (pl.Series(isos, dtype=pl.String), n), "year": (years, ny)}

    def coded(frame: pl.DataFrame, **cols: str) -> list[np.ndarray]:
        """Each column's integer code (its rank among the countries or the years; -1 outside them),
        all in one `select` of `replace_strict`s — it was one join per column, and under load every
        polars call waits for the thread pool (the grid's calls were most of its time at load 17)."""
        out = frame.select([pl.col(col).cast(index[kind][0].dtype)
                            .replace_strict(index[kind][0], np.arange(index[kind][1], dtype=np.int64),
                                            default=-1, return_dtype=pl.Int64).fill_null(-1).alias(col)
                            for col, kind in cols.items()])
        return [out[col].to_numpy() for col in cols]

    o, d, fy = coded(flows, origin="c", dest="c", year="year")
    ok = (o >= 0) & (d >= 0) & (fy >= 0)
    flat = (fy[ok] * n + o[ok]) * n + d[ok]
    sy, si = coded(scale, year="year", iso3="c")
    sok = (sy >= 0) & (si >= 0)
    sflat = sy[sok] * n + si[sok]
    if (flat.size and np.bincount(flat, minlength=1).max() > 1) or (sflat.size and np.bincount(sflat, minlength=1).max() > 1):
        return _joined_route(flows, scale, countries, flagged, by_index)
    cube = np.full(ny * n * n, np.nan)  # NaN marks an absent (or null) flow: no value here is NaN
    cube[flat] = flows["value"].cast(pl.Float64).fill_null(np.nan).to_numpy()[ok]
    ys = np.full(ny * n, np.nan)
    ys[sflat] = scale["y"].cast(pl.Float64).fill_null(np.nan).to_numpy()[sok]
    row = np.full(ny * n, -1, dtype=np.int64)  # the scale row of (year, country), for y_source
    row[sflat] = np.flatnonzero(sok)
    ia, ib = np.triu_indices(n, k=1)  # a < b, row-major: ordered by a, then b
    # every year holds the same pairs: each column is one gather of the year × cell array at one
    # year's cells (no flat position built per output row)
    gy = np.repeat(np.arange(ny, dtype=np.int64), ia.size)
    a, b = np.tile(ia, ny), np.tile(ib, ny)

    def take(arr: np.ndarray, cells: np.ndarray) -> np.ndarray:
        # take(axis=1) is C-ordered; `[:, cells]` is Fortran-ordered and made `ravel` copy it again
        return arr.reshape(ny, arr.size // ny).take(cells, axis=1).ravel() if ny else arr[:0]

    f_ab, f_ba = take(cube, ia * n + ib), take(cube, ib * n + ia)
    y_a, y_b, src = take(ys, ia), take(ys, ib), take(row, ia)
    hits = None
    if flagged is not None:
        fo, fd, fyy = coded(flagged, exporter="c", importer="c", year="year")
        fok = (fo >= 0) & (fd >= 0) & (fyy >= 0)
        hit = np.zeros(ny * n * n, dtype=np.uint32)
        np.add.at(hit, (fyy[fok] * n + fo[fok]) * n + fd[fok], 1)
        hits = take(hit, ia * n + ib) + take(hit, ib * n + ia)
    if by_index and gy.size:  # NaN is the missing pair (a null in the frame), sorted last as nulls are
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 100 * (f_ab + f_ba) / (y_a + y_b)
        o = np.lexsort((np.where(np.isnan(value), np.inf, -value), gy))
        gy, a, b, f_ab, f_ba, y_a, y_b, src = (x[o] for x in (gy, a, b, f_ab, f_ba, y_a, y_b, src))
        hits = hits[o] if hits is not None else None
    sources = scale["y_source"]
    if sources.n_unique() == 1:  # one scale source (WDI): a constant where a's scale is held, not a gather
        source = pl.select(pl.when(pl.Series(src >= 0)).then(pl.lit(sources[0], dtype=sources.dtype))).to_series()
    else:
        source = sources.gather(pl.Series(src, dtype=pl.Int64).set(pl.Series(src < 0), None))
    names = pl.Series(isos, dtype=pl.String)
    f_type, y_type = flows.schema["value"], scale.schema["y"]  # the joins' column types (a count stays an integer)
    # NaN (absent) to null with fill_nan: ~20x cheaper than nan_to_null on 713k values
    cols = [names.gather(a).alias("iso3_a"), names.gather(b).alias("iso3_b"), years.gather(gy).alias("year"),
            pl.Series("f_ab", f_ab).fill_nan(None).cast(f_type),
            pl.Series("f_ba", f_ba).fill_nan(None).cast(f_type),
            pl.Series("y_a", y_a).fill_nan(None).cast(y_type), source.alias("y_source"),
            pl.Series("y_b", y_b).fill_nan(None).cast(y_type)]
    if hits is not None:
        cols.append(pl.Series("flows_flagged", hits, dtype=pl.UInt32))
    return pl.DataFrame(cols)


def _joined_route(flows: pl.DataFrame, scale: pl.DataFrame, countries: Sequence[str],
                  flagged: pl.DataFrame | None, by_index: bool) -> pl.DataFrame:
    """`_pairs_from_flows` where the dense form does not apply: the joins, with the flag count and,
    `by_index`, the pair level's order (`_by_year_then_value` of the pair index)."""
    p = _flag_joined(_pairs_by_join(flows, scale, countries), flagged)
    if not by_index:
        return p
    value = (100 * (pl.col("f_ab") + pl.col("f_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("value")
    return _by_year_then_value(p.with_columns(value)).drop("value")


def _flag_joined(p: pl.DataFrame, flagged: pl.DataFrame | None) -> pl.DataFrame:
    """The join route's pairs with `flows_flagged` (a→b and b→a), where a flagged set is given."""
    if flagged is None:
        return p
    from sco_observatory.metrics.flag_rules import count_pair_flags

    return count_pair_flags(p, flagged)


def _pairs_by_join(flows: pl.DataFrame, scale: pl.DataFrame, countries: Sequence[str]) -> pl.DataFrame:
    """`_pairs_from_flows` as joins (the definition): unordered pairs a<b with flows f_ab, f_ba and
    scales y_a, y_b, in no particular order."""
    isos = sorted(set(countries))
    years = scale.select("year").unique()
    a = pl.DataFrame({"iso3_a": isos})
    b = pl.DataFrame({"iso3_b": isos})
    pairs = a.join(b, how="cross").filter(pl.col("iso3_a") < pl.col("iso3_b")).join(years, how="cross")
    fab = flows.rename({"origin": "iso3_a", "dest": "iso3_b", "value": "f_ab"})
    fba = flows.rename({"origin": "iso3_b", "dest": "iso3_a", "value": "f_ba"})
    ya = scale.rename({"iso3": "iso3_a", "y": "y_a", "y_source": "y_source"})
    yb = scale.select(pl.col("iso3").alias("iso3_b"), "year", pl.col("y").alias("y_b"))
    return (pairs.join(fab.select("iso3_a", "iso3_b", "year", "f_ab"), on=["iso3_a", "iso3_b", "year"], how="left")
            .join(fba.select("iso3_a", "iso3_b", "year", "f_ba"), on=["iso3_a", "iso3_b", "year"], how="left")
            .join(ya, on=["iso3_a", "year"], how="left").join(yb, on=["iso3_b", "year"], how="left"))


def _by_year_then_value(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows by year, then value descending, missing values last (what `sort(["year", "value"],
    descending=[False, True], nulls_last=True)` gives; a numpy lexsort is ~10x faster on 700k rows)."""
    v = frame["value"].cast(pl.Float64).to_numpy()
    key = np.where(np.isnan(v), np.inf, -v)
    return frame[np.lexsort((key, frame["year"].to_numpy()))]


def _levels(p: pl.DataFrame, level: Level, meta: dict[str, str], *, ordered: bool = False) -> pl.DataFrame:
    """Pair index `100·(f_ab+f_ba)/(y_a+y_b)` and its country / group aggregates, tidy.

    `ordered`: `p` already holds the pair level's order (`_pairs_from_flows(by_index=True)`), so the
    pair rows are not sorted again."""
    p = p.with_columns((100 * (pl.col("f_ab") + pl.col("f_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("value"))
    lit = [pl.lit(v).alias(k) for k, v in meta.items()]
    flag = ["flows_flagged"] if "flows_flagged" in p.columns else []  # the pairs' count, summed by the levels
    flag_sum = [pl.col("flows_flagged").sum().cast(pl.UInt32)] if flag else []
    if level == "pair":
        out = p.select("iso3_a", "iso3_b", pl.col("year").cast(pl.Int64), "value", "f_ab", "f_ba",
                       "y_a", "y_b", "y_source", *flag)
        out = out if ordered else _by_year_then_value(out)
        # the constant columns after the sort: a gather moves every column it carries
        return out.select("iso3_a", "iso3_b", "year", "value", "f_ab", "f_ba", "y_a", "y_b", *lit, "y_source", *flag)
    if level == "country":
        both = pl.concat([p.select(pl.col("iso3_a").alias("iso3"), "year", "value", "y_source", *flag),
                          p.select(pl.col("iso3_b").alias("iso3"), "year", "value", "y_source", *flag)])
        out = (both.group_by(["iso3", "year"]).agg(pl.col("value").sum().alias("value"),
                                                     pl.col("value").is_null().sum().alias("pairs_missing"),
                                                     pl.len().alias("pairs"), pl.col("y_source").first(), *flag_sum)
               .with_columns(pl.col("year").cast(pl.Int64), *lit,
                             pl.lit("country: Σ_j pair index (sum over partners in the group)").alias("aggregation"))
               .sort(["year", "value"], descending=[False, True], nulls_last=True))
        return out.select(pl.exclude(flag), *flag) if flag else out
    if level == "group":
        g = p.group_by("year").agg(
            (pl.col("f_ab").sum() + pl.col("f_ba").sum()).alias("intra"),
            (pl.col("f_ab").is_null().sum() + pl.col("f_ba").is_null().sum()).alias("flows_missing"),
            pl.col("y_source").first(), *flag_sum)
        ys = pl.concat([p.select(pl.col("iso3_a").alias("iso3"), "year", pl.col("y_a").alias("y")),
                        p.select(pl.col("iso3_b").alias("iso3"), "year", pl.col("y_b").alias("y"))]).unique()
        ysum = ys.group_by("year").agg(pl.col("y").sum().alias("y_sum"), pl.col("y").is_null().sum().alias("scale_missing"))
        # missing is not zero: a sum with a missing flow (or a member without its scale) is missing;
        # `intra_present` keeps the sum of the flows present, and the two counts say what is absent
        complete = (pl.col("flows_missing") == 0) & (pl.col("scale_missing") == 0)
        return (g.join(ysum, on="year")
                .with_columns(pl.col("intra").alias("intra_present"),
                              pl.when(pl.col("flows_missing") == 0).then(pl.col("intra")).alias("intra"),
                              pl.when(pl.col("scale_missing") == 0).then(pl.col("y_sum")).alias("y_sum"))
                .with_columns(pl.when(complete).then(100 * pl.col("intra") / pl.col("y_sum")).alias("value"),
                              pl.col("year").cast(pl.Int64), *lit,
                              pl.lit("group: 100·Σ_{i≠j∈R} f_ij / Σ_{i∈R} y_i; empty where a flow or a member's "
                                     "scale is missing (counts in flows_missing, scale_missing)").alias("aggregation"))
                .select("year", "value", "intra", "intra_present", "y_sum", "flows_missing", "scale_missing",
                        *meta.keys(), "y_source", "aggregation", *flag)
                .sort("year"))
    raise ObservatoryError(f"unknown level '{level}'", "use --level pair, country or group")


def _no_false_zero(frame: pl.DataFrame) -> pl.DataFrame:
    """A country whose every pair is missing has no index (null), not 0: the sum over no values."""
    if "pairs_missing" in frame.columns:
        return frame.with_columns(pl.when(pl.col("pairs_missing") == pl.col("pairs")).then(None)
                                  .otherwise(pl.col("value")).alias("value"))
    return frame


def pair_flags(flows: pl.DataFrame, frame: pl.DataFrame, flag: str = "flag") -> pl.DataFrame:
    """Add `flags` to pair rows: each direction's publisher flag as "A→B: FLAG" joined by "; " ("" if none).

    `flows` has origin, dest, year and the `flag` column; `frame` the pair rows (iso3_a < iso3_b).
    """
    if "iso3_a" not in frame.columns:
        return frame
    marked = flows.filter(pl.col(flag).is_not_null() & (pl.col(flag) != "")).select(
        pl.when(pl.col("origin") < pl.col("dest")).then(pl.col("origin")).otherwise(pl.col("dest")).alias("iso3_a"),
        pl.when(pl.col("origin") < pl.col("dest")).then(pl.col("dest")).otherwise(pl.col("origin")).alias("iso3_b"),
        pl.col("year").cast(pl.Int64), (pl.col("origin") + "→" + pl.col("dest") + ": " + pl.col(flag)).alias("f"))
    per_pair = marked.group_by("iso3_a", "iso3_b", "year").agg(pl.col("f").sort().str.join("; ").alias("flags"))
    return (frame.join(per_pair, on=["iso3_a", "iso3_b", "year"], how="left")
            .with_columns(pl.col("flags").fill_null("")))
