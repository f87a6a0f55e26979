"""Composite indices: min–max normalisation and weighted means of sub-indices (METHODS §2.2, §3.3).

Why: the EDB reports SIEI sub-indices side by side and the ADB/AfDB indices combine theirs into one
score; analysts want both. We follow the documented ARII 2016 method [V]: each sub-index is min–max
normalised to [0, 1] over the whole panel being compared (all pairs/countries and years in the call),
`z = (x − min)/(max − min)`, inverted as `(max − x)/(max − min)` where lower means more integrated [S];
the composite is the weighted mean of the normalised sub-indices, equal weights by default.

Missing is missing: a composite is computed only where every component has a value, unless
`partial=True`, in which case it is the mean over the components present and `n_components` says
how many that was. The scores are relative to the panel: they change when the panel changes, and are
never comparable across calls with different countries or years.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import polars as pl

from sco_observatory.errors import DataMissingError, ObservatoryError

MINMAX_FORMULA = "z = (x − min)/(max − min) over the panel (METHODS §3.3 [V]; inverted (max − x)/(max − min) [S])"
COMPOSITE_FORMULA = "composite = Σ_c w_c z_c / Σ_c w_c, equal weights unless given (ARII 2016 method, METHODS §3.3 [V])"


def minmax(frame: pl.DataFrame, value: str = "value", *, invert: bool = False) -> pl.DataFrame:
    """Add `score` = min–max normalised `value` over every row of the frame (the panel).

    A panel whose values are all equal gives score 1 for every row with a value (no dispersion to
    rank on); nulls stay null.
    """
    lo, hi = frame[value].min(), frame[value].max()
    if lo is None:
        return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("score"))
    span = hi - lo
    x = pl.col(value)
    score = (pl.lit(1.0) if span == 0 else ((hi - x) if invert else (x - lo)) / span)
    return frame.with_columns(
        pl.when(x.is_null()).then(None).otherwise(score).cast(pl.Float64).clip(0.0, 1.0).alias("score"))


def composite(
    components: Mapping[str, pl.DataFrame],
    keys: Sequence[str],
    *,
    weights: Mapping[str, float] | None = None,
    invert: Sequence[str] = (),
    partial: bool = False,
) -> pl.DataFrame:
    """Weighted mean of min–max normalised components, joined on `keys`.

    `components` maps a name to a frame holding `keys` and `value`. Columns of the result: the keys,
    one `<name>` score per component, `composite`, `n_components`, `missing` (names of the components
    without a value), `formula`.
    """
    if not components:
        raise ObservatoryError("a composite needs at least one component", "name the sub-indices to combine")
    weights = dict(weights or {name: 1.0 for name in components})
    unknown = set(weights) - set(components)
    if unknown or any(w < 0 for w in weights.values()) or not any(weights.values()):
        raise ObservatoryError("composite weights must be non-negative, not all zero, and name components",
                               f"components: {', '.join(components)}")
    keys = list(keys)
    table: pl.DataFrame | None = None
    for name, frame in components.items():
        scored = minmax(frame.select(*keys, "value"), invert=name in invert).select(*keys, pl.col("score").alias(name))
        table = scored if table is None else table.join(scored, on=keys, how="full", coalesce=True)
    names = list(components)
    w = {n: float(weights.get(n, 0.0)) for n in names}
    present = [pl.col(n).is_not_null().cast(pl.Int32) for n in names]
    weighted = pl.sum_horizontal([pl.col(n).fill_null(0.0) * w[n] for n in names])
    weight_present = pl.sum_horizontal([pl.col(n).is_not_null().cast(pl.Float64) * w[n] for n in names])
    n_present = pl.sum_horizontal(present)
    value = weighted / weight_present
    complete = n_present == len(names)
    result = table.with_columns(
        pl.when(complete | (pl.lit(partial) & (weight_present > 0))).then(value).otherwise(None).alias("composite"),
        n_present.alias("n_components"),
        pl.concat_str([pl.when(pl.col(n).is_null()).then(pl.lit(n)) for n in names], separator=",", ignore_nulls=True)
        .alias("missing"),
        pl.lit(f"{MINMAX_FORMULA}; {COMPOSITE_FORMULA}").alias("formula"),
    )
    return result.sort(keys)


def siei_composite(
    store,
    countries: Sequence[str],
    years: tuple[int, int],
    *,
    dimensions: Sequence[str] = ("trade", "migration"),
    level: str = "pair",
    partial: bool = False,
) -> pl.DataFrame:
    """SIEI-style composite of the market-integration sub-indices the store can compute.

    Each dimension comes from `siei.siei(...)` (proxies after METHODS §1.4 [H]; not the EDB's formulas),
    normalised over the pairs (or countries) and years of this call, equal weights. Migration stocks
    exist for a few years only (UN DESA: 1990, 1995, …, 2015, 2019), so complete composites exist only
    in those years; `partial=True` averages what is there and says so.
    """
    from sco_observatory.metrics import siei

    keys = {"pair": ["iso3_a", "iso3_b", "year"], "country": ["iso3", "year"], "group": ["year"]}.get(level)
    if keys is None:
        raise ObservatoryError(f"unknown level '{level}'", "use pair, country or group")
    parts: dict[str, pl.DataFrame] = {}
    skipped: list[str] = []
    for dim in dimensions:
        try:
            frame = siei.siei(store, dim, countries, years, level)
        except DataMissingError as exc:
            skipped.append(f"{dim} ({exc.message})")
            frame = None
        # a dimension without data stays in the composite as a missing component: no silent re-weighting
        parts[dim] = frame.select(*keys, "value") if frame is not None else None
    if all(p is None for p in parts.values()):
        raise DataMissingError("no SIEI-style dimension could be computed for this group and years: " + "; ".join(skipped),
                               "import trade (IMF DOTS) and GDP (WDI), or migrant stocks (UN DESA)")
    template = next(p for p in parts.values() if p is not None)
    parts = {d: (p if p is not None else template.clear()) for d, p in parts.items()}
    result = composite(parts, keys, partial=partial)
    return result.with_columns(
        pl.lit("SIEI-style composite (proxy; not the EDB's index) [H]").alias("label"),
        pl.lit("; ".join(skipped) if skipped else "").alias("dimensions_missing"),
    )
