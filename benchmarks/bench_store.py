"""The store's speed: the Delta Lake store (catalog + parquet views) against the single-file DuckDB store.

Both stores are built in this run from the same files — the old one by the previous release's code
path (a DuckDB file, schema DDL v1+v2, `Store.replace_source` inserting into DuckDB tables), the new
one by `open_store` — and every metric result is checked equal between them before any timing.

Measures (best of `--repeat`, old and new alternating in one process; ratio = new s / old s, the
brief's bound is 1.5):
- import of each file (one run each, not repeated);
- opening the store (fresh: create + seed; existing: pin the newest commit);
- IMF DOTS panel (both DOTS files + WDI GDP): trade intensity for all reporters x 1990-2020, the
  SIEI-style trade index;
- a 10M-row BACI-like year (`make_baci_sample.py`): RCA, complementarity (all ordered pairs),
  Grubel-Lloyd (all countries);
- a one-year query on a two-year BACI store (sum of trade of one year), and the parquet files DuckDB
  reads for it (EXPLAIN ANALYZE: partition pruning must leave only that year's files).

Usage:
    python benchmarks/bench_store.py [--baci-dir DIR] [--baci-dir2 DIR] [--repeat 3] [--part dots|baci|both]

Without --baci-dir the 10M-row year (2022) and a 3M-row second year (2021) are generated into a
temporary directory (~40 s). Memory: each DuckDB is bounded by SCO_MEMORY_LIMIT (default 1GB).
Never commit generated data.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from sco_observatory import config
from sco_observatory.ingest import import_file
from sco_observatory.store.embedded import seed_embedded
from sco_observatory.metrics import siei, trade
from sco_observatory.store import Store, open_store
from sco_observatory.store.results import frame
from sco_observatory.store.schema import MIGRATIONS

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
DOTS = [SHARED / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv",
        SHARED / "trade_imf_dots" / "dots_other_reporters_to_focus_partners_1990_2020.csv"]
GDP = SHARED / "wdi" / "ny.gdp.mktp.cd.csv"
YEARS = (1990, 2020)
BOUND = 1.5


def old_store(path: Path) -> Store:
    """The single-file store as the previous release built it (DDL v1 then v2, DuckDB tables)."""
    con = duckdb.connect(str(path), config={"memory_limit": config.memory_limit(),
                                            "temp_directory": str(path.parent / "tmp")})
    for version in (1, 2):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    store = Store(con, path)
    seed_embedded(store)
    return store


def best_of_alternating(fns, repeat: int) -> list[float]:
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for n, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[n] = min(best[n], time.perf_counter() - t)
    return best


def same(name: str, a: pl.DataFrame, b: pl.DataFrame) -> None:
    if a.columns != b.columns or a.height != b.height:
        raise SystemExit(f"{name}: shapes differ {a.shape} vs {b.shape}")
    from polars.testing import assert_frame_equal

    keys = [c for c, t in a.schema.items() if not t.is_float()]
    order = keys + [c for c in a.columns if c not in keys]
    a, b = a.sort(order, nulls_last=True), b.sort(order, nulls_last=True)
    try:  # floats to 1e-9 relative (sums over a different row order differ in the last bits), the rest exactly
        assert_frame_equal(a, b, check_exact=False, rel_tol=1e-9, abs_tol=0.0)
    except AssertionError as exc:
        raise SystemExit(f"{name}: results differ between the old and the new store: {str(exc).splitlines()[0]}")


def measure(rows: list, name: str, fn, old: Store, new: Store, repeat: int) -> None:
    same(name, fn(old), fn(new))
    t_old, t_new = best_of_alternating([lambda: fn(old), lambda: fn(new)], repeat)
    rows.append((name, t_old, t_new))
    print(f"  {name}: equal; old {t_old:.3f} s, new {t_new:.3f} s, ratio {t_new / t_old:.2f}", flush=True)


def timed_import(rows: list, old: Store, new: Store, path: Path) -> None:
    t = time.perf_counter()
    r_old = import_file(old, path)
    t_old = time.perf_counter() - t
    t = time.perf_counter()
    r_new = import_file(new, path)
    t_new = time.perf_counter() - t
    assert r_old.rows == r_new.rows, (r_old, r_new)
    rows.append((f"import {path.name[:28]} ({r_new.rows:,} rows)", t_old, t_new))
    print(f"  import {path.name}: {r_new.rows:,} rows; old {t_old:.1f} s, new {t_new:.1f} s", flush=True)


def files_read(store: Store, year: int) -> tuple[int, str]:
    """Parquet files DuckDB opens for a one-year query (from EXPLAIN ANALYZE), and the plan's scan line."""
    plan = store.con.execute(
        "EXPLAIN ANALYZE SELECT sum(value_usd) FROM trade WHERE year = ? AND source_id LIKE 'baci:%'", [year]
    ).fetchall()[0][1]
    found = re.search(r"Total Files Read:\s*(\d+)", plan)
    return (int(found.group(1)) if found else -1), plan


