"""The JSON API's routes: each resolves its inputs with the library's parsers and returns a table.

Inputs are validated by the same functions the CLI uses (`resolve_group`, `parse_as_of`,
`parse_year_range`), so a bad code or date is a 4xx with the same one-line message.
"""

from __future__ import annotations

from typing import Callable, Optional

import polars as pl
from fastapi import FastAPI, Query

from sco_observatory.dates import parse_as_of, parse_year_range
from sco_observatory.groups import group_frame, resolve_group
from sco_observatory.store import Store
from sco_observatory.web.app import table_payload

GROUP_HELP = "Group expression, e.g. SCO@2012, SCO:observer@2012-12-31, SCO@2016+IND+PAK, CA5, KAZ,KGZ"


def add_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    from sco_observatory.kb import queries as kb

    @app.get("/api/members", tags=["knowledge base"])
    def members(group: str = Query("SCO", description=GROUP_HELP)) -> dict:
        """Members of a group expression with status, dates and source."""
        resolved = resolve_group(group)
        return table_payload(group_frame(resolved), group=group, as_of=[d.isoformat() for d in resolved.as_of])

    @app.get("/api/history/{country}", tags=["knowledge base"])
    def history(country: str) -> dict:
        """Every membership of a country in every organisation, in date order."""
        iso3, name = kb.resolve_country(country)
        return table_payload(kb.history(iso3), iso3=iso3, name=name)

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
        frame = store().con.sql(
            """SELECT code, source_id AS source, min(year) AS first_year, max(year) AS last_year,
                      count(DISTINCT iso3) AS countries FROM indicator GROUP BY code, source_id ORDER BY code, source"""
        ).pl()
        return table_payload(frame)

    @app.get("/api/data/{code}", tags=["data"])
    def data(code: str, countries: Optional[str] = Query(None, description=GROUP_HELP),
             years: Optional[str] = Query(None, description="YYYY or YYYY-YYYY")) -> dict:
        """Values of one indicator with their source."""
        from sco_observatory.store.queries import indicator_values

        isos = resolve_group(countries).iso3 if countries else None
        span = parse_year_range(years) if years else None
        return table_payload(indicator_values(store(), code, isos, span), code=code.upper())

    @app.get("/api/power", tags=["metrics"])
    def power(group: str = Query("SCO", description=GROUP_HELP), year: int = Query(2012, ge=1800, le=2100),
              indicator: str = Query("defence", description="gdp, population, area, defence, armed_forces or a code"),
              source: Optional[str] = Query(None, description="source id; default: the best the store holds")) -> dict:
        """Each member's share of the group total for one indicator, with HHI and Ray–Singer CON."""
        from sco_observatory.metrics import power as pw

        parse_year_range(str(year))
        resolved = resolve_group(group)
        shares = pw.shares(store(), resolved.iso3, indicator, year, source=source)
        conc = pw.concentration(shares)
        return {**table_payload(shares, group=group, year=year, indicator=indicator),
                "concentration": table_payload(conc)}

    _add_metric_routes(app, store)


def _add_metric_routes(app: FastAPI, store: Callable[[], Store]) -> None:
    """Routes over the metrics engine modules that exist in this installation."""
    try:
        from sco_observatory.web import metric_routes
    except ImportError:
        return
    metric_routes.add_routes(app, store)
