"""What-if groups: the same metrics on a baseline group and on a changed one, side by side with deltas.

`whatif(store, base, add=[...], remove=[...], year=Y)` returns one tidy frame with columns
`section, measure, iso3, year, baseline, changed, delta, source, note`:

- section `power`: each country's share of the group total per indicator (GDP, population, area,
  defence, armed forces — whatever the store holds for the year), and per indicator the group's HHI
  and Ray–Singer CON (METHODS §5.3 [S]) and the largest member's share;
- section `integration`: intra-regional trade share, group trade intensity, Iapadre introversion
  ([S/R], METHODS §4.3) and the SIEI-style group trade index ([H], METHODS §1.3 H1) — computed when
  the store holds bilateral trade (and GDP) for the year, else one row saying what is missing.

A measure that cannot be computed for one side is null on that side (never zero) and the note says why.

`year` is the year of the values a row holds, which is not always the year asked: with `nearest=k` a
country's value may come from up to k years either side (the report's what-ifs ask for the latest GDP
year, and the defence rows come from a source that ends two years earlier). A country's share row
carries its value's year; a group row (HHI, CON, largest share) the latest year among the values it
combines (as `power.concentration` reports it), the later of the two sides where they differ; an
integration row the year asked (its measures read that year only); a row without a value none.
"""

from __future__ import annotations

from typing import Sequence

import polars as pl

from sco_observatory.errors import DataMissingError, GroupExpressionError
from sco_observatory.metrics import DEFAULT_POWER_INDICATORS, choose_source, indicator_code, power, require_group, values


def changed_group(base: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()) -> list[str]:
    """`base + add − remove`, keeping order; removing a non-member is an error."""
    out = list(dict.fromkeys(c.upper() for c in base))
    for c in add:
        if c.upper() not in out:
            out.append(c.upper())
    for c in remove:
        if c.upper() not in out:
            raise GroupExpressionError(f"cannot remove {c.upper()}: it is not in the baseline group",
                                       f"the baseline group is {', '.join(out)}")
        out.remove(c.upper())
    return out


