"""Metric speed: our trade metrics (DuckDB SQL + polars) against a straightforward pandas implementation.

(a) IMF DOTS, all reporters x all 31 years (1990-2020): every ordered pair's trade intensity
    (`trade.trade_intensity`) and every unordered pair's SIEI-style trade index
    (`siei.trade_index`, pair level, GDP = WDI NY.GDP.MKTP.CD).
(b) A synthetic BACI-sized year (`make_baci_sample.py`, 10M rows, seeded, skewed): RCA for every
    exporter x product (`trade.rca`), trade complementarity for every ordered (importer, exporter)
    pair (`trade.complementarity`), Grubel-Lloyd of every country with the world (`trade.grubel_lloyd`).

Both sides start from the same store and end with the same numbers: the pandas side SELECTs the raw
trade / indicator rows it needs into pandas (timed: `load` column) and computes the formula with
groupby / merge / numpy — flows basis 'reported' (exporter-reported X rows, FOB), world totals as our
functions use them (DOTS: the WLD partner/reporter rows; BACI: sums over the dataset's own flows),
years from the data. Before any timing every result value is compared with ours (nulls must match;
numbers within 1e-9 relative) — the run stops if they differ. Each measurement is the best of
`--repeat` runs, ours and pandas alternating in one process. Ratio = pandas seconds / ours.
Rows/s = input rows the measure reads / our seconds (DOTS: trade rows of the years; BACI: 10M).

Usage:
    python benchmarks/bench_metrics.py [--part dots|baci|both] [--baci-dir DIR] [--store PATH] [--repeat 3]

Without --baci-dir the BACI sample is generated into a temporary directory (~20 s) and imported
into a temporary on-disk store (~30-40 s); --store reuses an already imported store. Memory: DuckDB
is bounded by SCO_MEMORY_LIMIT (default 1GB, it spills beyond); the pandas side holds the 10M rows
(~2 GB). Never commit generated data.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
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
from sco_observatory.store import open_memory_store, open_store

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
DOTS = [SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv",
        SHARED / "trade_imf_dots" / "dots_other_reporters_to_focus_partners_1990_2020.csv"]
GDP = SHARED / "wdi" / "ny.gdp.mktp.cd.csv"
YEARS = (1990, 2020)
REL_TOL = 1e-9


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of_alternating(fns, repeat: int) -> list[float]:
    """Best time of each function over `repeat` rounds, the functions alternating within a round."""
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for n, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[n] = min(best[n], time.perf_counter() - t)
    return best


def check_equal(name: str, ours: pl.DataFrame, base: pd.DataFrame, keys: list[str], cols: list[str]) -> int:
    """Every row of both results, joined on keys: same key set, same nulls, values within REL_TOL."""
    b = pl.from_pandas(base[keys + cols])
    o = ours.select(keys + cols)
    b = b.with_columns([pl.col(k).cast(o.schema[k]) for k in keys])
    if o.height != b.height:
        raise SystemExit(f"{name}: {o.height:,} rows ours vs {b.height:,} pandas")
    j = o.join(b, on=keys, how="full", suffix="_pd", coalesce=True)
    if j.height != o.height:
        raise SystemExit(f"{name}: key sets differ ({j.height - o.height:,} unmatched rows)")
    for c in cols:
        a, p = j[c].cast(pl.Float64), j[f"{c}_pd"].cast(pl.Float64)
        nulls = (a.is_null() | a.is_nan()) != (p.is_null() | p.is_nan())
        if nulls.any():
            raise SystemExit(f"{name}.{c}: null pattern differs in {nulls.sum():,} rows")
        both = ~(a.is_null() | a.is_nan())
        aa, pp = a.filter(both).to_numpy(), p.filter(both).to_numpy()
        bad = ~np.isclose(aa, pp, rtol=REL_TOL, atol=0.0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SystemExit(f"{name}.{c}: {bad.sum():,} values differ beyond {REL_TOL:g} relative, e.g. {aa[i]!r} vs {pp[i]!r}")
    return j.height


# -- (a) DOTS: pandas baselines -------------------------------------------------------------------

def pd_trade_intensity(con, countries: list[str]) -> pd.DataFrame:
    """TII_ab = (X_ab/X_a)/(X_Wb/X_W), reported exports; X_a = a->WLD, X_Wb = WLD->b, X_W = WLD->WLD."""
    x = con.sql(f"""SELECT reporter AS a, partner AS b, year, value_usd AS v FROM trade
                    WHERE flow = 'X' AND year BETWEEN {YEARS[0]} AND {YEARS[1]} AND source_id LIKE 'imf-dots:%'""").df()
    x = x.groupby(["a", "b", "year"], as_index=False)["v"].sum()
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


def pd_siei_trade(con, countries: list[str]) -> pd.DataFrame:
    """100(X_ab + X_ba)/(Y_a + Y_b) for unordered pairs a<b, years of the GDP series."""
    inl = ", ".join(f"'{c}'" for c in countries)
    x = con.sql(f"""SELECT reporter AS a, partner AS b, year, value_usd AS v FROM trade
                    WHERE flow = 'X' AND year BETWEEN {YEARS[0]} AND {YEARS[1]} AND source_id LIKE 'imf-dots:%'
                      AND reporter IN ({inl}) AND partner IN ({inl})""").df()
    x = x.groupby(["a", "b", "year"], as_index=False)["v"].sum()
    y = con.sql(f"""SELECT iso3, year, value AS y FROM indicator WHERE code = 'NY.GDP.MKTP.CD'
                    AND year BETWEEN {YEARS[0]} AND {YEARS[1]} AND iso3 IN ({inl})""").df()
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


# -- (b) BACI: pandas baselines -------------------------------------------------------------------

def pd_baci_rows(con, year: int) -> pd.DataFrame:
    return con.sql(f"""SELECT reporter AS exporter, partner AS importer, product, value_usd AS value FROM trade
                       WHERE flow = 'X' AND year = {year} AND source_id LIKE 'baci:%' AND product <> 'TOTAL'""").df()


def pd_rca(con, year: int) -> pd.DataFrame:
    """RCA_ik = (x_ik/X_i)/(x_Wk/X_W), world = all exporters in the dataset."""
    b = pd_baci_rows(con, year)
    xik = b.groupby(["exporter", "product"], as_index=False)["value"].sum()
    xi = xik.groupby("exporter")["value"].transform("sum")
    xwk = xik.groupby("product")["value"].transform("sum")
    xik["rca"] = (xik.value / xi) / (xwk / xik.value.sum())
    return xik.rename(columns={"exporter": "iso3", "value": "x_ik", "rca": "value"})


def pd_complementarity(con, year: int) -> pd.DataFrame:
    """TC_ij = 100(1 - Σ_k |m_ik - x_jk|/2) over the union of products, literally (dense share matrices)."""
    b = pd_baci_rows(con, year)
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
    step = 8  # importers per numpy block (memory: step x exporters x products doubles)
    for s in range(0, len(M), step):
        tc[s:s + step] = 100 * (1 - np.abs(M[s:s + step, None, :] - X[None, :, :]).sum(axis=2) / 2)
        n[s:s + step] = (mp[s:s + step, None, :] | xp[None, :, :]).sum(axis=2)
    out = pd.DataFrame({"importer": np.repeat(ms.index.to_numpy(), len(X)), "exporter": np.tile(xs.index.to_numpy(), len(M)),
                        "value": tc.ravel(), "products": n.ravel()})
    return out[out.importer != out.exporter]


def pd_grubel_lloyd(con, year: int) -> pd.DataFrame:
    """GL_i = Σ_k[(X_k+M_k) - |X_k-M_k|] / Σ_k(X_k+M_k), i's trade with the rest of the dataset."""
    b = pd_baci_rows(con, year)
    x = b.groupby(["exporter", "product"])["value"].sum().rename("x")
    m = b.groupby(["importer", "product"])["value"].sum().rename("m")
    x.index.names = m.index.names = ["iso3", "product"]
    k = pd.concat([x, m], axis=1).fillna(0.0)
    k["num"] = (k.x + k.m) - (k.x - k.m).abs()
    k["den"] = k.x + k.m
    g = k.groupby(level="iso3").agg(num=("num", "sum"), den=("den", "sum"), products=("num", "size"))
    g["value"] = g.num / g.den
    return g.reset_index()