def run(args) -> None:
    work = tempfile.TemporaryDirectory(prefix="sco-bench-store-")
    base = Path(work.name)
    rows: list = []
    t = time.perf_counter()
    fresh_new = open_store(base / "fresh.store")
    open_new = time.perf_counter() - t
    t = time.perf_counter()
    fresh_old = old_store(base / "fresh.duckdb")
    open_old = time.perf_counter() - t
    fresh_new.close(), fresh_old.close()
    rows.append(("open a fresh store (create + seed)", open_old, open_new))
    old = old_store(base / "old.duckdb")
    new = open_store(base / "new.store")
    if args.part in ("dots", "both"):
        print("(a) IMF DOTS panel", flush=True)
        for path in DOTS + [GDP]:
            timed_import(rows, old, new, path)
        countries = [r[0] for r in new.con.execute(
            "SELECT DISTINCT reporter FROM trade WHERE reporter <> 'WLD' AND source_id LIKE 'imf-dots:%' ORDER BY 1").fetchall()]
        measure(rows, "trade_intensity (DOTS, all x 31 y)", lambda s: trade.trade_intensity(s, countries, YEARS),
                old, new, args.repeat)
        measure(rows, "siei.trade_index (DOTS)", lambda s: siei.trade_index(s, countries, YEARS), old, new, args.repeat)
        measure(rows, "group_indicators CA5 (DOTS)", lambda s: trade.group_indicators(s, ["KAZ", "KGZ", "TJK", "TKM", "UZB"], YEARS),
                old, new, args.repeat)
    if args.part in ("baci", "both"):
        baci_dir, second_dir = args.baci_dir, args.baci_dir2
        if baci_dir is None:
            baci_dir, second_dir = base / "baci2022", base / "baci2021"
            subprocess.run([sys.executable, str(HERE / "make_baci_sample.py"), str(baci_dir)], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run([sys.executable, str(HERE / "make_baci_sample.py"), str(second_dir), "--rows", "3000000",
                            "--year", "2021"], check=True, stdout=subprocess.DEVNULL)
        print("(b) BACI-like years", flush=True)
        data = next(baci_dir.glob("BACI_*.csv"))
        timed_import(rows, old, new, data)
        year = new.con.execute("SELECT max(year) FROM trade WHERE source_id LIKE 'baci:%'").fetchone()[0]
        countries = [r[0] for r in new.con.execute(
            "SELECT DISTINCT reporter FROM trade WHERE source_id LIKE 'baci:%' ORDER BY 1").fetchall()]
        measure(rows, f"rca (BACI {year}, 10M rows)", lambda s: trade.rca(s, countries, year), old, new, args.repeat)
        measure(rows, "complementarity (all pairs)", lambda s: trade.complementarity(s, countries, countries, year),
                old, new, args.repeat)
        measure(rows, "grubel_lloyd (all countries)", lambda s: trade.grubel_lloyd(s, countries, year), old, new,
                args.repeat)
        if second_dir is not None:
            timed_import(rows, old, new, next(second_dir.glob("BACI_*.csv")))
            one = lambda s: frame(  # noqa: E731
                s.con, "SELECT count(*), sum(value_usd) FROM trade WHERE year = ? AND source_id LIKE 'baci:%'", [year])
            measure(rows, f"one-year query ({year}) on 2 BACI years", one, old, new, args.repeat)
            n_files, plan = files_read(new, year)
            total = len(new.table_files("trade"))
            baci_files = [f for f in new.table_files("trade") if "source_id=baci" in f]
            year_files = [f for f in baci_files if f"/year={year}/" in f]
            print(f"  new store: the one-year query reads {n_files} parquet file(s) of {len(baci_files)} BACI files "
                  f"({total} trade files in all); {len(year_files)} file(s) hold {year}", flush=True)
            if n_files != len(year_files):
                print(plan)
                raise SystemExit("partition pruning did not restrict the scan to one year's files")
    t = time.perf_counter()
    again = open_store(base / "new.store")
    open_existing = time.perf_counter() - t
    again.close()
    old.close(), new.close()
    t = time.perf_counter()
    reopened = Store(duckdb.connect(str(base / "old.duckdb"), read_only=True), base / "old.duckdb")
    reopened.schema_version()
    reopened.close()
    rows.append(("open the existing store", time.perf_counter() - t, open_existing))
    print(f"\n{'measure':48} {'old s':>8} {'new s':>8} {'new/old':>8}")
    worst = 0.0
    for name, t_old, t_new in rows:
        ratio = t_new / t_old
        flag = "" if name.startswith(("import", "open")) else (" over bound" if ratio > BOUND else "")
        if not name.startswith(("import", "open")):
            worst = max(worst, ratio)
        print(f"{name:48} {t_old:>8.3f} {t_new:>8.3f} {ratio:>7.2f}x{flag}")
    print(f"worst query ratio new/old: {worst:.2f} (bound {BOUND})")
    work.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["dots", "baci", "both"], default="both")
    ap.add_argument("--baci-dir", type=Path, help="a directory holding a BACI_*.csv (the 10M-row year)")
    ap.add_argument("--baci-dir2", type=Path, help="a directory holding a second BACI year (one-year query test)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"old = single-file DuckDB store (previous release's code path); new = Delta Lake store; "
          f"SCO_MEMORY_LIMIT={os.environ.get('SCO_MEMORY_LIMIT', '1GB')}; best of {args.repeat}, alternating", flush=True)
    run(args)


if __name__ == "__main__":
    main()
