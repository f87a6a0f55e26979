"""`sco power|ratio|trade|siei|arms|convergence|whatif|claims`: metrics over the store. No logic here:
parse, call the matching `Observatory` method (sco_observatory.api), render."""

from __future__ import annotations

from typing import List, Optional

import polars as pl
import typer

from sco_observatory.cli.options import format_option, lang_option, lowercase, nearest_option, observatory, source_option, year_option
from sco_observatory.cli.output import Format, emit
from sco_observatory.dates import parse_years
from sco_observatory.errors import ObservatoryError

FMT = format_option()
SOURCE = source_option("Use this source id or family (e.g. wdi, sipri, embedded:iiss-mb2013) instead of the documented priority.")
FLOWS = typer.Option(None, "--flows", callback=lowercase, help="trade, agriculture: reported (exporter FOB; the default), mirror (importer CIF) or best (reported, else mirror; labelled per row).")
TRADE_FLOWS = typer.Option(None, "--flows", callback=lowercase, help="reported (exporter FOB), mirror (importer CIF) or best (reported, else mirror; labelled per row). Default: best for `partners`, reported otherwise.")


def power_command(
    expression: str = typer.Argument(..., help="Group expression: SCO@2012, CA5, SCO@2016+IND+PAK, CHN,RUS,KAZ."),
    indicator: str = typer.Option("defence", "--indicator", "-i", help="gdp, gdp_pc, population, area, defence, armed_forces, cinc, cinc-proxy, or any code in the store."),
    year: int = year_option("--year", "-y"),
    source: Optional[str] = SOURCE,
    nearest: int = nearest_option("Use the closest year within ±N where a country lacks the year (the year column shows it)."),
    fmt: Format = FMT,
    lang: Optional[str] = lang_option(),
) -> None:
    """Each member's share of the group total, its rank, and the group's HHI and Ray–Singer CON.

    `cinc` recomputes COW NMC CINC within the group (v7.0 to 2022, v6.0 to 2016); `cinc-proxy` is the
    documented WDI/SIPRI proxy for the years after.

    Example: sco power SCO@2012 --indicator defence --year 2012
    """
    from sco_observatory.metrics.power import concentration

    with observatory(lang) as obs:
        out = obs.power(expression, indicator, year, source=source, nearest=nearest)
    kind = indicator.lower()
    if kind in ("cinc", "cinc-proxy"):
        what = "CINC" if kind == "cinc" else "CINC-style proxy"
        emit(out, fmt, title=f"{what} within {expression}, {year}")
        return
    if fmt is not Format.table:
        emit(out, fmt)
        return
    shares = out.drop("group_hhi", "group_con", "group_n_estimated")
    conc = concentration(shares)  # the caption's n and missing count (the frame carries HHI and CON)
    caption = (f"HHI {out['group_hhi'][0]:.4f} · CON {out['group_con'][0]:.4f} (Ray–Singer) · n {conc['n'][0]}"
               + (f" · {conc['n_missing'][0]} of {shares.height} values missing" if conc["n_missing"][0] else "")
               + _estimate_note(shares, conc["n_estimated"][0], conc["n"][0]))
    emit(shares.with_columns(_flag_marker()), fmt, title=f"{shares['code'][0]} shares within {expression}, {year}",
         caption=caption)


def _flag_marker() -> pl.Expr:
    """The table's `estimate` cell: ⚑ where the publisher flags the value, blank otherwise (JSON/CSV keep the boolean)."""
    return pl.when(pl.col("estimate")).then(pl.lit("⚑ estimate")).otherwise(pl.lit("")).alias("estimate")


def _estimate_note(frame: pl.DataFrame, flagged: int, n: int) -> str:
    """The caption's line for publisher-flagged values behind an aggregate ("" when none is flagged)."""
    if not flagged:
        return ""
    sources = ", ".join(sorted(frame.filter(pl.col("estimate"))["source"].drop_nulls().unique().to_list()))
    return (f"\nnote: ⚑ {flagged} of the {n} values behind these shares (and HHI, CON) are estimates "
            f"flagged by their publisher or derived ({sources})")