# -- driver -----------------------------------------------------------------------------------------

def measure(name, ours_fn, pd_fn, keys, cols, in_rows, repeat, results):
    ours_out, base_out = ours_fn(), pd_fn()
    n = check_equal(name, ours_out, base_out, keys, cols)
    non_null = int(ours_out["value"].is_not_null().sum())
    t_ours, t_pd = best_of_alternating([ours_fn, pd_fn], repeat)
    results.append((name, in_rows, n, non_null, t_ours, t_pd))
    print(f"  {name}: {n:,} result rows ({non_null:,} non-null) equal; ours {t_ours:.2f} s, pandas {t_pd:.2f} s", flush=True)


def run_dots(repeat: int, results: list) -> None:
    store = open_memory_store(seed=False)
    for path in DOTS + [GDP]:
        if not path.exists():
            raise SystemExit(f"{path} missing (set SCO_SHARED_DATA)")
        import_file(store, path)
    con = store.con
    countries = [r[0] for r in con.execute(
        "SELECT DISTINCT reporter FROM trade WHERE reporter <> 'WLD' ORDER BY 1").fetchall()]
    in_rows = con.execute(f"SELECT count(*) FROM trade WHERE year BETWEEN {YEARS[0]} AND {YEARS[1]}").fetchone()[0]
    print(f"(a) IMF DOTS: {len(countries)} reporters x {YEARS[1] - YEARS[0] + 1} years, {in_rows:,} trade rows", flush=True)
    measure("trade_intensity", lambda: trade.trade_intensity(store, countries, YEARS),
            lambda: pd_trade_intensity(con, countries), ["iso3_a", "iso3_b", "year"], ["value"], in_rows, repeat, results)
    measure("siei.trade_index", lambda: siei.trade_index(store, countries, YEARS),
            lambda: pd_siei_trade(con, countries), ["iso3_a", "iso3_b", "year"], ["value"], in_rows, repeat, results)
    store.close()


