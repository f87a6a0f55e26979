"""The report's sections, in order. Each takes the Context and returns a Section.

Sections only arrange what the knowledge base and the metrics engine return; every number carries a
footnote marker pointing at its source (and, for computed values, the formula in docs/metrics.md).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sco_observatory.errors import ObservatoryError
from sco_observatory.groups import ALIASES
from sco_observatory.kb.model import parse_kb_date
from sco_observatory.report import charts
from sco_observatory.report.context import Context, Section
from sco_observatory.report.labels import indicator_label, measure_indicator, measure_words
from sco_observatory.report.html import esc, fmt_number, note, table

STATUS_TITLES = {"member": "Members", "observer": "Observers", "dialogue_partner": "Dialogue partners",
                 "partner": "Partners"}


def _date(text: str | None) -> dt.date | None:
    """A ledger date for a chart axis: 'YYYY' is 1 January (the ledger's own reading, kb.model.parse_kb_date)."""
    parsed = parse_kb_date(text)
    return parsed.value if parsed is not None else None


def _central_asia() -> list[str]:
    """The five Central Asian republics: the CA5 group alias (groups.ALIASES), its one definition."""
    return list(ALIASES["CA5"][1])


def _source_cell(ctx: Context):
    """Render `source` (and a `y_source`, the GDP/population behind a scaled index) as footnote markers."""
    def cell(column, value, row):
        if column == "source" and value:
            return ctx.notes.marker(*str(value).split(";"), *([row["y_source"]] if row.get("y_source") else []))
        return None
    return cell


# ------------------------------------------------------------------------------------ at a glance
def at_a_glance(ctx: Context) -> Section:
    from sco_observatory.kb import queries as kb

    parts = []
    counts = []
    for status, title in STATUS_TITLES.items():
        frame = ctx.localise(kb.members_as_of("SCO", ctx.as_of, [status]))
        notes = kb.members_notes("SCO", ctx.as_of, [status])  # merged status (Tianjin 2025), year-only dates
        if frame.height == 0 and (status == "partner" or notes):
            if notes:
                parts.append(f"<h3>{title} on {ctx.as_of.isoformat()}</h3>" + "".join(note(esc(n)) for n in notes))
            continue
        counts.append(f"{frame.height} {title.lower()}")
        word = f" · <span lang='{esc(ctx.lang.replace('_', '-'))}'>{esc(ctx.status(status))}</span>" if ctx.lang else ""
        parts.append(f"<h3>{title}{word} on {ctx.as_of.isoformat()} <span class='count'>({frame.height})</span></h3>")
        parts.append(table(frame, table_id=f"sco-{status}", cell=_source_cell(ctx),
                           columns=["iso3", "name", "since", "de_facto", "next", "source"]) if frame.height else
                     "<p>None on this date.</p>")
        parts.extend(note(esc(n)) for n in notes)
    periods = []
    for org in ("SHANGHAI5", "SCO"):
        events = kb.timeline(org)
        for iso3 in [c for c in events["iso3"].unique(maintain_order=True).to_list() if c]:
            # formal statuses only; an application runs beside an observer status and would hide its bar
            hist = kb.history(iso3).filter((pl.col("org") == org) & (pl.col("kind") == "formal")
                                           & (pl.col("status") != "applicant"))
            for row in hist.iter_rows(named=True):
                periods.append({"iso3": iso3, "name": ctx.name(iso3), "status": row["status"],
                                "start": _date(row["since"]), "end": _date(row["until"]),
                                "org": org})
    fig = charts.timeline_chart(periods, f"Shanghai Five (1996) and SCO: every status from founding to {ctx.as_of.isoformat()}",
                                ctx.as_of, word=ctx.status)
    merge_notes = kb.members_notes("SCO", ctx.as_of, ["observer", "dialogue_partner"])
    timeline = ctx.localise(kb.timeline("SCO"))
    timeline = timeline.filter(pl.col("date").cast(pl.Utf8) <= ctx.as_of.isoformat())  # nothing after the report's date
    events = table(timeline.select("date", "iso3", "name", "event", "source"), table_id="sco-timeline",
                   cell=_source_cell(ctx), caption="Every change of status in the SCO, in date order")
    own_name = f" (<span lang='{esc(ctx.lang.replace('_', '-'))}'>{esc(ctx.org('SCO'))}</span>)" if ctx.lang else ""
    body = (
        f"<p class='lead'>On <b>{ctx.as_of.isoformat()}</b> the SCO{own_name} counted {', '.join(counts)}.</p>"
        + "".join(parts)
        + charts.to_div(fig, ctx.chart_id("timeline"))
        + "".join(note(esc(n)) for n in merge_notes)
        + f"<details><summary>All status changes ({timeline.height})</summary>{events}</details>"
    )
    return Section("glance", "The SCO at a glance", body, "; ".join(counts))


# ------------------------------------------------------------------------------------ architecture
def architecture(ctx: Context) -> Section:
    from sco_observatory.kb import queries as kb

    scope = kb.members_as_of("SCO", ctx.as_of, ["member", "observer", "dialogue_partner", "partner"])["iso3"].to_list()
    for iso3 in _central_asia():
        if iso3 not in scope:
            scope.append(iso3)
    matrix = ctx.localise(kb.overlap(ctx.as_of, scope))
    org_cols = [c for c in matrix.columns if c not in ("iso3", "name")]
    # keep organisations where at least one of these countries holds a status
    org_cols = [c for c in org_cols if matrix[c].drop_nulls().len() > 0]
    labels = {"member": "●", "observer": "○", "dialogue_partner": "◇", "partner": "◆", "associate": "◐",
              "applicant": "…", "suspended": "✕"}

    def cell(column, value, row):
        if column in org_cols:
            # a cell may carry a de facto state or a parallel application: "member (de facto frozen)"
            head = value.split(" ")[0] if value else ""
            mark = labels.get(head, "") + ("*" if value and value != head else "")
            return f"<span title='{esc(value)}' class='st st-{esc(head)}'>{mark}</span>" if value else ""
        return None

    legend = " ".join(f"{sym} {esc(ctx.status(st))}" for st, sym in labels.items()) + \
        " * de facto state or application beside the status (hover)"
    names = ("<p class='legend'>" + "; ".join(f"{esc(c)}: <span lang='{esc(ctx.lang.replace('_', '-'))}'>{esc(ctx.org(c))}</span>"
                                              for c in org_cols) + "</p>") if ctx.lang else ""
    from sco_observatory.kb.names import graph_labels

    graph = graph_labels(kb.membership_graph(ctx.as_of), ctx.lang)
    keep = set(ctx.group.iso3) | set(_central_asia())  # the network: the group and Central Asia only
    graph = {
        "as_of": graph["as_of"],
        "nodes": [n for n in graph["nodes"] if n["type"] == "organisation" or n["id"] in keep],
        "edges": [e for e in graph["edges"] if e["source"] in keep],
    }
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] == "country"
                      or any(e["target"] == n["id"] for e in graph["edges"])]
    fig = charts.network_chart(graph, f"Who belongs to what on {ctx.as_of.isoformat()}: {ctx.group_expr} and Central Asia",
                               word=ctx.status)
    body = (
        "<p>The SCO's members, observers and dialogue partners and the five Central Asian states, against every "
        "organisation of the Eurasian architecture in the knowledge base (statuses as of the report date; each cell "
        "is sourced in <code>sco history COUNTRY</code>).</p>"
        f"<p class='legend'>{legend}</p>" + names
        + table(matrix, table_id="overlap", columns=["iso3", "name", *org_cols], cell=cell)
        + charts.to_div(fig, ctx.chart_id("network"))
    )
    return Section("architecture", "The overlapping architecture", body)


