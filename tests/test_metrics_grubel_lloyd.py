"""Grubel–Lloyd against the world: the dense integer-coded route equals the SQL definition.

`trade.grubel_lloyd` takes `_grubel_lloyd_dense` (integer cells, `np.bincount` sums) for a long list
of countries and `_grubel_lloyd_sql` (one GROUP BY) for a short one or with partners. Both must give
the same rows, products counts and values (to 1e-12 relative) on every basis, with the awkward
cases the SQL handles by its own rules: a flow held by several rows (summed), a zero value (still a
held product; the store refuses null and negative ones), a country whose trade sums
to 0 (`NULLIF`: null), WLD and TOTAL rows (never read), a requested country without data (no row).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sco_observatory.ingest import import_file
from sco_observatory.metrics import trade
from sco_observatory.store import open_memory_store, open_store

BACI = Path(__file__).parent / "fixtures" / "ingest" / "baci" / "BACI_HS17_Y2012_V202401b.csv"


def _store(rows_x, rows_m=()):
    s = open_memory_store(seed=False)
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES ('toy:gl', 'toy', 'test', ?, 'test', 'trade', 0)""", [dt.datetime(2020, 1, 1)])
    s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'X', ?, ?, 'FOB', false, 'toy:gl')", list(rows_x))
    if rows_m:
        s.con.executemany("INSERT INTO trade VALUES (?, ?, 2010, 'M', ?, ?, 'CIF', false, 'toy:gl')", list(rows_m))
    return s


