"""Trade indicators: hand-checkable synthetic flows, and IMF DOTS 2012 against independent arithmetic."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import trade
from sco_observatory.store import open_memory_store


def _toy(products: bool = False):
    """Three countries A, B, C (+ rest-of-world R); exporter-reported X (FOB) and importer-reported M (CIF)."""
    s = open_memory_store(seed=False)
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES ('toy:x', 'toy', 'test', ?, 'test', 'trade', 0)""", [dt.datetime(2020, 1, 1)])
    if products:
        # product-level flows, no WLD rows (BACI-like): exporter, importer, product, value
        rows = [("AAA", "BBB", "01", 10), ("AAA", "BBB", "02", 30), ("BBB", "AAA", "01", 20), ("BBB", "AAA", "02", 20),
                ("AAA", "CCC", "01", 60), ("CCC", "AAA", "02", 50), ("CCC", "BBB", "01", 50), ("BBB", "CCC", "02", 10)]
        s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', ?, ?, 'FOB', false, 'toy:x')", rows)
        return s
    x = [("AAA", "BBB", 10), ("AAA", "CCC", 30), ("AAA", "WLD", 100), ("BBB", "AAA", 20), ("BBB", "WLD", 200),
         ("CCC", "WLD", 300), ("WLD", "AAA", 150), ("WLD", "BBB", 100), ("WLD", "CCC", 250), ("WLD", "WLD", 1000)]
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', 'TOTAL', ?, 'FOB', false, 'toy:x')", x)
    m = [("BBB", "AAA", 11), ("AAA", "BBB", 22), ("CCC", "BBB", 5)]  # importer, exporter, CIF
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'M', 'TOTAL', ?, 'CIF', false, 'toy:x')", m)
    return s


def test_intensity_hand_checked():
    s = _toy()
    t = trade.trade_intensity(s, ["AAA", "BBB"], (2010, 2010))
    ab = t.filter(pl.col("iso3_a") == "AAA")
    assert ab["value"][0] == pytest.approx((10 / 100) / (100 / 1000))  # = 1.0
    ba = t.filter(pl.col("iso3_a") == "BBB")
    assert ba["value"][0] == pytest.approx((20 / 200) / (150 / 1000))
    assert set(t["valuation"]) == {"FOB"} and set(t["basis"]) == {"reported"}


def test_mirror_and_best_never_mix_silently():
    s = _toy()
    m = trade.bilateral_flows(s, ["AAA", "BBB", "CCC"], (2010, 2010), "mirror")
    assert set(m["valuation"]) == {"CIF"} and set(m["basis"]) == {"mirror"}
    ab = m.filter((pl.col("exporter") == "AAA") & (pl.col("importer") == "BBB"))["value_usd"][0]
    assert ab == 11  # B's reported imports from A
    best = trade.bilateral_flows(s, ["AAA", "BBB", "CCC"], (2010, 2010), "best")
    bc = best.filter((pl.col("exporter") == "BBB") & (pl.col("importer") == "CCC"))
    assert bc["basis"][0] == "mirror" and bc["valuation"][0] == "CIF"  # B does not report; C's imports fill in
    ab = best.filter((pl.col("exporter") == "AAA") & (pl.col("importer") == "BBB"))
    assert ab["basis"][0] == "reported" and ab["value_usd"][0] == 10
    with pytest.raises(trade.BadBasisError):
        trade.bilateral_flows(s, ["AAA"], (2010, 2010), "cif")


def test_group_measures_hand_checked():
    s = _toy()
    g = trade.group_indicators(s, ["AAA", "BBB"], (2010, 2010))
    v = dict(zip(g["measure"], g["value"]))
    x_rr, x_r, m_r, x_w = 30, 300, 250, 1000
    assert v["intra_share_exports"] == pytest.approx(x_rr / x_r)
    assert v["intra_share_trade"] == pytest.approx(2 * x_rr / (x_r + m_r))
    assert v["intensity_group"] == pytest.approx((x_rr / x_r) / (m_r / x_w))
    is_, w = 2 * x_rr / (x_r + m_r), (x_r + m_r) / (2 * x_w)
    hi, he = is_ / w, (1 - is_) / (1 - w)
    assert v["introversion_trade"] == pytest.approx((hi - he) / (hi + he))
    assert g.filter(pl.col("measure").str.starts_with("introversion"))["evidence"].str.contains("S/R").all()