def _missing_row(name: str, exc: DataMissingError) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The (shares, concentration) pair of an indicator the store lacks for both groups: no shares, and
    one concentration row whose note is the union's error with its hint (which years the store holds,
    what to import), so both sides carry the same note and the merged row says it once."""
    empty = pl.DataFrame(schema={"indicator": pl.String, "iso3": pl.String, "share": pl.Float64, "source": pl.String})
    conc = pl.DataFrame({"indicator": [name], "source": [None], "note": [exc.one_line()]},
                        schema={"indicator": pl.String, "source": pl.String, "note": pl.String})
    return empty, conc


def _power_side(store, countries, year, indicators, nearest, sources, union_values, union_missing):
    """The power rows of one side. An indicator whose values were read for both sides at once
    (`union_values`) takes this side's shares from that frame; one the store holds for neither side in
    the year (`union_missing`: every indicator is in one of the two) gets the union's note; where the
    union has values but this side none, it is computed on its own, so its note is the one
    `power_balance` gives for this side."""
    parts = []
    for name in indicators:  # a handful of indicators, each on the source fixed for both sides
        if name in union_missing:
            parts.append(_missing_row(name, union_missing[name]))
            continue
        frame = union_values.get(name)
        if frame is not None and frame.filter(pl.col("iso3").is_in(countries))["value"].is_not_null().any():
            parts.append(power.labelled_balance(power.shares_of(frame, countries, year), name))
        else:
            parts.append(power.power_balance(store, countries, year, [name], source=sources.get(name), nearest=nearest))
    shares = pl.concat([p[0] for p in parts if p[0].height], how="diagonal") if any(p[0].height for p in parts) else pl.DataFrame()
    conc = pl.concat([p[1] for p in parts], how="diagonal")
    rows = []
    if shares.height:
        rows.append(shares.select(pl.lit("power").alias("section"), pl.format("{} share", "indicator").alias("measure"),
                                  "iso3", pl.col("year").cast(pl.Int64), pl.col("share").alias("value"), "source",
                                  pl.lit("").alias("note")))
    ok = conc.filter(pl.col("note") == "") if "hhi" in conc.columns else conc.head(0)
    for stat in ("hhi", "con", "largest_share"):
        if ok.height:
            rows.append(ok.select(pl.lit("power").alias("section"), pl.format("{} " + stat, "indicator").alias("measure"),
                                  pl.lit("group").alias("iso3"), pl.col("year").cast(pl.Int64), pl.col(stat).alias("value"),
                                  "source", pl.lit("CON [S] METHODS §5.3" if stat == "con" else "").alias("note")))
    bad = conc.filter(pl.col("note") != "")
    if bad.height:
        rows.append(bad.select(pl.lit("power").alias("section"), pl.format("{} share", "indicator").alias("measure"),
                               pl.lit("group").alias("iso3"), pl.lit(None, pl.Int64).alias("year"),
                               pl.lit(None, pl.Float64).alias("value"), pl.lit(None, pl.String).alias("source"), "note"))
    return pl.concat(rows, how="diagonal")


def _integration_side(store, countries, year, gdp_source=None):
    from sco_observatory.metrics import siei, trade

    rows = []
    try:
        g = trade.group_indicators(store, countries, (year, year))
        rows.append(g.select(pl.lit("integration").alias("section"), "measure", pl.lit("group").alias("iso3"),
                             pl.lit(year, pl.Int64).alias("year"), "value",
                             "source", pl.format("{} {}; {}", "basis", "valuation", "evidence").alias("note")))
    except DataMissingError as exc:
        rows.append(pl.DataFrame({"section": ["integration"], "measure": ["trade measures"], "iso3": ["group"], "year": [None],
                                  "value": [None], "source": [None], "note": [exc.one_line()]},
                                 schema_overrides={"year": pl.Int64, "value": pl.Float64, "source": pl.String}))
    try:
        t = siei.trade_index(store, countries, (year, year), "group", gdp_source=gdp_source)
        rows.append(t.select(pl.lit("integration").alias("section"), pl.lit("SIEI-style trade index (group)").alias("measure"),
                             pl.lit("group").alias("iso3"), pl.lit(year, pl.Int64).alias("year"), "value", "source",
                             pl.lit("[H] METHODS §1.3 H1").alias("note")))
    except DataMissingError as exc:
        rows.append(pl.DataFrame({"section": ["integration"], "measure": ["SIEI-style trade index (group)"], "iso3": ["group"],
                                  "year": [None], "value": [None], "source": [None], "note": [exc.one_line()]},
                                 schema_overrides={"year": pl.Int64, "value": pl.Float64, "source": pl.String}))
    return pl.concat(rows, how="diagonal")


def whatif(store, base: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = (), year: int = 2012, *,
           indicators: Sequence[str] = DEFAULT_POWER_INDICATORS, nearest: int = 0, source: str | None = None,
           integration: bool = True) -> pl.DataFrame:
    """Baseline vs changed group (see module docstring). Columns: section, measure, iso3, year, baseline,
    changed, delta, source, note (`year`: the year of the row's values, see the module docstring)."""
    base_list = require_group(base, 2, "a what-if baseline")
    new = require_group(changed_group(base_list, add, remove), 2, "the changed group")
    # one source per indicator for *both* sides, chosen over their union: otherwise each side picks the
    # source covering most of its own members and a delta can be a change of source, not of group
    union = list(dict.fromkeys(base_list + new))
    sources, gdp_source = {}, None
    for name in indicators:
        try:
            sources[name] = choose_source(store, indicator_code(name), union, (year - nearest, year + nearest), source)
        except DataMissingError:
            sources[name] = source
    if integration:
        try:
            gdp_source = choose_source(store, "NY.GDP.MKTP.CD", union, (year, year))
        except DataMissingError:
            gdp_source = None
    union_values = {}  # each indicator's values read once for both sides (with their estimate flags)
    union_missing: dict[str, DataMissingError] = {}  # ... or why the store holds none for either side
    for name in indicators:
        try:
            union_values[name] = values(store, name, union, year, source=sources[name], nearest=nearest, estimate=True)
        except DataMissingError as exc:  # neither side, a subset of the union, has a value: one note for both
            union_missing[name] = exc
    sides = []
    for label, group in (("baseline", base_list), ("changed", new)):  # two sides
        parts = [_power_side(store, group, year, indicators, nearest, sources, union_values, union_missing)]
        if integration:
            parts.append(_integration_side(store, group, year, gdp_source))
        sides.append(pl.concat(parts, how="diagonal").rename({"value": label}))
    b, c = sides
    keys = ["section", "measure", "iso3"]
    out = b.join(c, on=keys, how="full", coalesce=True, suffix="_changed")
    out = out.with_columns(
        (pl.col("changed") - pl.col("baseline")).alias("delta"),
        pl.coalesce("source", "source_changed").alias("source"),
        pl.max_horizontal("year", "year_changed").alias("year"),  # a country's year is one on both sides
        pl.when(pl.col("note").is_null() | (pl.col("note") == "")).then(pl.col("note_changed"))
        .when(pl.col("note_changed").is_null() | (pl.col("note_changed") == "")).then(pl.col("note"))
        .when(pl.col("note") == pl.col("note_changed")).then(pl.col("note"))
        .otherwise(pl.concat_str([pl.col("note").fill_null(""), pl.col("note_changed").fill_null("")], separator=" | "))
        .alias("note"),
    )
    out = out.with_columns(
        pl.when(pl.col("iso3").is_in(list(set(new) - set(base_list)))).then(pl.lit("added"))
        .when(pl.col("iso3").is_in(list(set(base_list) - set(new)))).then(pl.lit("removed"))
        .otherwise(pl.col("note")).fill_null("").alias("note"))
    order = {"power": 0, "integration": 1}
    return (out.with_columns(pl.col("section").replace_strict(order, default=2).alias("_o"),
                             (pl.col("iso3") == "group").alias("_g"))
            .sort(["_o", "measure", "_g", "iso3"]).drop("_o", "_g")
            .select("section", "measure", "iso3", "year", "baseline", "changed", "delta", "source", "note"))