def run_baci(repeat: int, results: list, baci_dir: Path | None, store_path: Path | None) -> None:
    tmp = tempfile.TemporaryDirectory(prefix="sco-bench-")
    if store_path is None:
        if baci_dir is None:
            baci_dir = Path(tmp.name) / "baci"
            subprocess.run([sys.executable, str(HERE / "make_baci_sample.py"), str(baci_dir)], check=True)
        data = next(baci_dir.glob("BACI_*.csv"))
        store_path = Path(tmp.name) / "store.duckdb"
        store = open_store(store_path, seed=False)
        t = time.perf_counter()
        res = import_file(store, data)
        print(f"imported {res.rows:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
    else:
        store = open_store(store_path, seed=False)
    con = store.con
    year, in_rows = con.execute("SELECT max(year), count(*) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()
    countries = [r[0] for r in con.execute("SELECT DISTINCT reporter FROM trade WHERE source_id LIKE 'baci:%' ORDER BY 1").fetchall()]
    print(f"(b) synthetic BACI {year}: {in_rows:,} rows, {len(countries)} countries", flush=True)
    measure("rca", lambda: trade.rca(store, countries, year), lambda: pd_rca(con, year),
            ["iso3", "product"], ["value"], in_rows, repeat, results)
    measure("complementarity", lambda: trade.complementarity(store, countries, countries, year),
            lambda: pd_complementarity(con, year), ["importer", "exporter"], ["value", "products"], in_rows, repeat, results)
    measure("grubel_lloyd", lambda: trade.grubel_lloyd(store, countries, year), lambda: pd_grubel_lloyd(con, year),
            ["iso3"], ["value", "products"], in_rows, repeat, results)
    t = time.perf_counter()
    pd_baci_rows(con, year)
    print(f"  (pandas load of the {in_rows:,} rows alone: {time.perf_counter() - t:.2f} s, inside each pandas time)")
    store.close()
    tmp.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["dots", "baci", "both"], default="both")
    ap.add_argument("--baci-dir", type=Path)
    ap.add_argument("--store", type=Path, help="an on-disk store that already holds the BACI sample")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"ours = sco_observatory.metrics (DuckDB + polars, SCO_MEMORY_LIMIT={os.environ.get('SCO_MEMORY_LIMIT', '1GB')}); "
          f"pandas = straightforward groupby/merge/numpy; results checked equal (rel {REL_TOL:g}) before timing; "
          f"best of {args.repeat}; ratio = pandas s / ours s", flush=True)
    results: list = []
    if args.part in ("dots", "both"):
        run_dots(args.repeat, results)
    if args.part in ("baci", "both"):
        run_baci(args.repeat, results, args.baci_dir, args.store)
    print(f"\n{'measure':18} {'input rows':>11} {'result rows':>12} {'ours s':>7} {'pandas s':>9} {'ratio':>6} {'rows/s':>11}")
    for name, in_rows, n, _, t_o, t_p in results:
        print(f"{name:18} {in_rows:>11,} {n:>12,} {t_o:>7.2f} {t_p:>9.2f} {t_p / t_o:>5.1f}x {in_rows / t_o:>11,.0f}")
    print(f"peak RSS of this process: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
