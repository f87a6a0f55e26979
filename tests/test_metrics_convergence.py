"""σ/β convergence: hand-checkable synthetic panels, t p-values, EAEU Art. 63."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from sco_observatory.errors import DataMissingError
from sco_observatory.metrics import convergence
from sco_observatory.store import open_memory_store


def _panel(rows, code="TEST.Y"):
    s = open_memory_store(seed=False)
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES ('toy:c', 'toy', 'test', now()::TIMESTAMP, 'test', 'indicator', 0)""")
    s.con.executemany(f"INSERT INTO indicator VALUES (?, ?, '{code}', ?, NULL, false, 'toy:c')", rows)
    return s


def test_t_pvalue_known_values():
    assert convergence.t_pvalue(2.228, 10) == pytest.approx(0.05, abs=5e-4)
    assert convergence.t_pvalue(0.0, 5) == pytest.approx(1.0)
    assert convergence.t_pvalue(12.706, 1) == pytest.approx(0.05, abs=5e-4)


def test_beta_exact_line():
    """Growth exactly linear in log level: β recovered, R² = 1, λ and half-life from the annualised form."""
    y0 = np.array([100.0, 200.0, 400.0, 800.0])
    T, a, b = 10, 0.05, -0.004
    g = a + b * np.log(y0)
    y1 = y0 * np.exp(g * T)
    rows = [(c, 2000, v) for c, v in zip("ABCD", y0)] + [(c, 2010, v) for c, v in zip("ABCD", y1)]
    s = _panel([(c + "XX", y, v) for c, y, v in rows])
    r = convergence.beta(s, ["AXX", "BXX", "CXX", "DXX"], "TEST.Y", 2000, 2010)
    assert r["beta"][0] == pytest.approx(b) and r["r2"][0] == pytest.approx(1.0)
    lam = -math.log(1 + b * T) / T
    assert r["lambda"][0] == pytest.approx(lam) and r["half_life"][0] == pytest.approx(math.log(2) / lam)
    assert r["converging"][0] is True and r["n"][0] == 4


def test_beta_against_numpy_polyfit():
    rng = np.random.default_rng(7)
    y0 = rng.uniform(500, 20000, 8)
    y1 = y0 * np.exp(rng.normal(0.5, 0.2, 8))
    rows = [(f"C{i:02d}", 2000, v) for i, v in enumerate(y0)] + [(f"C{i:02d}", 2012, v) for i, v in enumerate(y1)]
    s = _panel(rows)
    r = convergence.beta(s, [f"C{i:02d}" for i in range(8)], "TEST.Y", 2000, 2012)
    ref = np.polyfit(np.log(y0), np.log(y1 / y0) / 12, 1)
    assert r["beta"][0] == pytest.approx(ref[0]) and r["alpha"][0] == pytest.approx(ref[1])
    assert 0 <= r["p_value"][0] <= 1


def test_sigma_hand_checked():
    s = _panel([("AAA", 2000, 1.0), ("BBB", 2000, math.e ** 2), ("AAA", 2001, 1.0), ("BBB", 2001, 1.0)])
    sg = convergence.sigma(s, ["AAA", "BBB"], "TEST.Y", (2000, 2001))
    assert sg["sd_log"][0] == pytest.approx(1.0) and sg["sd_log"][1] == pytest.approx(0.0)
    assert sg["cv"][1] == pytest.approx(0.0)


def test_sigma_levels_when_nonpositive():
    s = _panel([("AAA", 2000, -2.0), ("BBB", 2000, 4.0)])
    sg = convergence.sigma(s, ["AAA", "BBB"], "TEST.Y", (2000, 2000))
    assert sg["sd_log"][0] is None and sg["sd_level"][0] == pytest.approx(np.std([-2, 4], ddof=1))


def test_beta_needs_three():
    s = _panel([("AAA", 2000, 1.0), ("BBB", 2000, 2.0), ("AAA", 2001, 1.0), ("BBB", 2001, 2.0)])
    with pytest.raises(DataMissingError, match="at least 3"):
        convergence.beta(s, ["AAA", "BBB", "CCC"], "TEST.Y", 2000, 2001)


def test_eaeu_art63_inflation_rule():
    s = _panel([("ARM", 2020, 1.2), ("KGZ", 2020, 6.3), ("RUS", 2020, 3.4)], code="FP.CPI.TOTL.ZG")
    a = convergence.eaeu_art63(s, ["ARM", "KGZ", "RUS"], 2020)
    inf = a.filter(pl.col("code") == "FP.CPI.TOTL.ZG")
    assert inf["threshold"][0] == pytest.approx(6.2)
    assert dict(zip(inf["iso3"], inf["meets"])) == {"ARM": True, "KGZ": False, "RUS": True}
    deficit = a.filter(pl.col("code") == "GC.BAL.CASH.GD.ZS")
    assert deficit["meets"].is_null().all() and deficit["note"][0].startswith("cannot check")


def test_real_gdp_pc_convergence_ca(shared_data):
    from metrics_fixtures import load_wdi

    data = shared_data
    s = open_memory_store(seed=False)
    load_wdi(s, data, "NY.GDP.PCAP.PP.CD")
    r = convergence.beta(s, ["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "CHN"], "NY.GDP.PCAP.PP.CD", 2000, 2019)
    assert r["n"][0] == 7 and r["source"][0] == "wdi:NY.GDP.PCAP.PP.CD"
    sg = convergence.sigma(s, ["KAZ", "KGZ", "TJK", "TKM", "UZB"], "NY.GDP.PCAP.PP.CD", (2000, 2019))
    assert sg.height == 20


def test_converging_needs_significance():
    """'converging' is a test at a stated level, not the sign of β (issue #15: β −0.004, p 0.66)."""
    from sco_observatory.metrics.convergence import SIGNIFICANCE, verdict

    assert SIGNIFICANCE == 0.05
    assert verdict(-0.004, 0.66).startswith("no evidence of β-convergence")
    assert verdict(-0.02, 0.01).startswith("β-convergence")
    assert verdict(0.02, 0.01).startswith("β-divergence")
    assert verdict(-0.02, 0.04, level=0.01).startswith("no evidence")