def ratio_command(
    a: str = typer.Argument(..., help="Country A (name or code)."),
    b: str = typer.Argument(..., help="Country B."),
    indicator: str = typer.Option("defence", "--indicator", "-i", help="Indicator alias or code."),
    year: int = year_option("--year", "-y"),
    source: Optional[str] = SOURCE,
    fmt: Format = FMT,
) -> None:
    """The ratio value_A / value_B of one indicator in one year (one source).

    Example: sco ratio CHN KGZ --indicator defence --year 2012
    """
    with observatory() as obs:
        frame = obs.ratio(a, b, indicator, year, source=source)
    emit(frame, fmt, title=f"{frame['iso3_a'][0]} / {frame['iso3_b'][0]}" if frame.height else f"{a} / {b}")


def trade_command(
    measure: str = typer.Argument(..., help="partners, products, complexity, discrepancies, shares, group-shares, intensity, group, concentration, rca, complementarity, grubel-lloyd, similarity, product-concentration."),
    expression: str = typer.Argument(..., help="Group expression, e.g. CA5 or SCO@2012."),
    years: Optional[str] = typer.Option(None, "--years", "--year", "-y", help="Years: 2012, 2000,2020, 2000-2020 or 2000-2020:5 (product-level measures take one year)."),
    pairs: bool = typer.Option(False, "--pairs", help="For `intensity`/`shares` without --partners: all pairs within the group (the default)."),
    partners: Optional[List[str]] = typer.Option(None, "--partners", "--partner", help="Partners: CHN,RUS (each its own row in `partners`), EU27, SCO@2024-CA5, CHN+RUS (one partner group); `products` takes one partner (a country or a group)."),
    top: Optional[int] = typer.Option(None, "--top", min=1, max=10_000, help="`products`: how many products per direction (default 10)."),
    flows: Optional[str] = TRADE_FLOWS,
    factor: Optional[float] = typer.Option(None, "--factor", help="`discrepancies`/`partners`: flag flows whose two figures (or two consecutive years) differ by more than this factor (default 2)."),
    partial: bool = typer.Option(False, "--partial", help="`partners`: sum the flows present where some are missing (the estimate column says how many)."),
    source: Optional[str] = source_option("Trade dataset family or source id (default: imf-dots, then baci, comtrade)."),
    fmt: Format = FMT,
) -> None:
    """Standard trade indicators (WITS/UNCTAD, METHODS §4) on one flow basis, with valuation stated.

    `products` (a group's top products with a partner: value, share, RCA, PCI) and `complexity`
    (ECI, Hidalgo–Hausmann) need a product-level dataset (CEPII BACI or UN Comtrade by HS code).

    Example: sco trade partners CA5 --partners CHN,RUS --years 2000,2020

    Example: sco trade products CA5 --partner CHN --year 2020 --top 10
    """
    from sco_observatory.metrics import quality, trade

    m = measure.lower()
    if years is None:
        raise ObservatoryError(f"`sco trade {m}` needs --years", "e.g. --years 2012 or --years 2000-2020")
    if m in ("products", "complexity"):
        _product_answer(m, expression, years, partners, flows, top, source, fmt,
                        pairs=pairs, factor=factor, partial=partial)
        return
    if top is not None:
        raise ObservatoryError(f"`sco trade {m}` does not use --top", "drop --top (it applies to: products)")
    with observatory() as obs:
        frame = obs.trade(m, expression, years, partners=partners or None, flows=flows, source=source,
                          pairs=pairs, factor=factor, partial=partial)
        if m == "partners":
            flags = obs.trade("discrepancies", expression, years, partners=partners, source=source, factor=factor)
    if m == "partners":
        basis = flows or trade.DEFAULT_GROUP_BASIS
        n_rep, n_mir = int(frame["flows_reported"].sum()), int(frame["flows_mirror"].sum())
        title = (f"Trade of {expression} with {', '.join(dict.fromkeys(frame['partner'].to_list()))} — {basis} flows"
                 + (" (exporter-reported where published, else the importer's mirror figure)" if basis == "best" else "")
                 + f": {n_rep} flows reported, {n_mir} mirror")
        caption = quality.quality_note(flags) + "\n(`sco trade discrepancies` lists every flag)"
        n_est = int(frame["flows_estimated"].sum() or 0)
        if n_est:
            caption += (f"\nnote: ⚑ {n_est} of the flows summed are the publisher's estimates "
                        "(IMF DOTS 'e' / national 'preliminary'; column flows_estimated in CSV and JSON)")
        shown = (trade.partners_display(frame).with_columns(
            pl.when(frame["flows_estimated"] > 0).then(pl.format("⚑ {}", frame["flows_estimated"]))
            .otherwise(pl.lit("")).alias("estimated")) if fmt is Format.table else frame)
        emit(shown, fmt, title=title, caption=caption)
        return
    if m == "discrepancies":
        shown = frame.select("kind", "year", "figure_a", (pl.col("value_a") / 1e6).round(1).alias("US$ mn (a)"),
                             "figure_b", (pl.col("value_b") / 1e6).round(1).alias("US$ mn (b)"),
                             pl.col("ratio").round(1)) if fmt is Format.table else frame
        emit(shown, fmt, title=f"Trade data disagreeing with itself — {expression}, factor {factor or quality.DEFAULT_FACTOR:g}",
             caption="mirror: exporter's FOB vs importer's CIF figure of one flow; jump: one series year on year")
        return
    emit(frame, fmt, title=f"{trade.MEASURES[m]} — {expression} ({flows or 'reported'} flows)",
         caption=quality.flagged_line(frame, f"sco trade discrepancies {expression} --partners "
                                        f"{','.join(partners) if partners else expression} --years {years}"))


