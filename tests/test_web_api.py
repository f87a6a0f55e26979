"""The JSON API, called in-process: answers, OpenAPI, and 4xx (never 500) for bad input."""

import pytest
from fastapi.testclient import TestClient

from sco_observatory.web.app import create_app


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # module-scoped: the embedded default without the snapshot
        mp.setenv("SCO_SNAPSHOT_DIR", "")
        app = create_app(str(tmp_path_factory.mktemp("web") / "store.duckdb"))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ["/api/members", "/api/history/{country}", "/api/overlap", "/api/power", "/api/orgs",
                 "/api/timeline/{org}", "/api/projects", "/api/indicators", "/api/data/{code}",
                 "/api/trade", "/api/siei", "/api/convergence", "/api/whatif", "/api/claims"]:
        assert path in paths


def test_members_as_of_2012(client):
    body = client.get("/api/members", params={"group": "SCO@2012"}).json()
    assert body["as_of"] == ["2012-12-31"]
    assert {r["iso3"] for r in body["rows"]} == {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB"}
    assert all(r["source"] for r in body["rows"])


def test_history_resolves_publisher_names(client):
    body = client.get("/api/history/Kyrgyz Republic").json()
    assert body["iso3"] == "KGZ" and any(r["org"] == "SCO" for r in body["rows"])


def test_power_defence_shares_from_embedded_default(client):
    body = client.get("/api/power", params={"group": "SCO@2012", "year": 2012, "indicator": "defence"}).json()
    shares = {r["iso3"]: r["share"] for r in body["rows"]}
    # IISS via the report: CHN 102,436 of 164,831 US$ m (UZB n/a) -> 62.1 %
    assert shares["CHN"] == pytest.approx(102436 / (102436 + 59851 + 2273 + 106 + 165), rel=1e-9)
    assert shares["UZB"] is None


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/members?group=Narnia", 404),
        ("/api/members?group=SCO@2099", 400),
        ("/api/members?group=SCO@2012-13-45", 400),
        ("/api/members?group=NOTANORG@2012", 404),
        ("/api/members?group=SCO@1990", 400),
        ("/api/history/Atlantis", 404),
        ("/api/timeline/XYZ", 404),
        ("/api/overlap?as_of=yesterday", 400),
        ("/api/data/NO.SUCH.CODE", 404),
        ("/api/power?group=SCO@2012&year=abc", 422),
        ("/api/power?group=SCO@2012&year=2012&indicator=nonsense", 404),
        ("/api/trade?group=CA5&years=2012", 404),  # no trade in the embedded default: the hint names the import
        ("/api/trade?group=CA5&years=2012&measure=bogus", 400),
        ("/api/trade?group=CA5&years=2012&basis=cif", 400),
        ("/api/siei?dimension=energy", 404),
        ("/api/siei?level=planet", 400),
        ("/api/convergence?years=2019-1995", 400),
        ("/api/whatif?base=SCO@2016&add=Narnia", 404),
    ],
)
def test_bad_input_is_4xx_with_a_message(client, url, status):
    res = client.get(url)
    assert res.status_code == status, res.text
    body = res.json()
    assert "error" in body or "detail" in body


def test_dashboard_and_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/plotly.min.js" in page.text
    assert "http://" not in page.text.replace("http://127.0.0.1", "")  # no CDN
    assert client.get("/static/plotly.min.js").status_code == 200
    assert client.get("/static/dashboard.js").status_code == 200


def test_claims_recomputed_on_the_embedded_default(client):
    rows = client.get("/api/claims").json()["rows"]
    verdicts = {r["id"]: r["verdict"] for r in rows}
    assert verdicts["ratio-chn-kgz"] == "agree"
    assert {"agree", "disagree", "cannot-check"} <= set(verdicts.values())


def test_whatif_india_pakistan_rebalances_defence(client):
    body = client.get("/api/whatif", params={"base": "SCO@2016", "add": "IND,PAK", "year": 2012}).json()
    con = [r for r in body["rows"] if r["measure"] == "defence con" and r["iso3"] == "group"][0]
    assert con["changed"] < con["baseline"] and con["delta"] == pytest.approx(con["changed"] - con["baseline"])


def test_missing_trade_data_names_the_command(client):
    body = client.get("/api/trade", params={"group": "CA5", "years": "2012"}).json()
    assert "sco import" in body["hint"] or "sco fetch" in body["hint"]
