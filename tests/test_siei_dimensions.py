"""`sco siei education|investment|energy` and `Observatory.siei` on a fresh home: the snapshot's UIS,
CDIS and WDI answer; numbers checked by hand arithmetic on the real files; flags travel with them."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

import sco_observatory as sco
from sco_observatory.cli import main


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def wdi(path, iso3, year):
    return float(next(r["Value"] for r in rows(path) if r["Country Code"] == iso3 and r["Year"] == str(year)))


def run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_education_pairs_from_the_snapshot(capsys, shared_data):
    rc, out, err = run(capsys, "siei", "education", "CA5+RUS", "--years", "2015", "--format", "json")
    assert rc == 0, err
    got = {(r["iso3_a"], r["iso3_b"]): r for r in json.loads(out)}
    inbound = rows(shared_data / "student_mobility_uis" / "popular-origins-by-destination.csv")
    s = {(r["origin_country_lumped"], r["dest_country_name"]): float(r["value_lumped"]) for r in inbound if r["year"] == "2015"}
    pop = shared_data / "wdi" / "sp.pop.totl.csv"
    expected = 100 * (s[("Kazakhstan", "Russia")] + s[("Russia", "Kazakhstan")]) / (wdi(pop, "KAZ", 2015) + wdi(pop, "RUS", 2015))
    assert got[("KAZ", "RUS")]["value"] == pytest.approx(expected)
    # UIS marks Russia's 2015 inbound counts 'a' (INCLUDES): the flag travels with the pair
    assert "KAZ→RUS: INCLUDES" in got[("KAZ", "RUS")]["flags"]
    # Tajik students in Turkmenistan (and back) are in no top-10 list: missing, never zero
    assert got[("TJK", "TKM")]["value"] is None


def test_education_table_says_evidence_and_flags(capsys):
    rc, out, err = run(capsys, "siei", "education", "CA5+RUS", "--years", "2015", "--level", "country")
    assert rc == 0, err
    assert "evidence: [H]" in out


def test_investment_group_and_confidential_flag(shared_data):
    with sco.open() as obs:
        pair = obs.siei("investment", "CA5+RUS", 2021)
        group = obs.siei("investment", "CA5+RUS", 2021, level="group")
    rus_tkm = pair.filter((pair["iso3_a"] == "RUS") & (pair["iso3_b"] == "TKM"))
    assert rus_tkm["value"][0] is None and rus_tkm["flags"][0] == "RUS→TKM: C"
    assert group["flows_missing"][0] > 0 and group["value"][0] is None  # a missing flow leaves the sum empty
    cdis = rows(shared_data / "fdi_imf_cdis" / "cdis_table6o_outward_positions_2009_2022_focus.csv")
    d = {(r["reporter"], r["counterpart"]): float(r["value_usd_mn"]) * 1e6 for r in cdis if r["year"] == "2021" and r["value_usd_mn"]}
    gdp = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    kaz_kgz = pair.filter((pair["iso3_a"] == "KAZ") & (pair["iso3_b"] == "KGZ"))
    expected = 100 * (d[("Kazakhstan, Rep. of", "Kyrgyz Rep.")] + d[("Kyrgyz Rep.", "Kazakhstan, Rep. of")]) / (
        wdi(gdp, "KAZ", 2021) + wdi(gdp, "KGZ", 2021))
    assert kaz_kgz["value"][0] == pytest.approx(expected)


def test_energy_says_what_data_it_needs(capsys):
    rc, out, err = run(capsys, "siei", "energy", "CA5", "--years", "2019")
    assert rc == 2 and out == ""
    assert err.startswith("error: ") and "electricity" in err and "kWh" in err and len(err.strip().splitlines()) == 1


def test_migration_uses_one_un_desa_edition_per_year_and_the_composite_one_row_per_pair():
    """The snapshot holds two UN DESA editions (2019 and 2020) that both cover 1990-2015; a year they
    share is answered by the newest edition alone, never by both (which tripled the composite's rows)."""
    import sco_observatory as sco
    from sco_observatory.metrics import siei as siei_metrics

    with sco.open() as obs:
        isos = ["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS"]
        frame = siei_metrics.siei(obs.store, "migration", isos, (2010, 2020), "pair")
        assert frame.group_by(["iso3_a", "iso3_b", "year"]).len()["len"].max() == 1
        by_year = dict(frame.group_by("year").agg(pl.col("source").first()).iter_rows())
        assert by_year[2010] == "undesa:ims-2020" and by_year[2019] == "undesa:ims-2019"
        composite = obs.composite("CA5+RUS", "2010-2012")
        assert composite.group_by(["iso3_a", "iso3_b", "year"]).len()["len"].max() == 1
        assert composite.height == 15 * 3
