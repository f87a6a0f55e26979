"""The JSON API's routes: each resolves its inputs with the library's parsers and returns a table.

Inputs are validated by the same functions the CLI uses (`resolve_group`, `parse_as_of`,
`parse_year_range`), so a bad code or date is a 4xx with the same one-line message.
"""

from __future__ import annotations

from typing import Callable, Optional

from fastapi import FastAPI, Query

from sco_observatory.dates import parse_as_of, parse_year_range, parse_years
from sco_observatory.groups import group_frame, resolve_group
from sco_observatory.limits import last_year
from sco_observatory.source_ids import check_source
from sco_observatory.store import Store
from sco_observatory.web.payload import table_payload

LAST_YEAR = last_year()
GROUP_HELP = "Group expression, e.g. SCO@2012, SCO:observer@2012-12-31, SCO@2016+IND+PAK, CA5, KAZ,KGZ"


def add_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    from sco_observatory.kb import queries as kb

    @app.get("/api/members", tags=["knowledge base"])
    def members(group: str = Query("SCO", description=GROUP_HELP)) -> dict:
        """Members of a group expression with status, dates and source."""
        resolved = resolve_group(group)
        return table_payload(group_frame(resolved), group=group, as_of=[d.isoformat() for d in resolved.as_of],
                             notes=resolved.notes)

    @app.get("/api/history/{country}", tags=["knowledge base"])
    def history(country: str) -> dict:
        """Every membership of a country in every organisation, in date order."""
        iso3, name = kb.resolve_country(country)
        return table_payload(kb.history(iso3), iso3=iso3, name=name, notes=kb.history_notes(iso3))

    @app.get("/api/orgs", tags=["knowledge base"])
    def orgs() -> dict:
        """All organisations in the ledger with founding and dissolution dates."""
        return table_payload(kb.organisations())

    @app.get("/api/timeline/{org}", tags=["knowledge base"])
    def timeline(org: str) -> dict:
        """Every status change of an organisation, in date order."""
        return table_payload(kb.timeline(org), org=kb.organisation(org).id)

    @app.get("/api/overlap", tags=["knowledge base"])
    def overlap(as_of: Optional[str] = Query(None, description="YYYY or YYYY-MM-DD; default today"),
                countries: Optional[str] = Query(None, description=GROUP_HELP)) -> dict:
        """Country x organisation matrix of statuses on a date."""
        day = parse_as_of(as_of)
        isos = resolve_group(countries).iso3 if countries else None
        return table_payload(kb.overlap(day, isos), as_of=day.isoformat())

    @app.get("/api/graph", tags=["knowledge base"])
    def graph(as_of: Optional[str] = Query(None, description="YYYY or YYYY-MM-DD; default today")) -> dict:
        """Countries and organisations as a network: nodes and edges with status and source."""
        return kb.membership_graph(parse_as_of(as_of))

    @app.get("/api/projects", tags=["knowledge base"])
    def projects() -> dict:
        """Pipelines, railways, corridors, power links and bases with participants and sources."""
        return table_payload(kb.projects())

    @app.get("/api/indicators", tags=["data"])
    def indicators() -> dict:
        """Indicator codes in the store with their sources and year spans."""
        from sco_observatory.store.queries import indicator_spans

        return table_payload(indicator_spans(store()))

    @app.get("/api/data/{code}", tags=["data"])
    def data(code: str, countries: Optional[str] = Query(None, description=GROUP_HELP),
             years: Optional[str] = Query(None, description="YYYY or YYYY-YYYY")) -> dict:
        """Values of one indicator with their source."""
        from sco_observatory.store.queries import indicator_values

        isos = resolve_group(countries).iso3 if countries else None
        span = parse_year_range(years) if years else None
        return table_payload(indicator_values(store(), code, isos, span), code=code.upper())

    @app.get("/api/power", tags=["metrics"])
    def power(group: str = Query("SCO", description=GROUP_HELP), year: int = Query(2012, ge=1800, le=LAST_YEAR),
              indicator: str = Query("defence", description="gdp, population, area, defence, armed_forces or a code"),
              source: Optional[str] = Query(None, description="source id; default: the best the store holds")) -> dict:
        """Each member's share of the group total for one indicator, with HHI and Ray–Singer CON."""
        from sco_observatory.metrics import power as pw

        parse_year_range(str(year))
        resolved = resolve_group(group)
        check_source(store(), source)
        shares = pw.shares(store(), resolved.iso3, indicator, year, source=source)
        conc = pw.concentration(shares)
        return {**table_payload(shares, group=group, year=year, indicator=indicator),
                "concentration": table_payload(conc)}

    add_metric_routes(app, store)
    add_scenario_routes(app, store)
    add_dashboard_routes(app, store)


