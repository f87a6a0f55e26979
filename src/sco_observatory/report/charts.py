"""Plotly figures for the report, as plotly's JSON, rendered as divs (plotly.js is inlined once).

Every chart is built as the dict plotly's graph objects gave for it (`go.Bar(...)`, `update_layout(...)`,
then `to_dict()`): trace properties in name order with `type` last, named colour scales spelled out,
titles as `{"text": ...}`, the layout's keys in the order plotly set them (axes first). Why not the graph
objects: validating and deep-copying them was ~0.3 s of every report and importing plotly for it another
0.15 s (benchmarks/README.md, "report, session 6"); tests/test_report_charts.py builds every chart
both ways and checks the written divs equal, so a plotly upgrade that changes its output is seen."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable

from sco_observatory.report.labels import status_word
from sco_observatory.report.plotly_html import figure_div, white_template

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


def to_div(fig: dict, div_id: str) -> str:
    """The figure as a div of fixed width `PRINT_WIDTH`, so that it fits A4 and Letter pages as it fits the
    screen (a responsive plot keeps its screen width on paper and is clipped); the print CSS hides plotly's
    toolbar, which must never cover a title on paper.

    `fig` is the figure's JSON (`{"data": [...], "layout": {...}}`) as the chart functions below build it;
    the "plotly_white" template goes first into its layout (what `update_layout(template="plotly_white")`
    gave), the page's margin, font and width last. Written by report/plotly_html.py as `plotly.io.to_html`
    writes it, without importing plotly (see there)."""
    page = dict(margin=dict(l=60, r=20, t=50, b=40), font=dict(size=12), width=PRINT_WIDTH)
    layout = {"template": white_template(), **{k: v for k, v in fig["layout"].items() if k != "template"}, **page}
    return figure_div({"data": fig["data"], "layout": layout}, div_id,
                      {"displaylogo": False, "responsive": False, "displayModeBar": "hover"})


def _title(text: str) -> dict:
    """A title as plotly's validation words it (`title="x"` -> `{"text": "x"}`)."""
    return {"text": text}


def timeline_chart(periods: list[dict[str, Any]], title: str, as_of: dt.date,
                   word: Callable[[str], str] = status_word) -> dict:
    """Status periods per country as horizontal bars: {iso3, name, status, start (date), end (date|None)}.

    The chart stops at `as_of` (the report's date): a period starting later is left out and an open or
    later-ending one is cut there, so a report dated 2024 shows nothing of 2025. `word` names a status
    (the report's language: `Context.status`).

    Returned as the figure's JSON (`to_div` renders it): one bar trace per period, ~50 of them, each
    written as plotly's `go.Bar(...).to_plotly_json()` writes it (properties in name order, `type`
    last) — building and validating them as plotly objects was a third of the report's chart time; the
    layout as `update_layout(title=..., barmode=..., height=..., xaxis=..., yaxis=...)` left it (the axes first)."""
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
    layout = {"xaxis": {"type": "date", "range": ["1996-01-01", as_of.isoformat()],
                        "tickvals": ticks + [as_of.isoformat()], "ticktext": [t[:4] for t in ticks] + [as_of.isoformat()]},
              "yaxis": {"categoryorder": "array", "categoryarray": list(reversed(order))},
              "title": _title(title), "barmode": "overlay", "height": max(320, 22 * len(order) + 120)}
    return {"data": data, "layout": layout}


def network_chart(graph: dict[str, Any], title: str, word: Callable[[str], str] = status_word) -> dict:
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
    data: list[dict[str, Any]] = []
    for status, colour in STATUS_COLOURS.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in graph["edges"]:
            if e["status"] == status and e["source"] in pos and e["target"] in pos:
                (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        if xs:
            data.append({"hoverinfo": "skip", "line": {"color": colour, "width": 1.2}, "mode": "lines",
                         "name": word(status), "opacity": 0.7, "x": xs, "y": ys, "type": "scatter"})
    for kind, nodes, colour, where in (("organisations", orgs, "#7f3f98", "middle left"),
                                       ("countries", ctrs, "#404040", "middle right")):
        data.append({
            "hoverinfo": "text", "hovertext": [f"{n['label']} ({n['id']})" for n in nodes],
            "marker": {"color": colour, "size": 9}, "mode": "markers+text", "name": kind,
            "text": [n["id"].replace("_", " ") if kind == "organisations" else n["label"] for n in nodes],
            "textposition": where, "x": [pos[n["id"]][0] for n in nodes], "y": [pos[n["id"]][1] for n in nodes],
            "type": "scatter"})
    return {"data": data,
            "layout": {"xaxis": {"visible": False, "range": [-0.6, 1.45]}, "yaxis": {"visible": False, "range": [0, 1]},
                       "title": _title(title), "height": max(420, 18 * max(len(orgs), len(ctrs)) + 120)}}


def bar_chart(categories: list[str], series: dict[str, list[float | None]], title: str, yaxis: str,
              *, log: bool = False) -> dict:
    """Grouped bars; `log=True` where one country dwarfs the rest, so the small bars stay visible."""
    return {"data": [{"name": name, "x": categories, "y": values, "type": "bar"} for name, values in series.items()],
            "layout": {"yaxis": {"title": _title(yaxis + (", log scale" if log else "")), "type": "log" if log else "linear"},
                       "title": _title(title), "barmode": "group", "height": 420}}


def _colour_scale(name: str) -> list[list]:
    """A named plotly colour scale spelled out as plotly's validation writes it: [[i / (n − 1), colour], ...]
    (plotly.js has other scales under some of the same names, so the name alone would draw other colours)."""
    from _plotly_utils.colors import colorbrewer  # the lists plotly.colors.sequential re-exports (8 ms, no plotly)

    colours = getattr(colorbrewer, name)
    last = len(colours) - 1
    return [[(1.0 * i) / (1.0 * last), c] for i, c in enumerate(colours)]


def heatmap(labels: list[str], matrix: list[list[float | None]], title: str, colorbar: str) -> dict:
    return {"data": [{"colorbar": {"title": _title(colorbar)}, "colorscale": _colour_scale("Blues"),
                      "hovertemplate": "%{y}–%{x}: %{z:.3f}<extra></extra>", "x": labels, "y": labels, "z": matrix,
                      "type": "heatmap"}],
            "layout": {"yaxis": {"autorange": "reversed"}, "title": _title(title), "height": 520}}


def line_chart(x: list, series: dict[str, list[float | None]], title: str, yaxis: str) -> dict:
    return {"data": [{"mode": "lines+markers", "name": name, "x": x, "y": values, "type": "scatter"}
                     for name, values in series.items()],
            "layout": {"title": _title(title), "yaxis": {"title": _title(yaxis)}, "height": 420}}
