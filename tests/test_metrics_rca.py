"""RCA's totals and order outside SQL (`trade._rca_ratio`) equal the SQL window definition, nulls and zeros included."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest

from sco_observatory.metrics import trade
from sco_observatory.store import results

SQL = """
    SELECT iso3, product, value, (value - 1) / NULLIF(value + 1, 0) AS rsca, x_ik FROM (
        SELECT iso3, product,
               (x_ik / NULLIF(sum(x_ik) OVER (PARTITION BY iso3), 0))
               / NULLIF(sum(x_ik) OVER (PARTITION BY product) / NULLIF(sum(x_ik) OVER (), 0), 0) AS value, x_ik
        FROM x)
    WHERE iso3 IN (SELECT unnest($countries)) {products}
    ORDER BY iso3, product"""


def _sums(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    iso = [f"C{k:02d}" for k in range(12)]
    prod = [f"{k:04d}" for k in range(40)]
    rows = [(i, p) for i in iso for p in prod if rng.random() < 0.5]
    x = rng.lognormal(10, 3, len(rows))
    x[rng.random(len(rows)) < 0.1] = 0.0
    frame = pl.DataFrame({"iso3": [r[0] for r in rows], "product": [r[1] for r in rows], "x_ik": x})
    nulls = rng.random(len(rows)) < 0.1
    frame = frame.with_columns(pl.when(pl.Series(nulls)).then(None).otherwise(pl.col("x_ik")).alias("x_ik"))
    # a country whose every value is null or zero, and a product held only with zeros: NULLIF's cases
    extra = pl.DataFrame({"iso3": ["C98", "C98", "C99"], "product": ["0001", "0002", "9999"],
                          "x_ik": [None, None, 0.0]}, schema=frame.schema)
    return pl.concat([frame, extra]).sample(fraction=1.0, shuffle=True, seed=seed)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("products", [None, ["0001", "0003", "0017", "9999"]])
def test_rca_ratio_equals_the_sql_windows(seed, products):
    x = _sums(seed)
    countries = ["C01", "C03", "C05", "C98", "C99", "C00", "ZZZ"]
    got = trade._rca_ratio(x, countries, products)
    con = duckdb.connect()
    con.register("x", x.to_arrow())
    want = results.frame(con, SQL.format(products="AND product IN (SELECT unnest($products))" if products else ""),
                         {"countries": countries, **({"products": products} if products else {})})
    assert got.columns == want.columns and got.height == want.height > 0
    assert got.select("iso3", "product").equals(want.select("iso3", "product"))  # same rows, same order
    for c in ("value", "rsca", "x_ik"):
        a, b = got[c], want[c]
        assert a.is_null().equals(b.is_null()), c
        assert np.allclose(a.drop_nulls().to_numpy(), b.drop_nulls().to_numpy(), rtol=1e-12, atol=0), c
    assert got["value"].null_count() > 0  # the NULLIF cases are exercised