# ------------------------------------------------------------------------------------ projects
def projects(ctx: Context) -> Section:
    from sco_observatory.kb import queries as kb

    frame = kb.projects()
    cols = [c for c in ["name", "kind", "participants", "start", "end", "status", "capacity", "source"] if c in frame.columns]
    body = ("<p>Pipelines, railways, roads, corridors, power links and bases named in the report and after it; "
            "capacity only where a source gives it.</p>"
            + table(frame, table_id="projects", columns=cols, cell=_source_cell(ctx)))
    return Section("projects", "Projects", body)


# ------------------------------------------------------------------------------------ power balance
DEFENCE_SOURCE = "embedded:iiss-mb2013"
REPORT_AREA_SOURCE = "embedded:wb2014-report"


def _heading(title: str, source_ids, year: int | None) -> str:
    """A section title naming the data it shows as of the report's date: "Power balance — World Bank WDI, 2024"."""
    from sco_observatory.snapshot_datasets import short_names

    names = short_names(source_ids)
    tail = ", ".join(x for x in (names, str(year) if year is not None else "") if x)
    return f"{title} — {tail}" if tail else title


def _formula(ctx: Context, key: str, text: str) -> str:
    """A footnote marker for a formula (registered once, numbered on first use)."""
    ctx.notes.register(f"formula:{key}", "Formula: " + text)
    return ctx.notes.marker(f"formula:{key}")


def _latest_year(ctx: Context, code: str, countries: list[str], ceiling: int) -> int | None:
    """The latest year <= ceiling for which the store holds `code` for most of the countries
    (`metrics.latest_year`: store.queries.latest_indicator_year's rule on the code's rows kept per commit)."""
    from sco_observatory.metrics import latest_year

    return latest_year(ctx.store, code, countries, ceiling)


