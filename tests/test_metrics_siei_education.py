"""SIEI-style education and investment indices on the real UIS, CDIS and WDI files, checked by hand arithmetic."""

from __future__ import annotations

import csv

import pytest

from sco_observatory.errors import DataMissingError
from sco_observatory.ingest import import_file
from sco_observatory.metrics.siei_education import education_index
from sco_observatory.metrics.siei_investment import investment_index

GROUP = ["KAZ", "KGZ", "TJK", "UZB", "RUS", "CHN"]


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def wdi(path, iso3, year):
    return float(next(r["Value"] for r in rows(path) if r["Country Code"] == iso3 and r["Year"] == str(year)))


@pytest.fixture
def loaded(store, shared_data):
    for f in ("student_mobility_uis/popular-origins-by-destination.csv", "student_mobility_uis/popular-destinations-by-origin.csv",
              "wdi/sp.pop.totl.csv", "wdi/ny.gdp.mktp.cd.csv", "fdi_imf_cdis/cdis_table6o_outward_positions_2009_2022_focus.csv"):
        import_file(store, shared_data / f)
    return store


def test_education_pair_by_hand(loaded, shared_data):
    inbound = rows(shared_data / "student_mobility_uis" / "popular-origins-by-destination.csv")
    s = {(r["origin_country_lumped"], r["dest_country_name"]): float(r["value_lumped"]) for r in inbound if r["year"] == "2019"}
    pop = shared_data / "wdi" / "sp.pop.totl.csv"
    expected = 100 * (s[("Kazakhstan", "Russia")] + s[("Russia", "Kazakhstan")]) / (wdi(pop, "KAZ", 2019) + wdi(pop, "RUS", 2019))
    got = education_index(loaded, GROUP, (2019, 2019))
    kaz_rus = got.filter((got["iso3_a"] == "KAZ") & (got["iso3_b"] == "RUS"))
    assert kaz_rus["value"][0] == pytest.approx(expected)
    assert kaz_rus["evidence"][0].startswith("[H]")
    # KAZ <- TJK students are in no top-10 list: the pair is missing, never zero.
    kaz_tjk = got.filter((got["iso3_a"] == "KAZ") & (got["iso3_b"] == "TJK"))
    assert kaz_tjk["value"][0] is None
    country = education_index(loaded, GROUP, (2019, 2019), "country")
    assert country.filter(country["iso3"] == "TJK")["value"][0] is None  # every TJK pair missing


def test_investment_pair_by_hand(loaded, shared_data):
    cdis = rows(shared_data / "fdi_imf_cdis" / "cdis_table6o_outward_positions_2009_2022_focus.csv")
    d = {(r["reporter"], r["counterpart"]): float(r["value_usd_mn"]) * 1e6 for r in cdis if r["year"] == "2021" and r["value_usd_mn"]}
    gdp = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    expected = 100 * (d[("Kazakhstan, Rep. of", "Russian Federation")] + d[("Russian Federation", "Kazakhstan, Rep. of")]) / (
        wdi(gdp, "KAZ", 2021) + wdi(gdp, "RUS", 2021))
    got = investment_index(loaded, GROUP, (2021, 2021))
    kaz_rus = got.filter((got["iso3_a"] == "KAZ") & (got["iso3_b"] == "RUS"))
    assert kaz_rus["value"][0] == pytest.approx(expected)
    # Uzbekistan reports no outward positions: UZB -> TJK is unknown, so the pair is null.
    assert got.filter((got["iso3_a"] == "TJK") & (got["iso3_b"] == "UZB"))["value"][0] is None
    group = investment_index(loaded, GROUP, (2021, 2021), "group")
    assert group["flows_missing"][0] > 0


def test_without_the_data_says_what_to_import(store):
    with pytest.raises(DataMissingError, match="no bilateral student counts"):
        education_index(store, ["KAZ", "RUS"], (2019, 2019))
    with pytest.raises(DataMissingError, match="no bilateral direct-investment positions"):
        investment_index(store, ["KAZ", "RUS"], (2019, 2019))
