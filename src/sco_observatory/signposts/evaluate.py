"""Evaluate signposts year by year against the store.

`evaluate(store, scenarios, years)` makes one metric call per signpost (over the whole span of
years, not one per year) and returns one row per signpost and year:

    scenario, signpost, title, evidence, year, value, unit, reference_year, reference, condition,
    status, points_to, reason, source, call, section

`status` is one of
- `lit`             the condition holds: the signpost points to its scenario (`points_to` says
                    "for <scenario>" or "against <scenario>");
- `not lit`         the value is there and the condition does not hold;
- `baseline period` a direction signpost in a year at or before its reference year (the value is
                    shown; a change cannot be read yet);
- `not evaluable`   the value (or the reference value) is missing; `reason` says why. Missing data
                    is reported and never counted as evidence either way.

`summary(frame)` counts, per scenario and year, the signposts lit for and against it and lists the
ones that could not be evaluated with their reasons.

Metrics (the calls a scenario file may make; units in `model.Call.unit`):

| metric          | value                                                                | through |
|-----------------|----------------------------------------------------------------------|---------|
| `indicator`     | one country's indicator, or mean/sum/min/max over a group (all present) | `metrics.series` (one source per call) |
| `trade_share`   | `Σ_i (X_iP + X_Pi) / Σ_i (X_iW + X_Wi)`, i in the group, P the partner; with `minus: Q` the share of P minus the share of Q | `metrics.trade.bilateral_flows` |
| `trade_group`   | a group trade measure (intra-regional share, intensity, introversion) | `metrics.trade.group_indicators` |
| `siei_trade`    | SIEI-style group trade index `100·Σ_{i≠j} X_ij / Σ_i Y_i` [H]        | `metrics.siei.trade_index` |
| `sigma`         | σ-convergence: SD of log values across the group (ddof=0)            | `metrics.convergence.sigma` |
| `migrant_stock` | `Σ_{d in group}` migrant stock born in `origin` living in d          | `store.queries.migrant_stocks` (UN DESA) |
| `ledger_events` | number of status changes of the group's countries in `org` that year | `kb.queries.timeline` |
| `opium_area`    | Afghanistan's opium poppy area: the sum of the 34 province totals    | `store.queries.code_prefix_totals` (`UNODC.POPPY.HA.*`) |

A group value is computed only when every member has its value (never a partial sum); otherwise
the year is `not evaluable` and the reason names the missing members or flows.
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from sco_observatory.errors import ObservatoryError
from sco_observatory.groups import resolve_group
from sco_observatory.signposts.model import Call, ScenarioSet, Signpost, load_scenarios
from sco_observatory.store import queries

OPIUM_PROVINCES = 34
OPIUM_PREFIX = "UNODC.POPPY.HA."
FIRST_YEAR = 2010

_FRAME = {"year": pl.Int64, "value": pl.Float64, "source": pl.String, "reason": pl.String}


def _frame(rows: pl.DataFrame | list[dict] | None = None) -> pl.DataFrame:
    if rows is None:
        return pl.DataFrame(schema=_FRAME)
    df = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=_FRAME)
    return df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c) for c, t in _FRAME.items()])


def _all_years(years: tuple[int, int]) -> pl.DataFrame:
    return pl.DataFrame({"year": list(range(years[0], years[1] + 1))}, schema={"year": pl.Int64})


def _with_year(text: str) -> pl.Expr:
    """`text` with each '{year}' replaced by the row's year."""
    parts = text.split("{year}")
    pieces: list[pl.Expr] = [pl.lit(parts[0])]
    for part in parts[1:]:
        pieces += [pl.col("year").cast(pl.String), pl.lit(part)]
    return pl.concat_str(pieces)


def _fill_years(found: pl.DataFrame, years: tuple[int, int], reason: str) -> pl.DataFrame:
    """Every year of the span gets a row; a year without a row gets value null and `reason`."""
    out = _all_years(years).join(_frame(found), on="year", how="left")
    return _frame(out.with_columns(
        pl.when(pl.col("value").is_null() & pl.col("reason").is_null())
        .then(_with_year(reason))
        .otherwise(pl.col("reason")).alias("reason")))


def _missing_all(years: tuple[int, int], reason: str) -> pl.DataFrame:
    return _fill_years(_frame(), years, reason)


def _one(expr: str) -> str:
    return resolve_group(expr).iso3[0]