def power_balance(ctx: Context) -> Section:
    """Power balance"""
    from sco_observatory import whatif
    from sco_observatory.kb import queries as kb
    from sco_observatory.metrics import power
    from sco_observatory.store.queries import indicator_values

    parts: list[str] = []
    # 1. The report's defence table (IISS via the report), members and observers of 2012.
    sco2012 = kb.members_as_of("SCO", "2012-12-31", ["member", "observer"])["iso3"].to_list()
    defence = indicator_values(ctx.store, "MS.MIL.XPND.CD", sco2012, (2010, 2012), DEFENCE_SOURCE)
    wide = (defence.with_columns((pl.col("value") / 1e6).alias("US$ m"))
            .pivot(on="year", index="iso3", values="US$ m").sort("iso3"))
    wide = pl.DataFrame({"iso3": sco2012}).join(wide, on="iso3", how="left")
    parts.append("<h3>Defence spending of SCO members and observers, 2010–2012 (current US$ m)"
                 f"{ctx.notes.marker(DEFENCE_SOURCE)}</h3>")
    parts.append(table(wide, table_id="defence-table",
                       cell=lambda c, v, r: fmt_number(v, 0) if c != "iso3" and v is not None else None))
    parts.append("<p class='legend'>Blank: n/a in the report's table (Uzbekistan 2011–2012).</p>")
    # 2. The stated ratios, recomputed
    ratios = power.pairwise_ratios(ctx.store, ["CHN", "RUS", "KAZ", "KGZ", "TJK"], "defence", 2012, source=DEFENCE_SOURCE)
    ratios = ratios.filter(pl.col("iso3_a").is_in(["CHN", "RUS"]) & pl.col("iso3_b").is_in(["KAZ", "KGZ", "TJK"]))
    parts.append("<h3>How many times more the big two spend (2012)"
                 f"{_formula(ctx, 'ratio', 'ratio = defence spending of A / defence spending of B, same source and year (arithmetic)')}</h3>")
    parts.append(table(ratios.select("iso3_a", "iso3_b", "year", "ratio", "source"), table_id="defence-ratios",
                       cell=_source_cell(ctx)))
    parts.append("<p>The report states 45, 966, 620, 26, 564 and 362: the figures are its own table's, "
                 "truncated rather than rounded (see the claims section).</p>")
    # 3. Shares of the group
    year = _latest_year(ctx, "MS.MIL.XPND.CD", ctx.group.iso3, ctx.as_of.year) or 2012
    shares, conc = power.power_balance(ctx.store, ctx.group.iso3, year, nearest=2)
    share_wide = shares.pivot(on="code", index="iso3", values="share")
    codes = [c for c in share_wide.columns if c != "iso3"]
    fig = charts.bar_chart([ctx.name(i) for i in share_wide["iso3"].to_list()],
                           {indicator_label(c): [None if v is None else 100 * v for v in share_wide[c].to_list()]
                            for c in codes},
                           f"Shares of the group total, {year} (nearest year within ±2)", "% of group total", log=True)
    parts.append(f"<h3>Who holds the power in {esc(ctx.group_expr)} ({year})"
                 f"{_formula(ctx, 'share', 'share_i = v_i / Σ_group v (arithmetic); HHI = Σ share²; CON = sqrt((HHI − 1/N)/(1 − 1/N)) (Ray & Singer 1973, METHODS §5.3 [S])')}</h3>")
    parts.append(charts.to_div(fig, ctx.chart_id("power")))
    parts.append(table(conc.select("code", "year", "n", "n_missing", "n_estimated", "hhi", "con", "largest",
                                   "largest_share", "source"),
                       table_id="power-concentration", cell=_source_cell(ctx),
                       caption="Concentration of each indicator within the group"))
    parts.append(_estimate_legend(ctx, shares))
    # 4. Area and population against the world (the report's group totals)
    rows = []
    for status in ("member", "observer", "dialogue_partner"):
        members = kb.members_as_of("SCO", "2014-06-30", [status])["iso3"].to_list()
        for code in ("AG.LND.TOTL.K2", "SP.POP.TOTL"):
            ws = power.world_share(ctx.store, members, code, 2013, source=REPORT_AREA_SOURCE)
            rows.append(ws.with_columns(pl.lit(status).alias("SCO status (mid-2014)")))
    world = pl.concat(rows, how="diagonal_relaxed").select("SCO status (mid-2014)", "code", "year", "n", "group_total",
                                                           "world", "world_share", "source")
    parts.append("<h3>Area and population against the world (2013, as tabulated in the report)"
                 f"{_formula(ctx, 'world-share', 'world share = Σ_group v / v_WLD, same source and year')}</h3>")
    parts.append(table(world, table_id="world-shares", cell=_source_cell(ctx)))
    # 5. CINC within the group
    parts.append(_cinc_block(ctx))
    # 6. What-ifs the report debates
    parts.append("<h3>What if the group changes? Baseline against changed group"
                 f"{_formula(ctx, 'whatif', 'the same metrics on the baseline and the changed group; delta = changed − baseline')}</h3>")
    cases = [("SCO@2016-12-31", ["IND", "PAK"], [], "India and Pakistan join (2017)"),
             ("SCO@2022-12-31", ["IRN"], [], "Iran joins (2023)"),
             ("SCO@2023-12-31", ["BLR"], [], "Belarus joins (2024)")]
    from sco_observatory.groups import resolve_group

    blocks = []
    for base_expr, add, remove, label in cases:
        base = resolve_group(base_expr).iso3
        wyear = _latest_year(ctx, "MS.MIL.XPND.CD", base + add, ctx.as_of.year) or 2012
        frame = whatif.whatif(ctx.store, base, add, remove, wyear, indicators=("defence", "gdp", "population"),
                                 nearest=2, integration=False)
        used = _years_used(frame)
        frame = frame.filter(pl.col("iso3") == "group").select("measure", "year", "baseline", "changed", "delta", "source", "note")
        frame = frame.with_columns(pl.col("measure").map_elements(measure_words, return_dtype=pl.String))  # words, not "area con"
        blocks.append(f"<h4>{esc(label)}: {esc(base_expr)}+{'+'.join(add)} ({esc(used or str(wyear))})</h4>"
                      + table(frame, cell=_source_cell(ctx)))
    parts.append("".join(blocks))
    defence_src: list[str] = []
    if "source" in conc.columns:
        held = conc.filter(pl.col("source").is_not_null())
        defence_src = held.filter(pl.col("code") == "MS.MIL.XPND.CD")["source"].to_list() or held["source"].to_list()[:1]
    return Section("power", _heading("Power balance", defence_src, year), "".join(parts))


def _years_used(frame: pl.DataFrame) -> str:
    """The years a what-if's power rows hold, for its heading: "2024" when every indicator's values are of
    one year, else per indicator, "defence 2022; GDP, population 2024" (a span "2021–2022" where one
    indicator's countries differ).

    Why: the what-if asks for the latest GDP year with `nearest=2`, and the defence source ends two years
    earlier, so the heading's asked year (2024) was not the year of the defence rows (2022). The years
    are read from the rows' own `year` (whatif.py: each country's value year), not from the year asked.
    Each indicator is named as the table below names it (labels.measure_indicator: "Military expenditure"
    for `defence`), one entry per indicator: a name may hold a comma itself ("Population, total")."""
    held = frame.filter(pl.col("section") == "power", pl.col("iso3") != "group", pl.col("year").is_not_null())
    spans: dict[str, str] = {}
    for name, lo, hi in (held.group_by(pl.col("measure").str.replace(r" share$", "").alias("name"), maintain_order=True)
                         .agg(pl.col("year").min().alias("lo"), pl.col("year").max().alias("hi")).iter_rows()):
        spans[name] = str(lo) if lo == hi else f"{lo}–{hi}"
    if len(set(spans.values())) <= 1:
        return next(iter(spans.values()), "")
    return "; ".join(f"{measure_indicator(name)} {span}" for name, span in spans.items())