def _product_answer(m: str, expression: str, years: str, partners: Optional[List[str]], flows: Optional[str],
                    top: Optional[int], source: Optional[str], fmt: Format, **unused: object) -> None:
    """`sco trade products` / `sco trade complexity`: refuse options they do not use, call, render."""
    for option, value in unused.items():
        if value not in (None, False):
            raise ObservatoryError(f"`sco trade {m}` does not use --{option}", f"drop --{option}")
    if m == "complexity" and (partners or top is not None):
        raise ObservatoryError("`sco trade complexity` does not use --partner or --top", "drop them: ECI is per country")
    if m == "products" and not partners:
        raise ObservatoryError("`sco trade products` needs --partner", "e.g. sco trade products CA5 --partner CHN --year 2020")
    basis = flows or "reported"
    with observatory() as obs:
        if m == "complexity":
            frame = obs.complexity(years, expression, flows=flows, source=source)
            shown = f"{expression}: {frame.height} of {frame['countries'][0]} exporters ranked" if frame.height else expression
            source_label = frame["source"][0] if frame.height else (source or "")
            emit(frame.select("iso3", "eci", "eci_rank", "diversity") if fmt is Format.table else frame, fmt,
                 title=f"Economic complexity (ECI, Hidalgo–Hausmann) — {shown}, {years} ({basis} flows, {source_label})",
                 caption="ECI standardised over all exporters of the dataset; rank 1 = most complex; "
                         "diversity = products with RCA ≥ 1 (METHODS §4.11)")
            return
        partner = "+".join(partners or [])
        frame = obs.trade_products(expression, partners or [], years, top=top or 10, flows=flows, source=source)
    source_label = frame["source"][0] if frame.height else (source or "")
    parts = []
    for direction in ("exports", "imports"):
        rows = frame.filter(pl.col("direction") == direction)
        if rows.height:
            parts.append(f"{direction}: top {rows.height} of {rows['products'][0]} products = {100 * rows['share'].sum():.1f}%")
        else:
            parts.append(f"{direction}: none in the data")
    pci_note = "" if frame.height == 0 or frame["pci"].is_not_null().any() else \
        " · PCI not defined for these data (`sco trade complexity` says why)"
    shown = frame.select("direction", "rank", "product", (pl.col("value") / 1e6).round(2).alias("US$ mn"),
                         (100 * pl.col("share")).round(1).alias("Share %"), "rca_group", "rca_partner", "pci") \
        if fmt is Format.table else frame  # the table: year, basis, valuation and source are in the title
    valuation = "/".join(sorted(set(frame["valuation"].drop_nulls()))) if frame.height else ""
    emit(shown, fmt, title=f"Top products of {expression} with {partner}, {years} — {basis} flows, {valuation} ({source_label})",
         caption=" · ".join(parts) + " · RCA: Balassa, world = the dataset's exporters · PCI: product complexity "
                 "(Hidalgo–Hausmann)" + pci_note + "\nproducts are shown as HS codes: no HS description file is in the "
                 "data (docs/metrics.md)")


