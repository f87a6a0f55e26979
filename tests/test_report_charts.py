"""The report's charts, built as plain JSON (report/charts.py) and written without plotly
(report/plotly_html.py), are the divs plotly itself writes for the same figures.

Why: the charts used to be plotly graph objects rendered with `plotly.io.to_html`; they are now dicts in
the shape plotly's validation gave and a writer of plotly's div, to spare every report plotly's import
and validation (benchmarks/README.md, "report, session 6"). Each test below builds one chart the old
way (graph objects, `update_layout`, `to_html`) and checks the new div is the same string, so a change
in plotly's output, or a chart changed on one side only, fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from sco_observatory.report import charts, plotly_html

CONFIG = {"displaylogo": False, "responsive": False, "displayModeBar": "hover"}


def _plotly_div(fig: go.Figure | dict, div_id: str) -> str:
    """What report/charts.to_div wrote when the charts were graph objects (session 5's to_div)."""
    page = dict(margin=dict(l=60, r=20, t=50, b=40), font=dict(size=12), width=charts.PRINT_WIDTH)
    if isinstance(fig, dict):
        spec = {"data": fig["data"], "layout": {**fig["layout"], **page}}
    else:
        fig.update_layout(**page)
        spec = fig.to_dict()
    template = go.Figure().update_layout(template="plotly_white").to_dict()["layout"]["template"]
    spec["layout"] = {"template": template, **{k: v for k, v in spec["layout"].items() if k != "template"}}
    return pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False, div_id=div_id, config=dict(CONFIG))


@pytest.fixture(autouse=True)
def _plotly_json_engine(monkeypatch):
    """plotly's standard-library JSON engine, which plotly_html writes (plotly's "auto" would take orjson
    where it happens to be installed)."""
    monkeypatch.setattr(pio.json.config, "default_engine", "json")


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SCO_CACHE_DIR", str(tmp_path / "cache"))
    plotly_html.white_template.cache_clear()
    yield
    plotly_html.white_template.cache_clear()


def test_bar_chart_is_plotlys(tmp_path):
    cats, series = ["China", "Russia", "Kazakhstan </b>"], {"GDP": [1.5e4, 2.2e3, None], "Population": [1400.0, 144.0, 19.0]}
    for log in (True, False):
        fig = go.Figure([go.Bar(x=cats, y=v, name=n) for n, v in series.items()])
        fig.update_layout(title="Shares", barmode="group", yaxis=dict(title="%" + (", log scale" if log else ""),
                                                                       type="log" if log else "linear"), height=420)
        assert charts.to_div(charts.bar_chart(cats, series, "Shares", "%", log=log), "power") == _plotly_div(fig, "power")


def test_line_chart_is_plotlys():
    x, series = [1996, 1997, 1998], {"CHN": [0.5, None, 0.52], "CON (concentration)": [0.1, 0.2, float("nan")]}
    fig = go.Figure([go.Scatter(x=x, y=v, mode="lines+markers", name=n) for n, v in series.items()])
    fig.update_layout(title="CINC", yaxis_title="share", height=420)
    assert charts.to_div(charts.line_chart(x, series, "CINC", "share"), "cinc") == _plotly_div(fig, "cinc")


def test_heatmap_is_plotlys():
    labels, matrix = ["KAZ", "KGZ"], [[None, 1.25], [0.5, None]]
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", colorbar=dict(title="% of GDP"),
                               hovertemplate="%{y}–%{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title="SIEI", height=520, yaxis=dict(autorange="reversed"))
    assert charts.to_div(charts.heatmap(labels, matrix, "SIEI", "% of GDP"), "siei") == _plotly_div(fig, "siei")


def test_network_chart_is_plotlys():
    graph = {"nodes": [{"id": "SCO", "type": "organisation", "label": "SCO"},
                       {"id": "EAEU_X", "type": "organisation", "label": "EAEU"},
                       {"id": "KAZ", "type": "country", "label": "Kazakhstan"},
                       {"id": "MNG", "type": "country", "label": "Mongolia"}],
            "edges": [{"source": "SCO", "target": "KAZ", "status": "member"},
                      {"source": "SCO", "target": "MNG", "status": "observer"},
                      {"source": "EAEU_X", "target": "KAZ", "status": "member"}]}
    spec = charts.network_chart(graph, "Who belongs to what")
    # the old construction, graph object by graph object, over the positions the chart computed
    fig = go.Figure()
    for trace in spec["data"]:
        fig.add_trace(go.Scatter(**{k: v for k, v in trace.items() if k != "type"}))
    fig.update_layout(title="Who belongs to what", height=spec["layout"]["height"],
                      xaxis=dict(visible=False, range=[-0.6, 1.45]), yaxis=dict(visible=False, range=[0, 1]))
    assert charts.to_div(spec, "network") == _plotly_div(fig, "network")
    assert [t["name"] for t in spec["data"]] == ["member", "observer", "organisations", "countries"]


def test_timeline_chart_is_plotlys():
    periods = [{"iso3": "KAZ", "name": "Kazakhstan", "status": "member", "start": dt.date(2001, 6, 15), "end": None},
               {"iso3": "MNG", "name": "Mongolia", "status": "observer", "start": dt.date(2004, 6, 17), "end": None},
               {"iso3": "IRN", "name": "Iran", "status": "member", "start": dt.date(2023, 7, 4), "end": None}]
    as_of = dt.date(2014, 6, 30)
    spec = charts.timeline_chart(periods, "Every status", as_of)
    shown = [p for p in periods if p["start"] <= as_of]
    ticks = ["2000-01-01", "2005-01-01", "2010-01-01"]
    layout = go.Figure().update_layout(
        title="Every status", barmode="overlay", height=max(320, 22 * len(shown) + 120),
        xaxis=dict(type="date", range=["1996-01-01", "2014-06-30"], tickvals=ticks + ["2014-06-30"],
                   ticktext=["2000", "2005", "2010", "2014-06-30"]),
        yaxis=dict(categoryorder="array", categoryarray=["Mongolia", "Kazakhstan"])).to_dict()["layout"]
    bars = [go.Bar(**{k: v for k, v in t.items() if k != "type"}).to_plotly_json() for t in spec["data"]]
    assert charts.to_div(spec, "timeline") == _plotly_div({"data": bars, "layout": layout}, "timeline")
    assert len(spec["data"]) == 2  # Iran's 2023 accession is after the report's date


def test_the_template_is_cached_per_plotly_install_and_a_broken_cache_is_rebuilt(tmp_path):
    built = go.Figure().update_layout(template="plotly_white").to_dict()["layout"]["template"]
    first = plotly_html.white_template()
    assert json.dumps(first) == json.dumps(built)  # the same keys in the same order
    files = list((tmp_path / "cache").glob("plotly-white-*.json"))
    assert len(files) == 1
    plotly_html.white_template.cache_clear()
    files[0].write_text('{"layout": {"tru', "utf-8")  # truncated: rebuilt and rewritten
    assert json.dumps(plotly_html.white_template()) == json.dumps(built)
    assert json.loads(files[0].read_text("utf-8")) == built


def test_figure_json_escapes_as_plotly_does():
    from plotly.io.json import to_json_plotly

    value = {"text": "a</script><b>\u2028\u2029", "v": [1, 2.5, None, float("nan"), math.inf, 1e-7, 10 ** 17], "ok": True}
    assert plotly_html.figure_json(value) == to_json_plotly(value)