def _estimate_legend(ctx: Context, shares: pl.DataFrame) -> str:
    """⚑ the values behind the shares that their publisher (or the snapshot's derivation) flags as estimates."""
    from sco_observatory.metrics.flags import estimate_flags

    if shares.height == 0:
        return ""
    flagged = estimate_flags(ctx.store, shares.select("iso3", "code", "year", "source")).filter(pl.col("estimate"))
    if flagged.height == 0:
        return ""
    by_source = flagged.group_by("source", "code", "year").agg(pl.col("iso3").sort().str.join(", ")).sort("source", "code")
    items = "; ".join(f"{r['code']} {r['year']} ({r['source']}): {r['iso3']}" for r in by_source.iter_rows(named=True))
    return f"<p class='legend'>⚑ Estimates among the values above (flagged in the store): {esc(items)}.</p>"


def _cinc_block(ctx: Context) -> str:
    from sco_observatory.metrics import power

    try:
        frame = power.cinc(ctx.store, ctx.group.iso3, (1996, ctx.as_of.year))  # to the release's last year
    except ObservatoryError as exc:
        return "<h3>CINC within the group</h3>" + note(esc(exc.message) + ".", exc.hint)
    if frame.height == 0:
        return "<h3>CINC within the group</h3>" + note("No COW NMC data for these countries.",
                                                        "sco import NMC-70-abridged_from_peacesciencer.csv")
    years = sorted(frame["year"].unique().to_list())
    con = power.concentration_by_year(frame, "cinc_group")
    by_year = dict(zip(con["year"].to_list(), con["con"].to_list()))
    cons = [by_year.get(y) for y in years]  # a year with no share has no CON (a gap in the line)
    wide = frame.pivot(on="iso3", index="year", values="cinc_group", aggregate_function="first").sort("year")
    series = {iso: wide[iso].to_list() for iso in frame["iso3"].unique(maintain_order=True).to_list()}
    release = ", ".join("COW NMC v" + r for r in frame.select(power.nmc_release(pl.col("source"))).unique().to_series().sort())
    fig = charts.line_chart(years, {**series, "CON (concentration)": cons},
                            f"CINC recomputed within the group, and its concentration ({release})", "share of group capabilities")
    latest = frame.filter(pl.col("year") == years[-1]).select("iso3", "year", "cinc_group", "cinc_published", "components", "source")
    return ("<h3>Composite capabilities (CINC) within the group"
            f"{_formula(ctx, 'cinc', 'CINC^G_i = (1/6) Σ_c v_ci / Σ_(s in G) v_cs over milex, milper, irst, pec, tpop, upop (COW NMC; METHODS §5.2 Option A [V])')}</h3>"
            + charts.to_div(fig, ctx.chart_id("cinc"))
            + table(latest, table_id="cinc-latest", cell=_source_cell(ctx),
                    caption=f"{years[-1]}: share of the group's capabilities (COW's own system-wide CINC beside it)"))


