"""The dashboard's browser assets, without a browser: the partial plotly.js bundle holds every trace type
dashboard.js draws, it is the file PLOTLY.md describes (so scripts/build_plotly.py reproduces it), and it is
what the app serves at /static/plotly.min.js."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

STATIC = resources.files("sco_observatory.web").joinpath("static")


def _registered_traces(bundle: str) -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', bundle))


def test_partial_bundle_holds_every_trace_type_the_dashboard_draws():
    from plotly.offline import get_plotlyjs

    every_trace = _registered_traces(get_plotlyjs())  # the full bundle: what a `type:` could name
    partial = _registered_traces(STATIC.joinpath("plotly-cartesian.min.js").read_text("utf-8"))
    script = STATIC.joinpath("dashboard.js").read_text("utf-8")
    used = {t for t in re.findall(r'\btype: "([a-z0-9]+)"', script) if t in every_trace}
    assert {"bar", "scatter", "heatmap"} <= used  # the parse found the traces (the check is not vacuous)
    assert len(every_trace) > 40 and "choropleth" in every_trace and "choropleth" not in partial
    assert used <= partial, f"dashboard.js draws {sorted(used - partial)}, which plotly-cartesian.min.js lacks"


def test_bundle_is_the_one_plotly_md_describes():
    data = STATIC.joinpath("plotly-cartesian.min.js").read_bytes()
    note = STATIC.joinpath("PLOTLY.md").read_text("utf-8")
    assert hashlib.sha256(data).hexdigest() in note and f"{len(data):,} bytes" in note
    version = re.search(r"plotly.js \(cartesian - minified\) v([0-9.]+)", data[:400].decode()).group(1)
    assert f"plotly.js-cartesian-dist-min` {version}" in note


def test_app_serves_the_partial_bundle(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb"))) as client:
        page = client.get("/")
        served = client.get("/static/plotly.min.js")
    assert '<meta id="plotly-js" name="sco-plotly" content="/static/plotly.min.js">' in page.text  # loaded by dashboard.js
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/javascript")
    assert served.content == STATIC.joinpath("plotly-cartesian.min.js").read_bytes()
    assert len(served.content) < 2_000_000  # the full plotly.js is 4.8 MB
