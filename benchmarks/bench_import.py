"""Import speed: our DuckDB streaming import path against a plain-Python baseline, side by side.

Both load the same file into a fresh in-memory store: the baseline parses with the csv module,
resolves countries row by row and inserts with executemany (what a straightforward script does);
ours is `sco import` (DuckDB reads, distinct codes resolved once, set-based validation, one swap).
Reports rows, seconds, rows/s, peak RSS growth, and the ratio baseline/ours. Each run is repeated
and the best is kept.

Usage: python benchmarks/bench_import.py [FILE ...]   (default: the largest files in ../shared/data)
"""

from __future__ import annotations

import csv
import os
import resource
import sys
import time
from pathlib import Path

from sco_observatory.countries import lookup
from sco_observatory.ingest import import_file
from sco_observatory.store import open_memory_store

SHARED = Path(os.environ.get("SCO_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEFAULT = [SHARED / "wdi" / "ny.gdp.mktp.cd.csv", SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(path: Path) -> tuple[int, float]:
    store = open_memory_store(seed=False)
    t = time.perf_counter()
    result = import_file(store, path)
    elapsed = time.perf_counter() - t
    store.close()
    return result.rows, elapsed


def baseline(path: Path) -> tuple[int, float]:
    """Row-by-row: the csv module, one resolver call per row, executemany insert (WDI long or DOTS long)."""
    store = open_memory_store(seed=False)
    t = time.perf_counter()
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        for r in reader:
            if "Country Code" in r:
                c = lookup(r["Country Code"])
                if c is None or c.kind == "aggregate" and c.iso3 != "WLD" or not r["Value"]:
                    continue
                rows.append((c.iso3, int(r["Year"]), path.stem.upper(), float(r["Value"]), None, False, "baseline"))
            else:
                a, b = lookup(r["reporter"]), lookup(r["partner"])
                if a is None or b is None or not b.iso3 or a.kind == "aggregate":
                    continue
                flow = "X" if r["flow"].startswith("exports") else "M"
                rows.append((a.iso3, b.iso3, int(r["year"]), flow, "TOTAL", float(r["value_usd_mn"]) * 1e6,
                             "FOB" if flow == "X" else "CIF", r["imf_estimate"] == "1", "baseline"))
    table = "indicator" if rows and len(rows[0]) == 7 else "trade"
    store.con.execute("BEGIN")
    store.con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    store.con.execute("COMMIT")
    elapsed = time.perf_counter() - t
    store.close()
    return len(rows), elapsed


def baseline_pandas(path: Path) -> tuple[int, float]:
    """A vectorised script: pandas.read_csv, codes mapped with a dict per distinct value, one bulk insert."""
    import pandas as pd

    store = open_memory_store(seed=False)
    t = time.perf_counter()
    df = pd.read_csv(path, encoding="utf-8-sig")
    if "Country Code" in df.columns:
        codes = {v: lookup(v) for v in df["Country Code"].dropna().unique()}
        iso = df["Country Code"].map(lambda v: None if codes.get(v) is None or codes[v].kind == "aggregate" and codes[v].iso3 != "WLD" else codes[v].iso3)
        out = pd.DataFrame({"iso3": iso, "year": df["Year"], "code": path.stem.upper(), "value": df["Value"],
                            "unit": None, "estimate": False, "source_id": "baseline"}).dropna(subset=["iso3", "value"])
        table = "indicator"
    else:
        names = {v: lookup(v) for v in pd.unique(df[["reporter", "partner"]].values.ravel())}
        to_iso = lambda v: None if names.get(v) is None or not names[v].iso3 or names[v].kind == "aggregate" and names[v].iso3 != "WLD" else names[v].iso3
        flow = df["flow"].str.startswith("exports").map({True: "X", False: "M"})
        out = pd.DataFrame({"reporter": df["reporter"].map(to_iso), "partner": df["partner"].map(to_iso), "year": df["year"],
                            "flow": flow, "product": "TOTAL", "value_usd": df["value_usd_mn"] * 1e6,
                            "valuation": flow.map({"X": "FOB", "M": "CIF"}), "estimate": df["imf_estimate"] == 1,
                            "source_id": "baseline"}).dropna(subset=["reporter", "partner"]).drop_duplicates()
        table = "trade"
    store.con.register("frame", out)
    store.con.execute(f"INSERT INTO {table} SELECT * FROM frame")
    elapsed = time.perf_counter() - t
    store.close()
    return len(out), elapsed


def main(paths: list[Path]) -> None:
    print("ours = sco import (validated, transactional); naive = csv module + executemany; "
          "pandas = read_csv + dict mapping + one bulk insert (no validation). Ratios: baseline time / ours.")
    print(f"{'file':40} {'rows':>9} {'ours s':>7} {'rows/s':>9} {'naive s':>8} {'ratio':>6} {'pandas s':>9} {'ratio':>6}")
    for path in paths:
        if not path.exists():
            print(f"{path.name:40} missing (set SCO_SHARED_DATA)")
            continue
        best_ours = min((ours(path) for _ in range(3)), key=lambda r: r[1])
        best_base = min((baseline(path) for _ in range(2)), key=lambda r: r[1])
        best_pd = min((baseline_pandas(path) for _ in range(3)), key=lambda r: r[1])
        print(f"{path.name[:40]:40} {best_ours[0]:>9,} {best_ours[1]:>7.2f} {best_ours[0] / best_ours[1]:>9,.0f} "
              f"{best_base[1]:>8.2f} {best_base[1] / best_ours[1]:>5.1f}x {best_pd[1]:>9.2f} {best_pd[1] / best_ours[1]:>5.1f}x")
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
