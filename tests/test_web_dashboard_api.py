"""The endpoints the dashboard's panels use: labels, the year shown for a date, partner trade shares,
CINC, β with its verdict, citations with vintages, the catalog and the offline geometry."""

from __future__ import annotations

import json

import polars as pl
import pytest
from fastapi.testclient import TestClient

from sco_observatory.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(str(tmp_path_factory.mktemp("web") / "store.duckdb")), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def full_client(tmp_path_factory, shared_data):
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    path = tmp_path_factory.mktemp("full") / "store.duckdb"
    with open_store(path) as store:
        for name in ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.pcap.cd.csv",
                     "cow_nmc_v7/NMC-70-abridged_from_peacesciencer.csv"]:
            import_file(store, shared_data / name)
    with TestClient(create_app(str(path)), raise_server_exceptions=False) as c:
        yield c


def test_labels_give_words_and_units(client):
    body = client.get("/api/labels").json()
    assert body["indicators"]["NY.GDP.MKTP.CD"] == {"label": "GDP", "unit": "current US$"}
    assert body["statuses"]["dialogue_partner"] == "dialogue partner"
    assert body["aliases"]["defence"] == "MS.MIL.XPND.CD"


def test_year_is_the_latest_with_data_at_or_before_the_date(client):
    # defence: the report's table (2010-2012) and, in the open-data snapshot, the World Bank's series to
    # 2022 plus its derived 2023-24 estimate
    assert client.get("/api/year", params={"indicator": "defence", "group": "SCO@2012", "date": "2012-12-31"}).json()["year"] == 2012
    assert client.get("/api/year", params={"indicator": "defence", "group": "SCO@2012", "date": "2016-06-01"}).json()["year"] == 2016
    assert client.get("/api/year", params={"indicator": "defence", "group": "SCO@2012", "date": "2024-06-01"}).json()["year"] == 2024
    assert client.get("/api/year", params={"indicator": "defence", "group": "SCO@2012", "date": "2011-03-01"}).json()["year"] == 2011
    # the World Bank series starts in 1960 (no member reports before that): 404 for 1950
    r = client.get("/api/year", params={"indicator": "defence", "group": "SCO@2012", "date": "1950-01-01"})
    assert r.status_code == 404 and "at or before 1950-01-01" in r.json()["error"]


def test_bad_input_is_a_4xx_with_a_hint(client):
    r = client.get("/api/year", params={"date": "2012-13-45"})
    assert 400 <= r.status_code < 500 and r.json()["error"]
    r = client.get("/api/trade/member-shares", params={"group": "CA5", "basis": "cif"})
    assert r.status_code == 400 and "unknown basis 'cif'" in r.json()["error"]


def test_citations_resolve_ledger_and_store_sources_with_vintage(client):
    rows = {r["id"]: r for r in client.get("/api/citations", params={"keys": "koldunova2014,embedded:iiss-mb2013,nope"}).json()["rows"]}
    assert "Koldunova" in rows["koldunova2014"]["citation"]
    assert "retrieved" in (rows["embedded:iiss-mb2013"]["vintage"] or "")
    assert rows["nope"]["citation"] == "nope"  # an unknown key is kept, not dropped


def test_geometry_is_offline_iso3_keyed_and_small(client):
    r = client.get("/static/countries-110m.geojson")
    geo = json.loads(r.text)
    ids = {f["id"] for f in geo["features"]}
    assert {"KAZ", "KGZ", "TJK", "UZB", "TKM", "CHN", "RUS", "IND", "PAK", "IRN", "BLR", "AFG", "MNG"} <= ids
    assert len(r.content) < 250_000


def test_catalog_lists_what_the_store_holds(client):
    tables = {r["table"] for r in client.get("/api/catalog").json()["rows"]}
    assert "indicator" in tables


def test_beta_verdict_needs_significance():
    from sco_observatory.web.views import beta_verdict

    def frame(b, p):
        return pl.DataFrame({"beta": [b], "p_value": [p], "n": [6]})

    assert beta_verdict(frame(-0.02, 0.01)).startswith("converging")
    assert beta_verdict(frame(-0.02, 0.20)).startswith("no evidence of β-convergence")
    assert beta_verdict(frame(0.01, 0.01)).startswith("no evidence of β-convergence")
    assert beta_verdict(frame(-0.02, float("nan"))).startswith("no evidence")


@pytest.mark.slow
def test_panels_on_real_data(full_client):
    t = full_client.get("/api/trade/member-shares", params={"group": "CA5", "years": "2010-2012", "basis": "best"}).json()
    kaz_chn = [r for r in t["rows"] if r["iso3_a"] == "KAZ" and r["iso3_b"] == "CHN" and r["year"] == 2012]
    assert len(kaz_chn) == 1 and 0 < kaz_chn[0]["trade_share"] < 1
    c = full_client.get("/api/cinc", params={"group": "SCO@2012", "years": "2010-2012"}).json()
    by_year, complete = {}, {}
    for r in c["rows"]:
        by_year[r["year"]] = by_year.get(r["year"], 0) + r["cinc_group"]
        complete[r["year"]] = complete.get(r["year"], True) and r["components"] == 6
    # where every member has all six components, the shares of the group add up to 1 (METHODS §5.2 Option A)
    full = [y for y, ok in complete.items() if ok]
    assert full and all(abs(by_year[y] - 1) < 1e-9 for y in full)
    b = full_client.get("/api/beta", params={"group": "SCO@2012", "years": "1995-2012"}).json()
    row = b["rows"][0]
    assert b["level"] == 0.05
    expected = "converging" if row["beta"] < 0 and row["p_value"] < 0.05 else "no evidence of β-convergence"
    assert b["verdict"].startswith(expected)