# ------------------------------------------------------------------------------------ integration
def integration(ctx: Context) -> Section:
    """Integration"""
    from sco_observatory.metrics import siei, trade

    parts: list[str] = []
    ca = [*_central_asia(), "RUS", "CHN"]
    group = list(dict.fromkeys(ctx.group.iso3 + [c for c in ca if c not in ctx.group.iso3]))
    trade_src: list[str] = []
    trade_year: int | None = None
    try:
        year = trade_year = _trade_year(ctx, group)
        pairs = siei.trade_index(ctx.store, group, (year, year), "pair")
        trade_src = pairs["source"].unique().to_list()
        labels = group
        index = {(r["iso3_a"], r["iso3_b"]): r["value"] for r in pairs.iter_rows(named=True)}
        matrix = [[index.get((a, b), index.get((b, a))) if a != b else None for b in labels] for a in labels]
        fig = charts.heatmap(labels, matrix, f"SIEI-style trade integration index, {year}", "% of combined GDP")
        top = pairs.sort("value", descending=True, nulls_last=True).head(12).select(
            "iso3_a", "iso3_b", "year", "value", "flows_flagged", "basis", "valuation", "source", "y_source")
        parts.append(f"<h3>Pairwise trade integration, {year} — SIEI-style (a proxy, not the EDB's formula)"
                     f"{_formula(ctx, 'siei-trade', 'TI_ij = 100·(X_ij + X_ji)/(Y_i + Y_j), exporter-reported FOB flows and current-US$ GDP — hypothesis H1 of METHODS §1.3 [H], the one consistent with the report')}</h3>")
        parts.append(charts.to_div(fig, ctx.chart_id("siei")))
        parts.append(table(top, table_id="siei-pairs", cell=_source_cell(ctx), caption="The most integrated pairs",
                           columns=[c for c in top.columns if c != "y_source"]))
        parts.append(_quality_block(ctx, group, year))
        hyp = siei.hypothesis_verdicts(siei.trade_hypotheses(ctx.store, year=2012))
        parts.append("<h3>The report's statement, tested (2012): no Central Asian pair above 1; Kazakhstan–Russia highest</h3>")
        parts.append(table(hyp, table_id="siei-hypotheses"))
    except ObservatoryError as exc:
        parts.append("<h3>Pairwise trade integration</h3>" + note(esc(exc.message) + ".", exc.hint))
    try:
        years = (1995, min(ctx.as_of.year, _trade_year(ctx, ctx.group.iso3)))
        # one group_indicators for both measures (intra_regional_share and introversion are its two filters)
        measures = trade.group_indicators(ctx.store, ctx.group.iso3, years)
        intra = measures.filter(pl.col("measure").str.starts_with("intra_share"))
        intro = measures.filter(pl.col("measure").str.starts_with("introversion"))
        both = pl.concat([intra.select("year", "measure", "value", "source"), intro.select("year", "measure", "value", "source")])
        first: dict[tuple[str, int], float | None] = {}  # each (measure, year)'s first row, read in one pass
        for m, y, v in zip(both["measure"].to_list(), both["year"].to_list(), both["value"].to_list()):
            first.setdefault((m, y), v)
        series = {m: [first.get((m, y)) for y in range(years[0], years[1] + 1)]
                  for m in both["measure"].unique(maintain_order=True).to_list()}
        fig = charts.line_chart(list(range(years[0], years[1] + 1)), series,
                                f"Intra-regional trade share and introversion of {ctx.group_expr}", "share / index")
        parts.append("<h3>Intra-regional share and introversion over time"
                     f"{_formula(ctx, 'intra', 'IS = X_RR / X_R (exports) and 2X_RR/(X_R+M_R) (trade), METHODS §4.1 [V]; introversion RTII = (HI−HE)/(HI+HE) after Iapadre, METHODS §4.3 [S/R]')}"
                     f"{ctx.notes.marker(*both['source'].unique().to_list())}</h3>")
        parts.append(charts.to_div(fig, ctx.chart_id("intra")))
    except ObservatoryError as exc:
        parts.append("<h3>Intra-regional share and introversion</h3>" + note(esc(exc.message) + ".", exc.hint))
    try:
        mig_year = 2019 if ctx.as_of.year >= 2019 else max(1990, ctx.as_of.year - ctx.as_of.year % 5)
        mig = siei.migration_index(ctx.store, group, mig_year, "pair").sort("value", descending=True, nulls_last=True).head(10)
        parts.append(f"<h3>Labour-migration integration, {mig_year} — SIEI-style"
                     f"{_formula(ctx, 'siei-migration', 'MI_ij = 100·(Mig_ij + Mig_ji)/(P_i + P_j), migrant stocks (UN DESA) over populations — a proxy after METHODS §1.4 [H]')}</h3>")
        parts.append(table(mig.select("iso3_a", "iso3_b", "year", "value", "f_ab", "f_ba", "source", "y_source"),
                           table_id="siei-migration", cell=_source_cell(ctx),
                           columns=["iso3_a", "iso3_b", "year", "value", "f_ab", "f_ba", "source"]))
    except ObservatoryError as exc:
        parts.append("<h3>Labour-migration integration</h3>" + note(esc(exc.message) + ".", exc.hint))
    parts.append(_trade_series_block(ctx))
    parts.append(_education_block(ctx, group))
    parts.append(_investment_block(ctx, group))
    parts.append("<h3>Energy integration — data missing</h3>" + note(esc(siei.ENERGY_MISSING) + ".", siei.ENERGY_HINT))
    return Section("integration", _heading("Integration", trade_src, trade_year), "".join(parts))


def _quality_block(ctx: Context, group: list[str], year: int) -> str:
    """The "data quality" note of the trade answers above: how many of the group's flows in `year` have
    reported and mirror figures more than a factor apart, how many series jump year on year, and the
    worst cases with both figures and their sources (metrics/quality.py; rule in docs/metrics.md)."""
    from sco_observatory.metrics import quality

    try:
        flags = quality.discrepancies(ctx.store, group, [year], group)
    except ObservatoryError as exc:
        return note(esc(exc.message) + ".", exc.hint)
    first, *worst = quality.quality_note(flags).split("\n")
    items = "".join(f"<li>{esc(w.strip())}</li>" for w in worst)
    return (f"<div class='data-quality' id='data-quality'><p class='legend'><strong>Data quality, {year}:</strong> "
            f"{esc(first.removeprefix('data quality: '))}{ctx.notes.marker(*flags['source_a'].unique().to_list()) if flags.height else ''}</p>"
            + (f"<ul class='legend'>{items}</ul>" if items else "")
            + f"<p class='legend'>Rule: a flow is flagged where the exporter's FOB figure and the importer's CIF figure "
              f"differ by more than ×{quality.DEFAULT_FACTOR:g} (IMF DOTS itself assumes CIF ≈ FOB × "
              f"{quality.IMF_CIF_FOB_FACTOR:g}); the flows stay in every figure, and the Flows flagged column counts "
              "them per pair. `sco trade discrepancies` lists every flag.</p></div>")


def _flag_cell(ctx: Context):
    """Source markers, and the publisher's flags as a marked cell (estimate, confidential) where present."""
    base = _source_cell(ctx)

    def cell(column, value, row):
        if column == "flags":
            return f"<span class='flag' title='{esc(value)}'>⚑ {esc(value)}</span>" if value else ""
        return base(column, value, row)
    return cell


def _latest_pair_year(frame: pl.DataFrame) -> int | None:
    """The latest year with at least half the best year's count of known pairs (UIS's 2020 round, with
    fewer reporting destinations, would otherwise stand for the whole decade)."""
    counts = frame.filter(pl.col("value").is_not_null()).group_by("year").len()
    if counts.height == 0:
        return None
    best = counts["len"].max()
    return int(counts.filter(pl.col("len") * 2 >= best)["year"].max())