def test_introversion_sanity():
    """IS = W gives 0 (METHODS §7a sanity check): A and B trade with each other in proportion to size."""
    s = open_memory_store(seed=False)
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES ('toy:y', 'toy', 'test', now()::TIMESTAMP, 'test', 'trade', 0)""")
    x = [("AAA", "BBB", 10), ("BBB", "AAA", 10), ("AAA", "WLD", 100), ("BBB", "WLD", 100),
         ("WLD", "AAA", 100), ("WLD", "BBB", 100), ("WLD", "WLD", 2000)]
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', 'TOTAL', ?, 'FOB', false, 'toy:y')", x)
    g = trade.group_indicators(s, ["AAA", "BBB"], (2010, 2010))
    v = dict(zip(g["measure"], g["value"]))
    assert v["introversion_trade"] == pytest.approx(0.0, abs=1e-12)


def test_product_measures_hand_checked():
    s = _toy(products=True)
    r = trade.rca(s, ["AAA"], 2010)
    # A exports: 01 = 70, 02 = 30 (of 100); world: 01 = 140, 02 = 110 (of 250)
    assert r.filter(pl.col("product") == "01")["value"][0] == pytest.approx((70 / 100) / (140 / 250))
    tc = trade.complementarity(s, ["AAA"], ["BBB"], 2010)
    # A imports: 01 = 20, 02 = 70 (of 90); B exports: 01 = 20, 02 = 30 (of 50)
    m, x = [20 / 90, 70 / 90], [20 / 50, 30 / 50]
    assert tc["value"][0] == pytest.approx(100 * (1 - sum(abs(a - b) for a, b in zip(m, x)) / 2))
    gl = trade.grubel_lloyd(s, ["AAA"], 2010, partners=["BBB"])
    # A->B: 01 = 10, 02 = 30; B->A: 01 = 20, 02 = 20  =>  [(30 - 10) + (50 - 10)] / (30 + 50) = 0.75
    assert gl["value"][0] == pytest.approx(0.75)
    xs = trade.export_similarity(s, ["AAA", "BBB"], 2010)
    assert xs["value"][0] == pytest.approx(100 * (min(0.7, 20 / 50) + min(0.3, 30 / 50)))
    pc = trade.product_concentration(s, ["AAA"], 2010)
    h = 0.7 ** 2 + 0.3 ** 2
    assert pc["hh_wits"][0] == pytest.approx(h)
    assert pc["hh_unctad"][0] == pytest.approx((math.sqrt(h) - math.sqrt(0.5)) / (1 - math.sqrt(0.5)))


def test_product_measures_need_product_data():
    with pytest.raises(DataMissingError, match="product-level"):
        trade.rca(_toy(), ["AAA"], 2010)


@pytest.fixture(scope="module")
def dots_store(shared_data):
    from metrics_fixtures import load_dots, load_wdi

    data = shared_data
    s = open_memory_store()
    load_dots(s, data, years=(2010, 2013))
    load_wdi(s, data, "NY.GDP.MKTP.CD")
    yield s
    s.close()


def test_dots_intensity_independent(dots_store):
    """KAZ->RUS 2012 intensity from the raw DOTS numbers (US$ mn, read off the CSV)."""
    t = trade.trade_intensity(dots_store, ["KAZ"], (2012, 2012), partners=["RUS"])
    raw = dots_store.con.execute("""SELECT
        (SELECT value_usd FROM trade WHERE reporter='KAZ' AND partner='RUS' AND flow='X' AND year=2012),
        (SELECT value_usd FROM trade WHERE reporter='KAZ' AND partner='WLD' AND flow='X' AND year=2012),
        (SELECT value_usd FROM trade WHERE reporter='WLD' AND partner='RUS' AND flow='X' AND year=2012),
        (SELECT value_usd FROM trade WHERE reporter='WLD' AND partner='WLD' AND flow='X' AND year=2012)""").fetchone()
    assert raw[0] == pytest.approx(6747.212051e6)
    assert t["value"][0] == pytest.approx((raw[0] / raw[1]) / (raw[2] / raw[3]))
    assert t["value"][0] > 1


def test_dots_market_concentration(dots_store):
    c = trade.market_concentration(dots_store, ["KAZ", "TKM"], (2012, 2012))
    assert c["basis"][0] == "mirror" and c["valuation"][0] == "CIF"
    assert (c["hh_wits"] <= 1).all() and (c["hh_unctad"] >= 0).all()
    assert c.filter(pl.col("iso3") == "TKM")["hh_wits"][0] > c.filter(pl.col("iso3") == "KAZ")["hh_wits"][0]


def test_dots_group_shares_sum(dots_store):
    g = trade.group_shares(dots_store, ["KAZ", "KGZ", "TJK", "TKM", "UZB"], (2012, 2012))
    assert g.height == 5 and (g["export_share"] < 1).all()


def test_a_one_year_span_is_said_as_one_year():
    """The 'no data' messages name a one-year span as the year (`dates.years_text`), not '2024-2024'."""
    s = open_memory_store(seed=False)
    for call in (lambda: trade.rca(s, ["KAZ"], 2024), lambda: trade.bilateral_flows(s, ["KAZ"], (2024, 2024)),
                 lambda: trade.bilateral_flows(s, ["KAZ"], (2023, 2024))):
        with pytest.raises(DataMissingError) as err:
            call()
        text = str(err.value)
        assert "2024-2024" not in text
        assert "for 2024" in text or "for 2023-2024" in text