BASIS_HELP = "reported (exporter FOB), mirror (importer CIF) or best (reported where present, else mirror)"
TRADE_MEASURES = ("shares", "group-shares", "intensity", "intra", "introversion", "group", "concentration")
YEARS_HELP = "2012, 2000,2010,2020, 2000-2020 or 2000-2020:5 (every 5th year)"


def _chosen_years(frame, years: tuple[int, ...]):
    """The rows of the chosen years (a metric computes over the span first..last; '2000,2020' keeps two)."""
    import polars as pl

    if "year" not in frame.columns or len(years) == years[-1] - years[0] + 1:
        return frame
    return frame.filter(pl.col("year").is_in(list(years)))


def add_metric_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    from sco_observatory import whatif as whatif_engine
    from sco_observatory.metrics import claims as claims_mod
    from sco_observatory.metrics import convergence as conv
    from sco_observatory.metrics import siei as siei_mod
    from sco_observatory.metrics import trade as trade_mod

    @app.get("/api/trade", tags=["metrics"])
    def trade(group: str = Query("CA5", description=GROUP_HELP),
              years: str = Query("2012", description=YEARS_HELP),
              measure: str = Query("group", description="group (intra-regional share, intensity, introversion), "
                                   "shares, group-shares, intensity, intra, introversion, concentration"),
              basis: str = Query("reported", description=BASIS_HELP)) -> dict:
        """WITS/UNCTAD trade indicators for a group; CIF/FOB and the flow basis are columns of every row,
        and `data_quality` says how many rows read a flow whose reported and mirror figures disagree."""
        from sco_observatory.metrics import quality

        ys = parse_years(years)
        isos = resolve_group(group).iso3
        _check_choice(measure, TRADE_MEASURES, "measure")
        _check_choice(basis, ("reported", "mirror", "best"), "basis")
        fn = {"shares": trade_mod.trade_shares, "intensity": trade_mod.trade_intensity,
              "intra": trade_mod.intra_regional_share, "introversion": trade_mod.introversion,
              "group": trade_mod.group_indicators, "concentration": trade_mod.market_concentration,
              "group-shares": trade_mod.group_shares}[measure]
        frame = _chosen_years(fn(store(), isos, (ys[0], ys[-1]), basis), ys)
        return table_payload(frame, group=group, years=list(ys), measure=measure,
                             data_quality=quality.flagged_line(frame, f"sco trade discrepancies {group} --partners {group} "
                                                                      f"--years {years}"))

    @app.get("/api/trade/partners", tags=["metrics"])
    def trade_partners(group: str = Query("CA5", description=GROUP_HELP),
                       partners: str = Query("CHN,RUS", description="CHN,RUS (one row each), EU27 or SCO@2024-CA5 "
                                             "(one partner group); several separated by ';'"),
                       years: str = Query("2000,2020", description="2012, 2000,2020, 2000-2020 or 2000-2020:5"),
                       basis: str = Query(trade_mod.DEFAULT_GROUP_BASIS, description=BASIS_HELP),
                       partial: bool = Query(False, description="sum the flows present where some are missing")) -> dict:
        """A group's trade with each partner as one figure: exports, imports, share of the group's trade
        with the world, flows present / from each side / flagged, and a data-quality note."""
        from sco_observatory.groups import partner_sets
        from sco_observatory.metrics import quality

        ys = parse_years(years)
        isos = resolve_group(group).iso3
        _check_choice(basis, ("reported", "mirror", "best"), "basis")
        psets = partner_sets([p for p in partners.split(";") if p.strip()])
        frame = trade_mod.trade_partners(store(), isos, psets, ys, basis, partial=partial)
        flags = quality.discrepancies(store(), isos, ys, sorted({c for v in psets.values() for c in v}))
        return table_payload(frame, group=group, partners=list(psets), years=list(ys), basis=basis,
                             data_quality=quality.quality_note(flags))

    @app.get("/api/trade/products", tags=["metrics"])
    def trade_products(group: str = Query("CA5", description=GROUP_HELP),
                       partner: str = Query("CHN", description="one partner: a country or a group expression (CHN+RUS)"),
                       year: int = Query(..., ge=1800, le=LAST_YEAR, description="one year of a product-level dataset"),
                       top: int = Query(10, ge=1, le=10_000, description="products per direction"),
                       basis: str = Query("reported", description=BASIS_HELP)) -> dict:
        """A group's top products with a partner (value, share, RCA of each side, PCI) — METHODS §4.5, §4.11.
        Needs a product-level dataset (CEPII BACI, UN Comtrade by HS code) in the store."""
        from sco_observatory.metrics import products

        _check_choice(basis, ("reported", "mirror", "best"), "basis")
        frame = products.trade_products(store(), resolve_group(group).iso3, resolve_group(partner).iso3, year, basis, top=top)
        return table_payload(frame, group=group, partner=partner, year=year, basis=basis)

    @app.get("/api/siei", tags=["metrics"])
    def siei(group: str = Query("CA5+RUS", description=GROUP_HELP),
             dimension: str = Query("trade", description="trade, migration, agriculture, convergence, or composite "
                                    "(min–max normalised trade and migration, equal weights) — SIEI-style proxies"),
             years: str = Query("2012", description=YEARS_HELP),
             level: str = Query("pair", description="pair, country or group")) -> dict:
        """SIEI-style integration indices (proxies after the EDB's system; not the EDB's formulas)."""
        ys = parse_years(years)
        span = (ys[0], ys[-1])
        _check_choice(level, ("pair", "country", "group"), "level")
        isos = resolve_group(group).iso3
        if dimension == "composite":
            from sco_observatory.metrics.composite import siei_composite

            frame = siei_composite(store(), isos, span, level=level)
        else:
            frame = siei_mod.siei(store(), dimension, isos, span, level)
        return table_payload(_chosen_years(frame, ys), group=group, dimension=dimension, level=level)

    @app.get("/api/convergence", tags=["metrics"])
    def convergence(group: str = Query("SCO", description=GROUP_HELP),
                    indicator: str = Query("NY.GDP.PCAP.CD", description="indicator code or alias"),
                    years: str = Query("1995-2019", description="YYYY-YYYY window")) -> dict:
        """σ path (SD of logs, CV) and β (annualised OLS, λ, half-life, N, R², p) over a window."""
        first, last = parse_year_range(years)
        isos = resolve_group(group).iso3
        return {**table_payload(conv.sigma(store(), isos, indicator, (first, last)), group=group, indicator=indicator),
                "beta": table_payload(conv.beta(store(), isos, indicator, first, last))}

    @app.get("/api/whatif", tags=["metrics"])
    def whatif(base: str = Query("SCO@2016", description=GROUP_HELP),
               add: str = Query("", description="countries to add, comma-separated"),
               remove: str = Query("", description="countries to remove, comma-separated"),
               year: int = Query(2012, ge=1800, le=LAST_YEAR)) -> dict:
        """Baseline and changed group side by side: power shares, concentration, integration, with deltas."""
        parse_year_range(str(year))
        added = resolve_group(add).iso3 if add.strip() else []
        removed = resolve_group(remove).iso3 if remove.strip() else []
        frame = whatif_engine.whatif(store(), resolve_group(base).iso3, added, removed, year, nearest=2)
        return table_payload(frame, base=base, add=added, remove=removed, year=year)

    @app.get("/api/claims", tags=["metrics"])
    def claims() -> dict:
        """The 2014 report's quantitative statements recomputed: agree, disagree or cannot-check, with evidence."""
        return table_payload(claims_mod.check(store()))