def _group_stat(long: pl.DataFrame, isos: list[str], stat: str, what: str) -> pl.DataFrame:
    """long: iso3, year, value, source -> year, value (stat over isos, only when all present), source, reason."""
    counts = long.filter(pl.col("value").is_not_null()).group_by("year").agg(
        pl.col("iso3").alias("have"), pl.col("value").sum().alias("sum"), pl.col("value").mean().alias("mean"),
        pl.col("value").min().alias("min"), pl.col("value").max().alias("max"), pl.col("source").first())
    value = pl.col(stat)
    complete = pl.col("have").list.len() == len(isos)
    missing = pl.lit(isos).list.set_difference(pl.col("have")).list.sort().list.join(", ")
    return counts.select(
        pl.col("year").cast(pl.Int64),
        pl.when(complete).then(value).otherwise(None).alias("value"),
        "source",
        pl.when(complete).then(None).otherwise(pl.lit(f"no {what} for ") + missing + pl.lit(" in ")
                                                + pl.col("year").cast(pl.String)).alias("reason"))


# ------------------------------------------------------------------------------------ metrics
def _indicator(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.metrics import series

    isos = resolve_group(call.group).iso3
    try:
        s = series(store, call.code, isos, years, source=call.source)
    except ObservatoryError as exc:
        return _missing_all(years, exc.message)
    src = s["source"][0] if s.height else (call.source or "")
    stat = "sum" if call.stat == "value" else call.stat
    found = _group_stat(s, isos, stat, call.code)
    return _fill_years(found, years, f"no {call.code} for {', '.join(isos)} in {{year}} in {src}")


def _trade_share(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.metrics import trade

    isos = resolve_group(call.group).iso3
    partners = [_one(call.partner)] + ([_one(call.minus)] if call.minus else [])
    try:
        f = trade.bilateral_flows(store, isos, years, call.basis, partners=partners, source=call.source)
    except ObservatoryError as exc:
        return _missing_all(years, exc.message)
    # Expected flows per member: to/from each partner and to/from the world.
    needed = pl.DataFrame([
        {"member": i, "other": o, "exporter": e, "importer": m}
        for i in isos for o in partners + ["WLD"] for e, m in ((i, o), (o, i))])
    have = f.select("exporter", "importer", pl.col("year").cast(pl.Int64), "value_usd", "source")
    grid = needed.join(_all_years(years), how="cross").join(have, on=["exporter", "importer", "year"], how="left")
    per_year = grid.group_by("year").agg(
        *[pl.col("value_usd").filter(pl.col("other") == o).sum().alias(f"t_{o}") for o in partners + ["WLD"]],
        pl.col("value_usd").is_null().sum().alias("n_missing"),
        pl.concat_str("exporter", pl.lit("→"), "importer").filter(pl.col("value_usd").is_null()).alias("missing"),
        pl.col("source").drop_nulls().unique().sort().str.join(",").alias("source"))
    share = pl.col(f"t_{partners[0]}") / pl.col("t_WLD")
    if call.minus:
        share = share - pl.col(f"t_{partners[1]}") / pl.col("t_WLD")
    ok = pl.col("n_missing") == 0
    return _frame(per_year.select(
        "year", pl.when(ok).then(share).otherwise(None).alias("value"), "source",
        pl.when(ok).then(None).otherwise(
            pl.format("{} flows missing in {}: ", pl.lit(call.basis), "year")
            + pl.col("missing").list.head(6).list.join(", ")
            + pl.when(pl.col("n_missing") > 6).then(pl.lit(" …")).otherwise(pl.lit(""))).alias("reason")))


def _trade_group(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.metrics import trade

    isos = resolve_group(call.group).iso3
    try:
        g = trade.group_indicators(store, isos, years, call.basis, source=call.source)
    except ObservatoryError as exc:
        return _missing_all(years, exc.message)
    g = g.filter(pl.col("measure") == call.measure)
    ok = (pl.col("pairs_with_flows") == pl.col("pairs_possible")) & (pl.col("members_with_totals") == pl.col("n"))
    found = g.select(
        pl.col("year").cast(pl.Int64), pl.when(ok).then(pl.col("value")).otherwise(None).alias("value"), "source",
        pl.when(ok).then(None).otherwise(
            pl.format("{} of {} intra-group flows and {} of {} members' world totals present ({} basis)",
                      "pairs_with_flows", "pairs_possible", "members_with_totals", "n", pl.lit(call.basis))).alias("reason"))
    return _fill_years(found, years, "no trade flows in the store for {year}")


def _siei_trade(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.metrics import siei

    isos = resolve_group(call.group).iso3
    try:
        g = siei.trade_index(store, isos, years, "group", call.basis, source=call.source)
    except ObservatoryError as exc:
        return _missing_all(years, exc.message)
    ok = (pl.col("flows_missing") == 0) & (pl.col("scale_missing") == 0)
    found = g.select(
        pl.col("year").cast(pl.Int64), pl.when(ok).then(pl.col("value")).otherwise(None).alias("value"),
        pl.concat_str("source", pl.lit(","), "y_source").alias("source"),
        pl.when(ok).then(None).otherwise(
            pl.format("{} of {} directed flows and {} GDP values missing", "flows_missing",
                      pl.lit(len(isos) * (len(isos) - 1)), "scale_missing")).alias("reason"))
    return _fill_years(found, years, "no GDP or trade flows in the store for {year}")


def _sigma(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.metrics import convergence

    isos = resolve_group(call.group).iso3
    try:
        s = convergence.sigma(store, isos, call.code, years, source=call.source)
    except ObservatoryError as exc:
        return _missing_all(years, exc.message)
    ok = (pl.col("n_missing") == 0) & pl.col("sd_log").is_not_null()
    found = s.select(
        pl.col("year").cast(pl.Int64), pl.when(ok).then(pl.col("sd_log")).otherwise(None).alias("value"), "source",
        pl.when(ok).then(None).when(pl.col("n_missing") > 0)
        .then(pl.format("{} of {} members lack {}", "n_missing", pl.lit(len(isos)), pl.lit(call.code)))
        .otherwise(pl.lit("values <= 0: the SD of logs is undefined")).alias("reason"))
    return _fill_years(found, years, f"no {call.code} for any member in {{year}}")


def _migrant_stock(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    isos = resolve_group(call.group).iso3
    origin = _one(call.origin)
    long = queries.migrant_stocks(store, origin, isos, years, call.source)
    held = queries.migration_years(store)
    if not held:
        return _missing_all(years, "the store holds no bilateral migrant stocks (import UN DESA: "
                                   "sco import UN_MigrantStockByOriginAndDestination_2019_clean.csv)")
    if long["source"].n_unique() > 1:
        # Two editions (e.g. IMS 2019 and 2020) hold the same years: one source per call, never summed.
        # The edition with the most complete years in the window wins; ties go to the newer edition.
        complete = (long.filter(pl.col("value").is_not_null()).group_by("source", "year")
                    .agg(pl.col("iso3").n_unique().alias("n")).filter(pl.col("n") == len(isos))
                    .group_by("source").agg(pl.len().alias("years")))
        ranked = sorted(long["source"].unique().to_list(), reverse=True)
        counts = dict(zip(complete["source"].to_list(), complete["years"].to_list()))
        best = max(ranked, key=lambda sid: counts.get(sid, 0))
        long = long.filter(pl.col("source") == best)
    found = _group_stat(long, isos, "sum", f"migrant stock from {origin}")
    held_text = ", ".join(str(y) for y in held if y >= years[0] - 10) or ", ".join(map(str, held[-3:]))
    return _fill_years(found, years, f"no migrant-stock estimate for {{year}} (UN DESA publishes selected years; the store holds {held_text})")


def _event_kind() -> pl.Expr:
    e = pl.col("event")
    return (pl.when(e.str.starts_with("joined")).then(pl.lit("joined"))
            .when(e.str.starts_with("became")).then(pl.lit("upgraded"))
            .when(e.str.starts_with("restored")).then(pl.lit("restored"))
            .when(e.str.starts_with("suspended")).then(pl.lit("suspended"))
            .when(e.str.starts_with("left")).then(pl.lit("left"))
            .otherwise(None))


def _ledger_events(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    from sco_observatory.kb import queries as kb

    isos = resolve_group(call.group).iso3
    org = kb.organisation(call.org)
    t = kb.timeline(org.id).filter(pl.col("iso3").is_in(isos)).with_columns(
        _event_kind().alias("kind"), pl.col("date").str.slice(0, 4).cast(pl.Int64).alias("year"))
    t = t.filter(pl.col("kind").is_in(call.events or []) & pl.col("year").is_between(*years))
    counts = t.group_by("year").agg(
        pl.len().cast(pl.Float64).alias("value"),
        pl.col("source").unique().sort().str.join(",").alias("source"),
        pl.format("{} {}", "iso3", "event").alias("events"))
    founded = org.founded.value.year if org.founded is not None else None
    ended = org.dissolved.value.year if org.dissolved is not None else None
    out = _all_years(years).join(counts, on="year", how="left").with_columns(
        pl.col("value").fill_null(0.0),  # the ledger records no such event that year: a count of 0, not a gap
        pl.col("source").fill_null(pl.lit(f"kb:{org.id} ledger")))
    exists = pl.lit(True)
    if founded is not None:
        exists = exists & (pl.col("year") >= founded)
    if ended is not None:
        exists = exists & (pl.col("year") <= ended)
    return _frame(out.select(
        "year", pl.when(exists).then(pl.col("value")).otherwise(None).alias("value"), "source",
        pl.when(exists).then(pl.col("events").list.join("; ")).otherwise(pl.lit(f"{org.id} did not exist that year"))
        .alias("reason")))


def _opium_area(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    rows = queries.code_prefix_totals(store, "AFG", OPIUM_PREFIX, years)
    if rows.height == 0:
        return _missing_all(years, "UNODC's opium survey is not in the open-data snapshot (its terms allow "
                                   "non-commercial reuse only): import the seven files of opium_afghanistan/ "
                                   "(sco import afg_district_poppy_cultivation_ha_2010_2020_part1.csv …)")
    ok = pl.col("n") == OPIUM_PROVINCES
    found = rows.select(
        "year", pl.when(ok).then(pl.col("value")).otherwise(None).alias("value"), "source",
        pl.when(ok).then(None).otherwise(pl.format("only {} of 34 province totals in the store (import all seven part files)", "n"))
        .alias("reason"))
    return _fill_years(found, years, "no UNODC survey estimate for {year} in the store")


METRICS: dict[str, Callable[..., pl.DataFrame]] = {
    "indicator": _indicator, "trade_share": _trade_share, "trade_group": _trade_group, "siei_trade": _siei_trade,
    "sigma": _sigma, "migrant_stock": _migrant_stock, "ledger_events": _ledger_events, "opium_area": _opium_area,
}


def metric_values(store, call: Call, years: tuple[int, int]) -> pl.DataFrame:
    """The call's value for every year of `years`: year, value, source, reason (why a value is missing)."""
    return METRICS[call.metric](store, call, years)


# ------------------------------------------------------------------------------------ conditions
def _reference_year(sp: Signpost, baseline: int) -> int | None:
    d = sp.direction
    if d is None or d.relative_to == "previous":
        return None
    return baseline if d.relative_to == "baseline" else int(d.relative_to)


def _judge(sp: Signpost, vals: pl.DataFrame, baseline: int) -> pl.DataFrame:
    """Add reference_year, reference, status and reason to a signpost's values (vectorised)."""
    v = pl.col("value")
    if sp.threshold is not None:
        t = sp.threshold
        lit = {">": v > t.value, ">=": v >= t.value, "<": v < t.value, "<=": v <= t.value}[t.op]
        out = vals.with_columns(pl.lit(None, pl.Int64).alias("reference_year"), pl.lit(None, pl.Float64).alias("reference"))
        status = pl.when(v.is_null()).then(pl.lit("not evaluable")).when(lit).then(pl.lit("lit")).otherwise(pl.lit("not lit"))
        return out.with_columns(status.alias("status"))
    d = sp.direction
    assert d is not None
    ref_year = _reference_year(sp, baseline)
    if ref_year is None:  # previous year
        out = vals.sort("year").with_columns(
            (pl.col("year") - 1).alias("reference_year"),
            pl.when(pl.col("year").shift(1) == pl.col("year") - 1).then(v.shift(1)).otherwise(None).alias("reference"))
        before = pl.lit(False)
    else:
        ref = vals.filter(pl.col("year") == ref_year)
        ref_value = ref["value"][0] if ref.height else None
        ref_reason = (ref["reason"][0] if ref.height else None) or "outside the data"
        out = vals.with_columns(pl.lit(ref_year, pl.Int64).alias("reference_year"),
                                pl.lit(ref_value, pl.Float64).alias("reference"))
        before = pl.col("year") <= ref_year
        if ref_value is None:
            out = out.with_columns(pl.when(~before & v.is_not_null())
                                   .then(pl.lit(f"reference value ({ref_year}) missing: {ref_reason}"))
                                   .otherwise(pl.col("reason")).alias("reason"))
    change = (v - pl.col("reference")) if d.change == "up" else (pl.col("reference") - v)
    status = (pl.when(before).then(pl.lit("baseline period"))
              .when(v.is_null() | pl.col("reference").is_null()).then(pl.lit("not evaluable"))
              .when(change > d.by).then(pl.lit("lit")).otherwise(pl.lit("not lit")))
    out = out.with_columns(status.alias("status"))
    if ref_year is None:
        out = out.with_columns(pl.when((pl.col("status") == "not evaluable") & v.is_not_null())
                               .then(pl.format("previous year's value ({}) missing", "reference_year"))
                               .otherwise(pl.col("reason")).alias("reason"))
    return out


# ------------------------------------------------------------------------------------ public API
COLUMNS = ["scenario", "signpost", "title", "evidence", "year", "value", "unit", "reference_year", "reference",
           "condition", "status", "points_to", "reason", "source", "call", "section"]


def latest_year(store) -> int:
    """The latest year any data table of the store holds (capped at the current year):
    :func:`sco_observatory.store.queries.latest_data_year`."""
    return queries.latest_data_year(store)


def evaluate(store, scenarios: ScenarioSet | None = None, years: tuple[int, int] | None = None) -> pl.DataFrame:
    """One row per signpost and year (see the module docstring). Default years: 2010 to the latest data."""
    sset = scenarios or load_scenarios()
    if years is None:
        years = (FIRST_YEAR, latest_year(store))
    frames = []
    for sp in sset.signposts:  # one metric call per signpost; the years are vectorised inside each call
        sc = sset.scenario(sp.scenario)
        first, last = max(years[0], sp.call.window[0]), min(years[1], sp.call.window[1])
        if first > last:
            continue
        ref_year = _reference_year(sp, sc.baseline)
        span = (min(first, ref_year) if ref_year else first - (1 if sp.direction else 0), last)
        vals = metric_values(store, sp.call, span)
        judged = _judge(sp, vals, sc.baseline).filter(pl.col("year").is_between(first, last))
        frames.append(judged.with_columns(
            pl.lit(sc.id).alias("scenario"), pl.lit(sp.id).alias("signpost"), pl.lit(sp.title).alias("title"),
            pl.lit(sp.evidence).alias("evidence"), pl.lit(sp.call.unit() or (sp.threshold or sp.direction).unit).alias("unit"),
            pl.lit(sp.condition_text(sc.baseline)).alias("condition"),
            pl.when(pl.col("status") == "lit").then(pl.lit(f"{sp.evidence} {sc.id}")).otherwise(pl.lit("")).alias("points_to"),
            pl.when(pl.col("status").is_in(["lit", "not lit"])).then(pl.col("reason").fill_null(""))
            .when(pl.col("status") == "baseline period").then(pl.col("reason").fill_null(""))
            .otherwise(pl.col("reason")).alias("reason"),
            pl.lit(sp.call.text()).alias("call"), pl.lit(sp.section).alias("section"),
        ).select(COLUMNS))
    if not frames:
        return pl.DataFrame(schema={c: (pl.Int64 if c in ("year", "reference_year") else
                                        pl.Float64 if c in ("value", "reference") else pl.String) for c in COLUMNS})
    return pl.concat(frames, how="vertical_relaxed").sort(["scenario", "signpost", "year"])


def summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per scenario and year: signposts, lit for, lit against, not lit, baseline period, not evaluable
    (count and `id: reason` list), and the ids lit."""
    st = pl.col("status")
    return (frame.group_by(["scenario", "year"]).agg(
        pl.len().alias("signposts"),
        ((st == "lit") & (pl.col("evidence") == "for")).sum().alias("lit_for"),
        ((st == "lit") & (pl.col("evidence") == "against")).sum().alias("lit_against"),
        (st == "not lit").sum().alias("not_lit"),
        (st == "baseline period").sum().alias("baseline_period"),
        (st == "not evaluable").sum().alias("not_evaluable"),
        pl.concat_str("signpost", pl.lit(" ("), "evidence", pl.lit(")")).filter(st == "lit").sort().str.join(", ").alias("lit"),
        pl.concat_str("signpost", pl.lit(": "), "reason").filter(st == "not evaluable").sort().str.join("; ")
        .alias("not_evaluable_why"))
        .sort(["scenario", "year"]))


def _spans(years: list[int]) -> str:
    """[2010, 2011, 2012, 2015] -> '2010-2012, 2015'."""
    out, start, prev = [], None, None
    for y in sorted(years):
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = y
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


def not_evaluable_spans(frame: pl.DataFrame) -> pl.DataFrame:
    """Per scenario and signpost: the years that could not be evaluated and the (first) reason."""
    ne = frame.filter(pl.col("status") == "not evaluable")
    if ne.height == 0:
        return pl.DataFrame(schema={"scenario": pl.String, "signpost": pl.String, "years": pl.String, "reason": pl.String})
    g = ne.group_by(["scenario", "signpost"], maintain_order=True).agg(pl.col("year"), pl.col("reason").first())
    return g.with_columns(pl.col("year").map_elements(_spans, return_dtype=pl.String).alias("years")).select(
        "scenario", "signpost", "years", "reason").sort(["scenario", "signpost"])
