"""The matrix paths (metrics/pairwise.py) equal the SQL definitions they replace, to 1e-9.

- export similarity and complementarity: the numpy sweep over the country × product share matrices
  against `trade._export_similarity_sql` / `trade._complementarity_sql`, on a random BACI-like year
  (skewed values, sparse cells, no WLD rows) and on edge cases the matrix form hands back to SQL;
- the pair panel (trade shares, intensity, group measures): the dense year × exporter × importer cube
  against `trade._pair_frame_sql` on the real IMF DOTS slice, every basis, with partners and with a
  repeated code;
- the chunked sweep gives the same sums whatever the chunk size (the memory bound is a parameter).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from sco_observatory.metrics import pairwise, trade
from sco_observatory.store import open_memory_store

REL, ABS = 1e-9, 1e-12


def assert_same(fast: pl.DataFrame, ref: pl.DataFrame) -> None:
    """Same columns, dtypes, row order and strings; floats within REL (null where null)."""
    assert fast.columns == ref.columns
    assert fast.schema == ref.schema
    assert fast.height == ref.height
    for col, dtype in ref.schema.items():
        a, b = fast[col], ref[col]
        assert (a.is_null() == b.is_null()).all(), f"{col}: null pattern differs"
        if dtype.is_float():
            x, y = a.drop_nulls().to_numpy(), b.drop_nulls().to_numpy()
            assert np.allclose(x, y, rtol=REL, atol=ABS), f"{col}: max diff {np.max(np.abs(x - y))}"
        else:
            assert a.equals(b), f"{col} differs"


def _random_year(n_countries=23, n_products=60, cells=4000, seed=7, source="baci:rand"):
    """A BACI-like year: exporter-reported FOB product flows, Zipf-ish sizes, ~1/2 of cells empty."""
    rng = np.random.default_rng(seed)
    codes = [f"C{k:02d}" for k in range(n_countries)]
    size = 1.0 / np.arange(1, n_countries + 1) ** 1.1
    e = rng.choice(n_countries, cells, p=size / size.sum())
    i = rng.choice(n_countries, cells)
    k = rng.choice(n_products, cells, p=(w := 1.0 / np.arange(1, n_products + 1) ** 0.9) / w.sum())
    keep = e != i
    frame = (pl.DataFrame({"reporter": np.array(codes)[e[keep]], "partner": np.array(codes)[i[keep]],
                           "product": [f"{p:06d}" for p in k[keep]],
                           "value_usd": np.round(rng.lognormal(3, 2.5, keep.sum()), 3) + 0.001})
             .unique(["reporter", "partner", "product"], keep="first"))
    s = open_memory_store(seed=False)
    s.con.execute("""INSERT INTO source (source_id, title, publisher, retrieved, format, table_name, rows)
                     VALUES (?, 'random', 'test', ?, 'test', 'trade', 0)""", [source, dt.datetime(2020, 1, 1)])
    s.con.register("_rows", frame.to_arrow())
    s.con.execute("""INSERT INTO trade SELECT reporter, partner, 2015, 'X', product, value_usd, 'FOB', false, ?
                     FROM _rows""", [source])
    s.con.unregister("_rows")
    return s, codes


@pytest.fixture(scope="module")
def year_store():
    s, codes = _random_year()
    yield s, codes
    s.close()


def test_similarity_matrix_equals_sql(year_store):
    s, codes = year_store
    some = codes[:9] + ["ZZZ"]  # a code without data has no pairs in either
    for countries, market in [(codes, None), (some, None), (codes, "C00"), (codes[1:], "C01")]:
        fast = trade.export_similarity(s, countries, 2015, market=market)
        ref = trade._export_similarity_sql(s, countries, 2015, market=market)
        assert fast.height > 0
        assert_same(fast, ref)


def test_complementarity_matrix_equals_sql(year_store):
    s, codes = year_store
    for imp, exp_ in [(codes, codes), (codes[:5], codes[3:]), (["C01"], ["C01", "C02", "QQQ"])]:
        fast = trade.complementarity(s, imp, exp_, 2015)
        ref = trade._complementarity_sql(s, imp, exp_, 2015)
        assert fast.height > 0
        assert_same(fast, ref)


def test_matrix_values_by_hand():
    """Two exporters over three products: XS = 100·Σ min, TC = 100·Σ min and the union count."""
    x = pl.DataFrame({"iso3": ["A", "A", "B", "B"], "product": ["1", "2", "2", "3"], "v": [3.0, 1.0, 2.0, 2.0]})
    xs = pairwise.export_similarity(x)
    assert xs.rows() == [("A", "B", pytest.approx(100 * min(0.25, 0.5)))]
    m = x.rename({"iso3": "i"})
    tc = pairwise.complementarity(m, x.rename({"iso3": "j"}))
    got = {(r[0], r[1]): (r[2], r[3]) for r in tc.rows()}
    assert got[("A", "B")] == (pytest.approx(25.0), 3) and got[("B", "A")] == (pytest.approx(25.0), 3)
    assert ("A", "A") not in got


@pytest.mark.parametrize("chunk", [1, 8 * 60, 10**9])
def test_sweep_independent_of_chunk(monkeypatch, chunk):
    rng = np.random.default_rng(1)
    a, b = rng.random((7, 60)), rng.random((5, 60))
    want = np.minimum(a[:, None, :], b[None, :, :]).sum(axis=2)
    monkeypatch.setattr(pairwise, "CHUNK_BYTES", chunk)
    assert np.allclose(pairwise.min_overlap(a, b), want, rtol=1e-13)
    upper = pairwise.min_overlap(a, a, upper=True)
    full = np.minimum(a[:, None, :], a[None, :, :]).sum(axis=2)
    iu = np.triu_indices(7)
    assert np.allclose(upper[iu], full[iu], rtol=1e-13)


def test_irregular_data_goes_to_sql():
    """A country whose exports sum to 0 (NULLIF gives null shares; SQL least() skips nulls) is not a
    case the matrix form reproduces: the SQL definition answers, and the answers match it exactly."""
    s, codes = _random_year(n_countries=6, n_products=8, cells=120, seed=3)
    s.con.execute("UPDATE trade SET value_usd = 0 WHERE reporter = 'C05'")
    g = pl.DataFrame({"iso3": ["C05"], "product": ["1"], "v": [0.0]})
    assert not pairwise.regular(g)
    assert_same(trade.export_similarity(s, codes, 2015), trade._export_similarity_sql(s, codes, 2015))
    assert_same(trade.complementarity(s, codes, codes, 2015), trade._complementarity_sql(s, codes, codes, 2015))
    s.close()


def test_empty_sides():
    s, codes = _random_year(n_countries=4, n_products=5, cells=40, seed=5)
    fast = trade.complementarity(s, ["NONE"], codes, 2015)
    assert fast.height == 0
    assert_same(fast, trade._complementarity_sql(s, ["NONE"], codes, 2015))
    assert_same(trade.export_similarity(s, ["NONE", "NADA"], 2015), trade._export_similarity_sql(s, ["NONE", "NADA"], 2015))
    s.close()


@pytest.fixture(scope="module")
def dots(shared_data):
    from metrics_fixtures import load_dots

    s = open_memory_store(seed=False)
    load_dots(s, shared_data, years=(2010, 2013))
    yield s
    s.close()


@pytest.mark.parametrize("basis", ["reported", "mirror", "best"])
def test_pair_panel_equals_sql(dots, basis):
    sco = ["KAZ", "KGZ", "TJK", "TKM", "UZB", "RUS", "CHN"]
    everyone = [r[0] for r in dots.con.execute("SELECT DISTINCT reporter FROM trade WHERE reporter <> 'WLD' ORDER BY 1").fetchall()]
    cases = [(sco, None), (["UZB", "KAZ", "KAZ"], ["CHN", "RUS", "XXX"]), (everyone[:60], None), (["KAZ"], ["WLD", "RUS"])]
    for countries, partners in cases:
        fast = trade._pair_frame(dots, countries, (2010, 2013), basis, partners, None)
        ref = trade._pair_frame_sql(dots, countries, (2010, 2013), basis, partners, None)
        assert fast.height > 0 and fast["x_ab"].is_not_null().any()
        assert_same(fast, ref)


def test_pair_panel_years_without_flows(dots):
    """A span beyond the data: no year, no rows, on both paths."""
    fast = trade._pair_frame(dots, ["KAZ", "RUS"], (2010, 2030), "reported", None, None)
    ref = trade._pair_frame_sql(dots, ["KAZ", "RUS"], (2010, 2030), "reported", None, None)
    assert_same(fast, ref)
    assert sorted(set(fast["year"].to_list())) == [2010, 2011, 2012, 2013]
    assert not math.isnan(fast["x_ab"].drop_nulls()[0])
