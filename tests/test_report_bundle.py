"""The report inlines plotly's cartesian partial bundle, and that bundle holds every trace type the report draws.

Why a test: the partial bundle (web/static/plotly-cartesian.min.js) silently draws nothing for a trace type it
lacks, so a chart added to report/charts.py with, say, a `choropleth` trace would be blank. The trace types are
read from the figures of a built report (each `Plotly.newPlot(id, data, …)`'s data array, parsed as JSON — the
layout's template names every trace type, so a text search would find them all).
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from sco_observatory.report import build_report
from sco_observatory.report.builder import REPORT_TRACES
from sco_observatory.store import open_store

STATIC = resources.files("sco_observatory.web").joinpath("static")


def _registered_traces(bundle: str) -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', bundle))


def _drawn_traces(html: str) -> list[str]:
    decoder = json.JSONDecoder()
    drawn = []
    for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', html):
        data, _ = decoder.raw_decode(html, match.end())
        drawn += [trace.get("type", "scatter") for trace in data]
    return drawn


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    home = tmp_path_factory.mktemp("bundle")
    with pytest.MonkeyPatch.context() as mp:  # the embedded tables only: the chart types do not depend on the data
        mp.setenv("SCO_SNAPSHOT_DIR", "")
        with open_store(home / "s.duckdb") as store:
            return build_report(home / "r.html", as_of="2012-12-31", store=store).read_text(encoding="utf-8")


def test_report_inlines_the_cartesian_bundle_not_the_full_one(report_html):
    from plotly.offline import get_plotlyjs

    partial = STATIC.joinpath("plotly-cartesian.min.js").read_text("utf-8")
    assert partial in report_html
    assert "plotly.js (cartesian - minified)" in report_html
    assert get_plotlyjs()[:200] not in report_html  # the full bundle's banner is not there
    assert report_html.count("moduleType:\"trace\",name:\"bar\"") == 1  # inlined once


def test_every_trace_the_report_draws_is_in_the_bundle(report_html):
    drawn = _drawn_traces(report_html)
    assert len(drawn) >= 3 and "bar" in drawn and "scatter" in drawn  # the parse found the charts
    partial = _registered_traces(STATIC.joinpath("plotly-cartesian.min.js").read_text("utf-8"))
    assert set(drawn) <= set(REPORT_TRACES), f"report draws {sorted(set(drawn) - set(REPORT_TRACES))}"
    assert set(REPORT_TRACES) <= partial, f"bundle lacks {sorted(set(REPORT_TRACES) - partial)}"


def test_source_of_charts_names_only_cartesian_traces():
    """Every `go.<Trace>` report/charts.py constructs is one of REPORT_TRACES (a chart the fixture's data
    would not draw is caught here)."""
    source = resources.files("sco_observatory.report").joinpath("charts.py").read_text("utf-8")
    built = {name.lower() for name in re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", source)} - {"figure"}
    assert built and built <= set(REPORT_TRACES), sorted(built)