def _trade_series_block(ctx: Context) -> str:
    """Central Asia's trade with Russia and China as each state reports it, DOTS spliced with national statistics."""
    from sco_observatory.metrics.trade_series import bilateral_series

    last = ctx.as_of.year
    try:
        frame = bilateral_series(ctx.store, ["KAZ", "KGZ", "TJK", "TKM", "UZB"], ["RUS", "CHN"], (2005, last),
                                 extend_with="national")
    except ObservatoryError as exc:
        return "<h3>Trade with Russia and China</h3>" + note(esc(exc.message) + ".", exc.hint)
    turnover = (frame.group_by("reporter", "partner", "year")
                .agg(pl.col("value_usd").sum().alias("t"), pl.len().alias("n"), pl.col("source_break").first(),
                     pl.col("estimate").any().alias("estimate"))
                .filter(pl.col("n") == 2))  # exports and imports both held, else no turnover (missing, not half)
    years = list(range(2005, max(turnover["year"].max() or 2005, 2005) + 1))
    series = {}
    breaks = []
    for (rep, par), sub in sorted(turnover.group_by("reporter", "partner"), key=lambda kv: kv[0]):
        by_year = dict(zip(sub["year"].to_list(), sub["t"].to_list()))
        brk = sub["source_break"][0]
        label = f"{ctx.name(rep)} – {ctx.name(par)}" + (" ⟂ source break" if brk else "")
        if brk:
            breaks.append(f"{ctx.name(rep)}: {brk}")
        series[label] = [None if by_year.get(y) is None else by_year[y] / 1e9 for y in years]
    fig = charts.line_chart(years, series, "Trade turnover with Russia and China as each state reports it (US$ bn)",
                            "US$ bn (exports + imports)")
    srcs = frame["source"].unique().to_list()
    return ("<h3>Trade with Russia and China as each state reports it, 2005–" + str(years[-1])
            + f"{_formula(ctx, 'turnover', 'turnover = exports + imports as the reporter records them (FOB/CIF); a year without both is missing')}"
            + f"{ctx.notes.marker(*srcs)}</h3>"
            + charts.to_div(fig, ctx.chart_id("trade-series"))
            + ("<p class='legend'>Source breaks (⟂): " + esc("; ".join(sorted(set(breaks)))) + ". Values as each "
               "publisher states them; no level adjustment at the break.</p>" if breaks else ""))


def _pair_dimension_block(ctx: Context, title: str, table_id: str, frame, formula: str, legend, empty: tuple) -> str:
    """One SIEI-style pair dimension as a sub-section: the latest year with most pairs known, its top
    ten pairs, the formula and a legend saying how many pairs are missing (missing, not zero)."""
    try:
        result = frame()
        year = _latest_pair_year(result)
        if year is None:
            return f"<h3>{title}</h3>" + note(*empty)
        top = result.filter(pl.col("year") == year).sort("value", descending=True, nulls_last=True)
        missing = top["value"].null_count()
        top = top.filter(pl.col("value").is_not_null()).head(10)
        return (f"<h3>{title}, {year} — SIEI-style{_formula(ctx, table_id, formula)}</h3>"
                + table(top, table_id=table_id, cell=_flag_cell(ctx),
                        columns=["iso3_a", "iso3_b", "year", "value", "f_ab", "f_ba", "flags", "source"])
                + f"<p class='legend'>{legend(missing)}</p>")
    except ObservatoryError as exc:
        return f"<h3>{title}</h3>" + note(esc(exc.message) + ".", exc.hint)


def _education_block(ctx: Context, group: list[str]) -> str:
    from sco_observatory.metrics.siei_education import education_index

    return _pair_dimension_block(
        ctx, "Education integration", "siei-education",
        lambda: education_index(ctx.store, group, (1998, ctx.as_of.year), "pair"),
        "E_ij = 100·(S_ij + S_ji)/(P_i + P_j), mobile tertiary students (UNESCO UIS top-10 partners) over "
        "populations — a proxy after METHODS §1.4 [H]",
        lambda missing: (f"The latest year with most pairs known. {missing} pairs are in neither country's UIS top 10 "
                         "(the rest is lumped as \"Other countries\"): missing, not zero. ⚑ UIS qualifiers (NAT_EST "
                         "national estimate, UIS_EST UIS estimate)."),
        ("No student counts for these pairs up to the report's date.",))


def _investment_block(ctx: Context, group: list[str]) -> str:
    from sco_observatory.metrics.siei_investment import investment_index

    return _pair_dimension_block(
        ctx, "Investment integration", "siei-investment",
        lambda: investment_index(ctx.store, group, (2009, ctx.as_of.year), "pair"),
        "I_ij = 100·(D_ij + D_ji)/(Y_i + Y_j), outward direct-investment positions (IMF CDIS 6-o) over GDP — a "
        "proxy after METHODS §1.4 [H]",
        lambda missing: (f"{missing} pairs missing: a direction the investor does not report (UZB, TKM and others "
                         "report no outward positions) or the IMF marks confidential (⚑ C)."),
        ("No direct-investment positions for these pairs up to the report's date.", "IMF CDIS starts at end-2009"))


