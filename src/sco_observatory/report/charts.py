"""Plotly figures for the report and the dashboard, rendered as divs (plotly.js is inlined once)."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Any, Callable

import plotly.graph_objects as go

from sco_observatory.report.labels import status_word

STATUS_COLOURS = {
    "member": "#1f4e79",
    "observer": "#5b9bd5",
    "dialogue_partner": "#a9c47f",
    "partner": "#70ad47",
    "associate": "#f4b183",
    "applicant": "#ffd966",
    "suspended": "#c00000",
}


PRINT_WIDTH = 700
"""Chart width in CSS px: A4 less 10 mm margins is 718 px wide, Letter 740 px (96 px per inch)."""


def to_div(fig: go.Figure | dict, div_id: str) -> str:
    """The figure as a div of fixed width `PRINT_WIDTH`, so that it fits A4 and Letter pages as it fits the
    screen (a responsive plot keeps its screen width on paper and is clipped); the print CSS hides plotly's
    toolbar, which must never cover a title on paper.

    The "plotly_white" template goes into the figure's JSON as a plain dict, built once: setting it on
    each figure with `update_layout(template=...)` copied and validated the whole template every time
    (about 0.1 s a chart, most of the report's plotly time). The HTML is byte for byte the same.

    `fig` may also be the figure's JSON already (`{"data": [...], "layout": {...}}`, as `timeline_chart`
    builds it): the same page, without plotly's per-trace validation."""
    import plotly.io as pio

    page = dict(margin=dict(l=60, r=20, t=50, b=40), font=dict(size=12), width=PRINT_WIDTH)
    if isinstance(fig, dict):
        spec = {"data": fig["data"], "layout": {**fig["layout"], **page}}
    else:
        fig.update_layout(**page)
        spec = fig.to_dict()
    spec["layout"] = {"template": _white_template(), **{k: v for k, v in spec["layout"].items() if k != "template"}}
    return pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": False, "displayModeBar": "hover"})


@lru_cache(maxsize=1)
def _white_template() -> dict:
    """plotly's "plotly_white" template as the JSON a figure carries (what `template="plotly_white"` gave)."""
    return go.Figure().update_layout(template="plotly_white").to_dict()["layout"]["template"]


def timeline_chart(periods: list[dict[str, Any]], title: str, as_of: dt.date,
                   word: Callable[[str], str] = status_word) -> dict:
    """Status periods per country as horizontal bars: {iso3, name, status, start (date), end (date|None)}.

    The chart stops at `as_of` (the report's date): a period starting later is left out and an open or
    later-ending one is cut there, so a report dated 2024 shows nothing of 2025. `word` names a status
    (the report's language: `Context.status`).

    Returned as the figure's JSON (`to_div` renders it): one bar trace per period, ~50 of them, each
    written as plotly's `go.Bar(...).to_plotly_json()` writes it (properties in name order, `type`
    last) — building and validating them as plotly objects was a third of the report's chart time. The
    layout still goes through plotly (one empty figure), which words it (`title` -> `{"text": ...}`)."""
    periods = [p for p in periods if p["start"] <= as_of]
    order = sorted({p["name"] for p in periods}, key=lambda n: min(p["start"] for p in periods if p["name"] == n))
    shown: set[str] = set()
    data = []
    for p in periods:
        end = min(p["end"] or as_of, as_of)
        until = p["end"].isoformat() if p["end"] and p["end"] <= as_of else f"(still on {as_of.isoformat()})"
        data.append({
            "base": [p["start"].isoformat()],
            "hovertemplate": f"{p['name']}: {word(p['status'])} {p['start']} – {until}<extra></extra>",
            "legendgroup": p["status"], "marker": {"color": STATUS_COLOURS.get(p["status"], "#999")},
            "name": word(p["status"]), "orientation": "h", "showlegend": p["status"] not in shown,
            "x": [(end - p["start"]).days * 86400000], "y": [p["name"]], "type": "bar",
        })
        shown.add(p["status"])
    # ticks every five years up to the date, and the date itself as the last tick: left to itself plotly labels
    # the year after a 31 December end ("2025" on a report dated 2024-12-31), as if the chart went on
    ticks = [f"{y}-01-01" for y in range(2000, as_of.year + 1, 5) if (as_of - dt.date(y, 1, 1)).days > 900]
    layout = go.Figure().update_layout(
        title=title, barmode="overlay", height=max(320, 22 * len(order) + 120),
        xaxis=dict(type="date", range=["1996-01-01", as_of.isoformat()],
                   tickvals=ticks + [as_of.isoformat()], ticktext=[t[:4] for t in ticks] + [as_of.isoformat()]),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(order)))).to_dict()["layout"]
    return {"data": data, "layout": layout}