def siei_command(
    args: List[str] = typer.Argument(..., help="[DIMENSION] EXPR — dimension: trade (default), migration, agriculture, education, investment, convergence, energy (data missing: says what it needs)."),
    years: str = typer.Option(..., "--years", "-y", help="Years: 2012, 2010-2020, 2000-2020:5 or 2000,2010."),
    level: str = typer.Option("pair", "--level", callback=lowercase, help="pair, country or group."),
    flows: Optional[str] = FLOWS,
    hypotheses: bool = typer.Option(False, "--hypotheses", help="Trade only: run the METHODS §1.3 test (H1–H3) for the first year and print the verdicts."),
    source: Optional[str] = source_option("Data source family or id for the flows."),
    fmt: Format = FMT,
) -> None:
    """SIEI-style integration indices (proxies after the EDB's SIEI; not the EDB's formulas).

    Example: sco siei trade CA5+RUS --years 2012 --level pair
    """
    if len(args) == 1:
        dimension, expression = "trade", args[0]
    elif len(args) == 2:
        dimension, expression = args
    else:
        raise ObservatoryError("sco siei takes [DIMENSION] EXPR", "e.g. sco siei trade CA5+RUS --years 2012")
    with observatory() as obs:
        frame = obs.siei(dimension, expression, years, level=level, flows=flows, hypotheses=hypotheses, source=source)
    if hypotheses:
        emit(frame, fmt, title=f"METHODS §1.3 hypothesis test, {min(parse_years(years))}")
        return
    evidence = frame["evidence"][0] if "evidence" in frame.columns and frame.height else ""
    flagged = frame.filter(pl.col("flags") != "").height if "flags" in frame.columns else 0
    caption = ("SIEI-style: documented proxies (METHODS §1.3–1.4), not the EDB's unpublished formulas"
               + (f"\nevidence: {evidence}" if evidence else "")
               + (f"\nnote: {flagged} rows carry the publisher's flags (estimate / confidential; see the flags column)"
                  if flagged else ""))
    from sco_observatory.metrics import quality

    quality_line = quality.flagged_line(frame, f"sco trade discrepancies {expression} --partners {expression} --years {years}")
    emit(frame, fmt, title=f"SIEI-style {dimension} index ({level}) — {expression}",
         caption=caption + (f"\n{quality_line}" if quality_line else ""))


def arms_command(
    expression: str = typer.Argument(..., help="Recipients: a group expression, e.g. CA5 or KAZ,UZB."),
    years: str = typer.Option("2000-2023", "--years", "-y", help="Years: 2000-2023, 2010,2020 or 2000-2020:5."),
    suppliers: str = typer.Option("RUS,CHN", "--suppliers", help="Suppliers named on their own rows; the rest are 'Others'."),
    period: int = typer.Option(1, "--period", min=1, max=50, help="Years per period: 1 (each year) or 5 (SIPRI-style five-year blocks)."),
    fmt: Format = FMT,
) -> None:
    """Arms-transfer dependence: each state's share of its arms imports by supplier (SIPRI TIV).

    Needs SIPRI's trade register (not shipped: SIPRI's terms); `sco import` the CSV export first.

    Example: sco arms CA5 --years 2000-2023 --period 5
    """
    with observatory() as obs:
        frame = obs.arms(expression, years, suppliers, period=period)
    flagged = frame.filter(pl.col("flags") != "")
    caption = ("share = TIV from the supplier / TIV from all suppliers in the period (SIPRI trend-indicator values, "
               "millions; not US$)"
               + (f"\nnote: {flagged.height} rows include deliveries SIPRI marks as uncertain (see the flags column)"
                  if flagged.height else ""))
    shown = frame.select("recipient", "period", "supplier", pl.col("tiv").round(1), pl.col("total_tiv").round(1),
                         (pl.col("share") * 100).round(1).alias("share %"), "flags", "note") if fmt is Format.table else frame
    emit(shown, fmt, title=f"Arms imports of {expression} by supplier, {years} (SIPRI Arms Transfers Database)",
         caption=caption)


