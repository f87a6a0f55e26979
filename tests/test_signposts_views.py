"""The report section and the /api/scenarios endpoint show the same library call as `sco scenarios`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sco_observatory.report import build_report
from sco_observatory.web.app import create_app


def test_report_has_the_scenarios_grid(tmp_path):
    from sco_observatory.store import open_memory_store

    with open_memory_store() as store:
        html = build_report(tmp_path / "r.html", as_of="2016-12-31", store=store).read_text(encoding="utf-8")
    start = html.index("signposts-grid")
    grid = html[start:html.index("</table>", start)]
    assert "2014 (baseline)" in grid and ">2016<" in grid and ">2017<" not in grid
    assert "not evaluable" in grid  # nothing imported: data signposts say so, with the reason as a tooltip
    assert html.index('<section id="scenarios">') < html.index('<section id="projects">')


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(str(tmp_path_factory.mktemp("web") / "store.duckdb"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_api_scenarios(client):
    r = client.get("/api/scenarios", params={"from": 2015, "to": 2017})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["years"] == [2015, 2017]
    rows = body["rows"]
    assert body["summary"]["rows"]
    widens = [x for x in rows if x["signpost"] == "sco-widens"]
    assert [x["status"] for x in widens] == ["lit", "not lit", "lit"]
    assert any(x["status"] == "not evaluable" and x["reason"] for x in rows)
    assert client.get("/api/scenarios", params={"from": 2017, "to": 2015}).status_code == 400
