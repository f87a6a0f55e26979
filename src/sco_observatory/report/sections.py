"""The report's sections, in order. Each takes the Context and returns a Section.

Sections only arrange what the knowledge base and the metrics engine return; every number carries a
footnote marker pointing at its source (and, for computed values, the formula in docs/metrics.md).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from sco_observatory.errors import ObservatoryError
from sco_observatory.report import charts
from sco_observatory.report.builder import Context, Section
from sco_observatory.report.html import esc, fmt_number, note, table

STATUS_TITLES = {"member": "Members", "observer": "Observers", "dialogue_partner": "Dialogue partners"}


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    return dt.date(int(text), 1, 1) if len(text) == 4 else dt.date.fromisoformat(text)


def _source_cell(ctx: Context):
    def cell(column, value, row):
        if column == "source" and value:
            return ctx.notes.marker(*str(value).split(";"))
        return None
    return cell


# ------------------------------------------------------------------------------------ at a glance
def at_a_glance(ctx: Context) -> Section:
    from sco_observatory.kb import queries as kb

    parts = []
    counts = []
    for status, title in STATUS_TITLES.items():
        frame = kb.members_as_of("SCO", ctx.as_of, [status])
        counts.append(f"{frame.height} {title.lower()}")
        parts.append(f"<h3>{title} on {ctx.as_of.isoformat()} <span class='count'>({frame.height})</span></h3>")
        parts.append(table(frame, table_id=f"sco-{status}", cell=_source_cell(ctx),
                           columns=["iso3", "name", "since", "until", "source"]) if frame.height else
                     "<p>None on this date.</p>")
    periods = []
    for org in ("SHANGHAI5", "SCO"):
        events = kb.timeline(org)
        for iso3 in [c for c in events["iso3"].unique().to_list() if c]:
            hist = kb.history(iso3).filter(pl.col("org") == org)
            for row in hist.iter_rows(named=True):
                periods.append({"iso3": iso3, "name": f"{row_name(iso3)}", "status": row["status"],
                                "start": _date(row["since"]), "end": _date(row["until"]),
                                "org": org})
    fig = charts.timeline_chart(periods, "Shanghai Five (1996) and SCO: every status from founding to today",
                                dt.date.today())
    timeline = kb.timeline("SCO")
    events = table(timeline.select("date", "iso3", "name", "event", "source"), table_id="sco-timeline",
                   cell=_source_cell(ctx), caption="Every change of status in the SCO, in date order")
    body = (
        f"<p class='lead'>On <b>{ctx.as_of.isoformat()}</b> the SCO counted {', '.join(counts)}.</p>"
        + "".join(parts)
        + charts.to_div(fig, ctx.chart_id("timeline"))
        + f"<details><summary>All status changes ({timeline.height})</summary>{events}</details>"
    )
    return Section("glance", "The SCO at a glance", body, "; ".join(counts))


def row_name(iso3: str) -> str:
    from sco_observatory.countries import name_of

    return name_of(iso3)


# ------------------------------------------------------------------------------------ architecture
def architecture(ctx: Context) -> Section:
    from sco_observatory.kb import queries as kb

    scope = kb.members_as_of("SCO", ctx.as_of, ["member", "observer", "dialogue_partner"])["iso3"].to_list()
    for iso3 in ("KAZ", "KGZ", "TJK", "TKM", "UZB"):
        if iso3 not in scope:
            scope.append(iso3)
    matrix = kb.overlap(ctx.as_of, scope)
    org_cols = [c for c in matrix.columns if c not in ("iso3", "name")]
    # keep organisations where at least one of these countries holds a status
    org_cols = [c for c in org_cols if matrix[c].drop_nulls().len() > 0]
    labels = {"member": "●", "observer": "○", "dialogue_partner": "◇", "associate": "◐", "applicant": "…",
              "suspended": "✕"}

    def cell(column, value, row):
        if column in org_cols:
            return f"<span title='{esc(value)}' class='st st-{esc(value)}'>{labels.get(value, '')}</span>" if value else ""
        return None

    legend = " ".join(f"{sym} {esc(st.replace('_', ' '))}" for st, sym in labels.items())
    graph = kb.membership_graph(ctx.as_of)
    keep = set(scope)
    graph = {
        "as_of": graph["as_of"],
        "nodes": [n for n in graph["nodes"] if n["type"] == "organisation" or n["id"] in keep],
        "edges": [e for e in graph["edges"] if e["source"] in keep],
    }
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] == "country"
                      or any(e["target"] == n["id"] for e in graph["edges"])]
    fig = charts.network_chart(graph, f"Who belongs to what on {ctx.as_of.isoformat()}")
    body = (
        "<p>The SCO's members, observers and dialogue partners and the five Central Asian states, against every "
        "organisation of the Eurasian architecture in the knowledge base (statuses as of the report date; each cell "
        "is sourced in <code>sco history COUNTRY</code>).</p>"
        f"<p class='legend'>{legend}</p>"
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


# ------------------------------------------------------------------------------------ sources
def sources(ctx: Context) -> Section:
    return Section("sources", "Sources and formulas", "")  # rendered by the template from ctx.notes


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


ALL = [at_a_glance, architecture, projects, sources]