def trade_series_command(
    expression: str = typer.Argument(..., help="Reporters: a group expression, e.g. CA5 or KGZ."),
    partners: str = typer.Option(..., "--partners", help="Partners, e.g. RUS,CHN or WLD (the reporter's world total)."),
    years: str = typer.Option("2000-2023", "--years", "-y", help="Years: 2000-2023, 2010,2020 or 2000-2020:5."),
    extend_with: Optional[str] = typer.Option(None, "--extend-with", callback=lowercase, help="national: continue after IMF DOTS ends (2020) with the reporter's national statistics; every spliced row says so."),
    fmt: Format = FMT,
) -> None:
    """Bilateral trade as each reporter records it, by year and flow (IMF DOTS; optionally spliced with national statistics).

    Example: sco trade-series KGZ --partners RUS,CHN --years 2015-2023 --extend-with national
    """
    with observatory() as obs:
        frame = obs.trade_series(expression, partners, years, extend_with=extend_with)  # type: ignore[arg-type]
    breaks = sorted({b for b in frame["source_break"].to_list() if b})
    flagged = int(frame["estimate"].sum() or 0)
    caption = ("; ".join(f"source break: {b}" for b in breaks) if breaks else "one source: IMF DOTS")
    if flagged:
        caption += f"\nnote: {flagged} values are the publisher's estimates or preliminary (estimate column)"
    from sco_observatory.metrics import quality

    quality_line = quality.flagged_line(frame, f"sco trade discrepancies {expression} --partners {partners} --years {years}")
    if quality_line:
        caption += f"\n{quality_line}"
    shown = frame.select("reporter", "partner", "year", "flow", (pl.col("value_usd") / 1e6).round(1).alias("US$ mn"),
                         "valuation", "estimate", pl.col("flows_flagged").alias("flagged"), "source",
                         "after_break") if fmt is Format.table else frame
    emit(shown, fmt, title=f"Trade of {expression} with {partners}, {years}", caption=caption)


def composite_command(
    expression: str = typer.Argument(..., help="Group expression, e.g. CA5+RUS or SCO@2015."),
    years: str = typer.Option(..., "--years", "-y", help="Years: 2012, 2010-2020, 2000-2020:5 or 2000,2010 (the panel over which scores are normalised)."),
    dimensions: str = typer.Option("trade,migration", "--dimensions", help="SIEI-style dimensions to combine, comma-separated."),
    level: str = typer.Option("pair", "--level", callback=lowercase, help="pair, country or group."),
    partial: bool = typer.Option(False, "--partial", help="Average the components present where some are missing (says how many)."),
    fmt: Format = FMT,
) -> None:
    """SIEI-style composite: min–max normalised sub-indices, equal weights (ARII 2016 method).

    Scores are relative to the panel of the call (these countries and years).

    Example: sco composite CA5+RUS --years 2010-2019 --dimensions trade,migration
    """
    with observatory() as obs:
        frame = obs.composite(expression, years, dimensions=dimensions, level=level, partial=partial)
    dims = [d.strip() for d in dimensions.split(",") if d.strip()]
    emit(frame, fmt, title=f"SIEI-style composite ({', '.join(dims)}; {level}) — {expression}",
         caption="min–max over the panel, equal weights; a proxy, not the EDB's index")