# ------------------------------------------------------------------------------------ arms
def arms(ctx: Context) -> Section:
    """Arms-transfer dependence"""
    from sco_observatory.metrics import arms as am

    recipients = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
    held = am.held_years(ctx.store)
    if held is None:
        message, hint = am.missing_message()
        return Section("arms", "Arms-transfer dependence — SIPRI Arms Transfers Database (not shipped)",
                       "<p>Each Central Asian state's share of its arms imports from Russia, China and others.</p>"
                       + note(esc(message) + ".", hint))
    last = min(held[1], ctx.as_of.year)
    if last < held[0]:
        return Section("arms", "Arms-transfer dependence", note(f"SIPRI's register starts in {held[0]}, after the report's date."))
    yearly = am.dependence(ctx.store, recipients, (held[0], last))
    blocks = am.dependence(ctx.store, recipients, (held[0], last), period=5)
    years = list(range(held[0], last + 1))
    series = {}
    for iso in recipients:
        for sup, label in (("RUS", "Russia"), ("CHN", "China")):
            sub = yearly.filter((pl.col("recipient") == iso) & (pl.col("supplier") == sup)).sort("first_year")
            series[f"{ctx.name(iso)} from {label}"] = [None if v is None else 100 * v for v in sub["share"].to_list()]
    fig = charts.line_chart(years, series, f"Share of arms imports from Russia and China, {held[0]}–{last} (SIPRI TIV)",
                            "% of the state's arms imports")
    wide = (blocks.with_columns((pl.col("share") * 100).round(1).alias("share %"))
            .pivot(on="supplier", index=["recipient", "period"], values="share %").sort(["recipient", "period"]))
    totals = blocks.group_by("recipient", "period").agg(pl.col("total_tiv").first().round(1).alias("total TIV"),
                                                        pl.col("flags").filter(pl.col("flags") != "").str.join("; ").alias("flags"))
    wide = wide.join(totals, on=["recipient", "period"], how="left").with_columns(pl.lit(am.SOURCE).alias("source"))
    flagged = blocks.filter(pl.col("flags") != "").height
    body = ("<p>Each Central Asian state's share of its arms imports by supplier, in SIPRI trend-indicator values "
            "(a volume measure, not US$). Deliveries are lumpy, so the table sums five-year blocks as SIPRI does; "
            "the chart shows single years.</p>"
            + f"<h3>Shares by supplier, five-year blocks (%){_formula(ctx, 'arms', am.FORMULA)}{ctx.notes.marker(am.SOURCE)}</h3>"
            + table(wide, table_id="arms-shares", cell=_flag_cell(ctx))
            + charts.to_div(fig, ctx.chart_id("arms"))
            + (f"<p class='legend'>⚑ {flagged} supplier-period cells include deliveries whose number or year SIPRI marks "
               "as uncertain.</p>" if flagged else ""))
    return Section("arms", _heading("Arms-transfer dependence", [am.SOURCE], last), body)


def _trade_year(ctx: Context, countries: list[str]) -> int:
    """The latest year up to the report's date with bilateral trade of most of `countries` (DataMissingError if none):
    `trade.latest_year`, store.queries.latest_trade_year's rule on the (year, reporter) pairs kept per commit."""
    from sco_observatory.metrics import trade

    return trade.latest_year(ctx.store, countries, ctx.as_of.year)


# ------------------------------------------------------------------------------------ convergence
def convergence(ctx: Context) -> Section:
    """Convergence"""
    from sco_observatory.metrics import convergence as conv

    parts = []
    conv_src: list[str] = []
    conv_last: int | None = None
    try:
        code = conv.default_income_indicator(ctx.store)  # PPP where held, else constant, else current US$
        last = _latest_year(ctx, code, ctx.group.iso3, ctx.as_of.year)
        if last is None or last < 1996:
            from sco_observatory.errors import DataMissingError

            raise DataMissingError(f"the store holds no {code} series for the group",
                                   "sco import ny.gdp.pcap.cd.csv or sco fetch worldbank --indicators NY.GDP.PCAP.CD --countries SCO --years 1992-2024")
        sig = conv.sigma(ctx.store, ctx.group.iso3, code, (1995, last))
        conv_src, conv_last = sig["source"].unique().to_list(), last
        beta = conv.beta(ctx.store, ctx.group.iso3, code, 1995, last)
        fig = charts.line_chart(sig["year"].to_list(), {"σ (SD of log GDP per capita)": sig["sd_log"].to_list(),
                                                        "CV": sig["cv"].to_list()},
                                f"σ-convergence of incomes in {ctx.group_expr}", "dispersion")
        parts.append("<h3>σ-convergence"
                     f"{_formula(ctx, 'sigma', 'σ_t = sd_i(ln y_it) (ddof=0), CV_t = sd_t(y)/mean_t(y) — METHODS §6.1 [V]')}"
                     f"{ctx.notes.marker(*sig['source'].unique().to_list())}</h3>")
        parts.append(charts.to_div(fig, ctx.chart_id("sigma")))
        parts.append("<h3>β-convergence"
                     f"{_formula(ctx, 'beta', '(1/T)·ln(y_T/y_0) = α + β·ln y_0 + ε (OLS), λ = −ln(1+βT)/T, half-life = ln2/λ — METHODS §6.2 [V]')}</h3>")
        parts.append(table(beta.select("code", "start", "end", "n", "beta", "se_beta", "p_value", "r2", "lambda",
                                        "half_life", "converging", "source"), table_id="beta", cell=_source_cell(ctx)))
        parts.append(f"<p class='verdict'><strong>{esc(beta['verdict'][0])}</strong> — series {esc(code)}; "
                     "'converging' only where β &lt; 0 is significant at the stated level.</p>")
        parts.append(f"<p class='legend'>{esc(beta['caution'][0])}</p>")
    except ObservatoryError as exc:
        parts.append(note(esc(exc.message) + ".", exc.hint))
    return Section("convergence", _heading("Convergence of incomes", conv_src, conv_last), "".join(parts))


