"""SIEI-style indices: the report's 2012 trade-integration statement on IMF DOTS + WDI GDP (METHODS §1.3)."""

from __future__ import annotations


import polars as pl
import pytest
from conftest import _shared_data

from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import siei
from sco_observatory.store import open_memory_store

CA = ["KAZ", "KGZ", "TJK", "TKM", "UZB"]


@pytest.fixture(scope="module")
def s():
    from metrics_fixtures import load_dots, load_wdi

    data = _shared_data()  # honours SCO_SHARED_DATA, as the shared_data fixture does
    if not (data / "trade_imf_dots").is_dir():
        pytest.skip("shared data absent")
    st = open_memory_store()
    load_dots(st, data, years=(2011, 2013))
    load_wdi(st, data, "NY.GDP.MKTP.CD")
    load_wdi(st, data, "SP.POP.TOTL")
    yield st
    st.close()


def test_report_statement_2012_h1(s):
    """No Central Asian pair above 1; Kazakhstan–Russia the highest pair with a Central Asian country."""
    p = siei.trade_index(s, CA + ["RUS"], (2012, 2012), "pair")
    assert (p["label"].str.contains("SIEI-style")).all() and (p["evidence"].str.starts_with("[H]")).all()
    ca_pairs = p.filter(pl.col("iso3_a").is_in(CA) & pl.col("iso3_b").is_in(CA))
    assert ca_pairs["value"].drop_nulls().max() < 1
    top = p.drop_nulls("value").row(0, named=True)
    assert (top["iso3_a"], top["iso3_b"]) == ("KAZ", "RUS")
    assert top["value"] == pytest.approx(0.9218, abs=1e-3)
    # independent arithmetic from the DOTS rows (US$ mn) and WDI GDP
    x_kr, x_rk = 6747.212051e6, 15526.8047e6
    y = s.con.execute("SELECT sum(value) FROM indicator WHERE code='NY.GDP.MKTP.CD' AND year=2012 AND iso3 IN ('KAZ','RUS')").fetchone()[0]
    assert top["value"] == pytest.approx(100 * (x_kr + x_rk) / y)


def test_hypothesis_test(s):
    h = siei.trade_hypotheses(s, CA + ["RUS"], 2012)
    v = siei.hypothesis_verdicts(h)
    verdict = dict(zip(v["hypothesis"], v["matches_report"]))
    assert verdict["h1"] is True
    assert verdict["h3_a"] is False and verdict["h3_b"] is False  # directional shares of small GDPs are >> 1
    assert verdict["h2_reporter_a"] is False                          # KAZ-reported KAZ-UZB turnover > 1 % of KAZ GDP
    h1 = v.filter(pl.col("hypothesis") == "h1")
    assert h1["kaz_rus"][0] < 1                                       # under H1 KAZ-RUS itself is below 1


def test_levels(s):
    c = siei.trade_index(s, CA, (2012, 2012), "country")
    assert c["iso3"][0] == "KAZ" and c["value"][0] > 0
    g = siei.trade_index(s, CA, (2011, 2012), "group")
    assert g.height == 2 and (g["value"] > 0).all()
    assert g["flows_missing"][0] >= 0


def test_missing_dimensions(s):
    with pytest.raises(DataMissingError, match="electricity"):
        siei.siei(s, "energy", CA, (2012, 2012))
    with pytest.raises(DataMissingError, match="migrant"):
        siei.migration_index(s, CA, 2012)
    with pytest.raises(siei.UnknownDimensionError):
        siei.siei(s, "tourism", CA, (2012, 2012))


def test_migration_index_hand_checked():
    st = open_memory_store()
    st.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                      VALUES ('toy:m', 'toy', 'test', now()::TIMESTAMP, 'test', 'migration', 0)""")
    st.con.executemany("INSERT INTO migration VALUES (?, ?, 2013, ?, 'toy:m')",
                       [("KAZ", "RUS", 1000.0), ("RUS", "KAZ", 500.0), ("KGZ", "RUS", 300.0)])
    m = siei.migration_index(st, ["KAZ", "RUS", "KGZ"], 2013)
    kr = m.filter((pl.col("iso3_a") == "KAZ") & (pl.col("iso3_b") == "RUS"))
    assert kr["value"][0] == pytest.approx(100 * 1500 / (17.0e6 + 143.5e6))  # embedded 2013 population
