"""Trade data-quality flags (metrics/quality.py): synthetic rules, and flags on the shared IMF DOTS files
that a reader can check by hand against the CSV rows quoted here."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sco_observatory.errors import ObservatoryError
from sco_observatory.metrics import quality


def _sides(rows):
    return pl.DataFrame(rows, schema=["exporter", "importer", "year", "reported", "reported_source", "mirror",
                                      "mirror_source"], orient="row")


def test_mirror_rule_factor_and_size():
    s = _sides([("AAA", "BBB", 2020, 100e6, "r", 45e6, "m"),    # ×2.22 -> flagged
                ("AAA", "CCC", 2020, 100e6, "r", 55e6, "m"),    # ×1.82 -> not
                ("AAA", "DDD", 2020, 0.5e6, "r", 0.01e6, "m"),  # ×50 but under US$ 1 mn -> not
                ("AAA", "EEE", 2020, 100e6, "r", None, None)])  # one side only -> nothing to compare
    f = quality.mirror_flags(s)
    assert f["importer"].to_list() == ["BBB"]
    assert f["ratio"][0] == pytest.approx(100 / 45)
    assert f["value_a"][0] == 100e6 and f["value_b"][0] == 45e6 and f["source_a"][0] == "r" and f["source_b"][0] == "m"
    assert quality.mirror_flags(s, factor=1.5)["importer"].to_list() == ["BBB", "CCC"]


def test_jump_rule_consecutive_years_only():
    s = _sides([("AAA", "BBB", 2018, 10e6, "r", None, None), ("AAA", "BBB", 2019, 31e6, "r", None, None),
                ("AAA", "BBB", 2021, 200e6, "r", None, None)])  # 2020 absent: no 2019->2021 comparison
    j = quality.jump_flags(s)
    assert j.select("year", "value_a", "value_b").rows() == [(2019, 10e6, 31e6)]
    assert "2018" in j["figure_a"][0] and "2019" in j["figure_b"][0]


def test_factor_must_exceed_one():
    for bad in (1, 0.5, -2, float("nan")):
        with pytest.raises(ObservatoryError):
            quality.check_factor(bad)


@pytest.fixture(scope="module")
def dots(shared_data):
    import sys

    if not (shared_data / "trade_imf_dots").is_dir():
        pytest.skip("shared DOTS files absent")
    sys.path.insert(0, str(Path(__file__).parent))
    from metrics_fixtures import load_dots

    from sco_observatory.store import open_memory_store

    s = open_memory_store()
    load_dots(s, shared_data, years=(1999, 2020))
    yield s
    s.close()


def test_china_kyrgyzstan_2020_by_hand(dots):
    """dots_focus_reporters_1990_2020.csv:
    "China, P.R.: Mainland",CHN,Kyrgyz Rep.,KGZ,exports_fob,2020,2876.41346,0
    Kyrgyz Rep.,KGZ,"China, P.R.: Mainland",CHN,imports_cif,2020,736.83525,0"""
    d = quality.discrepancies(dots, ["KAZ", "KGZ", "TJK", "TKM", "UZB"], [2020], ["CHN"])
    row = d.filter((pl.col("kind") == "mirror") & (pl.col("exporter") == "CHN") & (pl.col("importer") == "KGZ"))
    assert row.height == 1
    r = row.row(0, named=True)
    assert r["value_a"] == pytest.approx(2876.41346e6) and r["value_b"] == pytest.approx(736.83525e6)
    assert r["ratio"] == pytest.approx(2876.41346 / 736.83525)
    assert "CHN exports to KGZ" in r["figure_a"] and "KGZ imports from CHN" in r["figure_b"]
    assert r["source_a"] == r["source_b"] == "imf-dots:dots_focus_reporters_1990_2020"
    # with a factor above 3.9 the pair is no longer flagged
    assert quality.discrepancies(dots, ["KGZ"], [2020], ["CHN"], factor=4).filter(
        (pl.col("kind") == "mirror") & (pl.col("exporter") == "CHN")).height == 0


def test_uzbekistan_china_jump_2000_by_hand(dots):
    """"Uzbekistan, Rep. of",UZB,"China, P.R.: Mainland",CHN,exports_fob,1999,11.77,1
    "Uzbekistan, Rep. of",UZB,"China, P.R.: Mainland",CHN,exports_fob,2000,1189.896166,0
    "China, P.R.: Mainland",CHN,"Uzbekistan, Rep. of",UZB,imports_cif,2000,12.034,0"""
    d = quality.discrepancies(dots, ["UZB"], [2000], ["CHN"])
    jump = d.filter((pl.col("kind") == "jump") & (pl.col("exporter") == "UZB") & pl.col("figure_a").str.contains("exports"))
    assert jump.row(0, named=True)["value_a"] == pytest.approx(11.77e6)
    assert jump.row(0, named=True)["ratio"] == pytest.approx(1189.896166 / 11.77)
    mirror = d.filter((pl.col("kind") == "mirror") & (pl.col("exporter") == "UZB"))
    assert mirror["ratio"][0] == pytest.approx(1189.896166 / 12.034)
    note = quality.quality_note(d)
    assert note.startswith("data quality:") and "UZB exports to CHN" in note


def test_cli_discrepancies_refuses_flows(capsys):
    from sco_observatory.cli import main

    assert main(["trade", "discrepancies", "CA5", "--years", "2020", "--flows", "best"]) == 2
    assert main(["trade", "discrepancies", "CA5", "--years", "2020", "--factor", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 2
    assert "does not use --flows" in err and "--factor 0.5 is not a ratio above 1" in err