# ------------------------------------------------------------------------------------ claims
def claims(ctx: Context) -> Section:
    """The report's claims"""
    from sco_observatory.metrics import claims as cl

    frame = cl.check(ctx.store)
    counts = frame.group_by("verdict").len().sort("verdict")
    summary = ", ".join(f"{r['len']} {r['verdict']}" for r in counts.iter_rows(named=True))

    def cell(column, value, row):
        if column == "verdict":
            return f"<span class='verdict-{esc(value)}'>{esc(value)}</span>"
        if column == "source" and value:
            return ctx.notes.marker(*[v.strip() for v in str(value).replace(",", ";").split(";") if v.strip()])
        return None

    body = (f"<p class='lead'>The report's quantitative statements, recomputed from the store: {summary}.</p>"
            + table(frame.select("claim", "stated", "computed", "tolerance", "verdict", "evidence", "source"),
                    table_id="claims", cell=cell))
    return Section("claims", "The report's claims, recomputed", body, summary)


# ------------------------------------------------------------------------------------ scenarios
def scenarios_signposts(ctx: Context) -> Section:
    """Scenarios and signposts"""
    from sco_observatory.signposts import evaluate, load_scenarios, summary
    from sco_observatory.signposts.evaluate import FIRST_YEAR, latest_year

    sset = load_scenarios()
    last = min(latest_year(ctx.store), ctx.as_of.year)
    frame = evaluate(ctx.store, sset, (FIRST_YEAR, last))
    years = list(range(FIRST_YEAR, last + 1))
    marks = {"lit": "●", "not lit": "○", "baseline period": "·", "not evaluable": "?"}
    cells = {(r["signpost"], r["year"]): r for r in frame.iter_rows(named=True)}
    head = "".join(f"<th{' class=baseline' if y == 2014 else ''}>{y}{' (baseline)' if y == 2014 else ''}</th>" for y in years)
    rows = []
    for sp in sset.signposts:
        sc = sset.scenario(sp.scenario)
        out = [f"<td class='txt'><b>{esc(sp.title)}</b><br><small>{esc(sp.evidence)} {esc(sc.id)} · "
               f"{esc(sp.condition_text(sc.baseline))} · {esc(sp.call.text())}</small></td>"]
        for y in years:
            r = cells.get((sp.id, y))
            if r is None:
                out.append("<td></td>")
                continue
            tip = r["reason"] or (r["points_to"] and f"points {r['points_to']}") or r["status"]
            value = "not evaluable" if r["status"] == "not evaluable" else fmt_number(r["value"])
            out.append(f"<td class='num st-{esc(r['status'].replace(' ', '-'))}' title='{esc(tip)}'>"
                       f"{marks[r['status']]} {value}</td>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    grid = (f"<table class='data' id='signposts-grid'><thead><tr><th>signpost</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    srcs = sorted({x for v in frame["source"].drop_nulls().to_list() for x in v.split(",") if x and not x.startswith("kb:")})
    summ = summary(frame).filter(pl.col("year") > 2014).select("scenario", "year", "signposts", "lit_for", "lit_against",
                                                               "not_lit", "not_evaluable", "lit")
    from sco_observatory.signposts.evaluate import not_evaluable_spans

    gaps = not_evaluable_spans(frame)
    body = ("<p class='lead'>The report's two scenarios after the ISAF drawdown (Koldunova &amp; Das Kundu 2014, section 3), "
            "each with signposts evaluated year by year from the store: ● lit (points to the scenario named: evidence "
            "for or against it), ○ not lit, · baseline period of a change signpost, ? not evaluable (hover for the "
            f"reason; missing data is never counted as evidence). 2014 is the baseline.{ctx.notes.marker(*srcs) if srcs else ''}</p>"
            + "".join(f"<h3>{esc(sc.title)}</h3><p>{esc(sc.summary)}</p>" for sc in sset.scenarios)
            + grid
            + "<h3>Per scenario after the baseline</h3>" + table(summ, table_id="signposts-summary")
            + ("<h3>Not evaluable, and why</h3>" + table(gaps, table_id="signposts-missing") if gaps.height else ""))
    return Section("scenarios", _heading("Scenarios and signposts", [], last), body)


# ------------------------------------------------------------------------------------ sources
def sources(ctx: Context) -> Section:
    """Per dataset the report draws on: publisher, vintage, retrieval date, URL and licence (from the
    snapshot's manifest, or the import's provenance record); the numbered notes follow (template)."""
    from sco_observatory.snapshot import dataset_table

    frame = dataset_table(ctx.store, cited=set(ctx.notes.notes))  # the sources the sections above cited
    body = ("<h3>Datasets: publisher, vintage, licence</h3>"
            + table(frame.select("dataset", "publisher", "vintage", "retrieved", "licence", "url", "origin"),
                    table_id="datasets", caption="Vintage: the years the publisher's release covers; retrieved: when the copy was taken")
            if frame.height else "")
    return Section("sources", "Sources and formulas", body)


def _safe(builder):
    """A section whose library raised a user-facing error shows the error as a note, not a crash."""
    def wrapped(ctx: Context) -> Section:
        try:
            return builder(ctx)
        except ObservatoryError as exc:
            title = builder.__doc__.strip().splitlines()[0] if builder.__doc__ else builder.__name__
            return Section(builder.__name__, title, note(esc(exc.message), exc.hint))
    wrapped.__name__ = builder.__name__
    return wrapped


ALL = [at_a_glance, architecture, _safe(power_balance), _safe(arms), _safe(integration), _safe(convergence), _safe(claims),
       _safe(scenarios_signposts), projects, sources]