def convergence_command(
    expression: str = typer.Argument(..., help="Group expression."),
    indicator: Optional[str] = typer.Option(None, "--indicator", "-i", help="Indicator alias or code (default: GDP per capita PPP where the store holds it, else constant, else current US$)."),
    years: Optional[str] = typer.Option(None, "--years", "-y", help="Years: 2000-2019 (β from the first to the last), 2000,2010,2019 or 2000-2019:5 (σ for those years)."),
    start: Optional[int] = year_option("--from", default=None, help="First year (or use --years)."),
    end: Optional[int] = year_option("--to", default=None, help="Last year (or use --years)."),
    measure: str = typer.Option("both", "--measure", callback=lowercase, help="sigma, beta, both, or art63 (EAEU Treaty Art. 63 criteria for the last year)."),
    significance: float = typer.Option(0.05, "--significance", min=0.0001, max=0.5, help="Two-sided level at which β < 0 counts as convergence."),
    source: Optional[str] = SOURCE,
    fmt: Format = FMT,
) -> None:
    """σ-convergence path and β-convergence (annualised OLS, λ, half-life, N, R², p) — METHODS §6.

    "Converging" only where β < 0 is significant at --significance; otherwise "no evidence of
    β-convergence". JSON is one object {"sigma": [...], "beta": [...]}; CSV one table with a `part` column.

    Example: sco convergence CA5 --years 2000-2019
    """
    import json
    import sys

    from sco_observatory.api import Convergence
    from sco_observatory.metrics import convergence

    with observatory() as obs:
        result = obs.convergence(expression, indicator, start, end, measure=measure, source=source,  # type: ignore[arg-type]
                                 years=years, significance=significance)
        code = indicator or (convergence.default_income_indicator(obs.store) if measure != "art63" else "")
    if not isinstance(result, Convergence):
        if measure == "art63":
            emit(result, fmt, title=f"EAEU Art. 63 criteria, {parse_years(years)[-1] if years else end}")
            return
        result = Convergence(result, None) if measure == "sigma" else Convergence(None, result)  # type: ignore[arg-type]
    sig, bet = result
    chosen = "" if indicator else " (default: the first of PPP, constant-price, current-US$ GDP per capita the store holds)"
    if fmt is Format.json:
        doc = {"indicator": code, "sigma": sig.to_dicts() if sig is not None else None,
               "beta": bet.to_dicts() if bet is not None else None}
        sys.stdout.write(json.dumps(doc, default=str, ensure_ascii=False, indent=1) + "\n")
        return
    if fmt is Format.csv:
        emit(convergence.combined(sig, bet), fmt)
        return
    if sig is not None:
        emit(sig, fmt, title=f"σ-convergence of {code}{chosen}")
    if bet is not None:
        emit(bet.select("code", "start", "end", "n", "beta", "se_beta", "p_value", "r2", "half_life", "converging", "source"),
             fmt, title=f"β-convergence of {code} {bet['start'][0]}-{bet['end'][0]}{'' if sig is not None else chosen}",
             caption=bet["verdict"][0])


def whatif_command(
    base: str = typer.Argument(..., help="Baseline group expression, e.g. SCO@2012."),
    add: Optional[List[str]] = typer.Option(None, "--add", help="Countries or groups to add (repeatable)."),
    remove: Optional[List[str]] = typer.Option(None, "--remove", help="Countries or groups to remove (repeatable)."),
    year: int = year_option("--year", "-y"),
    indicators: Optional[List[str]] = typer.Option(None, "--indicator", "-i", help="Power indicators (default: gdp, population, area, defence, armed_forces)."),
    nearest: int = nearest_option("Closest year within ±N where a country lacks the year."),
    fmt: Format = FMT,
) -> None:
    """Baseline vs changed group side by side: power shares, HHI, CON, integration, with deltas.

    Example: sco whatif SCO@2012 --add IND --add PAK --year 2012
    """
    with observatory() as obs:
        frame = obs.whatif(base, add or None, remove or None, year, indicators=indicators or None, nearest=nearest)
    emit(frame, fmt, title=f"What if: {base}" + "".join(f" +{a}" for a in add or []) + "".join(f" -{r}" for r in remove or []) + f", {year}")


def claims_command(
    ids: Optional[List[str]] = typer.Argument(None, help="Claim ids to check (default: all)."),
    fmt: Format = FMT,
) -> None:
    """Recompute the 2014 report's quantitative statements: agree / disagree / cannot-check, with evidence.

    Example: sco claims --format csv
    """
    with observatory() as obs:
        frame = obs.claims(ids or None)
    counts = frame.group_by("verdict").len().sort("verdict")
    emit(frame, fmt, title="Koldunova & Das Kundu (2014): claims recomputed",
         caption=" · ".join(f"{v}: {n}" for v, n in counts.iter_rows()))


def register(app: typer.Typer) -> None:
    app.command("power")(power_command)
    app.command("ratio")(ratio_command)
    app.command("trade")(trade_command)
    app.command("siei")(siei_command)
    app.command("arms")(arms_command)
    app.command("trade-series")(trade_series_command)
    app.command("composite")(composite_command)
    app.command("convergence")(convergence_command)
    app.command("whatif")(whatif_command)
    app.command("claims")(claims_command)
