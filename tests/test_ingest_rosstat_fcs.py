"""Rosstat / FCS Russia trade by partner -> trade (reporter RUS), checked against the raw CSV with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from sco_observatory.countries import lookup
from sco_observatory.ingest import detect_format, import_file

LOOKALIKE = str.maketrans("aeopcxyAEOPCXTHMKB", "аеорсхуАЕОРСХТНМКВ")


def fold(name: str) -> str:
    return " ".join(name.translate(LOOKALIKE).split())


def test_fcs_annual_and_monthly_rows(store, shared_data):
    path = shared_data / "trade_russia_fcs" / "russia_fcs_trade_by_partner.csv"
    assert detect_format(path) == "rosstat-fcs"
    with open(path, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    annual = {}
    monthly = defaultdict(dict)
    for r in raw:
        name = "World" if r["partner_ru"] == "Всего (total)" else fold(r["partner_ru"])
        key = (name, r["flow"], int(r["year"]))
        if r["month"]:
            monthly[key][int(r["month"])] = float(r["value_usd_mn"])
        else:
            annual[key] = float(r["value_usd_mn"])
    expected = dict(annual)
    for key, months in monthly.items():
        if key not in annual and len(months) == 12:
            expected[key] = sum(months.values())
    expected = {k: v for k, v in expected.items() if lookup(k[0]).kind != "aggregate" or k[0] == "World"}

    result = import_file(store, path)
    assert result.source_id == "rosstat:fcs-trade-by-partner"
    assert result.rows == len(expected)
    assert result.skipped["monthly sums for partner-years that 94itog gives as an annual total"] == sum(
        1 for k in monthly if k in annual)
    got = {(p, f, y): v for p, f, y, v in store.con.execute(
        "SELECT partner, flow, year, value_usd FROM trade WHERE source_id = 'rosstat:fcs-trade-by-partner'").fetchall()}
    for (name, flow, year), mn in expected.items():
        iso3 = lookup(name).iso3
        assert got[(iso3, {"exports": "X", "imports": "M"}[flow], year)] == pytest.approx(mn * 1e6), (name, flow, year)
    # PROVENANCE's 2021 figures (US$ mn).
    assert got[("WLD", "X", 2021)] == 493_096e6 and got[("KAZ", "X", 2021)] == 18_496e6
    assert got[("CHN", "X", 2021)] == pytest.approx(68_901.5e6, rel=1e-6)
    assert got[("CHN", "M", 2021)] == pytest.approx(72_699.9e6, rel=1e-6)
    # Kazakhstan 2010 is in 96stran for six months only; the annual 94itog figure is the one kept.
    assert len(monthly[("Казахстан", "exports", 2010)]) == 6
    assert got[("KAZ", "X", 2010)] == annual[("Казахстан", "exports", 2010)] * 1e6
    assert store.con.execute("SELECT DISTINCT valuation FROM trade WHERE flow = 'X'").fetchall() == [("FOB",)]


def test_latin_lookalikes_in_cyrillic_names_resolve():
    assert lookup("Китaй").iso3 == "CHN"           # Latin a
    assert lookup("Республикa  Корея").iso3 == "KOR"
    assert lookup("Chile").iso3 == "CHL"           # Latin names are not touched
