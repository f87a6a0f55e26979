"""Plotly figures for the report and the dashboard, rendered as divs (plotly.js is inlined once)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import plotly.graph_objects as go

STATUS_COLOURS = {
    "member": "#1f4e79",
    "observer": "#5b9bd5",
    "dialogue_partner": "#a9c47f",
    "partner": "#70ad47",
    "associate": "#f4b183",
    "applicant": "#ffd966",
    "suspended": "#c00000",
}


def to_div(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(margin=dict(l=60, r=20, t=40, b=40), template="plotly_white", font=dict(size=12))
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def timeline_chart(periods: list[dict[str, Any]], title: str, today: dt.date) -> go.Figure:
    """Status periods per country as horizontal bars: {iso3, name, status, start (date), end (date|None)}."""
    fig = go.Figure()
    order = sorted({p["name"] for p in periods}, key=lambda n: min(p["start"] for p in periods if p["name"] == n))
    shown: set[str] = set()
    for p in periods:
        end = p["end"] or today
        fig.add_trace(go.Bar(
            base=[p["start"].isoformat()], x=[(end - p["start"]).days * 86400000], y=[p["name"]],
            orientation="h", marker_color=STATUS_COLOURS.get(p["status"], "#999"),
            name=p["status"].replace("_", " "), legendgroup=p["status"], showlegend=p["status"] not in shown,
            hovertemplate=f"{p['name']}: {p['status'].replace('_', ' ')} {p['start']} – {p['end'] or 'today'}<extra></extra>",
        ))
        shown.add(p["status"])
    fig.update_layout(title=title, barmode="overlay", xaxis=dict(type="date"), height=max(320, 22 * len(order) + 120),
                      yaxis=dict(categoryorder="array", categoryarray=list(reversed(order))))
    return fig


def network_chart(graph: dict[str, Any], title: str) -> go.Figure:
    """Bipartite picture: organisations on a circle inside, countries on an outer circle, edges by status."""
    orgs = [n for n in graph["nodes"] if n["type"] == "organisation"]
    ctrs = [n for n in graph["nodes"] if n["type"] == "country"]
    pos: dict[str, tuple[float, float]] = {}
    for i, n in enumerate(orgs):
        a = 2 * math.pi * i / max(1, len(orgs))
        pos[n["id"]] = (0.45 * math.cos(a), 0.45 * math.sin(a))
    for i, n in enumerate(ctrs):
        a = 2 * math.pi * i / max(1, len(ctrs))
        pos[n["id"]] = (math.cos(a), math.sin(a))
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        xs, ys = [], []
        for e in graph["edges"]:
            if e["status"] == status and e["source"] in pos and e["target"] in pos:
                (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1),
                                     name=status.replace("_", " "), hoverinfo="skip", opacity=0.6))
    for kind, nodes, size, colour in (("organisation", orgs, 16, "#7f3f98"), ("country", ctrs, 8, "#404040")):
        fig.add_trace(go.Scatter(
            x=[pos[n["id"]][0] for n in nodes], y=[pos[n["id"]][1] for n in nodes], mode="markers+text",
            text=[n["id"] for n in nodes], textposition="top center", marker=dict(size=size, color=colour),
            hovertext=[n["label"] for n in nodes], hoverinfo="text", name=kind + "s"))
    fig.update_layout(title=title, height=640, xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))
    return fig


def bar_chart(categories: list[str], series: dict[str, list[float | None]], title: str, yaxis: str) -> go.Figure:
    fig = go.Figure([go.Bar(x=categories, y=values, name=name) for name, values in series.items()])
    fig.update_layout(title=title, barmode="group", yaxis_title=yaxis, height=420)
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