def add_scenario_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    @app.get("/api/scenarios", tags=["metrics"])
    def scenarios(from_: Optional[int] = Query(None, alias="from", ge=1800, le=LAST_YEAR, description="first year (default 2010)"),
                  to: Optional[int] = Query(None, ge=1800, le=LAST_YEAR, description="last year (default: latest data)")) -> dict:
        """The report's two scenarios: each signpost's value per year, whether it points to its scenario, the
        source; and per scenario and year the signposts lit and those not evaluable (with the reason)."""
        from sco_observatory.signposts import evaluate, summary
        from sco_observatory.signposts.evaluate import FIRST_YEAR, latest_year

        span = parse_year_range(f"{from_ if from_ is not None else FIRST_YEAR}-{to if to is not None else latest_year(store())}")
        frame = evaluate(store(), years=span)
        return {**table_payload(frame, years=list(span)), "summary": table_payload(summary(frame))}


def _check_choice(value: str, allowed: tuple[str, ...], name: str) -> None:
    from sco_observatory.errors import ObservatoryError

    if value not in allowed:
        raise ObservatoryError(f"unknown {name} '{value}'", f"use one of: {', '.join(allowed)}")


def add_dashboard_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    """Endpoints the dashboard's panels need beyond the metric routes: labels, the year to show for a
    date, partner trade shares over time, CINC, β with its verdict, citations and the offline geometry."""
    from importlib import resources

    from fastapi.responses import Response

    from sco_observatory.metrics import power as pw
    from sco_observatory.metrics import trade as trade_mod
    from sco_observatory.report import labels
    from sco_observatory.web import views

    @app.get("/api/labels", tags=["dashboard"])
    def label_table() -> dict:
        """Reader-facing labels and units of indicator codes (the publishers' names), headers of measure
        columns (and each dashboard panel's narrower ones), and words for statuses."""
        from sco_observatory.labels import PANEL_HEADERS
        from sco_observatory.metrics import ALIASES
        from sco_observatory.snapshot_datasets import SHORT_NAMES

        return {"indicators": {c: {"label": l, "unit": u} for c, (l, u) in labels.indicator_labels().items()},
                "columns": labels.COLUMN_HEADERS, "panels": PANEL_HEADERS, "statuses": labels.STATUS_WORDS,
                "aliases": ALIASES, "measure_stats": labels.MEASURE_STATS, "measure_words": labels.MEASURE_WORDS,
                "sections": labels.SECTION_WORDS, "source_names": [list(p) for p in SHORT_NAMES]}

    @app.get("/api/catalog", tags=["data"])
    def data_catalog() -> dict:
        """What the store holds: one row per source and table with its contents, years and countries."""
        from sco_observatory.store.queries import catalog

        return table_payload(catalog(store()))

    @app.get("/api/year", tags=["dashboard"])
    def year_for_date(indicator: str = Query("defence"), group: str = Query("SCO", description=GROUP_HELP),
                      date: Optional[str] = Query(None, description="YYYY or YYYY-MM-DD; default today")) -> dict:
        """The latest year with data at or before the date for the group (what the indicator year follows)."""
        day = parse_as_of(date)
        isos = resolve_group(group).iso3
        return {"year": views.latest_year(store(), indicator, isos, day), "date": day.isoformat(), "indicator": indicator}

    @app.get("/api/trade/member-shares", tags=["metrics"])  # /api/trade/partners is the bloc-level answer
    def trade_member_shares(group: str = Query("CA5", description=GROUP_HELP),
                       partners: str = Query("CHN,RUS", description="partner countries, comma-separated"),
                       years: str = Query("1995-2020", description=YEARS_HELP),
                       basis: str = Query("reported", description=BASIS_HELP)) -> dict:
        """Each member's trade share with each partner per year (METHODS §4.1), for partner-share lines,
        with each row's flagged flows (`flows_flagged`)."""
        ys = parse_years(years)
        isos = resolve_group(group).iso3
        wanted = resolve_group(partners).iso3
        _check_choice(basis, ("reported", "mirror", "best"), "basis")
        frame = _chosen_years(trade_mod.trade_shares(store(), isos, (ys[0], ys[-1]), basis, partners=wanted), ys)
        return table_payload(frame, group=group, partners=wanted, years=[ys[0], ys[-1]])

    @app.get("/api/cinc", tags=["metrics"])
    def cinc(group: str = Query("SCO", description=GROUP_HELP),
             years: str = Query("1996-2016", description="YYYY-YYYY")) -> dict:
        """CINC recomputed within the group from COW NMC components (METHODS §5.2, Option A)."""
        span = parse_year_range(years)
        return table_payload(pw.cinc(store(), resolve_group(group).iso3, span), group=group, years=list(span))

    @app.get("/api/arms", tags=["metrics"])
    def arms(group: str = Query("CA5", description=GROUP_HELP),
             years: str = Query("2000-2023", description="YYYY-YYYY"),
             suppliers: str = Query("RUS,CHN", description="suppliers on their own rows; the rest are 'Others'"),
             period: int = Query(1, ge=1, le=50, description="years per period (5: SIPRI-style blocks)")) -> dict:
        """Arms-import shares by supplier, SIPRI TIV (not shipped: a 404 says which file to import)."""
        from sco_observatory.metrics import arms as arms_mod

        span = parse_year_range(years)
        frame = arms_mod.dependence(store(), resolve_group(group).iso3, span, resolve_group(suppliers).iso3, period)
        return table_payload(frame, group=group, years=list(span), period=period, unit=arms_mod.UNIT)

    @app.get("/api/beta", tags=["metrics"])
    def beta(group: str = Query("SCO", description=GROUP_HELP),
             indicator: str = Query("NY.GDP.PCAP.CD", description="indicator code or alias"),
             years: str = Query("1995-2019", description="YYYY-YYYY window")) -> dict:
        """β-convergence with its verdict in words: 'converging' only if β < 0 is significant."""
        from sco_observatory.metrics import convergence as conv

        first, last = parse_year_range(years)
        frame = conv.beta(store(), resolve_group(group).iso3, indicator, first, last)
        return {**table_payload(frame, group=group), "verdict": views.beta_verdict(frame),
                "level": views.BETA_SIGNIFICANCE}

    @app.get("/api/citations", tags=["dashboard"])
    def citation_table(keys: str = Query("", description="source keys, comma-separated")) -> dict:
        """Full citations (with vintage) of the source keys a table names."""
        return table_payload(views.citations(store(), [k for k in keys.split(",") if k.strip()]))

    @app.get("/static/countries-110m.geojson", include_in_schema=False)
    def geometry() -> Response:
        text = resources.files("sco_observatory.web").joinpath("static", "countries-110m.geojson").read_text("utf-8")
        return Response(text, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=86400"})