def _random_rows(seed: int, n: int, countries: int = 12, products: int = 9):
    rng = np.random.default_rng(seed)
    codes = [f"C{i:02d}" for i in range(countries)]
    prods = [f"{k:04d}" for k in range(products)]
    rows = []
    for _ in range(n):
        e, m = rng.choice(countries, 2, replace=False)
        value = float(rng.lognormal(3, 2))
        if rng.random() < 0.05:
            value = 0.0
        rows.append((codes[e], codes[m], prods[rng.integers(products)], value))
    rows += rows[: n // 10]  # the same flow held by two rows: summed
    rows += [("C00", "WLD", "0001", 1e9), ("WLD", "C01", "0002", 1e9), ("C02", "C03", "TOTAL", 1e9)]  # never read
    return rows


def _dense(monkeypatch, store, countries, year, basis="reported"):
    monkeypatch.setattr(trade, "GL_FILTER_MAX", 0)
    calls = []
    real = trade._grubel_lloyd_dense
    monkeypatch.setattr(trade, "_grubel_lloyd_dense", lambda *a: calls.append(1) or real(*a))
    frame = trade.grubel_lloyd(store, countries, year, basis)
    assert calls, "the dense route was not taken"
    return frame


def _assert_same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.schema == b.schema
    assert a.drop("value").equals(b.drop("value"))
    va, vb = a["value"], b["value"]
    assert va.is_null().to_list() == vb.is_null().to_list()
    ok = va.is_not_null().to_numpy()
    np.testing.assert_allclose(va.to_numpy()[ok], vb.to_numpy()[ok], rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("basis", ["reported", "mirror", "best"])
def test_dense_equals_the_sql_definition(monkeypatch, seed, basis):
    rows = _random_rows(seed, 400)
    mirror = [(m, e, k, v) for e, m, k, v in _random_rows(seed + 10, 300)]  # importer-reported
    s = _store(rows, mirror)
    everyone = [f"C{i:02d}" for i in range(12)] + ["ZZZ"]  # ZZZ holds no data: no row
    dense = _dense(monkeypatch, s, everyone, 2010, basis)
    sql = trade._grubel_lloyd_sql(s, everyone, 2010, basis)
    assert dense.height == 12 and "ZZZ" not in dense["iso3"].to_list()
    _assert_same(dense, sql)
    some = ["C03", "C07", "C11"]  # the filter comes last: the same rows as the SQL's IN
    _assert_same(_dense(monkeypatch, s, some, 2010, basis), trade._grubel_lloyd_sql(s, some, 2010, basis))
    s.close()


def test_dense_hand_checked(monkeypatch):
    """A: X(01) = 10, M(01) = 20 + 5, X(02) = 30, M(02) = 0  =>  [(35 - 15) + (30 - 30)] / (35 + 30)."""
    s = _store([("AAA", "BBB", "01", 10), ("AAA", "BBB", "02", 30), ("BBB", "AAA", "01", 20),
                ("CCC", "AAA", "01", 5), ("BBB", "CCC", "03", 0.0), ("CCC", "BBB", "03", 0.0)])
    gl = _dense(monkeypatch, s, ["AAA", "BBB", "CCC"], 2010)
    a = gl.filter(pl.col("iso3") == "AAA").row(0, named=True)
    assert a["value"] == pytest.approx(20 / 65) and a["products"] == 2 and a["partner"] == "WLD"
    # C: X(01) = 5, and 03 held with 0 both ways: two products, GL 0 (no two-way trade with value)
    c = gl.filter(pl.col("iso3") == "CCC").row(0, named=True)
    assert c["products"] == 2 and c["value"] == pytest.approx(0.0)
    assert gl["iso3"].to_list() == ["AAA", "BBB", "CCC"]
    assert set(gl["valuation"]) == {"FOB"} and set(gl["basis"]) == {"reported"} and set(gl["source"]) == {"toy:gl"}
    s.close()


def test_zero_trade_is_null(monkeypatch):
    s = _store([("AAA", "BBB", "01", 0.0), ("BBB", "AAA", "02", 0.0), ("CCC", "AAA", "01", 4.0)])
    dense = _dense(monkeypatch, s, ["AAA", "BBB", "CCC"], 2010)
    b = dense.filter(pl.col("iso3") == "BBB")
    assert b["value"][0] is None and b["products"][0] == 2  # NULLIF(Σ(X+M), 0)
    _assert_same(dense, trade._grubel_lloyd_sql(s, ["AAA", "BBB", "CCC"], 2010))
    s.close()


def test_routes(monkeypatch):
    """Short lists and partners go to the SQL; a grid above GL_MAX_CELLS too — with the same answer."""
    s = _store(_random_rows(7, 300))
    everyone = [f"C{i:02d}" for i in range(12)]
    used = []
    real = trade._grubel_lloyd_dense
    monkeypatch.setattr(trade, "_grubel_lloyd_dense", lambda *a: used.append(1) or real(*a))
    trade.grubel_lloyd(s, everyone[:trade.GL_FILTER_MAX], 2010)
    trade.grubel_lloyd(s, everyone, 2010, partners=["C01"])
    assert not used
    monkeypatch.setattr(trade, "GL_FILTER_MAX", 4)
    dense = trade.grubel_lloyd(s, everyone, 2010)
    assert used
    monkeypatch.setattr(trade, "GL_MAX_CELLS", 10)  # 12 x 9 cells: too many, the SQL answers
    _assert_same(trade.grubel_lloyd(s, everyone, 2010), dense)
    s.close()


def test_keys_kept_per_commit(tmp_path, monkeypatch):
    """The code dictionaries are one query per store commit; the next commit computes them again."""
    monkeypatch.setattr(trade, "GL_FILTER_MAX", 0)
    seen = []
    real = trade.run
    monkeypatch.setattr(trade, "run", lambda store, q: (seen.append(1) if "'p', product" in q.sql() else None) or real(store, q))
    countries = ["KAZ", "RUS", "CHN", "USA", "ZZZ"]
    with open_store(tmp_path / "store") as store:
        import_file(store, BACI)
        first = trade.grubel_lloyd(store, countries, 2012, source="baci")
        _assert_same(first, trade._grubel_lloyd_sql(store, countries, 2012, source="baci"))
        assert first["iso3"].to_list() == ["CHN", "KAZ", "RUS", "USA"]
        trade.grubel_lloyd(store, countries, 2012, source="baci")
        assert len(seen) == 1
        later = tmp_path / "later"
        later.mkdir()
        for f in BACI.parent.glob("*.csv"):  # the same flows as a 2013 file: a new commit
            (later / f.name.replace("Y2012", "Y2013")).write_text(f.read_text().replace("2012,", "2013,"))
        import_file(store, later / BACI.name.replace("Y2012", "Y2013"))
        again = trade.grubel_lloyd(store, countries, 2012, source="baci")
        assert len(seen) == 2
        _assert_same(again.drop("source"), first.drop("source"))
