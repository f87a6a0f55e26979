"""Metric speed, judged against baselines: the project against pandas, polars, one DuckDB SQL query and
(for the all-pairs measures) numpy — every result checked equal first, then the median of 3.

Measures (`--only` picks some):

- DOTS panel (IMF DOTS, both extracts, all reporters x 1990-2020; WDI GDP):
  `intensity` — trade intensity of every ordered pair-year (`trade.trade_intensity`);
  `siei` — SIEI-style trade index of every unordered pair-year (`siei.trade_index`, pair level);
  `group` — group measures (intra-regional shares, intensity, introversion) of the SCO members
  (`trade.group_indicators`), cheap, project and SQL only are compared on its five measures.
- BACI-like year (`make_baci_sample.py`, 10M rows by default, no World rows: the world is the
  dataset's reporter set): `hhi` — export product concentration of every exporter
  (`trade.product_concentration`); `rca` — every exporter x product; `similarity` — Finger–Kreinin
  of every unordered pair (`trade.export_similarity`); `complementarity` — every ordered
  (importer, exporter) pair; `grubel-lloyd` — every country with the rest of the dataset.

Every implementation starts from the same on-disk store (`open_store` on a temporary home, the
package snapshot off so the store holds exactly the imported files) and ends with the same numbers:
the baselines SELECT the raw rows they need through the store's DuckDB connection (inside their
times) and compute the formula their own way; "duckdb" is one hand-written SQL query. Before any
timing every baseline's result is compared with the project's on the keys (same key set, same
nulls, values within 1e-9 relative) — the run stops if one differs. Then each implementation runs
3 times (`--repeat`), all alternating within a round so they see the same machine load, and the
median is reported. The project's first call on a fresh commit also computes the store summary
kept per commit (metrics/cache.py); its time is the `cold` column, the table's project column is
the warm median.

Ratios: `proj/best` = project / fastest baseline (goal ≤ 1.5), `pd/proj` = pandas / project (goal
≥ 3, ≥ 5 for the single-scan aggregations hhi, rca, grubel-lloyd).

Usage:
    python benchmarks/bench_metrics.py [--quick] [--only intensity,rca,...] [--baci-rows 10000000]
                                       [--baci-dir DIR] [--repeat 3]

`--quick` runs everything on a small sample (DOTS 2019-2020, a 5,000-row BACI year) in seconds:
tests/test_bench_metrics_quick.py runs it for equality only. Without --baci-dir the BACI year is
generated into a temporary directory (10M rows: ~20 s, then imported, ~30 s). Never commit
generated data. Memory: the pandas/polars sides hold the rows they load (10M rows ~2 GB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from sco_observatory.ingest import import_file
from sco_observatory.metrics import siei, trade
from sco_observatory.store import open_store

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
DOTS = [SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv",
        SHARED / "trade_imf_dots" / "dots_other_reporters_to_focus_partners_1990_2020.csv"]
GDP = SHARED / "wdi" / "ny.gdp.mktp.cd.csv"
REL_TOL = 1e-9
ABS_TOL = 1e-12
"""Absolute slack for values that are 0 on one side (pandas gets 1.1e-14 for a complementarity of 0)."""
SCO = ["CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
DOTS_MEASURES = ("intensity", "siei", "group")
BACI_MEASURES = ("hhi", "rca", "similarity", "complementarity", "grubel-lloyd")
SINGLE_SCAN = {"hhi", "rca", "grubel-lloyd"}


# -- equality -----------------------------------------------------------------------------------------

def check_equal(name: str, ours: pl.DataFrame, base, keys: list[str], cols: list[str]) -> int:
    """Same key set, same nulls, values within REL_TOL relative (ABS_TOL absolute); raises SystemExit naming the first difference."""
    b = base if isinstance(base, pl.DataFrame) else pl.from_pandas(base)
    o = ours.select(keys + cols)
    b = b.select(keys + cols).with_columns([pl.col(k).cast(o.schema[k]) for k in keys])
    if o.height != b.height:
        raise SystemExit(f"{name}: {o.height:,} rows (project) vs {b.height:,}")
    j = o.join(b, on=keys, how="full", suffix="_b", coalesce=True)
    if j.height != o.height:
        raise SystemExit(f"{name}: key sets differ ({j.height - o.height:,} unmatched rows)")
    for c in cols:
        a, p = j[c].cast(pl.Float64), j[f"{c}_b"].cast(pl.Float64)
        nulls = (a.is_null() | a.is_nan()) != (p.is_null() | p.is_nan())
        if nulls.any():
            raise SystemExit(f"{name}.{c}: null pattern differs in {nulls.sum():,} rows")
        both = ~(a.is_null() | a.is_nan())
        aa, pp = a.filter(both).to_numpy(), p.filter(both).to_numpy()
        bad = ~np.isclose(aa, pp, rtol=REL_TOL, atol=ABS_TOL)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SystemExit(f"{name}.{c}: {bad.sum():,} values differ beyond {REL_TOL:g}, e.g. {aa[i]!r} vs {pp[i]!r}")
    return j.height


# -- DOTS baselines -----------------------------------------------------------------------------------

def _x_sql(years, countries=None) -> str:
    inside = ""
    if countries is not None:
        inl = ", ".join(f"'{c}'" for c in countries)
        inside = f" AND reporter IN ({inl}) AND partner IN ({inl})"
    return (f"SELECT reporter AS a, partner AS b, year, value_usd AS v FROM trade WHERE flow = 'X' "
            f"AND year BETWEEN {years[0]} AND {years[1]} AND source_id LIKE 'imf-dots:%'{inside}")


def pd_intensity(con, countries, years):
    """TII_ab = (X_ab/X_a)/(X_Wb/X_W), reported exports; X_a = a->WLD, X_Wb = WLD->b, X_W = WLD->WLD."""
    x = con.sql(_x_sql(years)).df().groupby(["a", "b", "year"], as_index=False)["v"].sum()
    xa = x[x.b == "WLD"][["a", "year", "v"]].rename(columns={"v": "x_a_world"})
    xwb = x[x.a == "WLD"][["b", "year", "v"]].rename(columns={"v": "x_world_b"})
    xw = x[(x.a == "WLD") & (x.b == "WLD")][["year", "v"]].rename(columns={"v": "x_world"})
    c = pd.Series(countries)
    p = (pd.DataFrame({"a": c}).merge(pd.DataFrame({"b": c}), how="cross")
         .merge(pd.DataFrame({"year": x.year.unique()}), how="cross"))
    p = p[p.a != p.b]
    p = (p.merge(x.rename(columns={"v": "x_ab"}), on=["a", "b", "year"], how="left")
         .merge(xa, on=["a", "year"], how="left").merge(xwb, on=["b", "year"], how="left")
         .merge(xw, on="year", how="left"))
    p["value"] = (p.x_ab / p.x_a_world) / (p.x_world_b / p.x_world)
    return p.rename(columns={"a": "iso3_a", "b": "iso3_b"})


def pl_intensity(con, countries, years):
    x = con.sql(_x_sql(years)).pl().group_by(["a", "b", "year"]).agg(pl.col("v").sum())
    xa = x.filter(pl.col("b") == "WLD").select("a", "year", pl.col("v").alias("x_a_world"))
    xwb = x.filter(pl.col("a") == "WLD").select("b", "year", pl.col("v").alias("x_world_b"))
    xw = x.filter((pl.col("a") == "WLD") & (pl.col("b") == "WLD")).select("year", pl.col("v").alias("x_world"))
    c = pl.DataFrame({"a": countries})
    p = (c.join(c.rename({"a": "b"}), how="cross").filter(pl.col("a") != pl.col("b"))
         .join(x.select("year").unique(), how="cross"))
    p = (p.join(x.rename({"v": "x_ab"}), on=["a", "b", "year"], how="left").join(xa, on=["a", "year"], how="left")
         .join(xwb, on=["b", "year"], how="left").join(xw, on="year", how="left"))
    return p.select(pl.col("a").alias("iso3_a"), pl.col("b").alias("iso3_b"), "year",
                    ((pl.col("x_ab") / pl.col("x_a_world")) / (pl.col("x_world_b") / pl.col("x_world"))).alias("value"))


def sql_intensity(con, countries, years):
    c = ", ".join(f"'{k}'" for k in countries)
    return con.sql(f"""
        WITH x AS (SELECT a, b, year, sum(v) AS v FROM ({_x_sql(years)}) GROUP BY a, b, year),
             c AS (SELECT unnest([{c}]) AS c),
             p AS (SELECT ca.c AS a, cb.c AS b, y.year FROM c AS ca, c AS cb, (SELECT DISTINCT year FROM x) AS y
                   WHERE ca.c <> cb.c)
        SELECT p.a AS iso3_a, p.b AS iso3_b, p.year, (xab.v / xa.v) / (xwb.v / xw.v) AS value
        FROM p LEFT JOIN x AS xab ON xab.a = p.a AND xab.b = p.b AND xab.year = p.year
               LEFT JOIN x AS xa ON xa.a = p.a AND xa.b = 'WLD' AND xa.year = p.year
               LEFT JOIN x AS xwb ON xwb.a = 'WLD' AND xwb.b = p.b AND xwb.year = p.year
               LEFT JOIN x AS xw ON xw.a = 'WLD' AND xw.b = 'WLD' AND xw.year = p.year""").pl()


def _gdp_sql(years, countries) -> str:
    inl = ", ".join(f"'{c}'" for c in countries)
    return (f"SELECT iso3, year, value AS y FROM indicator WHERE code = 'NY.GDP.MKTP.CD' "
            f"AND year BETWEEN {years[0]} AND {years[1]} AND iso3 IN ({inl})")


def pd_siei(con, countries, years):
    """100(X_ab + X_ba)/(Y_a + Y_b) for unordered pairs a<b, years of the GDP series."""
    x = con.sql(_x_sql(years, countries)).df().groupby(["a", "b", "year"], as_index=False)["v"].sum()
    y = con.sql(_gdp_sql(years, countries)).df()
    c = pd.Series(sorted(countries))
    p = (pd.DataFrame({"a": c}).merge(pd.DataFrame({"b": c}), how="cross")
         .merge(pd.DataFrame({"year": y.year.unique()}), how="cross"))
    p = p[p.a < p.b]
    p = (p.merge(x.rename(columns={"v": "f_ab"}), on=["a", "b", "year"], how="left")
         .merge(x.rename(columns={"a": "b", "b": "a", "v": "f_ba"}), on=["a", "b", "year"], how="left")
         .merge(y.rename(columns={"iso3": "a", "y": "y_a"}), on=["a", "year"], how="left")
         .merge(y.rename(columns={"iso3": "b", "y": "y_b"}), on=["b", "year"], how="left"))
    p["value"] = 100 * (p.f_ab + p.f_ba) / (p.y_a + p.y_b)
    return p.rename(columns={"a": "iso3_a", "b": "iso3_b"})


def pl_siei(con, countries, years):
    x = con.sql(_x_sql(years, countries)).pl().group_by(["a", "b", "year"]).agg(pl.col("v").sum())
    y = con.sql(_gdp_sql(years, countries)).pl()
    c = pl.DataFrame({"a": sorted(countries)})
    p = (c.join(c.rename({"a": "b"}), how="cross").filter(pl.col("a") < pl.col("b"))
         .join(y.select("year").unique(), how="cross"))
    p = (p.join(x.rename({"v": "f_ab"}), on=["a", "b", "year"], how="left")
         .join(x.select(pl.col("b").alias("a"), pl.col("a").alias("b"), "year", pl.col("v").alias("f_ba")),
               on=["a", "b", "year"], how="left")
         .join(y.select(pl.col("iso3").alias("a"), "year", pl.col("y").alias("y_a")), on=["a", "year"], how="left")
         .join(y.select(pl.col("iso3").alias("b"), "year", pl.col("y").alias("y_b")), on=["b", "year"], how="left"))
    return p.select(pl.col("a").alias("iso3_a"), pl.col("b").alias("iso3_b"), "year",
                    (100 * (pl.col("f_ab") + pl.col("f_ba")) / (pl.col("y_a") + pl.col("y_b"))).alias("value"))


def sql_siei(con, countries, years):
    c = ", ".join(f"'{k}'" for k in sorted(countries))
    return con.sql(f"""
        WITH x AS (SELECT a, b, year, sum(v) AS v FROM ({_x_sql(years, countries)}) GROUP BY a, b, year),
             y AS ({_gdp_sql(years, countries)}),
             c AS (SELECT unnest([{c}]) AS c),
             p AS (SELECT ca.c AS a, cb.c AS b, yy.year FROM c AS ca, c AS cb, (SELECT DISTINCT year FROM y) AS yy
                   WHERE ca.c < cb.c)
        SELECT p.a AS iso3_a, p.b AS iso3_b, p.year, 100 * (fab.v + fba.v) / (ya.y + yb.y) AS value
        FROM p LEFT JOIN x AS fab ON fab.a = p.a AND fab.b = p.b AND fab.year = p.year
               LEFT JOIN x AS fba ON fba.a = p.b AND fba.b = p.a AND fba.year = p.year
               LEFT JOIN y AS ya ON ya.iso3 = p.a AND ya.year = p.year
               LEFT JOIN y AS yb ON yb.iso3 = p.b AND yb.year = p.year""").pl()


def sql_group(con, countries, years):
    """Export-basis intra-regional share IS = X_RR/X_R, empty unless every pair and member total is present."""
    c = ", ".join(f"'{k}'" for k in countries)
    n = len(countries)
    return con.sql(f"""
        WITH x AS (SELECT a, b, year, sum(v) AS v FROM ({_x_sql(years)}) GROUP BY a, b, year),
             yrs AS (SELECT DISTINCT year FROM x),
             rr AS (SELECT year, sum(v) AS x_rr, count(*) AS pairs FROM x WHERE a IN ({c}) AND b IN ({c}) AND a <> b GROUP BY year),
             r AS (SELECT year, sum(v) AS x_r, count(*) AS members FROM x WHERE a IN ({c}) AND b = 'WLD' GROUP BY year)
        SELECT yrs.year, 'intra_share_exports' AS measure,
               CASE WHEN rr.pairs = {n * (n - 1)} AND r.members = {n} THEN rr.x_rr / r.x_r END AS value
        FROM yrs LEFT JOIN rr USING (year) LEFT JOIN r USING (year)""").pl()


# -- BACI baselines -----------------------------------------------------------------------------------

def _baci_sql(year: int) -> str:
    return (f"SELECT reporter AS exporter, partner AS importer, product, value_usd AS value FROM trade "
            f"WHERE flow = 'X' AND year = {year} AND source_id LIKE 'baci:%' AND product <> 'TOTAL'")


def pd_hhi(con, year):
    b = con.sql(_baci_sql(year)).df()
    x = b.groupby(["exporter", "product"], as_index=False)["value"].sum()
    x = x[x.value > 0]
    x["s"] = x.value / x.groupby("exporter")["value"].transform("sum")
    g = x.assign(s2=x.s ** 2).groupby("exporter").agg(hh_wits=("s2", "sum"), n_products=("s2", "size"))
    return g.reset_index().rename(columns={"exporter": "iso3"})


def pl_hhi(con, year):
    x = (con.sql(_baci_sql(year)).pl().group_by(["exporter", "product"]).agg(pl.col("value").sum())
         .filter(pl.col("value") > 0))
    return (x.with_columns((pl.col("value") / pl.col("value").sum().over("exporter")).alias("s"))
            .group_by("exporter").agg((pl.col("s") ** 2).sum().alias("hh_wits"), pl.len().alias("n_products"))
            .rename({"exporter": "iso3"}))


def sql_hhi(con, year):
    return con.sql(f"""
        WITH x AS (SELECT exporter, product, sum(value) AS v FROM ({_baci_sql(year)}) GROUP BY exporter, product),
             s AS (SELECT exporter, v / sum(v) OVER (PARTITION BY exporter) AS s FROM x WHERE v > 0)
        SELECT exporter AS iso3, sum(s * s) AS hh_wits, count(*) AS n_products FROM s GROUP BY exporter""").pl()


def pd_rca(con, year):
    """RCA_ik = (x_ik/X_i)/(x_Wk/X_W), world = all exporters in the dataset."""
    b = con.sql(_baci_sql(year)).df()
    xik = b.groupby(["exporter", "product"], as_index=False)["value"].sum()
    xi = xik.groupby("exporter")["value"].transform("sum")
    xwk = xik.groupby("product")["value"].transform("sum")
    xik["rca"] = (xik.value / xi) / (xwk / xik.value.sum())
    return xik.rename(columns={"exporter": "iso3", "value": "x_ik", "rca": "value"})


def pl_rca(con, year):
    x = con.sql(_baci_sql(year)).pl().group_by(["exporter", "product"]).agg(pl.col("value").sum())
    return x.select(pl.col("exporter").alias("iso3"), "product",
                    ((pl.col("value") / pl.col("value").sum().over("exporter"))
                     / (pl.col("value").sum().over("product") / pl.col("value").sum())).alias("value"))


def sql_rca(con, year):
    return con.sql(f"""
        WITH x AS (SELECT exporter, product, sum(value) AS v FROM ({_baci_sql(year)}) GROUP BY exporter, product)
        SELECT exporter AS iso3, product,
               (v / sum(v) OVER (PARTITION BY exporter)) / (sum(v) OVER (PARTITION BY product) / sum(v) OVER ()) AS value
        FROM x""").pl()


def _dense(frame: pl.DataFrame, key: str, products: pl.Series):
    """(codes, shares matrix, presence matrix) of (key, product, value) rows summed per cell, columns = `products`
    (sorted); integer positions come from polars joins (numpy's unique on 2M Python strings is slow)."""
    g = frame.group_by([key, "product"]).agg(pl.col("value").sum())
    codes = g[key].unique().sort()
    g = (g.join(pl.DataFrame({key: codes, "_i": np.arange(codes.len())}), on=key)
         .join(pl.DataFrame({"product": products, "_k": np.arange(products.len())}), on="product"))
    i, k = g["_i"].to_numpy(), g["_k"].to_numpy()
    v = np.zeros((codes.len(), products.len()))
    v[i, k] = g["value"].to_numpy()
    present = np.zeros(v.shape, dtype=bool)
    present[i, k] = True
    return codes.to_numpy(), v / v.sum(axis=1, keepdims=True), present


def np_similarity(con, year):
    """Dense shares, one numpy row sweep per country against the later ones."""
    b = con.sql(_baci_sql(year)).pl()
    codes, s, present = _dense(b.rename({"exporter": "iso3"}), "iso3", b["product"].unique().sort())
    rows = []
    pc = present.astype(np.float32)
    common = pc @ pc.T
    for a in range(len(codes) - 1):
        xs = 100 * np.minimum(s[a], s[a + 1:]).sum(axis=1)
        keep = common[a, a + 1:] > 0
        rows.append(pl.DataFrame({"iso3_a": np.repeat(codes[a], keep.sum()), "iso3_b": codes[a + 1:][keep],
                                  "value": xs[keep]}))
    return pl.concat(rows)


def pd_similarity(con, year):
    """Shares pivoted to a country x product frame (pandas unstack), then a row-by-row numpy sweep."""
    b = con.sql(_baci_sql(year)).df()
    x = b.groupby(["exporter", "product"])["value"].sum()
    s = (x / x.groupby(level=0).transform("sum")).unstack()
    present = s.notna().to_numpy()
    m = s.fillna(0.0).to_numpy()
    codes = s.index.to_numpy()
    out = []
    for a in range(len(codes) - 1):
        common = (present[a] & present[a + 1:]).any(axis=1)
        out.append(pd.DataFrame({"iso3_a": codes[a], "iso3_b": codes[a + 1:][common],
                                 "value": 100 * np.minimum(m[a], m[a + 1:][common]).sum(axis=1)}))
    return pd.concat(out, ignore_index=True)


def pl_similarity(con, year, chunk: int = 16):
    """A self-join on product, `chunk` countries at a time (the full join would be ~150M rows)."""
    x = con.sql(_baci_sql(year)).pl().group_by(["exporter", "product"]).agg(pl.col("value").sum())
    s = x.select(pl.col("exporter").alias("iso3"), "product", (pl.col("value") / pl.col("value").sum().over("exporter")).alias("s"))
    codes = s["iso3"].unique().sort().to_list()
    parts = []
    for k in range(0, len(codes), chunk):
        left = s.filter(pl.col("iso3").is_in(codes[k:k + chunk]))
        j = left.join(s, on="product", suffix="_b").filter(pl.col("iso3") < pl.col("iso3_b"))
        parts.append(j.group_by(["iso3", "iso3_b"]).agg((100 * pl.min_horizontal("s", "s_b").sum()).alias("value")))
    return pl.concat(parts).rename({"iso3": "iso3_a"})


def sql_similarity(con, year):
    return con.sql(f"""
        WITH x AS (SELECT exporter AS iso3, product, sum(value) AS v FROM ({_baci_sql(year)}) GROUP BY exporter, product),
             s AS (SELECT iso3, product, v / sum(v) OVER (PARTITION BY iso3) AS s FROM x)
        SELECT a.iso3 AS iso3_a, b.iso3 AS iso3_b, 100 * sum(least(a.s, b.s)) AS value
        FROM s AS a JOIN s AS b ON a.product = b.product AND a.iso3 < b.iso3 GROUP BY a.iso3, b.iso3""").pl()


def np_complementarity(con, year):
    b = con.sql(_baci_sql(year)).pl()
    products = b["product"].unique().sort()
    mcodes, m, mp = _dense(b.select(pl.col("importer").alias("i"), "product", "value"), "i", products)
    xcodes, x, xp = _dense(b.select(pl.col("exporter").alias("j"), "product", "value"), "j", products)
    common = mp.astype(np.float32) @ xp.astype(np.float32).T
    tc = np.empty((len(mcodes), len(xcodes)))
    for a in range(len(mcodes)):
        tc[a] = 100 * np.minimum(m[a], x).sum(axis=1)
    union = mp.sum(1)[:, None] + xp.sum(1)[None, :] - np.rint(common).astype(np.int64)
    i, j = np.divmod(np.arange(tc.size), len(xcodes))
    keep = mcodes[i] != xcodes[j]
    return pl.DataFrame({"importer": mcodes[i][keep], "exporter": xcodes[j][keep], "value": tc.ravel()[keep],
                         "products": union.ravel()[keep]})


def pd_complementarity(con, year):
    """TC_ij = 100(1 - Σ_k |m_ik - x_jk|/2) over the union of products, literally (dense share matrices)."""
    b = con.sql(_baci_sql(year)).df()
    m = b.groupby(["importer", "product"])["value"].sum()
    x = b.groupby(["exporter", "product"])["value"].sum()
    ms = (m / m.groupby(level=0).transform("sum")).unstack()
    xs = (x / x.groupby(level=0).transform("sum")).unstack()
    products = ms.columns.union(xs.columns)
    ms, xs = ms.reindex(columns=products), xs.reindex(columns=products)
    mp, xp = ms.notna().to_numpy(), xs.notna().to_numpy()
    M, X = ms.fillna(0.0).to_numpy(), xs.fillna(0.0).to_numpy()
    tc = np.empty((len(M), len(X)))
    n = np.empty((len(M), len(X)), dtype=np.int64)
    step = 8
    for s in range(0, len(M), step):
        tc[s:s + step] = 100 * (1 - np.abs(M[s:s + step, None, :] - X[None, :, :]).sum(axis=2) / 2)
        n[s:s + step] = (mp[s:s + step, None, :] | xp[None, :, :]).sum(axis=2)
    out = pd.DataFrame({"importer": np.repeat(ms.index.to_numpy(), len(X)), "exporter": np.tile(xs.index.to_numpy(), len(M)),
                        "value": tc.ravel(), "products": n.ravel()})
    return out[out.importer != out.exporter]


def pl_complementarity(con, year, chunk: int = 16):
    b = con.sql(_baci_sql(year)).pl()
    m = b.group_by(["importer", "product"]).agg(pl.col("value").sum())
    x = b.group_by(["exporter", "product"]).agg(pl.col("value").sum())
    ms = m.select(pl.col("importer").alias("i"), "product", (pl.col("value") / pl.col("value").sum().over("importer")).alias("m"),
                  pl.len().over("importer").alias("n_i"))
    xs = x.select(pl.col("exporter").alias("j"), "product", (pl.col("value") / pl.col("value").sum().over("exporter")).alias("x"),
                  pl.len().over("exporter").alias("n_j"))
    pairs = (ms.select("i", "n_i").unique().join(xs.select("j", "n_j").unique(), how="cross")
             .filter(pl.col("i") != pl.col("j")))
    codes = ms["i"].unique().sort().to_list()
    parts = []
    for k in range(0, len(codes), chunk):
        j = ms.filter(pl.col("i").is_in(codes[k:k + chunk])).join(xs, on="product").filter(pl.col("i") != pl.col("j"))
        parts.append(j.group_by(["i", "j"]).agg(pl.min_horizontal("m", "x").sum().alias("overlap"), pl.len().alias("common")))
    c = pl.concat(parts)
    out = pairs.join(c, on=["i", "j"], how="left")
    return out.select(pl.col("i").alias("importer"), pl.col("j").alias("exporter"),
                      (100 * pl.col("overlap").fill_null(0)).alias("value"),
                      (pl.col("n_i") + pl.col("n_j") - pl.col("common").fill_null(0)).alias("products"))


def sql_complementarity(con, year):
    return con.sql(f"""
        WITH b AS ({_baci_sql(year)}),
             ms AS (SELECT importer AS i, product, sum(value) / sum(sum(value)) OVER (PARTITION BY importer) AS s,
                           count(*) OVER (PARTITION BY importer) AS n FROM b GROUP BY importer, product),
             xs AS (SELECT exporter AS j, product, sum(value) / sum(sum(value)) OVER (PARTITION BY exporter) AS s,
                           count(*) OVER (PARTITION BY exporter) AS n FROM b GROUP BY exporter, product),
             c AS (SELECT ms.i, xs.j, sum(least(ms.s, xs.s)) AS overlap, count(*) AS common
                   FROM ms JOIN xs ON ms.product = xs.product AND ms.i <> xs.j GROUP BY ms.i, xs.j),
             p AS (SELECT DISTINCT mi.i, mi.n AS n_i, xj.j, xj.n AS n_j
                   FROM (SELECT DISTINCT i, n FROM ms) AS mi, (SELECT DISTINCT j, n FROM xs) AS xj WHERE mi.i <> xj.j)
        SELECT p.i AS importer, p.j AS exporter, 100 * coalesce(c.overlap, 0) AS value,
               p.n_i + p.n_j - coalesce(c.common, 0) AS products
        FROM p LEFT JOIN c ON c.i = p.i AND c.j = p.j""").pl()


def pd_grubel_lloyd(con, year):
    """GL_i = Σ_k[(X_k+M_k) - |X_k-M_k|] / Σ_k(X_k+M_k), i's trade with the rest of the dataset."""
    b = con.sql(_baci_sql(year)).df()
    x = b.groupby(["exporter", "product"])["value"].sum().rename("x")
    m = b.groupby(["importer", "product"])["value"].sum().rename("m")
    x.index.names = m.index.names = ["iso3", "product"]
    k = pd.concat([x, m], axis=1).fillna(0.0)
    k["num"] = (k.x + k.m) - (k.x - k.m).abs()
    k["den"] = k.x + k.m
    g = k.groupby(level="iso3").agg(num=("num", "sum"), den=("den", "sum"), products=("num", "size"))
    g["value"] = g.num / g.den
    return g.reset_index()


def pl_grubel_lloyd(con, year):
    b = con.sql(_baci_sql(year)).pl()
    x = b.group_by(["exporter", "product"]).agg(pl.col("value").sum().alias("x")).rename({"exporter": "iso3"})
    m = b.group_by(["importer", "product"]).agg(pl.col("value").sum().alias("m")).rename({"importer": "iso3"})
    k = x.join(m, on=["iso3", "product"], how="full", coalesce=True).fill_null(0.0)
    return k.group_by("iso3").agg(
        (((pl.col("x") + pl.col("m")) - (pl.col("x") - pl.col("m")).abs()).sum() / (pl.col("x") + pl.col("m")).sum()).alias("value"),
        pl.len().alias("products"))


def sql_grubel_lloyd(con, year):
    return con.sql(f"""
        WITH b AS ({_baci_sql(year)}),
             k AS (SELECT iso3, product, sum(x) AS x, sum(m) AS m FROM (
                       SELECT exporter AS iso3, product, value AS x, 0.0 AS m FROM b
                       UNION ALL SELECT importer, product, 0.0, value FROM b) GROUP BY iso3, product)
        SELECT iso3, sum((x + m) - abs(x - m)) / sum(x + m) AS value, count(*) AS products FROM k GROUP BY iso3""").pl()


# -- driver -------------------------------------------------------------------------------------------

def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure(name, project, baselines: dict, keys, cols, in_rows, repeat, results):
    """Check every baseline equal to the project, then the median of `repeat` alternating rounds."""
    t = time.perf_counter()
    ours = project()
    cold = time.perf_counter() - t
    for label, fn in baselines.items():
        check_equal(f"{name} ({label})", ours, fn(), keys, cols)
    fns = {"project": project, **baselines}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for label, fn in fns.items():
            times[label].append(timed(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    results.append((name, in_rows, ours.height, cold, med))
    print(f"  {name}: {ours.height:,} rows, equal to {', '.join(baselines)}; "
          + ", ".join(f"{k} {v:.2f} s" for k, v in med.items()), flush=True)


def _import(store, paths) -> None:
    for path in paths:
        if not Path(path).exists():
            raise SystemExit(f"{path} missing (set SCO_SHARED_DATA)")
        import_file(store, path)


def _holds(store, family: str) -> bool:
    return bool(store.con.execute("SELECT count(*) FROM source WHERE source_id LIKE ?", [family + ":%"]).fetchone()[0])


def _quick_copies(tmp: Path, years) -> list[Path]:
    """The DOTS extracts and WDI GDP cut to `years`, same file names and formats."""
    out = []
    for path in DOTS + [GDP]:
        frame = pl.read_csv(path, infer_schema_length=0)
        year = "year" if "year" in frame.columns else "Year"
        frame = frame.filter(pl.col(year).cast(pl.Int64).is_between(*years))
        target = tmp / path.name
        frame.write_csv(target)
        out.append(target)
    return out


def run_dots(store, years, only, repeat, results) -> None:
    con = store.con
    countries = [r[0] for r in con.execute(
        "SELECT DISTINCT reporter FROM trade WHERE source_id LIKE 'imf-dots:%' AND reporter <> 'WLD' ORDER BY 1").fetchall()]
    in_rows = con.execute(f"SELECT count(*) FROM trade WHERE source_id LIKE 'imf-dots:%' AND year BETWEEN {years[0]} AND {years[1]}").fetchone()[0]
    print(f"IMF DOTS: {len(countries)} reporters x {years[1] - years[0] + 1} years, {in_rows:,} trade rows", flush=True)
    if "intensity" in only:
        measure("intensity", lambda: trade.trade_intensity(store, countries, years),
                {"pandas": lambda: pd_intensity(con, countries, years), "polars": lambda: pl_intensity(con, countries, years),
                 "duckdb": lambda: sql_intensity(con, countries, years)},
                ["iso3_a", "iso3_b", "year"], ["value"], in_rows, repeat, results)
    if "siei" in only:
        measure("siei", lambda: siei.trade_index(store, countries, years),
                {"pandas": lambda: pd_siei(con, countries, years), "polars": lambda: pl_siei(con, countries, years),
                 "duckdb": lambda: sql_siei(con, countries, years)},
                ["iso3_a", "iso3_b", "year"], ["value"], in_rows, repeat, results)
    if "group" in only:
        measure("group", lambda: trade.group_indicators(store, SCO, years).filter(pl.col("measure") == "intra_share_exports"),
                {"duckdb": lambda: sql_group(con, SCO, years)}, ["year", "measure"], ["value"], in_rows, repeat, results)


def run_baci(store, only, repeat, results) -> None:
    con = store.con
    year, in_rows = con.execute("SELECT max(year), count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()
    countries = [r[0] for r in con.execute(
        "SELECT DISTINCT reporter FROM trade WHERE source_id LIKE 'baci:%' ORDER BY 1").fetchall()]
    print(f"BACI-like {year}: {in_rows:,} rows, {len(countries)} exporters", flush=True)
    both = lambda f: {"pandas": lambda: globals()[f"pd_{f}"](con, year), "polars": lambda: globals()[f"pl_{f}"](con, year),  # noqa: E731
                      "duckdb": lambda: globals()[f"sql_{f}"](con, year)}
    if "hhi" in only:
        measure("hhi", lambda: trade.product_concentration(store, countries, year), both("hhi"),
                ["iso3"], ["hh_wits", "n_products"], in_rows, repeat, results)
    if "rca" in only:
        measure("rca", lambda: trade.rca(store, countries, year), both("rca"), ["iso3", "product"], ["value"],
                in_rows, repeat, results)
    if "similarity" in only:
        measure("similarity", lambda: trade.export_similarity(store, countries, year),
                {**both("similarity"), "numpy": lambda: np_similarity(con, year)},
                ["iso3_a", "iso3_b"], ["value"], in_rows, repeat, results)
    if "complementarity" in only:
        everyone = sorted(set(countries) | {r[0] for r in con.execute(
            "SELECT DISTINCT partner FROM trade WHERE source_id LIKE 'baci:%'").fetchall()})
        measure("complementarity", lambda: trade.complementarity(store, everyone, everyone, year),
                {**both("complementarity"), "numpy": lambda: np_complementarity(con, year)},
                ["importer", "exporter"], ["value", "products"], in_rows, repeat, results)
    if "grubel-lloyd" in only:
        everyone = sorted(set(countries) | {r[0] for r in con.execute(
            "SELECT DISTINCT partner FROM trade WHERE source_id LIKE 'baci:%'").fetchall()})
        measure("grubel-lloyd", lambda: trade.grubel_lloyd(store, everyone, year),
                {"pandas": lambda: pd_grubel_lloyd(con, year), "polars": lambda: pl_grubel_lloyd(con, year),
                 "duckdb": lambda: sql_grubel_lloyd(con, year)},
                ["iso3"], ["value", "products"], in_rows, repeat, results)


def table(results) -> list[str]:
    labels = ["pandas", "polars", "duckdb", "numpy"]
    head = (f"{'measure':16} {'rows in':>11} {'rows out':>10} {'cold':>6} {'project':>8} "
            + " ".join(f"{k:>7}" for k in labels) + f" {'proj/best':>9} {'pd/proj':>8}  goal")
    lines = [head]
    for name, in_rows, n, cold, med in results:
        base = {k: v for k, v in med.items() if k != "project"}
        best = min(base.values())
        p = med["project"]
        pd_ratio = med["pandas"] / p if "pandas" in med else float("nan")
        need = 5 if name in SINGLE_SCAN else 3
        ok = p <= 1.5 * best and ("pandas" not in med or pd_ratio >= need)
        lines.append(f"{name:16} {in_rows:>11,} {n:>10,} {cold:>6.2f} {p:>8.3f} "
                     + " ".join(f"{med[k]:>7.3f}" if k in med else f"{'-':>7}" for k in labels)
                     + f" {p / best:>8.2f}x {pd_ratio:>7.1f}x  {'met' if ok else 'missed'}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small sample, in seconds (CI checks equality with it)")
    ap.add_argument("--only", default=",".join(DOTS_MEASURES + BACI_MEASURES))
    ap.add_argument("--baci-rows", type=int, default=10_000_000)
    ap.add_argument("--baci-dir", type=Path, help="a folder holding a BACI_*.csv (from make_baci_sample.py)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--home", type=Path, help="reuse this store (imports only the datasets it lacks)")
    args = ap.parse_args(argv)
    os.environ["SCO_SNAPSHOT_DIR"] = ""  # no package snapshot: the store holds exactly what is imported here
    only = {m.strip() for m in args.only.split(",") if m.strip()}
    unknown = only - set(DOTS_MEASURES + BACI_MEASURES)
    if unknown:
        ap.error(f"unknown measure(s) {', '.join(sorted(unknown))}; choose from {', '.join(DOTS_MEASURES + BACI_MEASURES)}")
    years = (2019, 2020) if args.quick else (1990, 2020)
    baci_rows = 5_000 if args.quick else args.baci_rows
    print(f"project = sco_observatory.metrics on an on-disk store; baselines read the raw rows through the store's "
          f"DuckDB connection; every result checked equal (rel {REL_TOL:g}) before timing; median of {args.repeat}", flush=True)
    results: list = []
    with tempfile.TemporaryDirectory(prefix="sco-bench-metrics-") as tmp:
        tmp = Path(tmp)
        with open_store(args.home or tmp / "home", seed=False) as store:
            if only & set(DOTS_MEASURES):
                if not _holds(store, "imf-dots"):
                    t = time.perf_counter()
                    _import(store, _quick_copies(tmp, years) if args.quick else DOTS + [GDP])
                    print(f"imported DOTS + WDI GDP in {time.perf_counter() - t:.1f} s", flush=True)
                run_dots(store, years, only, args.repeat, results)
            if only & set(BACI_MEASURES) and not _holds(store, "baci"):
                baci_dir = args.baci_dir
                if baci_dir is None:
                    baci_dir = tmp / "baci"
                    subprocess.run([sys.executable, str(HERE / "make_baci_sample.py"), str(baci_dir),
                                    "--rows", str(baci_rows)], check=True, stdout=subprocess.DEVNULL)
                t = time.perf_counter()
                _import(store, [next(baci_dir.glob("BACI_*.csv"))])
                print(f"imported the BACI-like year in {time.perf_counter() - t:.1f} s", flush=True)
            if only & set(BACI_MEASURES):
                run_baci(store, only, args.repeat, results)
    print()
    for line in table(results):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