def network_chart(graph: dict[str, Any], title: str, word: Callable[[str], str] = status_word) -> go.Figure:
    """Bipartite layout: organisations in a left column, countries in a right column, one line per status.

    Countries are ordered by their number of memberships and organisations by size, so lines run mostly
    straight across; labels are names, not codes (codes are in the hover text)."""
    orgs = [n for n in graph["nodes"] if n["type"] == "organisation"]
    ctrs = [n for n in graph["nodes"] if n["type"] == "country"]
    degree: dict[str, int] = {}
    for e in graph["edges"]:
        degree[e["source"]] = degree.get(e["source"], 0) + 1
        degree[e["target"]] = degree.get(e["target"], 0) + 1
    orgs.sort(key=lambda n: (-degree.get(n["id"], 0), n["id"]))
    ctrs.sort(key=lambda n: (-degree.get(n["id"], 0), n["label"]))
    pos: dict[str, tuple[float, float]] = {}
    for column, nodes in ((0.0, orgs), (1.0, ctrs)):
        for i, n in enumerate(nodes):
            pos[n["id"]] = (column, 1 - (i + 0.5) / max(1, len(nodes)))
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        xs, ys = [], []
        for e in graph["edges"]:
            if e["status"] == status and e["source"] in pos and e["target"] in pos:
                (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1.2),
                                     name=word(status), hoverinfo="skip", opacity=0.7))
    for kind, nodes, colour, where in (("organisations", orgs, "#7f3f98", "middle left"),
                                       ("countries", ctrs, "#404040", "middle right")):
        fig.add_trace(go.Scatter(
            x=[pos[n["id"]][0] for n in nodes], y=[pos[n["id"]][1] for n in nodes], mode="markers+text",
            text=[n["id"].replace("_", " ") if kind == "organisations" else n["label"] for n in nodes], textposition=where,
            marker=dict(size=9, color=colour), hovertext=[f"{n['label']} ({n['id']})" for n in nodes],
            hoverinfo="text", name=kind))
    fig.update_layout(title=title, height=max(420, 18 * max(len(orgs), len(ctrs)) + 120),
                      xaxis=dict(visible=False, range=[-0.6, 1.45]), yaxis=dict(visible=False, range=[0, 1]))
    return fig


def bar_chart(categories: list[str], series: dict[str, list[float | None]], title: str, yaxis: str,
              *, log: bool = False) -> go.Figure:
    """Grouped bars; `log=True` where one country dwarfs the rest, so the small bars stay visible."""
    fig = go.Figure([go.Bar(x=categories, y=values, name=name) for name, values in series.items()])
    fig.update_layout(title=title, barmode="group", yaxis=dict(title=yaxis + (", log scale" if log else ""),
                                                               type="log" if log else "linear"), height=420)
    return fig


def heatmap(labels: list[str], matrix: list[list[float | None]], title: str, colorbar: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", colorbar=dict(title=colorbar),
                               hovertemplate="%{y}–%{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=title, height=520, yaxis=dict(autorange="reversed"))
    return fig


def line_chart(x: list, series: dict[str, list[float | None]], title: str, yaxis: str) -> go.Figure:
    fig = go.Figure([go.Scatter(x=x, y=values, mode="lines+markers", name=name) for name, values in series.items()])
    fig.update_layout(title=title, yaxis_title=yaxis, height=420)
    return fig
